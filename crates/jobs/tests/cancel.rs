//! Cancelling against a real database: an unfinished job becomes cancelled with the next seq
//! and one status event in the same commit; a running attempt's late result is ignored; a
//! finished job stays as it is; only the owner may cancel.

mod support;

use chrono::{Duration, Utc};
use exobrain_jobs::domain::{JobId, JobState};
use exobrain_jobs::store::{CANCELLED_DETAIL, Outcome, RequestError, StoreError};
use serde_json::{Value, json};
use support::{PREFIX, echo_job, enqueue, setup, user};

async fn status_events(db: &exobrain_testkit::TestDb, job_id: JobId) -> Vec<Value> {
    sqlx::query_scalar("SELECT payload FROM orchestrator_outbox_messages WHERE subject = $1 ORDER BY batch_id, position")
        .bind(format!("{PREFIX}.jobs.status.{job_id}"))
        .fetch_all(&db.pool)
        .await
        .expect("outbox")
}

#[tokio::test]
async fn a_pending_job_is_cancelled_with_the_next_seq_and_one_event() {
    let (db, store) = setup().await;
    let job_id = enqueue(&store, echo_job("alice", None)).await;

    let snapshot = store.cancel(job_id, &user("alice")).await.expect("cancel");
    assert_eq!(snapshot.state, JobState::Cancelled);
    assert_eq!(
        (snapshot.seq, snapshot.detail.as_str()),
        (2, CANCELLED_DETAIL)
    );
    assert_eq!(
        store.snapshot(job_id, &user("alice")).await.expect("read"),
        snapshot
    );

    let events = status_events(&db, job_id).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1]["state"], "CANCELLED");
    assert_eq!(events[1]["seq"], 2);
    assert_eq!(events[1]["terminal"], true);

    assert!(
        store
            .start_attempt(job_id, "worker-a", Utc::now() + Duration::seconds(30))
            .await
            .expect("start")
            .is_none(),
        "a cancelled job is never picked up"
    );
}

#[tokio::test]
async fn a_running_attempt_finishing_after_cancel_is_ignored() {
    let (db, store) = setup().await;
    let job_id = enqueue(&store, echo_job("alice", None)).await;
    let attempt = store
        .start_attempt(job_id, "worker-a", Utc::now() + Duration::seconds(30))
        .await
        .expect("start")
        .expect("granted");

    store.cancel(job_id, &user("alice")).await.expect("cancel");
    let late = store
        .finish_attempt(&attempt, "worker-a", Outcome::Succeeded(json!({})))
        .await
        .expect("finish");
    assert_eq!(late, None, "the worker's result arrives after the cancel");

    let snapshot = store.snapshot(job_id, &user("alice")).await.expect("read");
    assert_eq!((snapshot.state, snapshot.seq), (JobState::Cancelled, 3));
    let outcome: Option<String> = sqlx::query_scalar(
        "SELECT outcome FROM orchestrator_job_attempts WHERE job_id = $1 AND attempt = 1",
    )
    .bind(job_id.as_uuid())
    .fetch_one(&db.pool)
    .await
    .expect("attempt");
    assert_eq!(outcome.as_deref(), Some("cancelled"));
}

#[tokio::test]
async fn a_finished_job_cannot_be_cancelled_and_names_its_state() {
    let (db, store) = setup().await;
    let job_id = enqueue(&store, echo_job("alice", None)).await;
    store.cancel(job_id, &user("alice")).await.expect("cancel");

    let error = store
        .cancel(job_id, &user("alice"))
        .await
        .expect_err("already cancelled");
    assert!(
        matches!(
            error,
            RequestError::AlreadyFinished {
                state: JobState::Cancelled,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("already cancelled"), "{error}");
    assert_eq!(
        status_events(&db, job_id).await.len(),
        2,
        "a refused cancel writes nothing"
    );
}

#[tokio::test]
async fn only_the_owner_can_cancel() {
    let (_db, store) = setup().await;
    let job_id = enqueue(&store, echo_job("alice", None)).await;
    let error = store
        .cancel(job_id, &user("mallory"))
        .await
        .expect_err("not mallory's");
    assert!(
        matches!(error, RequestError::Store(StoreError::NotOwner(_))),
        "{error:?}"
    );
    let error = store
        .cancel(JobId::new(), &user("alice"))
        .await
        .expect_err("missing");
    assert!(
        matches!(error, RequestError::Store(StoreError::NotFound(_))),
        "{error:?}"
    );
    assert_eq!(
        store
            .snapshot(job_id, &user("alice"))
            .await
            .expect("read")
            .state,
        JobState::Pending
    );
}
