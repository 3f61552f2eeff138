//! An in-process OTLP trace receiver for tests: an OTLP/gRPC `TraceService` and an OTLP/HTTP
//! `POST /v1/traces` (protobuf) endpoint, each on an ephemeral port, that keep every span they
//! are sent. Helpers wait for a span by service and name and walk a span's ancestors, so a test
//! can assert how a trace crosses processes. It answers every export with success and keeps
//! no limit: it is for tests only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::bind_ephemeral;

/// A span as the receiver got it, ids in lowercase hex (`parent_span_id` empty for a root).
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    /// `service.name` of the exporting process.
    pub service: String,
    /// The span name.
    pub name: String,
    /// `SPAN_KIND_SERVER`, `SPAN_KIND_CLIENT`, … as OTLP names them.
    pub kind: String,
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits.
    pub span_id: String,
    /// 16 hex digits, or empty.
    pub parent_span_id: String,
    /// Attributes, values in their text form.
    pub attributes: HashMap<String, String>,
    /// `STATUS_CODE_UNSET`, `STATUS_CODE_OK` or `STATUS_CODE_ERROR`.
    pub status: String,
}

impl ReceivedSpan {
    /// The attribute `key`, if set.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

#[derive(Debug, Default)]
struct Store {
    spans: Mutex<Vec<ReceivedSpan>>,
    arrived: Notify,
}

impl Store {
    fn add(&self, request: ExportTraceServiceRequest) {
        let mut received = Vec::new();
        for resource_spans in request.resource_spans {
            let service = resource_spans
                .resource
                .as_ref()
                .and_then(|resource| find(&resource.attributes, "service.name"))
                .unwrap_or_default();
            for scope in resource_spans.scope_spans {
                for span in scope.spans {
                    received.push(ReceivedSpan {
                        service: service.clone(),
                        kind: kind_name(span.kind),
                        trace_id: hex(&span.trace_id),
                        span_id: hex(&span.span_id),
                        parent_span_id: hex(&span.parent_span_id),
                        attributes: span
                            .attributes
                            .iter()
                            .map(|kv| (kv.key.clone(), text(kv.value.as_ref())))
                            .collect(),
                        status: status_name(span.status.as_ref().map_or(0, |status| status.code)),
                        name: span.name,
                    });
                }
            }
        }
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(received);
        self.arrived.notify_waiters();
    }
}

fn find(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .map(|kv| text(kv.value.as_ref()))
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(text)) => text.clone(),
        Some(any_value::Value::BoolValue(flag)) => flag.to_string(),
        Some(any_value::Value::IntValue(number)) => number.to_string(),
        Some(any_value::Value::DoubleValue(number)) => number.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn kind_name(kind: i32) -> String {
    use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
    SpanKind::try_from(kind)
        .map(|kind| kind.as_str_name().to_owned())
        .unwrap_or_else(|_| format!("SPAN_KIND_{kind}"))
}

fn status_name(code: i32) -> String {
    use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
    StatusCode::try_from(code)
        .map(|code| code.as_str_name().to_owned())
        .unwrap_or_else(|_| format!("STATUS_CODE_{code}"))
}

struct Collector(Arc<Store>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.add(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

async fn http_export(
    axum::extract::State(store): axum::extract::State<Arc<Store>>,
    body: Bytes,
) -> axum::response::Response {
    match ExportTraceServiceRequest::decode(body) {
        Ok(request) => {
            store.add(request);
            (
                [(header::CONTENT_TYPE, "application/x-protobuf")],
                ExportTraceServiceResponse::default().encode_to_vec(),
            )
                .into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}

/// The running receiver; dropping it stops both endpoints.
#[derive(Debug)]
pub struct OtlpReceiver {
    store: Arc<Store>,
    grpc_endpoint: String,
    http_endpoint: String,
    shutdown: CancellationToken,
}

impl OtlpReceiver {
    /// Starts both endpoints on ephemeral ports of 127.0.0.1.
    pub async fn start() -> Self {
        let store = Arc::new(Store::default());
        let shutdown = CancellationToken::new();

        let grpc = bind_ephemeral().await;
        let grpc_endpoint = format!("http://{}", grpc.local_addr().expect("grpc address"));
        let server = tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(Collector(store.clone())))
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(grpc),
                shutdown.clone().cancelled_owned(),
            );
        tokio::spawn(server);

        let http = bind_ephemeral().await;
        let http_endpoint = format!("http://{}", http.local_addr().expect("http address"));
        let app = axum::Router::new()
            .route("/v1/traces", axum::routing::post(http_export))
            .with_state(store.clone());
        let token = shutdown.clone();
        tokio::spawn(async move {
            axum::serve(http, app)
                .with_graceful_shutdown(token.cancelled_owned())
                .await
        });

        Self {
            store,
            grpc_endpoint,
            http_endpoint,
            shutdown,
        }
    }

    /// `http://127.0.0.1:<port>` of the OTLP/gRPC endpoint (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`).
    pub fn grpc_endpoint(&self) -> &str {
        &self.grpc_endpoint
    }

    /// `http://127.0.0.1:<port>` of the OTLP/HTTP endpoint, without `/v1/traces`
    /// (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`).
    pub fn http_endpoint(&self) -> &str {
        &self.http_endpoint
    }

    /// Every span received so far, in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.store
            .spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The received spans of trace `trace_id`.
    pub fn trace(&self, trace_id: &str) -> Vec<ReceivedSpan> {
        let mut spans = self.spans();
        spans.retain(|span| span.trace_id == trace_id);
        spans
    }

    /// Waits up to `limit` for a span that satisfies `wanted`; on timeout the error lists
    /// what did arrive.
    pub async fn wait_for(
        &self,
        limit: Duration,
        wanted: impl Fn(&ReceivedSpan) -> bool,
    ) -> Result<ReceivedSpan, String> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.store.arrived.notified();
            if let Some(span) = self.spans().into_iter().find(&wanted) {
                return Ok(span);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let seen: Vec<String> = self
                    .spans()
                    .iter()
                    .map(|span| format!("{}: {}", span.service, span.name))
                    .collect();
                return Err(format!("no such span within {limit:?}; received: {seen:?}"));
            }
        }
    }

    /// Waits up to `limit` for a span named `name` exported by `service`.
    pub async fn wait_for_span(
        &self,
        service: &str,
        name: &str,
        limit: Duration,
    ) -> Result<ReceivedSpan, String> {
        self.wait_for(limit, |span| span.service == service && span.name == name)
            .await
            .map_err(|error| format!("{service}: `{name}`: {error}"))
    }

    /// The received span with id `span_id`.
    pub fn span(&self, span_id: &str) -> Option<ReceivedSpan> {
        self.spans()
            .into_iter()
            .find(|span| span.span_id == span_id)
    }

    /// The parent of `span`, if it was received.
    pub fn parent(&self, span: &ReceivedSpan) -> Option<ReceivedSpan> {
        if span.parent_span_id.is_empty() {
            return None;
        }
        self.span(&span.parent_span_id)
    }

    /// `span`'s received ancestors, nearest first (the walk stops at a root or at a parent
    /// that has not arrived).
    pub fn ancestors(&self, span: &ReceivedSpan) -> Vec<ReceivedSpan> {
        let mut chain = Vec::new();
        let mut current = span.clone();
        while let Some(parent) = self.parent(&current) {
            if chain.len() > 1_000 {
                break;
            }
            chain.push(parent.clone());
            current = parent;
        }
        chain
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
