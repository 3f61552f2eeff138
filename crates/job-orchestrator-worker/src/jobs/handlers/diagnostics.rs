//! Diagnostic job types for tests and benchmarks: `diagnostics.echo` returns its payload,
//! `diagnostics.sleep` sleeps (optionally recording one side effect first, under an id derived
//! from the job, so tests can see that a re-run adds nothing), `diagnostics.fail` fails its
//! first K attempts.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;

use super::{Failure, Handler, HandlerResult, JobContext};

/// `diagnostics.echo`.
#[derive(Debug)]
pub struct Echo;

impl Handler for Echo {
    fn run(&self, context: JobContext) -> HandlerResult {
        Box::pin(async move { Ok(json!({ "echo": context.payload })) })
    }
}

/// `diagnostics.sleep`: `{"ms": n, "record_effect": bool}`.
#[derive(Debug)]
pub struct Sleep {
    pub pool: PgPool,
}

impl Handler for Sleep {
    fn run(&self, context: JobContext) -> HandlerResult {
        let pool = self.pool.clone();
        Box::pin(async move {
            let ms = context
                .payload
                .get("ms")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let record = context
                .payload
                .get("record_effect")
                .and_then(Value::as_bool)
                == Some(true);
            if record {
                sqlx::query(
                    "INSERT INTO diagnostic_effects (effect_id, job_id, attempt, worker_id)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (effect_id) DO NOTHING",
                )
                .bind(context.derive_id("effect"))
                .bind(context.job_id.as_uuid())
                .bind(context.attempt)
                .bind(&context.worker_id)
                .execute(&pool)
                .await
                .map_err(|error| {
                    tracing::warn!(%error, "cannot record the diagnostic effect");
                    Failure::transient("cannot record the diagnostic effect")
                })?;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(ms)) => Ok(json!({ "slept_ms": ms })),
                _ = context.cancel.cancelled() => Err(Failure::transient("interrupted")),
            }
        })
    }
}

/// `diagnostics.fail`: `{"fail_attempts": k}`.
#[derive(Debug)]
pub struct Fail;

impl Handler for Fail {
    fn run(&self, context: JobContext) -> HandlerResult {
        Box::pin(async move {
            let failures = context
                .payload
                .get("fail_attempts")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if i64::from(context.attempt) <= failures {
                Err(Failure::transient(format!(
                    "planned failure {} of {failures}",
                    context.attempt
                )))
            } else {
                Ok(json!({ "succeeded_on_attempt": context.attempt }))
            }
        })
    }
}
