//! Request metrics by what was asked for: the UI's pages and assets, API calls and API
//! streams (SSE), so a dashboard can tell slow pages from slow chats. The shared
//! `http_server_request_duration_seconds` (by route template) is recorded as well, by the
//! common middleware.

use std::time::Instant;

use exobrain_common::metrics::Description;
use metrics::Unit;

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

/// Every metric the web UI server emits.
pub const METRICS: &[Description] = &[
    Description::counter(
        "frontend_requests_total",
        Unit::Count,
        "Requests served, by class (page, asset, api, api_stream) and status.",
    ),
    Description::histogram(
        "frontend_request_duration_seconds",
        Unit::Seconds,
        "Time until the response headers (a stream: until it started), by class.",
    ),
    Description::counter(
        "frontend_proxy_upstream_errors_total",
        Unit::Count,
        "/api requests the backend did not answer, by kind (unreachable, timeout, bad_path).",
    ),
];

/// Counts `frontend_requests_total{class, status}` and records
/// `frontend_request_duration_seconds{class}`: the time until the response headers, which for
/// a stream is the time until it started.
pub async fn track(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let class = class(&path, &response);
    let status = response.status().as_u16().to_string();
    metrics::counter!("frontend_requests_total", "class" => class, "status" => status).increment(1);
    metrics::histogram!("frontend_request_duration_seconds", "class" => class)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `api_stream`, `api`, `asset` or `page`.
fn class(path: &str, response: &Response) -> &'static str {
    if path == "/api" || path.starts_with("/api/") {
        let streaming = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"));
        if streaming { "api_stream" } else { "api" }
    } else if path.starts_with("/assets/") {
        "asset"
    } else {
        "page"
    }
}
