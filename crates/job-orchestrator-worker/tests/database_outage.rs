//! The worker while PostgreSQL is unreachable, played with a proxy the test cuts and
//! restores: an outcome reached during the outage is recorded once the database is back (the
//! job succeeds once, is not run again and not dead-lettered), and a worker cut off from the
//! database stops its handler before its lease can be taken over.

mod support;

use std::time::Duration;

use exobrain_jobs::domain::JobState;
use exobrain_testkit::checks::get_text;
use serde_json::json;
use support::proxy::PgProxy;
use support::{Infra, spawn_worker, spawn_worker_process, wait_until};

#[tokio::test]
async fn a_job_that_finishes_while_postgres_is_down_succeeds_once_when_it_is_back() {
    let infra = Infra::new().await;
    let proxy = PgProxy::start(&infra.db.dsn).await;
    let env = infra.env(&[
        ("JOB_ORCHESTRATOR_DB_DSN", proxy.dsn()),
        ("JOB_LEASE_SECONDS", "3"),
        ("JOB_CONSUMER_ACK_WAIT_SECONDS", "4"),
    ]);
    // Two workers behind the same database, so either could take the job over.
    let _first = spawn_worker(env.clone()).await;
    let _second = spawn_worker(env).await;
    // One attempt only: a lost outcome would dead-letter the job.
    let job_id = infra
        .enqueue("diagnostics.sleep", json!({ "ms": 800 }), 1)
        .await;
    infra
        .wait_for(job_id, Duration::from_secs(10), |job| {
            job.state == JobState::Started
        })
        .await;

    proxy.cut();
    // The handler finishes meanwhile; the outage outlasts the lease.
    tokio::time::sleep(Duration::from_secs(7)).await;
    proxy.restore();

    let done = infra.wait_terminal(job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::Succeeded, 1));
    let outcomes: Vec<Option<String>> = infra
        .attempts(job_id)
        .await
        .into_iter()
        .map(|(_, outcome, _)| outcome)
        .collect();
    assert_eq!(outcomes, [Some("succeeded".to_owned())]);
    assert!(infra.dead_letter_reasons(job_id).await.is_empty());
}

/// The value of the sample `name` in a Prometheus text exposition (0 when absent).
fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_worker_cut_off_from_postgres_stops_its_handler_before_its_lease_runs_out() {
    let infra = Infra::new().await;
    let proxy = PgProxy::start(&infra.db.dsn).await;
    let env = infra.env(&[
        ("JOB_ORCHESTRATOR_DB_DSN", proxy.dsn()),
        ("JOB_LEASE_SECONDS", "2"),
        ("JOB_CONSUMER_ACK_WAIT_SECONDS", "3"),
    ]);
    let metrics_url = format!(
        "http://{}/metrics",
        env["JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS"]
    );
    let worker = spawn_worker_process(&env).await;
    let job_id = infra
        .enqueue("diagnostics.sleep", json!({ "ms": 30_000 }), 3)
        .await;
    infra
        .wait_for(job_id, Duration::from_secs(10), |job| {
            job.state == JobState::Started
        })
        .await;

    proxy.cut();
    // Long before the handler's 30 seconds are up, the worker gives the job up.
    let running = r#"jobs_running{job_type="diagnostics.sleep"}"#;
    wait_until(|| async { sample(&get_text(&metrics_url).await, running) == 0.0 }).await;
    let metrics = get_text(&metrics_url).await;
    assert_eq!(
        sample(
            &metrics,
            r#"jobs_leases_lost_total{job_type="diagnostics.sleep"}"#
        ),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"job_pickup_delay_seconds_count{job_type="diagnostics.sleep"}"#
        ),
        1.0,
        "{metrics}"
    );
    exobrain_testkit::checks::assert_metrics_described(&metrics);
    exobrain_testkit::checks::assert_process_metrics(&metrics);

    proxy.restore();
    let (status, stderr) = worker
        .terminate(Duration::from_secs(15))
        .await
        .expect("stops");
    assert!(status.success(), "{stderr}");
}
