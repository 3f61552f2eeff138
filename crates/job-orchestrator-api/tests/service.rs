//! The job orchestrator API as a running service: gRPC health and reflection, admin
//! readiness, migrations, clean shutdown and clear failures when PostgreSQL or NATS is down.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_jobs::MIGRATOR;
use exobrain_testkit::checks::*;
use exobrain_testkit::{
    TestDb, TestNats, TestServer, bind_ephemeral, free_port, grpc_health, reflected_services,
    wait_until_ok,
};
use job_orchestrator_api::{Config, Listeners};
use tonic_health::pb::health_check_response::ServingStatus;

const BINARY: &str = env!("CARGO_BIN_EXE_job-orchestrator-api");

fn env_for(dsn: &str, nats_url: &str, prefix: &str) -> HashMap<String, String> {
    let mut env = base_env();
    env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), dsn.to_owned());
    env.insert("EXOBRAIN_NATS_URL".into(), nats_url.to_owned());
    env.insert("EXOBRAIN_NATS_PREFIX".into(), prefix.to_owned());
    env.insert(
        "JOB_ORCHESTRATOR_API_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    env.insert(
        "JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    env
}

#[tokio::test]
async fn serves_grpc_health_reflection_and_readiness() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let config =
        Config::from_env(Env::from_map(env_for(&db.dsn, &nats.url, &nats.prefix))).expect("config");
    let listeners = Listeners {
        grpc: bind_ephemeral().await,
        admin: bind_ephemeral().await,
    };
    let grpc = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
    let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| job_orchestrator_api::run(config, listeners, token));

    assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(10)).await);
    let report = get_json(&format!("{admin}/readyz"), 200).await;
    assert_eq!(report["checks"]["nats"], "ok");
    assert_eq!(report["checks"]["postgres"], "ok");
    assert_eq!(
        grpc_health(&grpc, exobrain_proto::JOB_ORCHESTRATOR_SERVICE)
            .await
            .expect("health"),
        ServingStatus::Serving
    );
    let services = reflected_services(&grpc).await.expect("reflection");
    assert!(
        services
            .iter()
            .any(|s| s == exobrain_proto::JOB_ORCHESTRATOR_SERVICE),
        "{services:?}"
    );

    assert_stops_cleanly(server).await;
}

#[tokio::test]
async fn migrate_twice_creates_the_job_table_once() {
    let db = TestDb::create().await;
    let env = env_for(&db.dsn, "nats://127.0.0.1:1", "unused");
    // NATS points nowhere: migrating must need only the database.
    assert_migrate_is_idempotent(Path::new(BINARY), &env, &db, &["orchestrator_jobs"]).await;
}

#[tokio::test]
async fn sigterm_exits_zero_within_five_seconds() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let env = env_for(&db.dsn, &nats.url, &nats.prefix);
    let health = format!(
        "http://{}/healthz",
        env["JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS"]
    );
    assert_sigterm_exits_cleanly(Path::new(BINARY), &env, &health).await;
}

#[tokio::test]
async fn unreachable_postgres_is_reported_in_one_line() {
    let nats = TestNats::new().await;
    let env = env_for(
        &format!("postgresql://nobody@127.0.0.1:{}/none", free_port()),
        &nats.url,
        &nats.prefix,
    );
    assert_unreachable_dependency_reported(Path::new(BINARY), &env, "JOB_ORCHESTRATOR_DB_DSN")
        .await;
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

#[test]
fn a_deployment_that_forgets_app_env_gets_no_open_port_and_no_diagnostics() {
    let mut env = env_for("postgresql://u@127.0.0.1/db", "nats://127.0.0.1:4222", "p");
    env.remove("APP_ENV");
    let error = Config::from_env(Env::from_map(env.clone())).expect_err("no credentials");
    assert!(
        error.to_string().contains("EXOBRAIN_SERVICE_CREDENTIALS"),
        "{error}"
    );
    env.insert(
        "EXOBRAIN_SERVICE_CREDENTIALS".into(),
        "assistant-backend=dev-secret-change-me".into(),
    );
    let error = Config::from_env(Env::from_map(env.clone())).expect_err("published secret");
    assert!(error.to_string().contains("development secret"), "{error}");
    env.insert(
        "EXOBRAIN_SERVICE_CREDENTIALS".into(),
        format!("assistant-backend={}", "s".repeat(40)),
    );
    let config = Config::from_env(Env::from_map(env)).expect("a complete cluster config");
    let types: Vec<String> = config
        .registry()
        .specs()
        .map(|spec| spec.job_type.to_string())
        .collect();
    assert_eq!(types, ["knowledge.update"], "no diagnostic job types");
}
