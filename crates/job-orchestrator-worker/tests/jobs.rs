//! Jobs run end to end by the worker against real PostgreSQL and JetStream: success, retry
//! with backoff until success, and dead-lettering once the attempts are spent.

use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_common::nats::NatsConfig;
use exobrain_jobs::MIGRATOR;
use exobrain_jobs::domain::{JobId, JobState, JobType, NewJob, UserId};
use exobrain_jobs::store::{JobSnapshot, JobStore};
use exobrain_testkit::checks::{assert_stops_cleanly, base_env};
use exobrain_testkit::{TestDb, TestNats, TestServer, bind_ephemeral, wait_until_ok};
use job_orchestrator_worker::Config;
use serde_json::json;

struct Setup {
    store: JobStore,
    server: TestServer<exobrain_common::startup::RunError>,
    db: TestDb,
    _nats: TestNats,
}

async fn start_worker(max_attempts: u32) -> Setup {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let mut env = base_env();
    env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), db.dsn.clone());
    env.extend(nats.service_env());
    env.insert("JOB_MAX_ATTEMPTS".into(), max_attempts.to_string());
    env.insert("JOB_RETRY_BACKOFF_BASE_SECONDS".into(), "0.05".into());
    env.insert("WORKER_REPLICA_COUNT".into(), "4".into());
    let config = Config::from_env(Env::from_map(env)).expect("config");
    let admin = bind_ephemeral().await;
    let ready = format!("http://{}/readyz", admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| job_orchestrator_worker::run(config, admin, token));
    assert!(
        wait_until_ok(&ready, Duration::from_secs(10)).await,
        "worker never became ready"
    );
    let store = JobStore::new(
        db.pool.clone(),
        NatsConfig::new(nats.url.clone(), nats.prefix.clone()),
    );
    Setup {
        store,
        server,
        db,
        _nats: nats,
    }
}

fn alice() -> UserId {
    UserId::parse("user_id", "alice").expect("user")
}

async fn enqueue(
    setup: &Setup,
    job_type: &str,
    payload: serde_json::Value,
    max_attempts: u32,
) -> JobId {
    let job = NewJob {
        job_type: JobType::parse("job_type", job_type).expect("type"),
        owner: alice(),
        payload,
        idempotency_key: None,
        max_attempts,
    };
    setup.store.enqueue(&[job], None).await.expect("enqueue")[0].job_id
}

async fn wait_terminal(setup: &Setup, job_id: JobId) -> JobSnapshot {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let snapshot = setup
            .store
            .snapshot(job_id, &alice())
            .await
            .expect("snapshot");
        if snapshot.state.is_terminal() {
            return snapshot;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job stuck in {:?}",
            snapshot.state
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_echo_job_succeeds_on_its_first_attempt() {
    let setup = start_worker(3).await;
    let job_id = enqueue(&setup, "diagnostics.echo", json!({ "hello": "world" }), 3).await;
    let done = wait_terminal(&setup, job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::Succeeded, 1));
    let result: serde_json::Value =
        sqlx::query_scalar("SELECT result FROM orchestrator_jobs WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_one(&setup.db.pool)
            .await
            .expect("result");
    assert_eq!(result["echo"]["hello"], "world");
    assert_stops_cleanly(setup.server).await;
}

#[tokio::test]
async fn a_failing_job_is_retried_until_it_succeeds() {
    let setup = start_worker(3).await;
    let job_id = enqueue(&setup, "diagnostics.fail", json!({ "fail_attempts": 2 }), 3).await;
    let done = wait_terminal(&setup, job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::Succeeded, 3));
    let attempts: Vec<(i32, String)> = sqlx::query_as(
        "SELECT attempt, outcome FROM orchestrator_job_attempts WHERE job_id = $1 ORDER BY attempt",
    )
    .bind(job_id.as_uuid())
    .fetch_all(&setup.db.pool)
    .await
    .expect("attempts");
    assert_eq!(
        attempts,
        [
            (1, "failed".into()),
            (2, "failed".into()),
            (3, "succeeded".into())
        ]
    );
}

#[tokio::test]
async fn a_job_out_of_attempts_is_dead_lettered_once() {
    let setup = start_worker(2).await;
    let job_id = enqueue(&setup, "diagnostics.fail", json!({ "fail_attempts": 5 }), 2).await;
    let done = wait_terminal(&setup, job_id).await;
    assert_eq!((done.state, done.attempt), (JobState::FailedFinal, 2));
    assert!(done.detail.contains("planned failure 2"), "{}", done.detail);
    let letters: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orchestrator_dead_letters WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_one(&setup.db.pool)
            .await
            .expect("count");
    assert_eq!(letters, 1);
}
