//! Wiring: `/api` to the proxy, everything else to the built UI, security headers on every
//! answer, and the readiness checks (the UI is built, the backend is alive).

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::any;
use exobrain_common::health::Readiness;

use crate::proxy::{self, Upstream};

/// Only this origin's scripts, styles, fonts, images and connections; inline styles are
/// allowed because KaTeX and Svelte set `style` attributes; nothing may frame the app.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// The routes of the web UI server (health, readiness and metrics are added by the caller).
pub fn router(dist: &Path, upstream: Upstream) -> Router {
    let api = Router::new()
        .route("/api", any(proxy::forward))
        .route("/api/{*path}", any(proxy::forward))
        .with_state(upstream);
    api.merge(crate::ui::router(dist))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(crate::metrics::track))
}

/// Ready when `dist/index.html` exists and the backend's `/healthz` answers 200.
pub fn readiness(dist: PathBuf, upstream: Upstream) -> Readiness {
    Readiness::new()
        .with_check("ui_build", move || {
            let index = dist.join("index.html");
            async move {
                if tokio::fs::try_exists(&index).await.unwrap_or(false) {
                    Ok(())
                } else {
                    Err(format!(
                        "{} is missing (build the UI: npm run build)",
                        index.display()
                    ))
                }
            }
        })
        .with_check("assistant_backend", move || {
            let upstream = upstream.clone();
            async move { upstream.healthy().await }
        })
}

/// Adds each security header the response does not set itself (the backend's own headers on
/// proxied answers win).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(*name) {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
    }
    response
}
