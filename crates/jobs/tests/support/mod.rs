//! Helpers shared by the store tests: a migrated database with a store on it, jobs to enqueue,
//! and the worker's part played directly on the store. Each test binary uses a subset.
#![allow(dead_code)]

use chrono::{Duration, Utc};
use exobrain_common::nats::NatsConfig;
use exobrain_jobs::MIGRATOR;
use exobrain_jobs::domain::{IdempotencyKey, JobId, JobState, JobType, NewJob, UserId};
use exobrain_jobs::store::{JobStore, Outcome};
use exobrain_testkit::TestDb;
use serde_json::{Value, json};

/// Subject prefix of the stores made here.
pub const PREFIX: &str = "tprefix";

pub fn user(id: &str) -> UserId {
    UserId::parse("user_id", id).expect("user")
}

pub fn job_type(name: &str) -> JobType {
    JobType::parse("job_type", name).expect("type")
}

/// A job of `job_type` for `owner` with `payload`.
pub fn job(job_type_name: &str, owner: &str, payload: Value) -> NewJob {
    NewJob {
        job_type: job_type(job_type_name),
        owner: user(owner),
        payload,
        idempotency_key: None,
        max_attempts: 3,
        trace_context: Default::default(),
    }
}

/// A `diagnostics.echo` job for `owner`, with an idempotency key when given.
pub fn echo_job(owner: &str, key: Option<&str>) -> NewJob {
    NewJob {
        idempotency_key: key.map(|k| {
            IdempotencyKey::parse_optional("idempotency_key", k)
                .expect("key")
                .expect("some")
        }),
        ..job("diagnostics.echo", owner, json!({ "hello": owner }))
    }
}

/// A fresh migrated database and a store on it.
pub async fn setup() -> (TestDb, JobStore) {
    let db = TestDb::migrated(&MIGRATOR).await;
    let store = store(&db);
    (db, store)
}

pub fn store(db: &TestDb) -> JobStore {
    JobStore::new(
        db.pool.clone(),
        NatsConfig::new("nats://127.0.0.1:4222", PREFIX),
    )
}

/// Enqueues one job and returns its id.
pub async fn enqueue(store: &JobStore, job: NewJob) -> JobId {
    store.enqueue(&[job], None).await.expect("enqueue")[0].job_id
}

/// Plays a worker: starts the next attempt of `job_id`, then fails it for good, which
/// dead-letters the job.
pub async fn fail_for_good(store: &JobStore, job_id: JobId) {
    let attempt = store
        .start_attempt(job_id, "worker-test", Utc::now() + Duration::seconds(30))
        .await
        .expect("start")
        .expect("granted");
    let failed = Outcome::Failed {
        detail: "handler gave up".into(),
        retry: false,
    };
    let state = store
        .finish_attempt(&attempt, "worker-test", failed)
        .await
        .expect("finish");
    assert_eq!(state, Some(JobState::FailedFinal));
}

/// `(subject, msg_id)` of every outbox message, oldest first.
pub async fn outbox(db: &TestDb) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT subject, msg_id FROM orchestrator_outbox_messages ORDER BY batch_id, position",
    )
    .fetch_all(&db.pool)
    .await
    .expect("outbox")
}
