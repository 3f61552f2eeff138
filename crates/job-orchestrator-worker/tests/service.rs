//! The job orchestrator worker as a running service: admin readiness, clean shutdown, and
//! clear failures when NATS is down or the configuration is invalid.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_jobs::MIGRATOR;
use exobrain_testkit::checks::*;
use exobrain_testkit::{TestDb, TestNats, TestServer, bind_ephemeral, free_port, wait_until_ok};
use job_orchestrator_worker::Config;

const BINARY: &str = env!("CARGO_BIN_EXE_job-orchestrator-worker");

fn env_for(dsn: &str, nats_url: &str, prefix: &str) -> HashMap<String, String> {
    let mut env = base_env();
    env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), dsn.to_owned());
    env.insert("EXOBRAIN_NATS_URL".into(), nats_url.to_owned());
    env.insert("EXOBRAIN_NATS_PREFIX".into(), prefix.to_owned());
    env.insert(
        "JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    env
}

#[tokio::test]
async fn reports_ready_when_both_stores_answer() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let config =
        Config::from_env(Env::from_map(env_for(&db.dsn, &nats.url, &nats.prefix))).expect("config");
    let admin_listener = bind_ephemeral().await;
    let admin = format!("http://{}", admin_listener.local_addr().expect("addr"));
    let server =
        TestServer::spawn(|token| job_orchestrator_worker::run(config, admin_listener, token));

    assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(10)).await);
    assert_stops_cleanly(server).await;
}

#[tokio::test]
async fn sigterm_exits_zero_within_five_seconds() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let env = env_for(&db.dsn, &nats.url, &nats.prefix);
    let health = format!(
        "http://{}/healthz",
        env["JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS"]
    );
    assert_sigterm_exits_cleanly(Path::new(BINARY), &env, &health).await;
}

#[tokio::test]
async fn unreachable_nats_is_reported_in_one_line() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let env = env_for(
        &db.dsn,
        &format!("nats://127.0.0.1:{}", free_port()),
        "unused",
    );
    assert_unreachable_dependency_reported(Path::new(BINARY), &env, "EXOBRAIN_NATS_URL").await;
}

#[tokio::test]
async fn invalid_limits_are_rejected_by_name() {
    let error = Config::from_env(Env::from_map([
        ("WORKER_REPLICA_COUNT", "0"),
        ("JOB_MAX_ATTEMPTS", "x"),
    ]))
    .expect_err("invalid");
    let text = error.to_string();
    assert!(
        text.contains("WORKER_REPLICA_COUNT") && text.contains("JOB_MAX_ATTEMPTS"),
        "{text}"
    );
}

#[test]
fn a_deployment_that_forgets_app_env_runs_no_diagnostic_jobs() {
    let token = "w".repeat(40);
    let config = Config::from_env(Env::from_map([("EXOBRAIN_SERVICE_TOKEN", token.as_str())]))
        .expect("config");
    assert!(!config.diagnostics);
}

#[test]
fn outside_local_the_worker_needs_its_credential_for_the_services_it_calls() {
    let error = Config::from_env(Env::from_map(Vec::<(String, String)>::new()))
        .expect_err("no credential")
        .to_string();
    assert!(error.contains("EXOBRAIN_SERVICE_TOKEN"), "{error}");
    let weak = Config::from_env(Env::from_map([("EXOBRAIN_SERVICE_TOKEN", "short")]))
        .expect_err("weak credential")
        .to_string();
    assert!(weak.contains("EXOBRAIN_SERVICE_TOKEN"), "{weak}");
    let local = Config::from_env(Env::from_map([("APP_ENV", "local")])).expect("config");
    assert!(local.diagnostics);
}
