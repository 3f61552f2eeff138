//! Guarded lifecycle transitions against a real database: one attempt at a time, stale
//! attempts ignored, finished jobs never restarted, retries until the budget is spent, then a
//! dead letter; every applied transition gets the next seq and its outbox messages.

use chrono::{Duration, Utc};
use exobrain_common::nats::NatsConfig;
use exobrain_jobs::MIGRATOR;
use exobrain_jobs::domain::{JobState, JobType, NewJob, UserId};
use exobrain_jobs::store::{Attempt, JobStore, Outcome};
use exobrain_testkit::TestDb;
use serde_json::json;

async fn setup(max_attempts: u32) -> (TestDb, JobStore, exobrain_jobs::domain::JobId) {
    let db = TestDb::migrated(&MIGRATOR).await;
    let store = JobStore::new(
        db.pool.clone(),
        NatsConfig::new("nats://127.0.0.1:4222", ""),
    );
    let job = NewJob {
        job_type: JobType::parse("job_type", "diagnostics.fail").expect("type"),
        owner: UserId::parse("user_id", "alice").expect("user"),
        payload: json!({ "fail_attempts": 1 }),
        idempotency_key: None,
        max_attempts,
        trace_context: Default::default(),
    };
    let accepted = store.enqueue(&[job], None).await.expect("enqueue");
    let job_id = accepted[0].job_id;
    (db, store, job_id)
}

async fn start(
    store: &JobStore,
    job_id: exobrain_jobs::domain::JobId,
    worker: &str,
) -> Option<Attempt> {
    store
        .start_attempt(job_id, worker, Utc::now() + Duration::seconds(30))
        .await
        .expect("start")
}

fn alice() -> UserId {
    UserId::parse("user_id", "alice").expect("user")
}

async fn status_seqs(db: &TestDb, job_id: &str) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT (payload->>'seq')::bigint FROM orchestrator_outbox_messages WHERE subject = $1 ORDER BY batch_id, position",
    )
    .bind(format!("jobs.status.{job_id}"))
    .fetch_all(&db.pool)
    .await
    .expect("outbox")
}

#[tokio::test]
async fn only_one_attempt_runs_at_a_time() {
    let (_db, store, job_id) = setup(3).await;
    let first = start(&store, job_id, "worker-a")
        .await
        .expect("first start");
    assert_eq!(first.attempt, 1);
    assert!(
        start(&store, job_id, "worker-b").await.is_none(),
        "a running job is not started twice"
    );
}

#[tokio::test]
async fn success_is_final_and_a_redelivery_is_skipped() {
    let (db, store, job_id) = setup(3).await;
    let attempt = start(&store, job_id, "worker-a").await.expect("start");
    let state = store
        .finish_attempt(
            &attempt,
            "worker-a",
            Outcome::Succeeded(json!({ "ok": true })),
        )
        .await
        .expect("finish");
    assert_eq!(state, Some(JobState::Succeeded));
    assert!(
        start(&store, job_id, "worker-b").await.is_none(),
        "a finished job never runs again"
    );

    let snapshot = store.snapshot(job_id, &alice()).await.expect("snapshot");
    assert_eq!(snapshot.state, JobState::Succeeded);
    assert_eq!(snapshot.seq, 3);
    assert_eq!(status_seqs(&db, &job_id.to_string()).await, [1, 2, 3]);
    let completed: i64 = sqlx::query_scalar("SELECT count(*) FROM orchestrator_outbox_messages WHERE subject = 'jobs.events.diagnostics.fail.completed'")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(completed, 1);
}

#[tokio::test]
async fn a_stale_attempt_cannot_overwrite_a_newer_one() {
    let (_db, store, job_id) = setup(3).await;
    let old = start(&store, job_id, "worker-a").await.expect("start");
    let retry = Outcome::Failed {
        detail: "boom".into(),
        retry: true,
    };
    assert_eq!(
        store
            .finish_attempt(&old, "worker-a", retry.clone())
            .await
            .expect("fail"),
        Some(JobState::Retrying)
    );
    let new = start(&store, job_id, "worker-b").await.expect("restart");
    assert_eq!(new.attempt, 2);

    let late = store
        .finish_attempt(&old, "worker-a", Outcome::Succeeded(json!({})))
        .await
        .expect("late");
    assert_eq!(late, None, "the first attempt's late result is ignored");
    let wrong_worker = store
        .finish_attempt(&new, "worker-a", Outcome::Succeeded(json!({})))
        .await
        .expect("wrong");
    assert_eq!(wrong_worker, None, "only the lease holder may finish");
    assert_eq!(
        store
            .snapshot(job_id, &alice())
            .await
            .expect("snapshot")
            .state,
        JobState::Started
    );
}

#[tokio::test]
async fn the_last_failed_attempt_dead_letters_the_job() {
    let (db, store, job_id) = setup(2).await;
    for expected in [JobState::Retrying, JobState::FailedFinal] {
        let attempt = start(&store, job_id, "worker-a").await.expect("start");
        let outcome = Outcome::Failed {
            detail: "upstream timeout".into(),
            retry: true,
        };
        assert_eq!(
            store
                .finish_attempt(&attempt, "worker-a", outcome)
                .await
                .expect("finish"),
            Some(expected)
        );
    }
    let snapshot = store.snapshot(job_id, &alice()).await.expect("snapshot");
    assert_eq!(snapshot.state, JobState::FailedFinal);
    assert_eq!(snapshot.detail, "upstream timeout");
    let (reason, attempts): (String, i32) =
        sqlx::query_as("SELECT reason, attempts FROM orchestrator_dead_letters WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_one(&db.pool)
            .await
            .expect("dead letter");
    assert_eq!((reason.as_str(), attempts), ("max-attempts", 2));
    let dlq: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orchestrator_outbox_messages WHERE subject = 'jobs.dlq'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
    assert_eq!(dlq, 1);
    assert_eq!(status_seqs(&db, &job_id.to_string()).await, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn a_failure_that_should_not_be_retried_ends_the_job_at_once() {
    let (db, store, job_id) = setup(5).await;
    let attempt = start(&store, job_id, "worker-a").await.expect("start");
    let outcome = Outcome::Failed {
        detail: "payload rejected by handler".into(),
        retry: false,
    };
    assert_eq!(
        store
            .finish_attempt(&attempt, "worker-a", outcome)
            .await
            .expect("finish"),
        Some(JobState::FailedFinal)
    );
    let reason: String =
        sqlx::query_scalar("SELECT reason FROM orchestrator_dead_letters WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_one(&db.pool)
            .await
            .expect("dead letter");
    assert_eq!(reason, "not-retryable");
}
