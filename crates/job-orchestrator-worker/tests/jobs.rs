//! Jobs run end to end by the worker against real PostgreSQL and JetStream: success with its
//! completed event, retries with backoff until success, dead-lettering once the attempts are
//! spent, poison messages (whatever bytes they hold) dead-lettered once, an invalid stored
//! payload, a cancelled job whose running handler is stopped, and a request kept while its
//! job runs elsewhere.

mod support;

use std::time::Duration;

use exobrain_jobs::domain::JobState;
use exobrain_testkit::checks::assert_stops_cleanly;
use serde_json::json;
use support::{Infra, alice, spawn_worker, wait_until};

#[tokio::test]
async fn an_echo_job_succeeds_on_its_first_attempt_and_announces_its_result() {
    let infra = Infra::new().await;
    let worker = spawn_worker(infra.env(&[("WORKER_REPLICA_COUNT", "4")])).await;
    let job_id = infra
        .enqueue("diagnostics.echo", json!({ "hello": "world" }), 3)
        .await;
    let done = infra.wait_terminal(job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::Succeeded, 1));
    let result: serde_json::Value =
        sqlx::query_scalar("SELECT result FROM orchestrator_jobs WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_one(&infra.db.pool)
            .await
            .expect("result");
    assert_eq!(result["echo"]["hello"], "world");

    let event = infra
        .last_message("JOB_EVENTS", "jobs.events.diagnostics.echo.completed")
        .await;
    assert_eq!(
        (event["job_id"].as_str(), event["status"].as_str()),
        (Some(job_id.to_string().as_str()), Some("completed"))
    );
    assert_eq!(event["result"]["echo"]["hello"], "world");
    assert_stops_cleanly(worker).await;
}

#[tokio::test]
async fn a_failing_job_is_retried_with_growing_delays_until_it_succeeds() {
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[("JOB_RETRY_BACKOFF_BASE_SECONDS", "0.3")])).await;
    let job_id = infra
        .enqueue("diagnostics.fail", json!({ "fail_attempts": 2 }), 3)
        .await;
    let done = infra.wait_terminal(job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::Succeeded, 3));
    let outcomes: Vec<Option<String>> = infra
        .attempts(job_id)
        .await
        .into_iter()
        .map(|(_, outcome, _)| outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            Some("failed".into()),
            Some("failed".into()),
            Some("succeeded".into())
        ]
    );

    // The waits between attempts follow the backoff: about 0.3 s, then about 0.6 s (±20 %).
    let gaps: Vec<f64> = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM started_at - LAG(finished_at) OVER (ORDER BY attempt))::float8
         FROM orchestrator_job_attempts WHERE job_id = $1 ORDER BY attempt OFFSET 1",
    )
    .bind(job_id.as_uuid())
    .fetch_all(&infra.db.pool)
    .await
    .expect("gaps");
    assert!(gaps[0] >= 0.24 && gaps[1] >= 0.48, "retry gaps {gaps:?}");
    assert!(gaps[1] > gaps[0], "the delay grows: {gaps:?}");
}

#[tokio::test]
async fn a_job_out_of_attempts_fails_for_good_with_one_dead_letter_and_a_failed_event() {
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[])).await;
    let job_id = infra
        .enqueue("diagnostics.fail", json!({ "fail_attempts": 5 }), 2)
        .await;
    let done = infra.wait_terminal(job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::FailedFinal, 2));
    assert!(done.detail.contains("planned failure 2"), "{}", done.detail);
    assert_eq!(infra.dead_letter_reasons(job_id).await, ["max-attempts"]);
    wait_until(|| async { infra.stream_messages("JOB_DLQ").await == 1 }).await;
    let failed = infra
        .last_message("JOB_EVENTS", "jobs.events.diagnostics.fail.failed")
        .await;
    assert_eq!(failed["job_id"], job_id.to_string());
}

#[tokio::test]
async fn poison_messages_are_dead_lettered_once_and_never_redelivered() {
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[("JOB_CONSUMER_ACK_WAIT_SECONDS", "1")])).await;
    let subject = infra.nats.subject("jobs.diagnostics.echo.requested");
    for body in [
        "{not json",
        r#"{"job_id":"not-a-uuid","correlation_id":"mallory"}"#,
        r#"{"job_id":"00000000-0000-4000-8000-000000000000"}"#,
    ] {
        infra
            .nats
            .jetstream
            .publish(subject.clone(), body.into())
            .await
            .expect("publish")
            .await
            .expect("ack");
    }
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM orchestrator_dead_letters WHERE reason = 'invalid-envelope'",
        )
        .fetch_one(&infra.db.pool)
        .await
        .expect("count")
    };
    wait_until(|| async { count().await == 3 }).await;
    // Well past the ack wait: nothing came back, nothing was written twice.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(count().await, 3);
    let details: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT detail, correlation_id, raw_message FROM orchestrator_dead_letters ORDER BY created_at",
    )
    .fetch_all(&infra.db.pool)
    .await
    .expect("letters");
    assert!(
        details[0].0.starts_with("not a job envelope"),
        "{details:?}"
    );
    assert_eq!(
        (details[1].1.as_str(), details[0].2.as_deref()),
        ("mallory", Some("{not json"))
    );
    assert!(
        details[2]
            .0
            .contains("no job 00000000-0000-4000-8000-000000000000 exists"),
        "{details:?}"
    );
    assert_eq!(
        infra.stream_messages("JOBS").await,
        0,
        "every poison message left the work queue"
    );
    wait_until(|| async { infra.stream_messages("JOB_DLQ").await == 3 }).await;
}

