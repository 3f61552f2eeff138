//! Test harness for Exobrain integration tests against real infrastructure.
//!
//! Every test gets its own PostgreSQL database ([`TestDb`]), its own NATS subject and stream
//! prefix ([`TestNats`]), its own Redis key prefix ([`TestRedis`]), and can run any service
//! in-process on an ephemeral port ([`TestServer`]). Each resource removes itself when dropped,
//! so the suite runs in parallel and leaves nothing behind. Infrastructure addresses come from
//! `EXOBRAIN_TEST_POSTGRES_DSN`, `EXOBRAIN_TEST_NATS_URL` and `EXOBRAIN_TEST_REDIS_URL`, with
//! the native profile's defaults.

pub mod checks;
mod cleanup;
mod db;
pub mod exposition;
mod grpc;
mod nats;
mod nats_server;
mod otlp_receiver;
mod process;
mod redis;
mod scripted_model;
mod server;

pub use db::TestDb;
pub use grpc::{grpc_health, reflected_services};
pub use nats::TestNats;
pub use nats_server::PrivateNats;
pub use otlp_receiver::{OtlpReceiver, ReceivedSpan};
pub use process::{BinaryProcess, free_port};
pub use redis::TestRedis;
pub use scripted_model::{ScriptedModel, openai_compatible_aliases};
pub use server::{TestServer, bind_ephemeral, wait_until_ok};

/// A short random id for naming per-test resources.
pub fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}
