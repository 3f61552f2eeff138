//! model-provider's real binary exports its spans over both OTLP transports: OTLP/gRPC (the
//! default) and OTLP/HTTP with protobuf bodies (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`).
//! Each span continues the caller's `traceparent` and follows the HTTP conventions.

use std::path::Path;
use std::time::Duration;

use exobrain_testkit::checks::base_env;
use exobrain_testkit::{BinaryProcess, OtlpReceiver, free_port, wait_until_ok};

const BINARY: &str = env!("CARGO_BIN_EXE_model-provider");
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// Starts the binary exporting to `receiver` over `protocol`, asks for `/v1/models` in trace
/// `trace_id`, and returns the server span the receiver got for it.
async fn served_span(protocol: &str, trace_id: &str) -> exobrain_testkit::ReceivedSpan {
    let receiver = OtlpReceiver::start().await;
    let endpoint = match protocol {
        "grpc" => receiver.grpc_endpoint(),
        _ => receiver.http_endpoint(),
    };
    let port = free_port();
    let mut env = base_env();
    env.extend([
        (
            "MODEL_PROVIDER_CONFIG_PATH".to_owned(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/models.yaml").to_owned(),
        ),
        (
            "MODEL_PROVIDER_BIND_ADDRESS".to_owned(),
            format!("127.0.0.1:{port}"),
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(),
            endpoint.to_owned(),
        ),
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(),
            protocol.to_owned(),
        ),
        ("OTEL_BSP_SCHEDULE_DELAY".to_owned(), "100".to_owned()),
    ]);
    let process = BinaryProcess::start(Path::new(BINARY), &["serve"], &env);
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        wait_until_ok(&format!("{base}/healthz"), Duration::from_secs(20)).await,
        "model-provider did not start"
    );
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/models"))
        .header("traceparent", format!("00-{trace_id}-{CALLER_SPAN}-01"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);

    let span = receiver
        .wait_for(Duration::from_secs(20), |span| {
            span.trace_id == trace_id && span.name == "GET /v1/models"
        })
        .await;
    let _ = process.terminate(Duration::from_secs(5)).await;
    span.unwrap_or_else(|error| panic!("over {protocol}: {error}"))
}

#[tokio::test]
async fn spans_are_exported_over_otlp_grpc() {
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let span = served_span("grpc", trace_id).await;
    assert_eq!(span.service, "model-provider");
    assert_eq!(span.kind, "SPAN_KIND_SERVER");
    assert_eq!(
        span.parent_span_id, CALLER_SPAN,
        "continues the caller's trace"
    );
    assert_eq!(span.attribute("http.route"), Some("/v1/models"));
    assert_eq!(span.attribute("http.request.method"), Some("GET"));
    assert_eq!(span.attribute("http.response.status_code"), Some("200"));
}

#[tokio::test]
async fn spans_are_exported_over_otlp_http_protobuf() {
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let span = served_span("http/protobuf", trace_id).await;
    assert_eq!(span.service, "model-provider");
    assert_eq!(span.kind, "SPAN_KIND_SERVER");
    assert_eq!(span.parent_span_id, CALLER_SPAN);
    assert_eq!(span.attribute("url.path"), Some("/v1/models"));
}
