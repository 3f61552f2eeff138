//! Listings for extraction and browsing: `ListEntitiesByType` (relevance order, keyset
//! pages, real totals) and `GetEntityExtractionSchemaContext` (entity types with their
//! chains, and the universes the caller can see).

use super::Knowledge;
use crate::access::Viewer;
use crate::graph::GraphStore;
use crate::graph::model::ENTITY_TYPE;
use crate::graph::reads::{EntityPage, PageRequest, PageStart, UniverseSummary};
use crate::grpc::error::KnowledgeError;
use crate::schema::Kind;
use crate::schema::model::SchemaType;
use crate::vectors::VectorStore;

/// An entity type as extraction prompts show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractionType {
    /// The type.
    pub schema_type: SchemaType,
    /// Root → type.
    pub chain: Vec<String>,
}

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// One page of the entities of `type_id` (and its subtypes) `viewer` may see.
    pub async fn list_entities(
        &self,
        viewer: &Viewer,
        type_id: &str,
        page_size: usize,
        start: PageStart,
    ) -> Result<EntityPage, KnowledgeError> {
        let schema = self.schema().await?;
        let type_ids = schema.descendants(type_id);
        if type_ids.is_empty() {
            return Ok(EntityPage {
                items: Vec::new(),
                next: None,
                total: 0,
            });
        }
        Ok(self
            .graph
            .list_entities(
                viewer,
                &PageRequest {
                    type_ids,
                    page_size,
                    start,
                },
            )
            .await?)
    }

    /// The entity types (everything under `node.entity`, inactive ones too on request) and
    /// the universes `viewer` may see.
    pub async fn extraction_context(
        &self,
        viewer: &Viewer,
        include_inactive: bool,
    ) -> Result<(Vec<ExtractionType>, Vec<UniverseSummary>), KnowledgeError> {
        let schema = self.schema().await?;
        let mut types: Vec<ExtractionType> = schema
            .all_types(Kind::Node)
            .into_iter()
            .filter(|t| include_inactive || t.active)
            .filter(|t| schema.is_assignable(&t.id, ENTITY_TYPE))
            .map(|t| ExtractionType {
                chain: schema.chain(&t.id),
                schema_type: t.clone(),
            })
            .collect();
        types.sort_by(|a, b| a.schema_type.id.cmp(&b.schema_type.id));
        let universes = self.graph.universes(viewer).await?;
        Ok((types, universes))
    }
}