#[tokio::test]
async fn a_stored_payload_that_no_longer_fits_its_type_is_dead_lettered_without_retries() {
    let infra = Infra::new().await;
    let job_id = infra
        .enqueue("diagnostics.sleep", json!({ "ms": 1 }), 3)
        .await;
    infra.set_payload(job_id, json!({ "ms": "soon" })).await;
    let _worker = spawn_worker(infra.env(&[])).await;
    let done = infra.wait_terminal(job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::FailedFinal, 1));
    assert_eq!(infra.dead_letter_reasons(job_id).await, ["invalid-payload"]);
}

#[tokio::test]
async fn cancelling_a_running_job_stops_its_handler_and_frees_the_slot() {
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[("JOB_LEASE_SECONDS", "0.4")])).await;
    let long = infra
        .enqueue("diagnostics.sleep", json!({ "ms": 60_000 }), 3)
        .await;
    infra
        .wait_for(long, Duration::from_secs(10), |job| {
            job.state == JobState::Started
        })
        .await;
    infra.store().cancel(long, &alice()).await.expect("cancel");

    // The pool has one slot: the next job runs only once the cancelled handler let go of it.
    let next = infra.enqueue("diagnostics.echo", json!({}), 3).await;
    assert_eq!(infra.wait_terminal(next).await.state, JobState::Succeeded);
    let done = infra.wait_terminal(long).await;
    assert_eq!(done.state, JobState::Cancelled);
    let outcomes: Vec<Option<String>> = infra
        .attempts(long)
        .await
        .into_iter()
        .map(|(_, o, _)| o)
        .collect();
    assert_eq!(outcomes, [Some("cancelled".into())]);
}

#[tokio::test]
async fn poison_holding_nul_bytes_is_dead_lettered_once_too() {
    // PostgreSQL text and jsonb cannot hold NUL: such a message once could never be
    // dead-lettered and came back forever.
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[("JOB_CONSUMER_ACK_WAIT_SECONDS", "1")])).await;
    let subject = infra.nats.subject("jobs.diagnostics.echo.requested");
    for body in [
        &b"\x00garbage\xff\x00"[..],
        br#"{"job_id":"x\u0000y","correlation_id":"mal\u0000lory"}"#,
    ] {
        infra
            .nats
            .jetstream
            .publish(subject.clone(), body.to_vec().into())
            .await
            .expect("publish")
            .await
            .expect("ack");
    }
    let letters = || async {
        sqlx::query_as::<_, (String, Option<String>)>(
            "SELECT correlation_id, raw_message FROM orchestrator_dead_letters
             WHERE reason = 'invalid-envelope' ORDER BY correlation_id",
        )
        .fetch_all(&infra.db.pool)
        .await
        .expect("letters")
    };
    wait_until(|| async { letters().await.len() == 2 }).await;
    let written = letters().await;
    assert_eq!(written[1].0, "mal\u{FFFD}lory", "{written:?}");
    assert!(
        written[0]
            .1
            .as_deref()
            .is_some_and(|raw| raw.contains("garbage") && !raw.contains('\0')),
        "{written:?}"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(letters().await.len(), 2, "nothing was written twice");
    assert_eq!(infra.stream_messages("JOBS").await, 0);
}

#[tokio::test]
async fn a_job_handed_back_after_its_request_was_redelivered_elsewhere_still_runs() {
    // A worker that stalls past the ack wait has its job's request redelivered to another
    // worker, which finds the job running. When the stalled worker wakes and hands its
    // attempt back, the job must still have a request to run from.
    let infra = Infra::new().await;
    let job_id = infra
        .enqueue("diagnostics.echo", json!({ "n": 1 }), 3)
        .await;
    let stalled = infra
        .store()
        .start_attempt(
            job_id,
            "stalled-worker",
            chrono::Utc::now() + chrono::Duration::seconds(60),
        )
        .await
        .expect("start")
        .expect("granted");
    let _worker = spawn_worker(infra.env(&[("JOB_LEASE_SECONDS", "1")])).await;
    let delivered = || async {
        let stream = infra
            .nats
            .jetstream
            .get_stream(infra.nats.stream("JOBS"))
            .await
            .expect("stream");
        let mut consumer: async_nats::jetstream::consumer::PullConsumer = stream
            .get_consumer("job-orchestrator-worker-v3_diagnostics_echo")
            .await
            .expect("consumer");
        consumer
            .info()
            .await
            .expect("info")
            .delivered
            .consumer_sequence
            >= 1
    };
    wait_until(delivered).await;
    // Lets the worker find the job running elsewhere before the attempt comes back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let released = infra
        .store()
        .release_attempts("stalled-worker", &[(job_id, stalled.attempt)])
        .await
        .expect("release");
    assert_eq!(released, [job_id]);
    let job = infra.wait_terminal(job_id).await;
    assert_eq!(job.state, JobState::Succeeded);
}
