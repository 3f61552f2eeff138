//! The worker under load and failure, against real PostgreSQL and JetStream: real
//! concurrency, pools that do not starve each other, two processes sharing a backlog without
//! running a job twice, a worker killed mid-job, NATS restarted mid-run, a graceful shutdown
//! that hands unfinished jobs back, heartbeats, and consumer settings applied on restart.

mod support;

use std::time::Duration;

use exobrain_jobs::domain::JobState;
use exobrain_jobs::store::RELEASED_DETAIL;
use exobrain_testkit::PrivateNats;
use futures::StreamExt;
use serde_json::json;
use support::{Infra, spawn_worker, spawn_worker_process, wait_until};

/// Seconds between the first attempt start and the last attempt end of all jobs.
async fn span_seconds(infra: &Infra) -> f64 {
    sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM max(finished_at) - min(started_at))::float8 FROM orchestrator_job_attempts",
    )
    .fetch_one(&infra.db.pool)
    .await
    .expect("span")
}

#[tokio::test]
async fn n_sleep_jobs_run_at_once_with_n_slots() {
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[("WORKER_REPLICA_COUNT", "8")])).await;
    infra
        .enqueue_many("diagnostics.sleep", &vec![json!({ "ms": 1000 }); 8], 3)
        .await;
    infra.wait_all_terminal(Duration::from_secs(20)).await;
    let span = span_seconds(&infra).await;
    assert!(
        span < 1.8,
        "8 one-second jobs took {span:.2} s with 8 slots"
    );
    let workers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs WHERE status = 'succeeded'")
            .fetch_one(&infra.db.pool)
            .await
            .expect("count");
    assert_eq!(workers, 8);
}

#[tokio::test]
async fn a_busy_slow_pool_does_not_hold_up_quick_jobs() {
    let infra = Infra::new().await;
    let env = infra.env(&[
        ("WORKER_REPLICA_COUNT", "2"),
        ("WORKER_CONCURRENCY_BY_TYPE", "diagnostics.sleep=1"),
    ]);
    let _worker = spawn_worker(env).await;
    let slow = infra
        .enqueue_many("diagnostics.sleep", &vec![json!({ "ms": 1500 }); 3], 3)
        .await;
    infra
        .wait_for(slow[0], Duration::from_secs(10), |job| {
            job.state == JobState::Started
        })
        .await;
    let quick = infra.enqueue("diagnostics.echo", json!({}), 3).await;
    assert_eq!(infra.wait_terminal(quick).await.state, JobState::Succeeded);
    let still_queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs WHERE job_type = 'diagnostics.sleep' AND status = 'pending'")
            .fetch_one(&infra.db.pool)
            .await
            .expect("count");
    assert_eq!(
        still_queued, 2,
        "the quick job finished while the slow pool still had a backlog"
    );
}

#[tokio::test]
async fn two_worker_processes_share_a_backlog_and_run_each_job_once() {
    let infra = Infra::new().await;
    infra
        .enqueue_many("diagnostics.sleep", &vec![json!({ "ms": 20 }); 300], 3)
        .await;
    let first = spawn_worker_process(&infra.env(&[("WORKER_REPLICA_COUNT", "8")])).await;
    let second = spawn_worker_process(&infra.env(&[("WORKER_REPLICA_COUNT", "8")])).await;
    infra.wait_all_terminal(Duration::from_secs(60)).await;

    let per_worker: Vec<(String, i64)> = sqlx::query_as(
        "SELECT worker_id, count(*) FROM orchestrator_job_attempts GROUP BY worker_id",
    )
    .fetch_all(&infra.db.pool)
    .await
    .expect("per worker");
    assert_eq!(
        per_worker.len(),
        2,
        "both processes ran jobs: {per_worker:?}"
    );
    let (attempts, succeeded): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM orchestrator_job_attempts),
                (SELECT count(*) FROM orchestrator_jobs WHERE status = 'succeeded')",
    )
    .fetch_one(&infra.db.pool)
    .await
    .expect("counts");
    assert_eq!(
        (attempts, succeeded),
        (300, 300),
        "every job ran exactly once"
    );
    for process in [first, second] {
        let (status, stderr) = process
            .terminate(Duration::from_secs(10))
            .await
            .expect("stops");
        assert!(status.success(), "{stderr}");
    }
}

