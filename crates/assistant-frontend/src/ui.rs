//! The built UI: files from the dist directory with the right content type, precompressed
//! `.br`/`.gz` siblings when the build made them and gzip/brotli on the fly otherwise, and
//! cache headers that let browsers keep the content-hashed `assets/*` forever while always
//! revalidating `index.html`, which names the current hashes. Any other path that is not a
//! file (a client-side route) gets `index.html`; a missing `assets/*` file stays a 404, so a
//! stale page never receives HTML in place of a script.

use std::path::Path;

use axum::Router;
use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// Hashed build output: a new build gets new names, so a copy never goes stale.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else (index.html, favicon, client-side routes): revalidate on every use.
const NO_CACHE: &str = "no-cache";

/// Serves `dist`: `/assets/*` from `dist/assets`, other files from `dist`, and `index.html`
/// for every other path.
pub fn router(dist: &Path) -> Router {
    let assets = ServeDir::new(dist.join("assets"))
        .precompressed_br()
        .precompressed_gzip();
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let pages = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .nest_service("/assets", assets)
        .fallback_service(pages)
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let path = match request.extensions().get::<OriginalUri>() {
        Some(OriginalUri(uri)) => uri.path(),
        None => request.uri().path(),
    };
    let hashed = path.starts_with("/assets/");
    let mut response = next.run(request).await;
    let found = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let policy = if hashed && found { IMMUTABLE } else { NO_CACHE };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}
