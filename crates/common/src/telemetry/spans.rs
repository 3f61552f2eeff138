//! Spans that follow OpenTelemetry's semantic conventions: one constructor per kind of hop
//! (HTTP and gRPC server and client, NATS publish and process, a database operation) and the
//! `record_*` helpers that fill in the outcome once it is known. The `otel.*` fields are read
//! by tracing-opentelemetry (span name, kind, status); the dotted fields become attributes.
//! Nothing here injects or extracts trace context: that is [`super::propagation`]'s job.

use tracing::Span;
use tracing::field::Empty;

/// Whether a request to `path` is plumbing (health, readiness, metrics scrapes, gRPC health and
/// reflection) that gets no span: probes every few seconds would bury the traces that matter.
pub fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
        || path.starts_with("/grpc.health.v1.Health/")
        || path.starts_with("/grpc.reflection.")
}

/// `GET /api/journals/{id}` as a server span continuing whatever parent the caller sets.
/// `route` is the matched template (`None` when no route matched, then the name is the
/// method alone, as the conventions ask, to keep names low-cardinality).
pub fn http_server(method: &http::Method, route: Option<&str>, path: &str) -> Span {
    let name = match route {
        Some(route) => format!("{method} {route}"),
        None => method.to_string(),
    };
    tracing::info_span!(
        "http.server",
        otel.name = %name,
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %method,
        http.route = route,
        url.path = %path,
        http.response.status_code = Empty,
        "error.type" = Empty,
        caller = Empty,
    )
}

/// A client span for an outgoing HTTP request to `url` (`GET`, as the conventions name client
/// spans without a template). Enter it (or instrument the call with it) before injecting the
/// trace context, so the callee's server span becomes its child.
pub fn http_client(method: &http::Method, url: &str) -> Span {
    let (address, port) = url::Url::parse(url)
        .ok()
        .map(|url| {
            (
                url.host_str().unwrap_or_default().to_owned(),
                url.port_or_known_default().map(i64::from),
            )
        })
        .unwrap_or_default();
    tracing::info_span!(
        "http.client",
        otel.name = %method,
        otel.kind = "client",
        otel.status_code = Empty,
        http.request.method = %method,
        url.full = %url,
        server.address = %address,
        server.port = port,
        http.response.status_code = Empty,
        "error.type" = Empty,
    )
}

/// Records an HTTP response status on `span`: an error status for 5xx on the server side and
/// for 4xx and 5xx on the client side, as the conventions ask.
pub fn record_http_status(span: &Span, status: u16, side: Side) {
    span.record("http.response.status_code", i64::from(status));
    let failed = match side {
        Side::Server => status >= 500,
        Side::Client => status >= 400,
    };
    if failed {
        span.record("otel.status_code", "error");
        span.record("error.type", status.to_string());
    }
}

/// Records a failure to get any response (connection refused, timeout) on a client span.
pub fn record_transport_error(span: &Span, error: &dyn std::fmt::Display) {
    span.record("otel.status_code", "error");
    span.record("error.type", error.to_string());
}

/// Which end of a call a span stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The callee.
    Server,
    /// The caller.
    Client,
}

/// The `rpc.service` and `rpc.method` of a gRPC path (`/pkg.Service/Method`); `None` for a
/// path of any other shape.
pub fn grpc_target(path: &str) -> Option<(&str, &str)> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    (!service.is_empty() && !method.is_empty() && !method.contains('/'))
        .then_some((service, method))
}

/// A gRPC span (`pkg.Service/Method`) on `side` for the call to `path`.
pub fn grpc(side: Side, path: &str) -> Span {
    let (service, method) = grpc_target(path).unwrap_or(("unknown", "unknown"));
    let name = format!("{service}/{method}");
    let kind = match side {
        Side::Server => "server",
        Side::Client => "client",
    };
    tracing::info_span!(
        "grpc",
        otel.name = %name,
        otel.kind = kind,
        otel.status_code = Empty,
        rpc.system = "grpc",
        rpc.service = %service,
        rpc.method = %method,
        rpc.grpc.status_code = Empty,
        "error.type" = Empty,
        caller = Empty,
    )
}

/// Records a gRPC status code on `span`. Server spans are errors for the codes the
/// conventions call server faults (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL,
/// UNAVAILABLE, DATA_LOSS); client spans for every non-OK code.
pub fn record_grpc_status(span: &Span, code: i32, side: Side) {
    span.record("rpc.grpc.status_code", i64::from(code));
    let failed = match side {
        Side::Server => matches!(code, 2 | 4 | 12 | 13 | 14 | 15),
        Side::Client => code != 0,
    };
    if failed {
        span.record("otel.status_code", "error");
        span.record("error.type", code.to_string());
    }
}

/// What a messaging span does with its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Messaging {
    /// Sending it (a producer span).
    Publish,
    /// Handling a delivered one (a consumer span).
    Process,
}

/// A NATS span named `<subject> publish` or `<subject> process`.
pub fn nats(operation: Messaging, subject: &str) -> Span {
    let (verb, kind) = match operation {
        Messaging::Publish => ("publish", "producer"),
        Messaging::Process => ("process", "consumer"),
    };
    tracing::info_span!(
        "nats",
        otel.name = %format_args!("{subject} {verb}"),
        otel.kind = kind,
        otel.status_code = Empty,
        messaging.system = "nats",
        messaging.destination.name = %subject,
        messaging.operation.type = verb,
        messaging.operation.name = verb,
        messaging.message.id = Empty,
        "error.type" = Empty,
    )
}

/// Marks `span` failed with `error`'s text as `error.type` (any kind of span).
pub fn record_error(span: &Span, error: &dyn std::fmt::Display) {
    record_transport_error(span, error);
}

/// A client span for one PostgreSQL operation (`SELECT`, `INSERT`, …) on `collection` (a
/// table, or a stored procedure): named `<operation> <collection>`.
pub fn db(operation: &'static str, collection: &str) -> Span {
    tracing::info_span!(
        "db",
        otel.name = %format_args!("{operation} {collection}"),
        otel.kind = "client",
        otel.status_code = Empty,
        db.system.name = "postgresql",
        db.operation.name = operation,
        db.collection.name = %collection,
        "error.type" = Empty,
    )
}

#[cfg(test)]
#[path = "spans_tests.rs"]
mod tests;
