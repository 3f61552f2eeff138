//! Handlers of the registered job types. A handler gets the attempt and a cancellation token
//! and returns a result summary, or a failure that says whether another attempt may help.

use std::time::Duration;

use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::store::Attempt;
use serde_json::{Value, json};

/// A failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// User-facing summary.
    pub detail: String,
    /// Whether another attempt may succeed.
    pub retry: bool,
}

/// Runs `attempt` with the handler of its type.
pub async fn run(attempt: &Attempt, cancel: &CancellationToken) -> Result<Value, Failure> {
    match attempt.job_type.as_str() {
        "diagnostics.echo" => Ok(json!({ "echo": attempt.payload })),
        "diagnostics.sleep" => {
            let ms = attempt
                .payload
                .get("ms")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(ms)) => Ok(json!({ "slept_ms": ms })),
                _ = cancel.cancelled() => Err(Failure { detail: "interrupted by shutdown".into(), retry: true }),
            }
        }
        "diagnostics.fail" => {
            let failures = attempt
                .payload
                .get("fail_attempts")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if i64::from(attempt.attempt) <= failures {
                Err(Failure {
                    detail: format!("planned failure {} of {failures}", attempt.attempt),
                    retry: true,
                })
            } else {
                Ok(json!({ "succeeded_on_attempt": attempt.attempt }))
            }
        }
        "knowledge.update" => Err(Failure {
            detail: "the knowledge.update pipeline is not implemented yet".into(),
            retry: true,
        }),
        other => Err(Failure {
            detail: format!("no handler for job type {other}"),
            retry: false,
        }),
    }
}
