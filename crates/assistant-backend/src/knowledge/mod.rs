//! Knowledge: sending the user's finished messages to the knowledge update pipeline (through
//! job-orchestrator), watching those jobs, and exploring and editing the resulting pages
//! (through knowledge-interface). Nothing here knows about HTTP; `api::knowledge` maps it.
//!
//! `chunks` cuts messages into jobs, `store` is the `knowledge_jobs` table and the committed
//! flag it decides, `update` enqueues and reconciles, `reconcile` does so in the background,
//! `watch` follows one job, `explorer` reads and edits pages; `settings` and `error` are what
//! they say.

mod chunks;
mod error;
mod explorer;
mod reconcile;
mod settings;
mod store;
mod update;
mod watch;

pub use chunks::PendingMessage;
pub use error::{Call, Failure, KnowledgeError};
pub use explorer::{
    BlockEdit, Category, CategoryPages, ContentBlock, Graph, GraphEdge, GraphNode,
    KnowledgeExplorer, Link, MAX_GRAPH_NODES, MatchKind, Metadata, Page, PageSummary, Patched,
    SearchResult, SearchResults,
};
pub use reconcile::reconcile_periodically;
pub use settings::KnowledgeSettings;
pub use store::{EnqueuedJob, KnowledgeJobStore, UnfinishedJob};
pub use update::{Enqueued, KnowledgeUpdates};
pub use watch::{StatusUpdate, WatchError, WatchEvent};
