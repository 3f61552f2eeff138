//! The built UI: content types, cache headers, compression, client-side routes and the
//! security headers.

use crate::support::{Backend, Dist, Frontend, INDEX};

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn index_html_is_served_with_no_cache_and_the_security_headers() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;

    let response = frontend.get("/", &[]).await;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("text/html"));
    assert_eq!(header(&response, "cache-control"), "no-cache");
    let csp = header(&response, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing in {csp}");
    }
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "referrer-policy"), "no-referrer");
    assert_eq!(response.text().await.expect("body"), INDEX);
}

#[tokio::test]
async fn hashed_assets_are_cached_forever_with_their_content_type() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;

    let script = frontend.get("/assets/index-4f2a9c1e.js", &[]).await;
    assert_eq!(script.status(), 200);
    assert!(header(&script, "content-type").starts_with("text/javascript"));
    assert_eq!(
        header(&script, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let style = frontend.get("/assets/index-8b7d3e0a.css", &[]).await;
    assert!(header(&style, "content-type").starts_with("text/css"));
    let icon = frontend.get("/favicon.svg", &[]).await;
    assert!(header(&icon, "content-type").starts_with("image/svg+xml"));
    assert_eq!(header(&icon, "cache-control"), "no-cache");
}

#[tokio::test]
async fn assets_are_compressed_on_the_fly_or_served_precompressed() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;

    let gzipped = frontend
        .get("/assets/index-4f2a9c1e.js", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(header(&gzipped, "content-encoding"), "gzip");
    let plain_length = "export const answer = 'from your notes';\n".len() * 40;
    let compressed = gzipped.bytes().await.expect("body");
    assert!(
        compressed.len() < plain_length / 4,
        "{} bytes",
        compressed.len()
    );

    let brotli = frontend
        .get(
            "/assets/vendor-1a2b3c4d.js",
            &[("accept-encoding", "br, gzip")],
        )
        .await;
    assert_eq!(header(&brotli, "content-encoding"), "br");
    assert!(header(&brotli, "content-type").starts_with("text/javascript"));
    assert_eq!(brotli.text().await.expect("body"), "BROTLI-BYTES");

    let identity = frontend.get("/assets/vendor-1a2b3c4d.js", &[]).await;
    assert_eq!(header(&identity, "content-encoding"), "");
    assert_eq!(
        identity.text().await.expect("body"),
        "console.log('plain');"
    );
}

#[tokio::test]
async fn client_side_routes_get_index_html_but_missing_assets_stay_404() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;

    for route in ["/journal/2026/12/07", "/knowledge/page/42", "/ops"] {
        let response = frontend.get(route, &[]).await;
        assert_eq!(response.status(), 200, "{route}");
        assert_eq!(header(&response, "cache-control"), "no-cache");
        assert_eq!(response.text().await.expect("body"), INDEX, "{route}");
    }
    let missing = frontend.get("/assets/index-00000000.js", &[]).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "cache-control"), "no-cache");
}
