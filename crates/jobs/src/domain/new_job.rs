//! A job that passed validation and is ready to be stored.

use std::collections::HashMap;

use serde_json::Value;

use super::ids::{IdempotencyKey, JobType, UserId};

/// A validated job request.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Registered type.
    pub job_type: JobType,
    /// Owner; only they may read, watch or cancel it.
    pub owner: UserId,
    /// Normalised payload (the form workers receive).
    pub payload: Value,
    /// Caller's deduplication key, if any.
    pub idempotency_key: Option<IdempotencyKey>,
    /// Attempts before the job fails for good.
    pub max_attempts: u32,
    /// W3C trace context of the request that created the job (`traceparent`, `tracestate`),
    /// carried in the headers of its request message so the worker's span continues the
    /// caller's trace. Empty when there is none.
    pub trace_context: HashMap<String, String>,
}
