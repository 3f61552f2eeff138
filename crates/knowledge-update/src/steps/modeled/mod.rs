//! The model strategy: steps 2 and 4-10 ask model aliases, steps 3 and the context reads ask
//! the graph. Independent calls run at once (per entity in 4, 5 and 8, per pair in 7) under
//! the job's bound and the worker's model slots, and relationship work (6, 7) runs beside the
//! entity graphs (8), so a job's wall time follows the depth of the steps (about six model
//! latencies), not the number of entities. Every step and every per-item call keeps its
//! answer as a checkpoint before the job goes on.

mod extract;
mod graph;
mod mentions;
mod relate;
mod resolve;

use std::collections::{BTreeMap, HashMap, HashSet};

use exobrain_proto::knowledge as pb;
use serde_json::Value;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::merge::Parts;
use super::{Extracted, candidates, label};
use crate::error::UpdateError;
use crate::ids::{Minter, normalise};
use crate::knowledge::Knowledge;
use crate::memo::Memo;
use crate::model::{Ask, Asked, ModelClient};
use crate::ports::Progress;
use crate::settings::Aliases;

/// What the model steps work with.
pub struct Context<'a> {
    /// The graph, as the job's user.
    pub knowledge: &'a Knowledge,
    /// Checkpoints.
    pub memo: &'a Memo<'a>,
    /// Where progress goes.
    pub progress: &'a dyn Progress,
    /// Mints the job's ids.
    pub minter: Minter,
    /// model-provider.
    pub model: &'a ModelClient,
    /// Model calls in flight across the worker's jobs.
    pub slots: &'a Semaphore,
    /// The alias of each step.
    pub aliases: &'a Aliases,
    /// Counts of model calls.
    pub asked: &'a Asked,
    /// Calls in flight at most, per job.
    pub bound: usize,
    /// The batch document (step 1).
    pub document: String,
    /// The sequences of the job's messages.
    pub sequences: HashSet<i64>,
    /// Each entity type's inheritance chain, itself included.
    pub chains: HashMap<String, Vec<String>>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

/// An entity after resolution: what was read, and what it is written as.
#[derive(Debug, Clone)]
pub struct Subject {
    /// What step 2 read (aliases of merged twins included).
    pub extracted: Extracted,
    /// Its id.
    pub id: Uuid,
    /// Whether the graph already holds it.
    pub matched: bool,
    /// The type it is written with (a stored entity keeps its own).
    pub node_type: String,
    /// Step 4's notes.
    pub notes: String,
}

impl Context<'_> {
    /// Asks one question under the worker's model slots.
    pub async fn ask(
        &self,
        ask: Ask<'_>,
        rules: impl Fn(&Value) -> Vec<String>,
    ) -> Result<Value, UpdateError> {
        let step = ask.step.to_owned();
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| UpdateError::Interrupted)?;
        self.model
            .ask(ask, self.asked, rules)
            .await
            .map_err(UpdateError::model(&step))
    }

    /// Whether `type_id` is `ancestor` or inherits from it.
    pub fn is_a(&self, type_id: &str, ancestor: &str) -> bool {
        type_id == ancestor
            || self
                .chains
                .get(type_id)
                .is_some_and(|chain| chain.iter().any(|t| t == ancestor))
    }
}

/// The parts of the delta, read by models.
pub async fn parts(
    cx: &Context<'_>,
    schema: &pb::GetEntityExtractionSchemaContextReply,
) -> Result<Parts, UpdateError> {
    cx.progress.report(label(2, "entity extraction"));
    let extraction = cx
        .memo
        .remember("extraction", || extract::run(cx, schema))
        .await?;
    let count = extraction.entities.len();
    cx.progress
        .report(label(3, &format!("candidate matching ({count} entities)")));
    let matches = cx
        .memo
        .remember("candidates", || {
            candidates::find(cx.knowledge, &extraction.entities, true, cx.bound)
        })
        .await?;
    let subjects = resolve::run(cx, &extraction.entities, &matches).await?;
    let (relations, graphs) =
        tokio::try_join!(relate::run(cx, &subjects), graph::run(cx, &subjects))?;
    let mentions = mentions::run(cx, &subjects, &graphs).await?;
    let (universes, new_universes) = universes(cx, schema, &extraction.universes, &subjects);
    Ok(Parts {
        entities: graphs,
        relations,
        mentions,
        new_universes,
        universes,
    })
}

/// Universes by normalised name: the user's stored ones, and new ones minted for the names
/// the entities use that none of those has.
fn universes(
    cx: &Context<'_>,
    schema: &pb::GetEntityExtractionSchemaContextReply,
    read: &[super::ExtractedUniverse],
    subjects: &[Subject],
) -> (BTreeMap<String, Uuid>, BTreeMap<String, Uuid>) {
    let mut all: BTreeMap<String, Uuid> = schema
        .universes
        .iter()
        .filter_map(|u| Some((normalise(&u.name), Uuid::parse_str(&u.id).ok()?)))
        .collect();
    let mut new = BTreeMap::new();
    let named = subjects
        .iter()
        .filter(|s| !s.matched)
        .filter_map(|s| s.extracted.universe.as_deref());
    for name in named {
        let key = normalise(name);
        if key.is_empty() || all.contains_key(&key) {
            continue;
        }
        let shown = read
            .iter()
            .find(|u| normalise(&u.name) == key)
            .map_or(name, |u| u.name.as_str());
        let id = cx.minter.universe(name);
        all.insert(key, id);
        new.insert(shown.trim().to_owned(), id);
    }
    (all, new)
}