#[tokio::test]
async fn a_job_whose_worker_is_killed_completes_elsewhere_with_its_effect_recorded_once() {
    let infra = Infra::new().await;
    let fast_recovery = [
        ("JOB_LEASE_SECONDS", "1"),
        ("JOB_CONSUMER_ACK_WAIT_SECONDS", "2"),
    ];
    let doomed = spawn_worker_process(&infra.env(&fast_recovery)).await;
    let job_id = infra
        .enqueue(
            "diagnostics.sleep",
            json!({ "ms": 3000, "record_effect": true }),
            3,
        )
        .await;
    infra
        .wait_for(job_id, Duration::from_secs(10), |job| {
            job.state == JobState::Started
        })
        .await;
    wait_until(|| async { effects(&infra).await == 1 }).await;
    doomed.kill().await.expect("SIGKILL");

    let _survivor = spawn_worker(infra.env(&fast_recovery)).await;
    let done = infra.wait_terminal(job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::Succeeded, 2));
    let outcomes: Vec<Option<String>> = infra
        .attempts(job_id)
        .await
        .into_iter()
        .map(|(_, o, _)| o)
        .collect();
    assert_eq!(
        outcomes,
        [Some("lease_expired".into()), Some("succeeded".into())]
    );
    assert_eq!(
        effects(&infra).await,
        1,
        "the re-run's effect upsert added nothing"
    );
    let recorded_by: i32 = sqlx::query_scalar("SELECT attempt FROM diagnostic_effects")
        .fetch_one(&infra.db.pool)
        .await
        .expect("effect");
    assert_eq!(recorded_by, 1, "the effect is the first attempt's");

    // Exactly one SUCCEEDED and one completed event reach their streams.
    wait_until(|| async { succeeded_events(&infra).await == 1 }).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(succeeded_events(&infra).await, 1);
    assert_eq!(infra.stream_messages("JOB_EVENTS").await, 1);
}

async fn effects(infra: &Infra) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM diagnostic_effects")
        .fetch_one(&infra.db.pool)
        .await
        .expect("effects")
}

/// SUCCEEDED status events in JetStream.
async fn succeeded_events(infra: &Infra) -> usize {
    let stream = infra
        .nats
        .jetstream
        .get_stream(infra.nats.stream("JOB_STATUS"))
        .await
        .expect("stream");
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config::default())
        .await
        .expect("consumer");
    let batch = consumer
        .fetch()
        .max_messages(1000)
        .messages()
        .await
        .expect("fetch");
    let bodies: Vec<serde_json::Value> = batch
        .filter_map(|message| async move { serde_json::from_slice(&message.ok()?.payload).ok() })
        .collect()
        .await;
    bodies
        .iter()
        .filter(|body| body["state"] == "SUCCEEDED")
        .count()
}

#[tokio::test]
async fn nats_restarted_mid_run_loses_no_job() {
    let mut nats = PrivateNats::start().await;
    let infra = Infra::with_nats_url(&nats.url).await;
    let _worker = spawn_worker(infra.env(&[
        ("WORKER_REPLICA_COUNT", "16"),
        ("EXOBRAIN_STARTUP_CONNECT_TIMEOUT_SECONDS", "5"),
    ]))
    .await;
    infra
        .enqueue_many("diagnostics.sleep", &vec![json!({ "ms": 30 }); 200], 5)
        .await;
    wait_until(|| async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM orchestrator_jobs WHERE status = 'succeeded'",
        )
        .fetch_one(&infra.db.pool)
        .await
        .expect("count")
            >= 20
    })
    .await;
    nats.stop().await;
    infra
        .enqueue_many("diagnostics.sleep", &vec![json!({ "ms": 30 }); 100], 5)
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    nats.restart().await;

    infra.wait_all_terminal(Duration::from_secs(90)).await;
    let states: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM orchestrator_jobs GROUP BY status")
            .fetch_all(&infra.db.pool)
            .await
            .expect("states");
    assert_eq!(
        states,
        [("succeeded".to_owned(), 300)],
        "every job, including those accepted during the outage"
    );
}

