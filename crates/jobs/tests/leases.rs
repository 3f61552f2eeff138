//! Leases and grouped transitions against a real database: a dead worker's job becomes
//! eligible again (or fails for good when that was its last attempt), a renewal tells a worker
//! its job was cancelled, a shutdown hands attempts back without counting them, a group of
//! starts and finishes behaves like the single calls, and a poison message is dead-lettered
//! once however often it is delivered.

mod support;

use chrono::{Duration, Utc};
use exobrain_jobs::domain::{JobId, JobState};
use exobrain_jobs::store::{LEASE_EXPIRED_DETAIL, Outcome, PoisonMessage, RELEASED_DETAIL};
use serde_json::json;
use support::{echo_job, enqueue, outbox, setup, user};

fn soon() -> chrono::DateTime<Utc> {
    Utc::now() + Duration::seconds(30)
}

fn past() -> chrono::DateTime<Utc> {
    Utc::now() - Duration::seconds(1)
}

#[tokio::test]
async fn an_expired_lease_makes_the_job_eligible_again_with_a_new_request() {
    let (db, store) = setup().await;
    let job_id = enqueue(&store, echo_job("alice", None)).await;
    let dead = store
        .start_attempt(job_id, "worker-dead", past())
        .await
        .expect("start")
        .expect("granted");

    let handled = store.expire_leases(100).await.expect("expire");
    assert_eq!(handled, [(job_id, JobState::Retrying)]);
    assert!(
        store.expire_leases(100).await.expect("expire").is_empty(),
        "handled once"
    );

    let snapshot = store
        .snapshot(job_id, &user("alice"))
        .await
        .expect("snapshot");
    assert_eq!(
        (snapshot.state, snapshot.seq, snapshot.detail.as_str()),
        (JobState::Retrying, 3, LEASE_EXPIRED_DETAIL)
    );
    let messages = outbox(&db).await;
    assert!(
        messages
            .iter()
            .any(|(_, msg_id)| *msg_id == format!("{job_id}:retry:1")),
        "a new request is queued under a new message id: {messages:?}"
    );
    let outcome: String = sqlx::query_scalar(
        "SELECT outcome FROM orchestrator_job_attempts WHERE job_id = $1 AND attempt = 1",
    )
    .bind(job_id.as_uuid())
    .fetch_one(&db.pool)
    .await
    .expect("attempt");
    assert_eq!(outcome, "lease_expired");

    // The dead worker's late outcome is ignored; the next attempt runs normally.
    assert_eq!(
        store
            .finish_attempt(&dead, "worker-dead", Outcome::Succeeded(json!({})))
            .await
            .expect("finish"),
        None
    );
    let next = store
        .start_attempt(job_id, "worker-b", soon())
        .await
        .expect("start")
        .expect("granted");
    assert_eq!(next.attempt, 2);
}

