//! Diagnostic job types for tests and benchmarks: `diagnostics.echo` returns its payload,
//! `diagnostics.sleep` sleeps (optionally recording one side effect first, under an id derived
//! from the job and fenced by the attempt, so tests can see that a re-run adds nothing and a
//! stale attempt writes nothing), `diagnostics.fail` fails its first K attempts,
//! `diagnostics.steps` runs N steps that report progress and checkpoint each step, resuming
//! after the checkpoints of earlier attempts (tests of the handler runtime).

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
                record_effect(&pool, &context).await?;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(ms)) => Ok(json!({ "slept_ms": ms })),
                _ = context.cancel.cancelled() => Err(Failure::transient("interrupted")),
            }
        })
    }
}

/// Records the job's one effect under its derived id, fenced by the attempt: the row is
/// written only while `context.attempt` is the job's current attempt and its worker holds the
/// lease (the job row is share-locked meanwhile, so a lease expiry or a newer attempt cannot
/// slip in between), and only once however often the job runs.
async fn record_effect(pool: &PgPool, context: &JobContext) -> Result<(), Failure> {
    let current: bool = sqlx::query_scalar(
        "WITH current AS (
             SELECT job_id FROM orchestrator_jobs
             WHERE job_id = $2 AND attempt = $3 AND status = 'started' AND lease_owner = $4
             FOR SHARE
         ), written AS (
             INSERT INTO diagnostic_effects (effect_id, job_id, attempt, worker_id)
             SELECT $1, job_id, $3, $4 FROM current
             ON CONFLICT (effect_id) DO NOTHING
         )
         SELECT EXISTS (SELECT 1 FROM current)",
    )
    .bind(context.derive_id("effect"))
    .bind(context.job_id.as_uuid())
    .bind(context.attempt)
    .bind(&context.worker_id)
    .fetch_one(pool)
    .await
    .map_err(|error| {
        tracing::warn!(%error, "cannot record the diagnostic effect");
        Failure::transient("cannot record the diagnostic effect")
    })?;
    if current {
        Ok(())
    } else {
        Err(Failure::transient(
            "this attempt is no longer the job's current one; its effect was not recorded",
        ))
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

/// `diagnostics.steps`: `{"steps": n, "step_ms": ms, "fail_attempts": k, "fail_at_step": s}`.
/// Reads the job's checkpoints, then runs each step not checkpointed yet: reports
/// `step i/n`, sleeps `step_ms`, and stores checkpoint `step-i` = `{"attempt": a}`. Attempts up
/// to `k` fail (transiently) on reaching step `s` (default: after the last step). Its result
/// names the checkpoints it resumed from and the steps it ran.
#[derive(Debug)]
pub struct Steps;

impl Handler for Steps {
    fn run(&self, context: JobContext) -> HandlerResult {
        Box::pin(async move {
            let number = |name: &str| context.payload.get(name).and_then(Value::as_u64);
            let steps = number("steps").unwrap_or(1);
            let step_ms = number("step_ms").unwrap_or(0);
            let fails = u64::try_from(context.attempt)
                .is_ok_and(|attempt| attempt <= number("fail_attempts").unwrap_or(0));
            let fail_at = number("fail_at_step").unwrap_or(steps + 1);
            let resumed = context.checkpoints.all().await?;
            let mut ran = Vec::new();
            for step in 1..=steps + 1 {
                if fails && step == fail_at {
                    return Err(Failure::transient(format!(
                        "planned failure at step {step} of attempt {}",
                        context.attempt
                    )));
                }
                let key = format!("step-{step}");
                if step > steps || resumed.contains_key(&key) {
                    continue;
                }
                context.progress.report(format!("step {step}/{steps}"));
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(step_ms)) => {}
                    _ = context.cancel.cancelled() => return Err(Failure::transient("interrupted")),
                }
                let output = json!({ "attempt": context.attempt });
                context.checkpoints.put(&key, &output).await?;
                ran.push(step);
            }
            Ok(json!({ "resumed": resumed, "ran": ran }))
        })
    }
}
