//! Prometheus metrics. One process-wide recorder (the `metrics` facade), rendered on
//! `/metrics` together with the process's own figures; an axum middleware timing HTTP
//! requests (OpenTelemetry's HTTP server names) and a tonic layer for gRPC ([`grpc`], named
//! like go-grpc-prometheus), so stock dashboards read both. Every metric a service emits is
//! described (HELP text and unit) through [`describe`].

mod describe;
mod grpc;
mod process;

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics::Unit;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub use describe::{Description, Kind, describe};
pub use grpc::{GrpcMetrics, GrpcMetricsLayer, MeteredBody};

/// HTTP server request durations (OpenTelemetry `http.server.request.duration`); its `_count`
/// counts requests.
pub const HTTP_SERVER_DURATION: &str = "http_server_request_duration_seconds";
const BUILD_INFO: &str = "exobrain_build_info";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide Prometheus handle, installing the recorder on first use. If another
/// recorder is already installed (a test binary embedding several services), a detached
/// handle is returned so rendering still works.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::debug!("a metrics recorder was already installed");
        }
        describe::register(COMMON);
        process::describe();
        handle
    })
}

/// The metrics every service has (the HTTP and gRPC server metrics, the build, calls the
/// guard refused), described as soon as the recorder is installed.
const COMMON: &[Description] = &[
    Description::histogram(
        HTTP_SERVER_DURATION,
        Unit::Seconds,
        "Duration of HTTP server requests, by http_request_method, http_route (the matched route template, or unmatched) and http_response_status_code.",
    ),
    Description::counter(
        grpc::STARTED,
        Unit::Count,
        "gRPC calls started on the server, by grpc_type, grpc_service, grpc_method and caller.",
    ),
    Description::counter(
        grpc::HANDLED,
        Unit::Count,
        "gRPC calls completed on the server, by grpc_type, grpc_service, grpc_method, grpc_code (the status code name) and caller.",
    ),
    Description::histogram(
        grpc::HANDLING_SECONDS,
        Unit::Seconds,
        "Duration of gRPC calls on the server until their last message (a stream: its whole life), by grpc_type, grpc_service, grpc_method and caller.",
    ),
    Description::gauge(
        BUILD_INFO,
        Unit::Count,
        "Always 1; the service name and version of the running build as labels.",
    ),
    Description::gauge(
        crate::health::READY,
        Unit::Count,
        "1 when every readiness check passed at the last evaluation (each scrape evaluates), else 0.",
    ),
    Description::gauge(
        crate::health::READINESS_CHECK,
        Unit::Count,
        "1 when the readiness check named by check passed at the last evaluation, else 0.",
    ),
    Description::counter(
        crate::grpc::guard::REFUSED,
        Unit::Count,
        "Calls refused before reaching a handler, by reason (credential missing or wrong, caller not allowed).",
    ),
    Description::counter(
        crate::grpc::guard::SHED,
        Unit::Count,
        "gRPC calls refused with RESOURCE_EXHAUSTED because the server already ran its maximum of concurrent calls.",
    ),
    Description::counter(
        crate::grpc::guard::TIMED_OUT,
        Unit::Count,
        "gRPC calls answered with DEADLINE_EXCEEDED because the handler took longer than the call timeout.",
    ),
];

/// Records the build of the running service as `exobrain_build_info{service,version} 1`.
pub fn record_build_info(service: &'static str) {
    metrics::gauge!(BUILD_INFO, "service" => service, "version" => env!("CARGO_PKG_VERSION"))
        .set(1.0);
}

/// Samples the process metrics, then renders every metric in the Prometheus text format.
pub fn render() -> String {
    let handle = handle();
    process::collect();
    handle.render()
}

/// Axum middleware: runs each request (but probes and scrapes) in an HTTP server span (see
/// [`crate::telemetry::spans::http_server`]) that continues the caller's W3C trace and ends
/// with the response status, and records `http_server_request_duration_seconds` by method,
/// route template and status code.
pub async fn track_http(request: Request, next: Next) -> Response {
    use crate::telemetry::spans;
    use tracing::Instrument;
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let path = request.uri().path();
    let span = if spans::is_probe(path) {
        tracing::Span::none()
    } else {
        spans::http_server(request.method(), route.as_deref(), path)
    };
    let _ = span.set_parent(crate::telemetry::propagation::extract_http(
        request.headers(),
    ));
    let response = record_http(request, next).instrument(span.clone()).await;
    spans::record_http_status(&span, response.status().as_u16(), spans::Side::Server);
    response
}

async fn record_http(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [
        ("http_request_method", method),
        ("http_route", route),
        ("http_response_status_code", status),
    ];
    metrics::histogram!(HTTP_SERVER_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}
