//! The spans as an OTLP backend sees them: name, kind, attributes and status after
//! tracing-opentelemetry has turned them into OpenTelemetry spans.

use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry::Value;
use opentelemetry::trace::{SpanKind, Status, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing_subscriber::layer::SubscriberExt;

use super::*;

#[derive(Debug, Clone, Default)]
struct Recorded(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Recorded {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(batch);
        Ok(())
    }
}

/// Runs `body` under an OpenTelemetry layer and returns the one span it ended.
fn exported(body: impl FnOnce()) -> SpanData {
    let recorded = Recorded::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(recorded.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    tracing::subscriber::with_default(subscriber, body);
    let spans = recorded.0.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(spans.len(), 1, "{spans:?}");
    spans[0].clone()
}

fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|attribute| attribute.key.as_str() == key)
        .map(|attribute| attribute.value.clone())
}

fn text(span: &SpanData, key: &str) -> String {
    attribute(span, key)
        .map(|value| value.as_str().into_owned())
        .unwrap_or_else(|| panic!("no {key} on {span:?}"))
}

#[test]
fn an_http_server_span_is_named_after_its_route_and_fails_on_5xx() {
    let span = exported(|| {
        let span = http_server(
            &http::Method::GET,
            Some("/api/journals/{id}"),
            "/api/journals/2024-05-01",
        );
        record_http_status(&span, 503, Side::Server);
    });
    assert_eq!(span.name, "GET /api/journals/{id}");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(text(&span, "http.request.method"), "GET");
    assert_eq!(text(&span, "http.route"), "/api/journals/{id}");
    assert_eq!(text(&span, "url.path"), "/api/journals/2024-05-01");
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(503))
    );
    assert!(matches!(span.status, Status::Error { .. }), "{span:?}");
}

#[test]
fn a_4xx_is_no_error_of_the_server_but_is_one_of_the_client() {
    let server = exported(|| {
        let span = http_server(&http::Method::POST, None, "/nowhere");
        record_http_status(&span, 404, Side::Server);
    });
    assert_eq!(server.name, "POST");
    assert!(attribute(&server, "http.route").is_none());
    assert_eq!(server.status, Status::Unset);

    let client = exported(|| {
        let span = http_client(&http::Method::POST, "http://model:8010/v1/embeddings");
        record_http_status(&span, 404, Side::Client);
    });
    assert_eq!(client.name, "POST");
    assert_eq!(client.span_kind, SpanKind::Client);
    assert_eq!(text(&client, "server.address"), "model");
    assert_eq!(attribute(&client, "server.port"), Some(Value::I64(8010)));
    assert_eq!(text(&client, "url.full"), "http://model:8010/v1/embeddings");
    assert!(matches!(client.status, Status::Error { .. }));
}

#[test]
fn grpc_spans_carry_the_rpc_attributes_and_the_status_code() {
    let path = "/exobrain.knowledge.KnowledgeInterface/SearchBlocks";
    let server = exported(|| {
        let span = grpc(Side::Server, path);
        record_grpc_status(&span, 5, Side::Server);
    });
    assert_eq!(
        server.name,
        "exobrain.knowledge.KnowledgeInterface/SearchBlocks"
    );
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(text(&server, "rpc.system"), "grpc");
    assert_eq!(
        text(&server, "rpc.service"),
        "exobrain.knowledge.KnowledgeInterface"
    );
    assert_eq!(text(&server, "rpc.method"), "SearchBlocks");
    assert_eq!(
        attribute(&server, "rpc.grpc.status_code"),
        Some(Value::I64(5))
    );
    assert_eq!(server.status, Status::Unset, "NOT_FOUND is the caller's");

    let client = exported(|| {
        let span = grpc(Side::Client, path);
        record_grpc_status(&span, 5, Side::Client);
    });
    assert_eq!(client.span_kind, SpanKind::Client);
    assert!(matches!(client.status, Status::Error { .. }));

    let internal = exported(|| {
        record_grpc_status(&grpc(Side::Server, path), 13, Side::Server);
    });
    assert!(matches!(internal.status, Status::Error { .. }));
}

#[test]
fn grpc_paths_of_another_shape_have_no_target() {
    assert_eq!(grpc_target("/a.B/C"), Some(("a.B", "C")));
    for path in ["", "/", "a.B/C", "/a.B/", "//C", "/a/b/c"] {
        assert_eq!(grpc_target(path), None, "{path}");
    }
}

#[test]
fn nats_spans_are_producers_and_consumers_of_their_subject() {
    let producer = exported(|| drop(nats(Messaging::Publish, "jobs.request.knowledge.update")));
    assert_eq!(producer.name, "jobs.request.knowledge.update publish");
    assert_eq!(producer.span_kind, SpanKind::Producer);
    assert_eq!(text(&producer, "messaging.system"), "nats");
    assert_eq!(text(&producer, "messaging.operation.type"), "publish");
    assert_eq!(
        text(&producer, "messaging.destination.name"),
        "jobs.request.knowledge.update"
    );

    let consumer = exported(|| drop(nats(Messaging::Process, "jobs.request.knowledge.update")));
    assert_eq!(consumer.name, "jobs.request.knowledge.update process");
    assert_eq!(consumer.span_kind, SpanKind::Consumer);
    assert_eq!(text(&consumer, "messaging.operation.type"), "process");
}

#[test]
fn database_spans_name_the_operation_and_the_table() {
    let span = exported(|| {
        let span = db("INSERT", "jobs");
        record_error(&span, &"connection reset");
    });
    assert_eq!(span.name, "INSERT jobs");
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(text(&span, "db.system.name"), "postgresql");
    assert_eq!(text(&span, "db.operation.name"), "INSERT");
    assert_eq!(text(&span, "error.type"), "connection reset");
    assert!(matches!(span.status, Status::Error { .. }));
}

#[test]
fn probes_and_scrapes_are_plumbing_and_requests_are_not() {
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/grpc.health.v1.Health/Check",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ] {
        assert!(is_probe(path), "{path}");
    }
    for path in [
        "/api/healthz",
        "/v1/models",
        "/exobrain.knowledge.v1.KnowledgeInterface/SearchBlocks",
    ] {
        assert!(!is_probe(path), "{path}");
    }
}
