//! Writing deltas: parse on behalf of the caller, initialise the caller's starter graph if
//! missing, then check against the current graph and write under locks in one transaction (a
//! refusal writes nothing), retrying when a concurrent writer collides, and wake the vector
//! projector for the blocks that changed.

use std::sync::Arc;

use chrono::Utc;
use exobrain_proto::knowledge as pb;
use prost::Message;

use super::Knowledge;
use super::starter::{self, StarterIds};
use crate::access::{SYSTEM_USER, Viewer};
use crate::delta::{Delta, check, parse};
use crate::graph::plan::InitMarker;
use crate::graph::{Applied, GraphStore, StoreError};
use crate::grpc::error::KnowledgeError;
use crate::vectors::VectorStore;

/// How often a write is retried after colliding with another writer.
const WRITE_ATTEMPTS: usize = 3;
/// How many sets of ids a starter graph tries (the derived ones, then fresh ones).
const STARTER_TRIES: usize = 3;

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// `UpsertGraphDelta` for `caller`, within the delta caps.
    pub async fn upsert_delta(
        &self,
        caller: &Viewer,
        request: pb::UpsertGraphDeltaRequest,
    ) -> Result<Applied, KnowledgeError> {
        let records = request.universes.len()
            + request.entities.len()
            + request.blocks.len()
            + request.edges.len();
        self.limits.check_delta(records, request.encoded_len())?;
        if caller.user_id() != SYSTEM_USER {
            self.ensure_initialised(caller).await?;
        }
        let delta = parse::delta(caller, request)?;
        self.apply(delta, None).await
    }

    /// Checks and writes a parsed delta (with an init marker, for starter graphs).
    pub(super) async fn apply(
        &self,
        delta: Delta,
        marker: Option<InitMarker>,
    ) -> Result<Applied, KnowledgeError> {
        let schema = self.schema().await?;
        let query = check::state_query(&delta);
        let delta = Arc::new(delta);
        let started = std::time::Instant::now();
        let mut attempt = 0;
        let applied = loop {
            attempt += 1;
            let (schema, delta, marker) = (schema.clone(), delta.clone(), marker.clone());
            let outcome = self
                .graph
                .write(&query, move |state| {
                    let mut plan = check::plan(&schema, &delta, state)?;
                    plan.marker = marker;
                    Ok(plan)
                })
                .await;
            match outcome {
                Ok(Ok(applied)) => break applied,
                Ok(Err(refusal)) => return Err(refusal.into()),
                Err(StoreError::Conflict(cause)) if attempt < WRITE_ATTEMPTS => {
                    tracing::debug!(%cause, attempt, "graph write collided; retrying");
                }
                Err(error) => return Err(error.into()),
            }
        };
        metrics::histogram!("knowledge_delta_write_seconds").record(started.elapsed());
        metrics::counter!("knowledge_records_changed_total", "kind" => "entity")
            .increment(u64::from(applied.counts.entities));
        metrics::counter!("knowledge_records_changed_total", "kind" => "block")
            .increment(u64::from(applied.counts.blocks));
        metrics::counter!("knowledge_records_changed_total", "kind" => "edge")
            .increment(u64::from(applied.counts.edges));
        if !applied.vector_work.is_empty() {
            self.projector.notify_one();
        }
        tracing::debug!(
            user_id = %delta.caller.user_id(),
            at = %Utc::now(),
            entities = applied.counts.entities,
            blocks = applied.counts.blocks,
            edges = applied.counts.edges,
            "graph delta applied"
        );
        Ok(applied)
    }

    /// The caller's starter graph exists (cached per process; writes call this).
    async fn ensure_initialised(&self, caller: &Viewer) -> Result<(), KnowledgeError> {
        if self.initialised.read().await.contains_key(caller.user_id()) {
            return Ok(());
        }
        self.init_user(caller, caller.user_id()).await.map(|_| ())
    }

    /// Creates `caller`'s starter graph unless its marker exists (named `user_name`);
    /// returns the marker, which holds the person and assistant ids. Idempotent and safe to
    /// retry: the marker is written in the same transaction as the graph it marks, and
    /// re-applying the starter graph over an existing one changes nothing.
    pub async fn init_user(
        &self,
        caller: &Viewer,
        user_name: &str,
    ) -> Result<InitMarker, KnowledgeError> {
        let user_id = caller.user_id();
        let marker = match self.graph.init_marker(user_id).await? {
            Some(marker) => marker,
            None => self.write_starter(caller, user_name).await?,
        };
        self.initialised
            .write()
            .await
            .insert(user_id.to_owned(), marker.clone());
        Ok(marker)
    }

    /// Writes `caller`'s starter graph with its derived ids, or with fresh ones when another
    /// user holds one of those (the only reason the caller's own starter graph is refused
    /// as PERMISSION_DENIED: it touches no other record). Returns the marker as stored,
    /// which a concurrent first call may have written.
    async fn write_starter(
        &self,
        caller: &Viewer,
        user_name: &str,
    ) -> Result<InitMarker, KnowledgeError> {
        self.bootstrap().await?;
        let mut ids = StarterIds::derived(caller.user_id());
        let mut tries = 0;
        loop {
            tries += 1;
            let (delta, marker) = starter::user_delta(caller, user_name, ids);
            match self.apply(delta, Some(marker)).await {
                Ok(_) => break,
                Err(KnowledgeError::PermissionDenied(reason)) if tries < STARTER_TRIES => {
                    tracing::warn!(user_id = %caller.user_id(), %reason, "starter ids taken by another user; using fresh ones");
                    ids = StarterIds::fresh();
                }
                Err(error) => return Err(error),
            }
        }
        self.graph
            .init_marker(caller.user_id())
            .await?
            .ok_or_else(|| {
                KnowledgeError::Internal("starter graph written without its marker".into())
            })
    }

    /// Writes the shared root graph (Real World, Exobrain) unless it is already there.
    pub async fn bootstrap(&self) -> Result<(), KnowledgeError> {
        let system = Viewer::new(SYSTEM_USER).expect("system user id is not blank");
        let applied = self.apply(starter::root_delta(&system), None).await?;
        if applied.counts != Default::default() {
            tracing::info!("shared root graph written");
        }
        Ok(())
    }

    /// Sets the person's name to `user_name` if it differs (GetUserInitGraph keeps it
    /// current).
    pub async fn rename_person(
        &self,
        caller: &Viewer,
        marker: &InitMarker,
        user_name: &str,
    ) -> Result<(), KnowledgeError> {
        let person = self
            .graph
            .nodes(caller, &[marker.person_entity_id])
            .await?
            .into_iter()
            .next();
        let Some(person) = person else {
            return Ok(());
        };
        if person.name.as_deref() == Some(user_name) {
            return Ok(());
        }
        let request = pb::UpsertGraphDeltaRequest {
            entities: vec![pb::EntityNode {
                id: person.id.to_string(),
                type_id: person.type_id.clone(),
                universe_id: None,
                properties: vec![pb::PropertyValue {
                    key: "name".into(),
                    value: Some(pb::property_value::Value::StringValue(user_name.into())),
                }],
                user_id: String::new(),
                visibility: match person.visibility {
                    crate::access::Visibility::Private => pb::Visibility::Private,
                    crate::access::Visibility::Shared => pb::Visibility::Shared,
                } as i32,
                source: None,
            }],
            ..Default::default()
        };
        self.apply(parse::delta(caller, request)?, None).await?;
        Ok(())
    }
}
