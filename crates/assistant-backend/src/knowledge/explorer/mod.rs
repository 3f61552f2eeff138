//! The knowledge explorer: the category tree, a category's pages, one page, and block edits,
//! all read from and written to knowledge-interface for the signed-in user (every call goes
//! through [`Upstreams::knowledge_request`]). `categories` and `blocks` are pure rules over
//! the replies; `page` shapes a page; `patch` owns the rules of a block edit; `search` finds
//! pages by name and meaning; `graph` draws a page's neighbourhood.

mod blocks;
mod categories;
mod graph;
mod page;
mod patch;
mod search;

use std::collections::HashMap;

use exobrain_proto::knowledge as pb;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub use categories::Category;
pub use graph::{Graph, GraphEdge, GraphNode, MAX_GRAPH_NODES};
pub use page::{ContentBlock, Link, Metadata, Page};
pub use patch::{BlockEdit, Patched};
pub use search::{MatchKind, SearchResult, SearchResults};

use self::categories::Taxonomy;
use self::page::PageContext;
use super::error::{Call, KnowledgeError};
use crate::upstream::Upstreams;

/// The universe of the schema the tree is built from (as in the original service).
const SCHEMA_UNIVERSE: &str = "wiki";
/// How deep a page's block tree is read (as in the original service).
const PAGE_BLOCK_LEVELS: u32 = 2;
/// Category counts read at the same time.
const CONCURRENT_COUNTS: usize = 8;

/// Reads and edits of the user's knowledge pages.
#[derive(Debug, Clone)]
pub struct KnowledgeExplorer {
    upstreams: Upstreams,
}

/// One page of a category's listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PageSummary {
    pub id: String,
    pub title: String,
    pub summary: Option<String>,
    /// `created_at` is `null`: the listing does not carry it.
    pub metadata: Metadata,
}

/// A page of a category's listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CategoryPages {
    pub knowledge_pages: Vec<PageSummary>,
    pub page_size: u32,
    pub next_page_token: Option<String>,
    pub total_count: Option<u32>,
}

impl KnowledgeExplorer {
    /// The explorer over `upstreams`.
    pub fn new(upstreams: Upstreams) -> Self {
        Self { upstreams }
    }

    /// The category tree with the number of `user`'s pages in each category.
    pub async fn categories(&self, user: Uuid) -> Result<Vec<Category>, KnowledgeError> {
        let request = self.upstreams.knowledge_request(
            user,
            pb::GetSchemaRequest {
                universe_id: SCHEMA_UNIVERSE.to_owned(),
            },
        );
        let schema = self
            .upstreams
            .knowledge()
            .get_schema(request)
            .await
            .map_err(KnowledgeError::upstream(Call::Categories))?
            .into_inner();
        let taxonomy = Taxonomy::of(&schema);
        let counts: HashMap<String, u32> = futures::stream::iter(taxonomy.shown())
            .map(|category| async move {
                let listing = self
                    .list(user, &category, Some(1), None, Call::Categories)
                    .await?;
                Ok::<_, KnowledgeError>((category, listing.total_count.unwrap_or(0)))
            })
            .buffer_unordered(CONCURRENT_COUNTS)
            .try_collect()
            .await?;
        Ok(taxonomy.render(&counts))
    }

    /// One page of `user`'s pages of `category`.
    pub async fn pages(
        &self,
        user: Uuid,
        category: &str,
        page_size: u32,
        page_token: Option<String>,
    ) -> Result<CategoryPages, KnowledgeError> {
        let listing = self
            .list(
                user,
                category,
                Some(page_size),
                page_token,
                Call::CategoryPages,
            )
            .await?;
        Ok(CategoryPages {
            knowledge_pages: listing
                .entities
                .into_iter()
                .map(|entity| PageSummary {
                    id: entity.id,
                    title: entity.name,
                    summary: entity.description,
                    metadata: Metadata {
                        created_at: None,
                        updated_at: entity.updated_at,
                    },
                })
                .collect(),
            page_size,
            next_page_token: listing.next_page_token.filter(|t| !t.is_empty()),
            total_count: listing.total_count,
        })
    }

    async fn list(
        &self,
        user: Uuid,
        category: &str,
        page_size: Option<u32>,
        page_token: Option<String>,
        call: Call,
    ) -> Result<pb::ListEntitiesByTypeReply, KnowledgeError> {
        let request = self.upstreams.knowledge_request(
            user,
            pb::ListEntitiesByTypeRequest {
                user_id: user.to_string(),
                type_id: category.to_owned(),
                page_size,
                page_token,
            },
        );
        self.upstreams
            .knowledge()
            .list_entities_by_type(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(KnowledgeError::upstream(call))
    }

    /// Page `page_id` as `user` sees it.
    pub async fn page(&self, user: Uuid, page_id: &str) -> Result<Page, KnowledgeError> {
        Ok(self.context(user, page_id).await?.page())
    }

    async fn context(&self, user: Uuid, page_id: &str) -> Result<PageContext, KnowledgeError> {
        let request = self.upstreams.knowledge_request(
            user,
            pb::GetEntityContextRequest {
                entity_id: page_id.to_owned(),
                user_id: user.to_string(),
                max_block_level: PAGE_BLOCK_LEVELS,
                include_history: false,
            },
        );
        let reply = self
            .upstreams
            .knowledge()
            .get_entity_context(request)
            .await
            .map_err(KnowledgeError::upstream(Call::Page))?
            .into_inner();
        Ok(PageContext::new(reply))
    }
}
