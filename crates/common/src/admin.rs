//! The HTTP surface every service has: `/healthz`, `/readyz`, `/metrics`, and serving a router
//! with graceful shutdown bounded by a grace period.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::health::Readiness;
use crate::shutdown::drain;

/// Routes `/healthz` (always 200 while the process runs), `/readyz` (200 when every
/// readiness check passes, 503 with the failing checks otherwise) and `/metrics`.
pub fn router(readiness: Readiness) -> Router {
    // Install the recorder now, so requests served before the first scrape are counted.
    let _ = crate::metrics::handle();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(prometheus))
        .with_state(readiness)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(readiness): State<Readiness>) -> impl IntoResponse {
    let report = readiness.evaluate().await;
    let status = if report.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}

/// Evaluates readiness (so its gauges are current), then renders every metric.
async fn prometheus(State(readiness): State<Readiness>) -> impl IntoResponse {
    readiness.evaluate().await;
    (
        [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::render(),
    )
}

/// Adds request metrics to `router` (apply after all routes are added).
pub fn with_metrics(router: Router) -> Router {
    router.layer(axum::middleware::from_fn(crate::metrics::track_http))
}

/// Serves `router` on `listener` (TCP_NODELAY on every connection, the peer address in each
/// request's `ConnectInfo<SocketAddr>`) until `token` is cancelled, then lets open requests finish
/// for at most `grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    token: CancellationToken,
    grace: Duration,
) -> std::io::Result<()> {
    // TCP_NODELAY: a streamed reply's small frames must not wait for delayed ACKs.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // Peer addresses are recorded (`ConnectInfo<SocketAddr>`) for per-client limits.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server =
        axum::serve(listener, service).with_graceful_shutdown(token.clone().cancelled_owned());
    drain(server.into_future(), &token, grace)
        .await
        .unwrap_or(Ok(()))
}

/// Serves an HTTP service: its own `app` routes plus the admin endpoints on one listener,
/// with request metrics, until `token` is cancelled.
pub async fn serve_http_service(
    listener: TcpListener,
    app: Router,
    readiness: Readiness,
    token: CancellationToken,
    grace: Duration,
) -> Result<(), crate::startup::RunError> {
    let router = with_metrics(app.merge(router(readiness)));
    serve(listener, router, token, grace)
        .await
        .map_err(|error| crate::startup::RunError::Serve {
            what: "HTTP server",
            cause: error.to_string(),
        })
}
