//! The `/api` proxy: every request under `/api` goes to assistant-backend with its method,
//! path, query, end-to-end headers and body, and the backend's answer comes back as it is
//! produced. Nothing is buffered in either direction, so a chat's SSE events reach the browser
//! one by one; when the browser goes away the response body is dropped, which closes the
//! upstream connection, so the backend sees the disconnect as if the browser were its client.
//! The proxy never retries (a POST may not be repeatable) and never rewrites bodies.

mod headers;

use std::error::Error as StdError;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use exobrain_common::telemetry::spans;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tracing::Instrument;

use crate::config::BackendUrl;
use crate::error::ProxyError;
pub use headers::strip_hop_by_hop;

/// Idle pooled connections to the backend are closed after this long.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP/1.1 client for the backend plus where the backend is; cheap to clone.
#[derive(Debug, Clone)]
pub struct Upstream {
    client: Client<HttpConnector, Body>,
    /// The backend URL without a trailing `/`; the request's path and query are appended.
    base: String,
    timeout: Duration,
}

impl Upstream {
    /// A client for `backend` that gives up connecting after `connect_timeout` and waiting for
    /// response headers after `timeout`.
    pub fn new(backend: &BackendUrl, connect_timeout: Duration, timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        // Small SSE frames must not wait for delayed ACKs on this hop either.
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        Self {
            client,
            base: backend.as_str().trim_end_matches('/').to_owned(),
            timeout,
        }
    }

    /// The backend's `/healthz` answers 200 (the readiness check).
    pub async fn healthy(&self) -> Result<(), String> {
        let uri: Uri = format!("{}/healthz", self.base)
            .parse()
            .map_err(|error| format!("bad backend URL: {error}"))?;
        let response = self
            .client
            .get(uri)
            .await
            .map_err(|error| format!("{} unreachable: {}", self.base, causes(&error)))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "{}/healthz answered {}",
                self.base,
                response.status()
            ))
        }
    }

    async fn send(&self, request: Request) -> Result<Response, ProxyError> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let (parts, body) = request.into_parts();
        let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
        let target: Uri =
            format!("{}{path}", self.base)
                .parse()
                .map_err(|_| ProxyError::BadPath {
                    path: path.to_owned(),
                })?;
        let mut upstream = http::Request::builder()
            .method(parts.method)
            .uri(target)
            .body(body)
            .map_err(|_| ProxyError::BadPath {
                path: path.to_owned(),
            })?;
        *upstream.headers_mut() = headers::upstream_headers(parts.headers, &parts.uri, peer);
        // A client span of the request being served; the backend's server span is its child.
        let span = spans::http_client(
            upstream.method(),
            &format!("{}{}", self.base, parts.uri.path()),
        );
        {
            let _entered = span.enter();
            exobrain_common::telemetry::propagation::inject_http(upstream.headers_mut());
        }

        let response = tokio::time::timeout(self.timeout, self.client.request(upstream))
            .instrument(span.clone())
            .await
            .map_err(|_| {
                spans::record_transport_error(&span, &"timed out");
                ProxyError::Timeout {
                    seconds: self.timeout.as_secs(),
                }
            })?
            .map_err(|error| {
                spans::record_transport_error(&span, &error);
                ProxyError::Unreachable {
                    cause: causes(&error),
                }
            })?;
        spans::record_http_status(&span, response.status().as_u16(), spans::Side::Client);
        let (mut parts, body) = response.into_parts();
        strip_hop_by_hop(&mut parts.headers);
        Ok(Response::from_parts(parts, Body::new(body)))
    }
}

/// The `/api` handler: forwards the request and streams the answer back; a backend that
/// cannot be reached becomes a 502/504 in the backend's own error shape.
pub async fn forward(State(upstream): State<Upstream>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    match upstream.send(request).await {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(%method, %path, %error, "proxy.forward failed");
            metrics::counter!("frontend_proxy_upstream_errors_total", "kind" => error.kind())
                .increment(1);
            error.into_response()
        }
    }
}

/// An error and its sources on one line (the client's own message is only "client error").
fn causes(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
