//! [`AppState`]: the dependencies a request handler may use, built once at startup and cloned
//! (cheaply) into every request.

use std::sync::Arc;

use redis::aio::ConnectionManager;
use sqlx::PgPool;

use crate::auth::AuthServices;
use crate::chat::Chat;
use crate::config::Config;
use crate::configs::UserConfigStore;
use crate::journals::{JournalCache, JournalStore, Journals};
use crate::knowledge::{KnowledgeExplorer, KnowledgeJobStore, KnowledgeUpdates};
use crate::operations::Operations;
use crate::upstream::Upstreams;

/// Shared handler state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// `assistant_db`.
    pub db: PgPool,
    /// Redis (sessions, refresh tokens, login counters, caches).
    pub redis: ConnectionManager,
    /// The configuration the process started with.
    pub config: Arc<Config>,
    /// Sign-in services.
    pub auth: AuthServices,
    /// Journals (PostgreSQL, reads cached in Redis).
    pub journals: Journals,
    /// User configs.
    pub configs: UserConfigStore,
    /// Clients of knowledge-interface, job-orchestrator and model-provider.
    pub upstreams: Upstreams,
    /// Chat turns and their streams.
    pub chat: Chat,
    /// Knowledge update jobs (PostgreSQL, job-orchestrator).
    pub knowledge_updates: KnowledgeUpdates,
    /// Knowledge pages (knowledge-interface).
    pub knowledge_explorer: KnowledgeExplorer,
    /// Every user's jobs, for operators (job-orchestrator).
    pub operations: Operations,
}

impl AppState {
    /// State over connected dependencies.
    pub fn new(config: Config, db: PgPool, redis: ConnectionManager, upstreams: Upstreams) -> Self {
        let auth = AuthServices::new(&config.auth, redis.clone());
        let journals = Journals::new(
            JournalStore::new(db.clone()),
            JournalCache::new(redis.clone(), config.journal_cache.clone()),
        );
        let configs = UserConfigStore::new(db.clone());
        let chat = Chat::new(
            config.chat.clone(),
            journals.clone(),
            upstreams.clone(),
            redis.clone(),
        );
        let knowledge_updates = KnowledgeUpdates::new(
            KnowledgeJobStore::new(db.clone()),
            upstreams.clone(),
            config.knowledge.update_max_tokens,
        );
        let knowledge_explorer = KnowledgeExplorer::new(upstreams.clone());
        let operations = Operations::new(upstreams.clone());
        Self {
            db,
            redis,
            config: Arc::new(config),
            auth,
            journals,
            configs,
            upstreams,
            chat,
            knowledge_updates,
            knowledge_explorer,
            operations,
        }
    }
}
