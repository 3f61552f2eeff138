//! The metrics every gRPC service has, seen from outside: go-grpc-prometheus names and labels
//! for unary calls, errors and streams (counted once, at their end), and a `/metrics` page on
//! the admin listener whose every family is described and which carries the process metrics.

use std::time::Duration;

use exobrain_common::grpc::{GrpcProcess, Guard, serve_with_admin};
use exobrain_common::health::Readiness;
use exobrain_testkit::checks::{assert_metrics_described, assert_process_metrics, get_text};
use exobrain_testkit::{TestServer, bind_ephemeral, wait_until_ok};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

const HEALTH: &str = r#"grpc_service="grpc.health.v1.Health""#;

async fn metrics_once(admin: &str, expected: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let metrics = get_text(&format!("{admin}/metrics")).await;
        if metrics.contains(expected) || tokio::time::Instant::now() > deadline {
            return metrics;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn grpc_calls_are_counted_by_type_method_and_code_name() {
    let (grpc_listener, admin_listener) = (bind_ephemeral().await, bind_ephemeral().await);
    let grpc = format!("http://{}", grpc_listener.local_addr().expect("addr"));
    let admin = format!("http://{}", admin_listener.local_addr().expect("addr"));
    let process = GrpcProcess {
        services: &["exobrain.test.v1.Metered"],
        descriptor_set: tonic_health::pb::FILE_DESCRIPTOR_SET,
        readiness: Readiness::new(),
        grace: Duration::from_secs(1),
        guard: Guard::default(),
    };
    let server = TestServer::spawn(move |token| {
        serve_with_admin(
            process,
            tonic::service::Routes::default(),
            grpc_listener,
            admin_listener,
            token,
        )
    });
    assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(10)).await);

    let channel = tonic::transport::Endpoint::from_shared(grpc)
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut client = HealthClient::new(channel);
    let check = |service: &str| HealthCheckRequest {
        service: service.to_owned(),
    };
    client.check(check("")).await.expect("whole server");
    let unknown = client.check(check("no.such.Service")).await;
    assert_eq!(unknown.expect_err("unknown").code(), tonic::Code::NotFound);
    let mut watch = client.watch(check("")).await.expect("watch").into_inner();
    watch
        .message()
        .await
        .expect("first status")
        .expect("a status");
    drop(watch);

    let unary = format!(r#"grpc_type="unary",{HEALTH},grpc_method="Check""#);
    let stream = format!(r#"grpc_type="server_stream",{HEALTH},grpc_method="Watch""#);
    let cancelled =
        format!(r#"grpc_server_handled_total{{{stream},grpc_code="Canceled",caller="none"}} 1"#);
    let metrics = metrics_once(&admin, &cancelled).await;
    for expected in [
        format!(r#"grpc_server_started_total{{{unary},caller="none"}} 2"#),
        format!(r#"grpc_server_handled_total{{{unary},grpc_code="OK",caller="none"}} 1"#),
        format!(r#"grpc_server_handled_total{{{unary},grpc_code="NotFound",caller="none"}} 1"#),
        format!(r#"grpc_server_handling_seconds_count{{{unary},caller="none"}} 2"#),
        format!(r#"grpc_server_started_total{{{stream},caller="none"}} 1"#),
        cancelled,
        format!(r#"grpc_server_handling_seconds_count{{{stream},caller="none"}} 1"#),
        r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/readyz",http_response_status_code="200"}"#.to_owned(),
        "exobrain_ready 1".to_owned(),
    ] {
        assert!(metrics.contains(&expected), "{expected} missing:\n{metrics}");
    }
    assert_metrics_described(&metrics);
    assert_process_metrics(&metrics);

    server
        .stop_within(Duration::from_secs(5))
        .await
        .expect("stops")
        .expect("clean stop");
}