#[tokio::test]
async fn a_last_attempt_whose_worker_died_fails_the_job_for_good_with_a_dead_letter() {
    let (db, store) = setup().await;
    let mut job = echo_job("alice", None);
    job.max_attempts = 1;
    let job_id = enqueue(&store, job).await;
    store
        .start_attempt(job_id, "worker-dead", past())
        .await
        .expect("start")
        .expect("granted");

    assert_eq!(
        store.expire_leases(100).await.expect("expire"),
        [(job_id, JobState::FailedFinal)]
    );
    let reasons: Vec<String> =
        sqlx::query_scalar("SELECT reason FROM orchestrator_dead_letters WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_all(&db.pool)
            .await
            .expect("letters");
    assert_eq!(reasons, ["max-attempts"]);
    let subjects: Vec<String> = outbox(&db)
        .await
        .into_iter()
        .map(|(subject, _)| subject)
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.ends_with("jobs.events.diagnostics.echo.failed")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.ends_with("jobs.dlq")),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn a_live_lease_is_left_alone_and_a_renewal_reports_a_cancelled_job() {
    let (_db, store) = setup().await;
    let kept = enqueue(&store, echo_job("alice", None)).await;
    let cancelled = enqueue(&store, echo_job("alice", None)).await;
    for job_id in [kept, cancelled] {
        store
            .start_attempt(job_id, "worker-a", soon())
            .await
            .expect("start")
            .expect("granted");
    }
    assert!(store.expire_leases(100).await.expect("expire").is_empty());

    store
        .cancel(cancelled, &user("alice"))
        .await
        .expect("cancel");
    let lost = store
        .renew_leases("worker-a", &[(kept, 1), (cancelled, 1)], soon())
        .await
        .expect("renew");
    assert_eq!(lost, [cancelled]);
    let lost = store
        .renew_leases("worker-b", &[(kept, 1)], soon())
        .await
        .expect("renew");
    assert_eq!(lost, [kept], "only the lease owner renews");
}

#[tokio::test]
async fn a_released_attempt_does_not_count_against_the_job() {
    let (db, store) = setup().await;
    let mut job = echo_job("alice", None);
    job.max_attempts = 1;
    let job_id = enqueue(&store, job).await;
    store
        .start_attempt(job_id, "worker-a", soon())
        .await
        .expect("start")
        .expect("granted");

    assert_eq!(
        store
            .release_attempts("worker-a", &[(job_id, 1)])
            .await
            .expect("release"),
        [job_id]
    );
    assert!(
        store
            .release_attempts("worker-a", &[(job_id, 1)])
            .await
            .expect("release")
            .is_empty(),
        "once"
    );
    let snapshot = store
        .snapshot(job_id, &user("alice"))
        .await
        .expect("snapshot");
    assert_eq!(
        (snapshot.state, snapshot.detail.as_str()),
        (JobState::Retrying, RELEASED_DETAIL)
    );

    // The only attempt the job had was handed back, so it still gets one that counts.
    let next = store
        .start_attempt(job_id, "worker-b", soon())
        .await
        .expect("start")
        .expect("granted");
    assert_eq!((next.attempt, next.max_attempts), (2, 2));
    let failed = Outcome::Failed {
        detail: "boom".into(),
        retry: true,
    };
    assert_eq!(
        store
            .finish_attempt(&next, "worker-b", failed)
            .await
            .expect("finish"),
        Some(JobState::FailedFinal)
    );
    let outcomes: Vec<String> = sqlx::query_scalar(
        "SELECT outcome FROM orchestrator_job_attempts WHERE job_id = $1 ORDER BY attempt",
    )
    .bind(job_id.as_uuid())
    .fetch_all(&db.pool)
    .await
    .expect("attempts");
    assert_eq!(outcomes, ["interrupted", "failed"]);
}

#[tokio::test]
async fn grouped_starts_and_finishes_apply_each_job_once_in_request_order() {
    let (_db, store) = setup().await;
    let a = enqueue(&store, echo_job("alice", None)).await;
    let b = enqueue(&store, echo_job("bob", None)).await;
    let unknown = JobId::new();

    let started = store
        .start_attempts("worker-a", soon(), &[a, unknown, b, a])
        .await
        .expect("start");
    let granted: Vec<Option<JobId>> = started
        .iter()
        .map(|s| s.as_ref().map(|s| s.job_id))
        .collect();
    assert_eq!(
        granted,
        [Some(a), None, Some(b), None],
        "a job named twice starts once"
    );

    let attempts: Vec<_> = started.into_iter().flatten().collect();
    let states = store
        .finish_attempts(
            "worker-a",
            &[
                (attempts[0].clone(), Outcome::Succeeded(json!({ "n": 1 }))),
                (
                    attempts[1].clone(),
                    Outcome::TimedOut("ran too long".into()),
                ),
                (attempts[0].clone(), Outcome::Succeeded(json!({ "n": 2 }))),
            ],
        )
        .await
        .expect("finish");
    assert_eq!(
        states,
        [
            Some(JobState::Succeeded),
            Some(JobState::Retrying),
            Some(JobState::Succeeded)
        ]
    );
    let b_now = store.snapshot(b, &user("bob")).await.expect("snapshot");
    assert_eq!(
        (b_now.state, b_now.detail.as_str()),
        (JobState::Retrying, "ran too long")
    );
    assert_eq!(
        store
            .finish_attempts(
                "worker-a",
                &[(attempts[0].clone(), Outcome::Succeeded(json!({})))]
            )
            .await
            .expect("finish"),
        [None],
        "a finished attempt is stale"
    );
}

#[tokio::test]
async fn an_invalid_payload_fails_at_once_with_its_reason() {
    let (db, store) = setup().await;
    let job_id = enqueue(&store, echo_job("alice", None)).await;
    let attempt = store
        .start_attempt(job_id, "worker-a", soon())
        .await
        .expect("start")
        .expect("granted");
    let state = store
        .finish_attempt(
            &attempt,
            "worker-a",
            Outcome::InvalidPayload("payload.ms: missing".into()),
        )
        .await
        .expect("finish");
    assert_eq!(state, Some(JobState::FailedFinal));
    let reason: String =
        sqlx::query_scalar("SELECT reason FROM orchestrator_dead_letters WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_one(&db.pool)
            .await
            .expect("letter");
    assert_eq!(reason, "invalid-payload");
}

#[tokio::test]
async fn a_poison_message_is_dead_lettered_once_per_stream_position() {
    let (db, store) = setup().await;
    let poison = |sequence| PoisonMessage {
        stream: "JOBS",
        stream_sequence: sequence,
        reason: "invalid-envelope",
        detail: "not JSON",
        job_type: "diagnostics.echo",
        owner: "",
        raw: "{{{",
    };
    let first = store.dead_letter_poison(&poison(7)).await.expect("letter");
    assert!(first.is_some());
    assert_eq!(
        store.dead_letter_poison(&poison(7)).await.expect("letter"),
        None,
        "a redelivery adds nothing"
    );
    assert!(
        store
            .dead_letter_poison(&poison(8))
            .await
            .expect("letter")
            .is_some()
    );
    let raw: Vec<String> =
        sqlx::query_scalar("SELECT raw_message FROM orchestrator_dead_letters ORDER BY created_at")
            .fetch_all(&db.pool)
            .await
            .expect("letters");
    assert_eq!(raw, ["{{{", "{{{"]);
    let dlq: Vec<_> = outbox(&db)
        .await
        .into_iter()
        .filter(|(s, _)| s.ends_with("jobs.dlq"))
        .collect();
    assert_eq!(dlq.len(), 2);
}
