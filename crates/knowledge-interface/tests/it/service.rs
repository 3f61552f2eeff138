//! The knowledge interface as a running service: gRPC health and reflection, admin health,
//! readiness and metrics, migrations, clean shutdown and a clear failure when PostgreSQL is down.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_testkit::checks::*;
use exobrain_testkit::{
    TestDb, TestServer, bind_ephemeral, free_port, grpc_health, reflected_services, wait_until_ok,
};
use knowledge_interface::{Config, Listeners, MIGRATOR};
use tonic_health::pb::health_check_response::ServingStatus;

const BINARY: &str = env!("CARGO_BIN_EXE_knowledge-interface");

fn env_for(dsn: &str) -> HashMap<String, String> {
    let mut env = base_env();
    env.insert("KNOWLEDGE_SCHEMA_DSN".into(), dsn.to_owned());
    env.insert(
        "KNOWLEDGE_INTERFACE_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    env.insert(
        "KNOWLEDGE_INTERFACE_ADMIN_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    env
}

#[tokio::test]
async fn serves_grpc_health_reflection_and_admin_endpoints() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let config = Config::from_env(Env::from_map(env_for(&db.dsn))).expect("config");
    let listeners = Listeners {
        grpc: bind_ephemeral().await,
        admin: bind_ephemeral().await,
    };
    let grpc = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
    let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| knowledge_interface::run(config, listeners, token));

    assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(10)).await);
    assert_eq!(
        grpc_health(&grpc, "").await.expect("health"),
        ServingStatus::Serving
    );
    assert_eq!(
        grpc_health(&grpc, exobrain_proto::KNOWLEDGE_INTERFACE_SERVICE)
            .await
            .expect("health"),
        ServingStatus::Serving
    );
    let services = reflected_services(&grpc).await.expect("reflection");
    assert!(
        services
            .iter()
            .any(|s| s == exobrain_proto::KNOWLEDGE_INTERFACE_SERVICE),
        "{services:?}"
    );
    assert!(
        services.iter().any(|s| s == "grpc.health.v1.Health"),
        "{services:?}"
    );

    let unknown = grpc_health(&grpc, "no.such.Service").await;
    assert_eq!(
        unknown.expect_err("unknown service").code(),
        tonic::Code::NotFound
    );

    let metrics = get_text(&format!("{admin}/metrics")).await;
    let health = r#"grpc_type="unary",grpc_service="grpc.health.v1.Health",grpc_method="Check""#;
    let reflection = r#"grpc_type="bidi_stream",grpc_service="grpc.reflection.v1.ServerReflection",grpc_method="ServerReflectionInfo""#;
    for expected in [
        format!("grpc_server_started_total{{{health},caller=\"none\"}}"),
        format!("grpc_server_handled_total{{{health},grpc_code=\"OK\",caller=\"none\"}}"),
        format!("grpc_server_handled_total{{{health},grpc_code=\"NotFound\",caller=\"none\"}}"),
        format!("grpc_server_handling_seconds_bucket{{{health},caller=\"none\",le="),
        format!("grpc_server_handled_total{{{reflection},grpc_code=\"OK\",caller=\"none\"}}"),
    ] {
        assert!(
            metrics.contains(&expected),
            "{expected} missing:\n{metrics}"
        );
    }
    assert_metrics_described(&metrics);
    assert_process_metrics(&metrics);

    assert_stops_cleanly(server).await;
}

#[tokio::test]
async fn migrate_twice_creates_the_schema_registry_once() {
    let db = TestDb::create().await;
    let tables = [
        "knowledge_graph_schema_edge_rules",
        "knowledge_graph_schema_type_inheritance",
        "knowledge_graph_schema_type_properties",
        "knowledge_graph_schema_types",
    ];
    assert_migrate_is_idempotent(Path::new(BINARY), &env_for(&db.dsn), &db, &tables).await;
}

#[tokio::test]
async fn sigterm_exits_zero_within_five_seconds() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let env = env_for(&db.dsn);
    let health = format!(
        "http://{}/healthz",
        env["KNOWLEDGE_INTERFACE_ADMIN_BIND_ADDRESS"]
    );
    assert_sigterm_exits_cleanly(Path::new(BINARY), &env, &health).await;
}

#[tokio::test]
async fn unreachable_postgres_is_reported_in_one_line() {
    let env = env_for(&format!(
        "postgresql://nobody@127.0.0.1:{}/none",
        free_port()
    ));
    assert_unreachable_dependency_reported(Path::new(BINARY), &env, "KNOWLEDGE_SCHEMA_DSN").await;
}
