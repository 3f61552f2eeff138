//! Settings of the knowledge endpoints, read from the environment. The service's `Config`
//! embeds them; tests set them through the same variables.

use std::time::Duration;

use exobrain_common::config::Env;

/// How knowledge updates are cut and how long their bookkeeping may wait.
#[derive(Debug, Clone)]
pub struct KnowledgeSettings {
    /// `KNOWLEDGE_UPDATE_MAX_TOKENS` (8000): the estimated token budget of one job's
    /// messages (a message alone over the budget is a job of its own).
    pub update_max_tokens: usize,
    /// `KNOWLEDGE_WATCH_KEEP_ALIVE_SECONDS` (15): the interval of keep-alive comments on a
    /// job watch stream.
    pub watch_keep_alive: Duration,
    /// `KNOWLEDGE_RECONCILE_INTERVAL_SECONDS` (60): how often the states of unfinished jobs
    /// are read from the orchestrator in the background.
    pub reconcile_interval: Duration,
}

impl KnowledgeSettings {
    /// Reads the variables, recording bad values in `env`.
    pub fn from_env(env: &mut Env) -> Self {
        Self {
            update_max_tokens: env.bounded("KNOWLEDGE_UPDATE_MAX_TOKENS", 8000, 1, 10_000_000),
            watch_keep_alive: env.seconds(
                "KNOWLEDGE_WATCH_KEEP_ALIVE_SECONDS",
                Duration::from_secs(15),
            ),
            reconcile_interval: env.seconds(
                "KNOWLEDGE_RECONCILE_INTERVAL_SECONDS",
                Duration::from_secs(60),
            ),
        }
    }
}
