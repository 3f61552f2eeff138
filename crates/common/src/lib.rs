//! Plumbing every Exobrain service shares: typed configuration from the environment,
//! telemetry, shutdown signals, health and readiness, Prometheus metrics, the error-to-status
//! convention, and connections to PostgreSQL, NATS JetStream and Redis with bounded retry.
//!
//! Nothing in here knows about a particular service's domain.

pub mod admin;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod grpc;
pub mod health;
pub mod metrics;
pub mod nats;
pub mod redis;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
