//! The job store against a real database: accepted jobs are readable at once, recorded with
//! their outbox messages in the same commit, deduplicated by owner and key, and visible only
//! to their owner; a database that goes away is reported as unavailable, not as a bug.

mod support;

use exobrain_common::error::{ErrorKind, ServiceError};
use exobrain_jobs::domain::{JobId, JobState, NewJob};
use exobrain_jobs::store::StoreError;
use support::{echo_job, outbox, setup, user};

#[tokio::test]
async fn an_accepted_job_is_pending_at_once_with_its_messages_in_the_outbox() {
    let (db, store) = setup().await;
    let accepted = store
        .enqueue(&[echo_job("alice", None)], None)
        .await
        .expect("enqueue");
    assert_eq!(accepted.len(), 1);
    assert!(!accepted[0].deduplicated);

    let snapshot = store
        .snapshot(accepted[0].job_id, &user("alice"))
        .await
        .expect("snapshot");
    assert_eq!(snapshot.state, JobState::Pending);
    assert_eq!(snapshot.seq, 1);
    assert_eq!(snapshot.attempt, 0);
    assert_eq!(snapshot.job_type, "diagnostics.echo");

    let id = accepted[0].job_id.to_string();
    assert_eq!(
        outbox(&db).await,
        [
            (format!("tprefix.jobs.status.{id}"), format!("{id}:1")),
            (
                "tprefix.jobs.diagnostics.echo.requested".to_owned(),
                id.clone()
            ),
        ],
        "the first status event is queued before the request"
    );
}

#[tokio::test]
async fn the_same_key_from_the_same_user_names_the_same_job() {
    let (db, store) = setup().await;
    let first = store
        .enqueue(&[echo_job("alice", Some("chunk-1"))], None)
        .await
        .expect("first");
    let again = store
        .enqueue(
            &[
                echo_job("alice", Some("chunk-1")),
                echo_job("bob", Some("chunk-1")),
            ],
            None,
        )
        .await
        .expect("again");
    assert_eq!(again[0].job_id, first[0].job_id);
    assert!(again[0].deduplicated);
    assert_ne!(again[1].job_id, first[0].job_id, "keys are scoped per user");
    assert!(!again[1].deduplicated);
    assert_eq!(
        outbox(&db).await.len(),
        4,
        "no messages for the deduplicated job"
    );
}

#[tokio::test]
async fn a_batch_is_accepted_in_one_call_in_request_order() {
    let (db, store) = setup().await;
    let jobs: Vec<NewJob> = (0..300).map(|_| echo_job("alice", None)).collect();
    let batch_id = uuid::Uuid::new_v4();
    let accepted = store
        .enqueue(&jobs, Some((batch_id, &user("alice"), None)))
        .await
        .expect("batch");
    assert_eq!(accepted.len(), 300);
    let in_batch: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs WHERE batch_id = $1")
            .bind(batch_id)
            .fetch_one(&db.pool)
            .await
            .expect("count");
    assert_eq!(in_batch, 300);
    assert_eq!(outbox(&db).await.len(), 600);
}

#[tokio::test]
async fn another_users_job_is_refused_and_a_missing_one_is_not_found() {
    let (_db, store) = setup().await;
    let accepted = store
        .enqueue(&[echo_job("alice", None)], None)
        .await
        .expect("enqueue");
    let error = store
        .snapshot(accepted[0].job_id, &user("mallory"))
        .await
        .expect_err("not owner");
    assert!(matches!(error, StoreError::NotOwner(_)), "{error:?}");
    let error = store
        .snapshot(JobId::new(), &user("alice"))
        .await
        .expect_err("missing");
    assert!(matches!(error, StoreError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn a_call_whose_session_the_database_ends_is_unavailable_not_a_bug() {
    // A PostgreSQL restart ends every session ("terminating connection due to administrator
    // command"); the caller must hear UNAVAILABLE (retry) rather than INTERNAL (give up).
    let (db, store) = setup().await;
    let mut lock = db.pool.begin().await.expect("begin");
    sqlx::query("LOCK TABLE orchestrator_jobs IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .expect("lock");
    let call = tokio::spawn(async move { store.enqueue(&[echo_job("alice", None)], None).await });
    let ended = loop {
        let ended: i64 = sqlx::query_scalar(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&db.pool)
        .await
        .expect("terminate");
        if ended > 0 || call.is_finished() {
            break ended;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(ended, 1, "the enqueue waited on the lock");
    let error = call
        .await
        .expect("task")
        .expect_err("its session was ended");
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    lock.rollback().await.expect("rollback");
}
