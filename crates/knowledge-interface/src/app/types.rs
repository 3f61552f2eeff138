//! Schema-type vectors and type search (`FindNodeTypeCandidates`, `FindEdgeTypeCandidates`):
//! each active type is embedded from one template (`entity type: {name}` or
//! `relationship type: {name}`, a blank line, `description:` and the description), the same
//! on both sides; points carry a content hash so unchanged types are not re-embedded, and
//! types that are no longer active are removed.

use std::collections::HashMap;

use serde_json::{Map, Value};
use uuid::{Uuid, uuid};

use super::Knowledge;
use crate::access::Visibility;
use crate::embedding::text_hash;
use crate::graph::GraphStore;
use crate::grpc::error::KnowledgeError;
use crate::schema::Kind;
use crate::vectors::{EDGE_TYPES, NODE_TYPES, VectorError, VectorPoint, VectorStore};

/// Namespace of type point ids (UUIDv5 of the type id), as in the original.
const TYPE_POINT_NAMESPACE: Uuid = uuid!("4eb19fec-bee2-5362-a80f-fe43dcf0ed08");

/// A type search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeHit {
    /// Type id.
    pub type_id: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Cosine similarity.
    pub score: f64,
}

fn collection(kind: Kind) -> &'static str {
    match kind {
        Kind::Node => NODE_TYPES,
        Kind::Edge => EDGE_TYPES,
    }
}

/// The text a type (or a type query) is embedded from.
pub fn type_text(kind: Kind, name: &str, description: &str) -> String {
    let noun = match kind {
        Kind::Node => "entity type",
        Kind::Edge => "relationship type",
    };
    format!("{noun}: {name}\n\ndescription:\n{description}")
}

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// Brings the type collections in line with the active schema; returns how many types
    /// were embedded.
    pub async fn sync_types(&self) -> Result<usize, KnowledgeError> {
        let model = self.model().await?.clone();
        let schema = self.schema().await?;
        let mut embedded = 0;
        for kind in [Kind::Node, Kind::Edge] {
            let name = collection(kind);
            let spec = self.spec(name, &model);
            match self.vectors.ensure_collection(&spec).await {
                Err(VectorError::ModelMismatch { .. }) => {
                    self.vectors.recreate_collection(&spec).await?;
                }
                other => other?,
            }
            let wanted: HashMap<Uuid, (String, String, String)> = schema
                .active_types(kind)
                .into_iter()
                .filter(|t| t.id != kind.as_str())
                .map(|t| {
                    let text = type_text(kind, &t.name, &t.description);
                    (
                        Uuid::new_v5(&TYPE_POINT_NAMESPACE, t.id.as_bytes()),
                        (t.id.clone(), text_hash(&text), text),
                    )
                })
                .collect();
            let mut stored = HashMap::new();
            let mut after = None;
            loop {
                let page = self.vectors.scroll(name, after, 512).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                for point in page {
                    let hash = point
                        .payload
                        .get("content_hash")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    stored.insert(point.id, hash);
                }
            }
            let gone: Vec<Uuid> = stored
                .keys()
                .filter(|id| !wanted.contains_key(id))
                .copied()
                .collect();
            if !gone.is_empty() {
                self.vectors.delete(name, &gone).await?;
            }
            let changed: Vec<(&Uuid, &(String, String, String))> = wanted
                .iter()
                .filter(|(id, (_, hash, _))| {
                    stored.get(id).and_then(|h| h.as_deref()) != Some(hash.as_str())
                })
                .collect();
            if changed.is_empty() {
                continue;
            }
            let texts: Vec<String> = changed
                .iter()
                .map(|(_, (_, _, text))| text.clone())
                .collect();
            let vectors = self.embedder.embed(&texts).await?;
            let points = changed
                .into_iter()
                .zip(vectors)
                .filter_map(|((id, (type_id, hash, _)), vector)| {
                    let t = schema.active(type_id)?;
                    let mut payload = Map::new();
                    payload.insert("type_id".into(), t.id.clone().into());
                    payload.insert("kind".into(), kind.as_str().into());
                    payload.insert("name".into(), t.name.clone().into());
                    payload.insert("description".into(), t.description.clone().into());
                    payload.insert("active".into(), true.into());
                    payload.insert("content_hash".into(), hash.clone().into());
                    Some(VectorPoint {
                        id: *id,
                        vector,
                        user_id: crate::access::SYSTEM_USER.to_owned(),
                        visibility: Visibility::Shared,
                        payload,
                    })
                })
                .collect::<Vec<_>>();
            embedded += points.len();
            self.vectors.upsert(name, points).await?;
        }
        Ok(embedded)
    }

    /// Active types of `kind` closest to a name and description.
    pub async fn find_types(
        &self,
        kind: Kind,
        name: &str,
        description: &str,
        limit: usize,
    ) -> Result<Vec<TypeHit>, KnowledgeError> {
        let vector = self.embed_one(&type_text(kind, name, description)).await?;
        let hits = self
            .vectors
            .search(collection(kind), &vector, None, limit)
            .await?;
        let schema = self.schema().await?;
        let mut found: Vec<TypeHit> = hits
            .into_iter()
            .filter_map(|hit| {
                let type_id = hit.point.payload.get("type_id")?.as_str()?;
                let t = schema.active(type_id)?;
                Some(TypeHit {
                    type_id: t.id.clone(),
                    name: t.name.clone(),
                    description: t.description.clone(),
                    score: f64::from(hit.score),
                })
            })
            .collect();
        found.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.type_id.cmp(&b.type_id))
        });
        Ok(found)
    }
}
