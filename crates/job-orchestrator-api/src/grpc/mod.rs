//! The gRPC transport of the job orchestrator API: wire messages in, domain values out, and
//! the one place where API errors become statuses.

pub mod batch;
pub mod caller;
pub mod convert;
pub mod error;
pub mod listing;
pub mod ops;
pub mod service;
pub mod watch;
pub mod watch_batch;
pub mod watchers;
