//! Handler checkpoints: kept while a job retries, so the next attempt resumes after the last
//! completed step; deleted with the transition that ends the job (succeeded, failed for good,
//! cancelled, its last lease expired); written only by the job's current attempt, never over a
//! newer attempt's value, and bounded.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use exobrain_jobs::domain::{JobId, JobState};
use exobrain_jobs::store::{Attempt, CANCELLED_DETAIL, LEASE_EXPIRED_DETAIL, Outcome};
use job_orchestrator_worker::jobs::handlers::{CheckpointError, CheckpointPart};
use serde_json::{Value, json};
use support::{Infra, alice, spawn_worker, wait_until};

/// A job no worker runs, for the store-driven tests.
async fn idle_job(infra: &Infra, max_attempts: u32) -> JobId {
    infra
        .enqueue("diagnostics.steps", json!({ "steps": 1 }), max_attempts)
        .await
}

/// Starts attempt 1 on worker-a and stores checkpoint `step-1` from it.
async fn checkpointed(infra: &Infra, job_id: JobId) -> Attempt {
    let attempt = infra.start_attempt(job_id, "worker-a", 30).await;
    let (context, _writer) = infra.context(&attempt, "worker-a");
    context
        .checkpoints
        .put("step-1", &json!({ "entities": 3 }))
        .await
        .expect("put");
    assert_eq!(infra.checkpoints(job_id).await, [("step-1".to_owned(), 1)]);
    attempt
}

async fn finish(infra: &Infra, attempt: &Attempt, outcome: Outcome) -> Option<JobState> {
    infra
        .store()
        .finish_attempt(attempt, "worker-a", outcome)
        .await
        .expect("finish")
}

#[tokio::test]
async fn a_retry_resumes_after_the_steps_the_failed_attempt_checkpointed() {
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[])).await;
    let payload = json!({ "steps": 4, "step_ms": 50, "fail_attempts": 1, "fail_at_step": 3 });
    let job_id = infra.enqueue("diagnostics.steps", payload, 3).await;
    let done = infra.wait_terminal(job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::Succeeded, 2));

    let result: Value =
        sqlx::query_scalar("SELECT result FROM orchestrator_jobs WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_one(&infra.db.pool)
            .await
            .expect("result");
    assert_eq!(
        result,
        json!({
            "resumed": { "step-1": { "attempt": 1 }, "step-2": { "attempt": 1 } },
            "ran": [3, 4],
        })
    );
    assert_eq!(
        infra.checkpoints(job_id).await,
        [],
        "deleted once it succeeded"
    );

    let events = infra.status_events_to_the_end(job_id).await;
    let retrying = events
        .iter()
        .find(|event| event["state"] == "RETRYING")
        .expect("a retrying event");
    assert_eq!(retrying["detail"], "planned failure at step 3 of attempt 1");
    assert_eq!(events.last().expect("events")["detail"], Value::Null);
}

#[tokio::test]
async fn checkpoints_are_kept_while_the_job_retries_and_read_by_the_next_attempt() {
    let infra = Infra::new().await;
    let job_id = idle_job(&infra, 3).await;
    let first = checkpointed(&infra, job_id).await;
    let failed = Outcome::Failed {
        detail: "the model provider is unavailable".into(),
        retry: true,
    };
    assert_eq!(
        finish(&infra, &first, failed).await,
        Some(JobState::Retrying)
    );
    assert_eq!(infra.checkpoints(job_id).await, [("step-1".to_owned(), 1)]);

    let second = infra.start_attempt(job_id, "worker-a", 30).await;
    let (context, _writer) = infra.context(&second, "worker-a");
    let all = context.checkpoints.all().await.expect("all");
    assert_eq!(
        all,
        HashMap::from([("step-1".to_owned(), json!({ "entities": 3 }))])
    );
    assert_eq!(
        context.checkpoints.get("step-1").await.expect("get"),
        Some(json!({ "entities": 3 }))
    );
    assert_eq!(context.checkpoints.get("step-2").await.expect("get"), None);
}

#[tokio::test]
async fn checkpoints_are_deleted_when_the_job_succeeds() {
    let infra = Infra::new().await;
    let job_id = idle_job(&infra, 3).await;
    let attempt = checkpointed(&infra, job_id).await;
    let state = finish(&infra, &attempt, Outcome::Succeeded(json!({}))).await;
    assert_eq!(state, Some(JobState::Succeeded));
    assert_eq!(infra.checkpoints(job_id).await, []);
}

#[tokio::test]
async fn checkpoints_are_deleted_when_the_job_fails_for_good() {
    let infra = Infra::new().await;
    let job_id = idle_job(&infra, 3).await;
    let attempt = checkpointed(&infra, job_id).await;
    let failed = Outcome::Failed {
        detail: "the transcript is empty".into(),
        retry: false,
    };
    assert_eq!(
        finish(&infra, &attempt, failed).await,
        Some(JobState::FailedFinal)
    );
    assert_eq!(infra.checkpoints(job_id).await, []);
}

