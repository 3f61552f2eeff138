//! How to reach Memgraph, read once from the environment when `KNOWLEDGE_GRAPH_BACKEND` is
//! `memgraph`: `MEMGRAPH_BOLT_ADDR` (required), `MEMGRAPH_DB`, `MEMGRAPH_USER` and
//! `MEMGRAPH_PASSWORD`.

use exobrain_common::config::{Env, SecretString};

/// Memgraph connection settings.
#[derive(Debug, Clone)]
pub struct MemgraphSettings {
    /// `MEMGRAPH_BOLT_ADDR` (required): `host:port` or `bolt://host:port`
    /// (`bolt+s://` for TLS).
    pub addr: String,
    /// `MEMGRAPH_DB` (default `memgraph`): the database every query runs on.
    pub db: String,
    /// `MEMGRAPH_USER` (optional; a server without users accepts any).
    pub user: Option<String>,
    /// `MEMGRAPH_PASSWORD` (optional).
    pub password: Option<SecretString>,
}

impl MemgraphSettings {
    /// Reads the variables, recording any problem in `env`.
    pub fn read(env: &mut Env) -> Self {
        const ADDR: &str = "MEMGRAPH_BOLT_ADDR";
        let addr = env.optional(ADDR).unwrap_or_else(|| {
            env.problem(
                ADDR,
                "is required when KNOWLEDGE_GRAPH_BACKEND=memgraph (e.g. 127.0.0.1:7687)"
                    .to_owned(),
            );
            String::new()
        });
        Self {
            addr,
            db: env.string("MEMGRAPH_DB", "memgraph"),
            user: env.optional("MEMGRAPH_USER"),
            password: env.optional("MEMGRAPH_PASSWORD").map(SecretString::from),
        }
    }
}