#[tokio::test]
async fn sigterm_lets_quick_jobs_finish_and_hands_long_ones_back_without_penalty() {
    let infra = Infra::new().await;
    let env = infra.env(&[
        ("WORKER_REPLICA_COUNT", "2"),
        ("WORKER_SHUTDOWN_GRACE_SECONDS", "1"),
    ]);
    let worker = spawn_worker_process(&env).await;
    let quick = infra
        .enqueue("diagnostics.sleep", json!({ "ms": 300 }), 1)
        .await;
    let long = infra
        .enqueue("diagnostics.sleep", json!({ "ms": 60_000 }), 1)
        .await;
    for job_id in [quick, long] {
        infra
            .wait_for(job_id, Duration::from_secs(10), |job| {
                job.state == JobState::Started
            })
            .await;
    }
    let (status, stderr) = worker
        .terminate(Duration::from_secs(10))
        .await
        .expect("stops");
    assert!(status.success(), "{stderr}");

    assert_eq!(infra.wait_terminal(quick).await.state, JobState::Succeeded);
    let handed_back = infra
        .store()
        .snapshot(long, &support::alice())
        .await
        .expect("snapshot");
    assert_eq!(
        (handed_back.state, handed_back.detail.as_str()),
        (JobState::Retrying, RELEASED_DETAIL)
    );
    let outcomes: Vec<Option<String>> = infra
        .attempts(long)
        .await
        .into_iter()
        .map(|(_, o, _)| o)
        .collect();
    assert_eq!(outcomes, [Some("interrupted".into())]);

    // With one attempt allowed, the interrupted one did not use it up: the job runs again.
    infra.set_payload(long, json!({ "ms": 10 })).await;
    let _next = spawn_worker(infra.env(&[])).await;
    let done = infra.wait_terminal(long).await;
    assert_eq!((done.state, done.attempt), (JobState::Succeeded, 2));
}

#[tokio::test]
async fn a_worker_announces_itself_with_heartbeats() {
    let infra = Infra::new().await;
    let mut beats = infra
        .nats
        .client
        .subscribe(infra.nats.subject("workers.heartbeat.*"))
        .await
        .expect("subscribe");
    let env = infra.env(&[
        ("WORKER_HEARTBEAT_SECONDS", "0.2"),
        ("WORKER_REPLICA_COUNT", "3"),
        ("WORKER_JOB_TYPES", "diagnostics.echo,diagnostics.sleep"),
    ]);
    let _worker = spawn_worker(env).await;
    let beat = tokio::time::timeout(Duration::from_secs(5), beats.next())
        .await
        .expect("a heartbeat")
        .expect("message");
    let body: serde_json::Value = serde_json::from_slice(&beat.payload).expect("json");
    let worker_id = body["worker_id"].as_str().expect("worker id");
    assert!(beat.subject.ends_with(worker_id), "{}", beat.subject);
    assert_eq!(
        (body["capacity"].as_u64(), body["running"].as_u64()),
        (Some(6), Some(0))
    );
    let types: Vec<&str> = body["pools"]
        .as_array()
        .expect("pools")
        .iter()
        .filter_map(|p| p["job_type"].as_str())
        .collect();
    assert_eq!(types, ["diagnostics.echo", "diagnostics.sleep"]);
    assert!(body["version"].is_string());
}

#[tokio::test]
async fn a_restarted_worker_applies_new_consumer_settings() {
    let infra = Infra::new().await;
    let env = |ack_wait: &str| {
        infra.env(&[
            ("JOB_CONSUMER_ACK_WAIT_SECONDS", ack_wait),
            ("WORKER_REPLICA_COUNT", "2"),
        ])
    };
    spawn_worker(env("45"))
        .await
        .stop_within(Duration::from_secs(10))
        .await
        .expect("stops")
        .expect("clean");
    let _worker = spawn_worker(env("20")).await;
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
    let info = consumer.info().await.expect("info");
    assert_eq!(info.config.ack_wait, Duration::from_secs(20));
    assert_eq!(info.config.max_ack_pending, 2 * 16);
    assert_eq!(
        info.config.filter_subject,
        infra.nats.subject("jobs.diagnostics.echo.requested")
    );
}
