//! The assistant backend as a running service: health, readiness, metrics, migrations,
//! clean shutdown and a clear failure when a dependency is down.

use std::path::Path;
use std::time::Duration;

use assistant_backend::{Config, MIGRATOR};
use exobrain_common::config::Env;
use exobrain_testkit::checks::*;
use exobrain_testkit::{TestDb, TestRedis, TestServer, bind_ephemeral, free_port, wait_until_ok};

const BINARY: &str = env!("CARGO_BIN_EXE_assistant-backend");

fn env_for(db: &TestDb, redis: &TestRedis) -> std::collections::HashMap<String, String> {
    let mut env = base_env();
    env.insert("ASSISTANT_DB_DSN".into(), db.dsn.clone());
    env.insert("ASSISTANT_CACHE_REDIS_URL".into(), redis.url.clone());
    env
}

#[tokio::test]
async fn serves_health_readiness_and_metrics_and_stops_on_cancel() {
    let (db, redis) = (TestDb::migrated(&MIGRATOR).await, TestRedis::new().await);
    let config = Config::from_env(Env::from_map(env_for(&db, &redis))).expect("config");
    let listener = bind_ephemeral().await;
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| assistant_backend::run(config, listener, token));

    assert!(wait_until_ok(&format!("{base}/healthz"), Duration::from_secs(10)).await);
    let report = get_json(&format!("{base}/readyz"), 200).await;
    assert_eq!(report["checks"]["postgres"], "ok");
    assert_eq!(report["checks"]["redis"], "ok");
    let metrics = get_text(&format!("{base}/metrics")).await;
    assert!(
        metrics.contains(
            r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/readyz",http_response_status_code="200"}"#
        ),
        "metrics:\n{metrics}"
    );
    assert_metrics_described(&metrics);
    assert_process_metrics(&metrics);

    assert_stops_cleanly(server).await;
}

#[tokio::test]
async fn migrate_twice_creates_the_tables_once() {
    let (db, redis) = (TestDb::create().await, TestRedis::new().await);
    let tables = [
        "conversations",
        "identities",
        "messages",
        "tool_calls",
        "user_config_values",
        "users",
    ];
    assert_migrate_is_idempotent(Path::new(BINARY), &env_for(&db, &redis), &db, &tables).await;
}

#[tokio::test]
async fn sigterm_exits_zero_within_five_seconds() {
    let (db, redis) = (TestDb::migrated(&MIGRATOR).await, TestRedis::new().await);
    let mut env = env_for(&db, &redis);
    let port = free_port();
    env.insert(
        "ASSISTANT_BACKEND_BIND_ADDRESS".into(),
        format!("127.0.0.1:{port}"),
    );
    assert_sigterm_exits_cleanly(
        Path::new(BINARY),
        &env,
        &format!("http://127.0.0.1:{port}/healthz"),
    )
    .await;
}

#[tokio::test]
async fn unreachable_postgres_is_reported_in_one_line() {
    let redis = TestRedis::new().await;
    let mut env = base_env();
    env.insert(
        "ASSISTANT_DB_DSN".into(),
        format!("postgresql://nobody@127.0.0.1:{}/none", free_port()),
    );
    env.insert(
        "ASSISTANT_BACKEND_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    env.insert("ASSISTANT_CACHE_REDIS_URL".into(), redis.url.clone());
    env.insert(
        "ASSISTANT_BACKEND_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    assert_unreachable_dependency_reported(Path::new(BINARY), &env, "ASSISTANT_DB_DSN").await;
}

#[tokio::test]
async fn unreachable_redis_is_reported_in_one_line() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let mut env = base_env();
    env.insert("ASSISTANT_DB_DSN".into(), db.dsn.clone());
    env.insert(
        "ASSISTANT_CACHE_REDIS_URL".into(),
        format!("redis://127.0.0.1:{}/0", free_port()),
    );
    env.insert(
        "ASSISTANT_BACKEND_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    assert_unreachable_dependency_reported(Path::new(BINARY), &env, "ASSISTANT_CACHE_REDIS_URL")
        .await;
}

#[tokio::test]
async fn a_secret_is_required_outside_local_environments() {
    let error = Config::from_env(Env::from_map([("APP_ENV", "cluster")])).expect_err("no secret");
    assert!(error.to_string().contains("AUTH_JWT_SECRET"), "{error}");
}

#[test]
fn an_invalid_cookie_name_is_reported() {
    let error = Config::from_env(Env::from_map([
        ("APP_ENV", "test"),
        ("AUTH_COOKIE_NAME", "bad name;"),
    ]))
    .expect_err("bad cookie name");
    assert!(error.to_string().contains("AUTH_COOKIE_NAME"), "{error}");
}