#[tokio::test]
async fn checkpoints_are_deleted_when_the_last_lease_expires_and_kept_when_attempts_remain() {
    let infra = Infra::new().await;
    let store = infra.store();
    let retried = idle_job(&infra, 2).await;
    let last = idle_job(&infra, 1).await;
    for job_id in [retried, last] {
        checkpointed(&infra, job_id).await;
    }
    sqlx::query("UPDATE orchestrator_jobs SET lease_expires_at = NOW() - INTERVAL '1 second'")
        .execute(&infra.db.pool)
        .await
        .expect("lapse the leases");
    let mut expired = store.expire_leases(10).await.expect("expire");
    expired.sort_by_key(|(job_id, _)| *job_id != retried);
    assert_eq!(
        expired,
        [(retried, JobState::Retrying), (last, JobState::FailedFinal)]
    );
    assert_eq!(infra.checkpoints(retried).await, [("step-1".to_owned(), 1)]);
    assert_eq!(infra.checkpoints(last).await, []);
    let failed = store.snapshot(last, &alice()).await.expect("job");
    assert_eq!(failed.detail, LEASE_EXPIRED_DETAIL);
}

#[tokio::test]
async fn a_cancelled_jobs_checkpoints_are_deleted_and_its_stopped_handler_writes_no_more() {
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[("JOB_LEASE_SECONDS", "2")])).await;
    let payload = json!({ "steps": 20, "step_ms": 200 });
    let job_id = infra.enqueue("diagnostics.steps", payload, 3).await;
    wait_until(|| async { infra.checkpoints(job_id).await.len() >= 2 }).await;

    let cancelled = infra
        .store()
        .cancel(job_id, &alice())
        .await
        .expect("cancel");
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert_eq!(
        infra.checkpoints(job_id).await,
        [],
        "deleted with the cancel"
    );
    // The handler learns of the cancel at its next lease renewal (every half second here);
    // meanwhile its puts and progress reports are refused.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(infra.checkpoints(job_id).await, []);
    let job = infra.store().snapshot(job_id, &alice()).await.expect("job");
    assert_eq!(
        (job.state, job.detail.as_str(), job.seq),
        (JobState::Cancelled, CANCELLED_DETAIL, cancelled.seq)
    );
}

#[tokio::test]
async fn a_stale_attempt_cannot_put_nor_overwrite_a_newer_attempts_checkpoint() {
    let infra = Infra::new().await;
    let job_id = idle_job(&infra, 3).await;
    // Attempt 1 runs on worker-a, whose lease lapses; attempt 2 starts on worker-b.
    let first = infra.start_attempt(job_id, "worker-a", -1).await;
    infra.store().expire_leases(10).await.expect("expire");
    let second = infra.start_attempt(job_id, "worker-b", 30).await;
    let (stale, _stale_writer) = infra.context(&first, "worker-a");
    let (current, _current_writer) = infra.context(&second, "worker-b");

    current
        .checkpoints
        .put("step-1", &json!({ "by": 2 }))
        .await
        .expect("put");
    let refused = stale.checkpoints.put("step-1", &json!({ "by": 1 })).await;
    assert_eq!(refused, Err(CheckpointError::Stale));
    let refused = stale.checkpoints.put("step-2", &json!({ "by": 1 })).await;
    assert_eq!(refused, Err(CheckpointError::Stale));
    assert_eq!(infra.checkpoints(job_id).await, [("step-1".to_owned(), 2)]);
    assert_eq!(
        stale.checkpoints.get("step-1").await.expect("get"),
        Some(json!({ "by": 2 }))
    );
}

#[tokio::test]
async fn a_checkpoint_stored_by_a_newer_attempt_is_never_overwritten_by_an_older_one() {
    let infra = Infra::new().await;
    let job_id = idle_job(&infra, 3).await;
    let attempt = checkpointed(&infra, job_id).await;
    // As though attempt 3 had stored it: attempt 1, although still current, must not replace it.
    sqlx::query("UPDATE orchestrator_job_checkpoints SET attempt = 3 WHERE job_id = $1")
        .bind(job_id.as_uuid())
        .execute(&infra.db.pool)
        .await
        .expect("newer");
    let (context, _writer) = infra.context(&attempt, "worker-a");
    let refused = context
        .checkpoints
        .put("step-1", &json!({ "entities": 9 }))
        .await;
    assert_eq!(refused, Err(CheckpointError::Stale));
    assert_eq!(
        context.checkpoints.get("step-1").await.expect("get"),
        Some(json!({ "entities": 3 }))
    );
}

#[tokio::test]
async fn an_oversized_key_or_value_is_refused_before_anything_is_written() {
    let infra = Infra::new().await;
    let job_id = idle_job(&infra, 3).await;
    let attempt = infra.start_attempt(job_id, "worker-a", 30).await;
    let (context, _writer) = infra.context(&attempt, "worker-a");

    let long_key = "k".repeat(201);
    let refused = context.checkpoints.put(&long_key, &json!(1)).await;
    assert!(
        matches!(
            refused,
            Err(CheckpointError::TooLarge {
                part: CheckpointPart::Key,
                size: 201,
                limit: 200
            })
        ),
        "{refused:?}"
    );
    let big = json!("x".repeat(4 * 1024 * 1024));
    let refused = context.checkpoints.put("big", &big).await;
    assert!(
        matches!(
            refused,
            Err(CheckpointError::TooLarge {
                part: CheckpointPart::Value,
                ..
            })
        ),
        "{refused:?}"
    );
    let refused = context
        .checkpoints
        .put("nul", &json!({ "a": "x\u{0}" }))
        .await;
    assert!(
        matches!(refused, Err(CheckpointError::NulCharacter { .. })),
        "{refused:?}"
    );
    assert_eq!(infra.checkpoints(job_id).await, []);
}
