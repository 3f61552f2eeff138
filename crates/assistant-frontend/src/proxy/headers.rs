//! Which headers cross the proxy. End-to-end headers (Cookie, Authorization, Origin,
//! Last-Event-ID, If-Match, Set-Cookie, ETag, trace context, ...) pass untouched in both
//! directions; hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and stop here.
//! `Host` is kept, so the backend's same-origin check sees the address the browser used, and
//! the `X-Forwarded-*` headers say who asked.

use std::net::IpAddr;

use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::uri::Uri;

/// The hop-by-hop headers every proxy drops, besides those named in `Connection`.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

const X_FORWARDED_FOR: &str = "x-forwarded-for";
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";
const X_FORWARDED_HOST: &str = "x-forwarded-host";

/// Removes the hop-by-hop headers, including every header the `Connection` header lists.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let listed: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in listed {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(*name);
    }
}

/// The headers sent to the backend: the browser's end-to-end headers, `Host` (taken from the
/// URI's authority for HTTP/2 requests, which carry no `Host`), and the forwarding headers.
/// `X-Forwarded-For` gets the peer appended; `X-Forwarded-Proto` and `X-Forwarded-Host` set by
/// an outer proxy (a TLS-terminating ingress) are kept, otherwise they describe this hop.
pub fn upstream_headers(mut headers: HeaderMap, uri: &Uri, peer: Option<IpAddr>) -> HeaderMap {
    strip_hop_by_hop(&mut headers);
    if !headers.contains_key(header::HOST)
        && let Some(value) = uri
            .authority()
            .and_then(|authority| HeaderValue::from_str(authority.as_str()).ok())
    {
        headers.insert(header::HOST, value);
    }
    if let Some(peer) = peer {
        let chain = match headers
            .get(X_FORWARDED_FOR)
            .and_then(|value| value.to_str().ok())
        {
            Some(earlier) => format!("{earlier}, {peer}"),
            None => peer.to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&chain) {
            headers.insert(X_FORWARDED_FOR, value);
        }
    }
    if !headers.contains_key(X_FORWARDED_PROTO) {
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static("http"));
    }
    if !headers.contains_key(X_FORWARDED_HOST)
        && let Some(host) = headers.get(header::HOST).cloned()
    {
        headers.insert(X_FORWARDED_HOST, host);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
        let mut headers = map(&[
            ("connection", "keep-alive, x-session-hint"),
            ("keep-alive", "timeout=5"),
            ("x-session-hint", "abc"),
            ("transfer-encoding", "chunked"),
            ("cookie", "exobrain_session=s1"),
            ("last-event-id", "7"),
        ]);
        strip_hop_by_hop(&mut headers);
        let names: Vec<_> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["cookie", "last-event-id"]);
    }

    #[test]
    fn forwarding_headers_describe_this_hop_unless_an_outer_proxy_did() {
        let uri: Uri = "/api/journal".parse().expect("uri");
        let peer = Some(IpAddr::from([10, 0, 0, 7]));
        let ours = upstream_headers(map(&[("host", "127.0.0.1:5173")]), &uri, peer);
        assert_eq!(ours["x-forwarded-for"], "10.0.0.7");
        assert_eq!(ours["x-forwarded-proto"], "http");
        assert_eq!(ours["x-forwarded-host"], "127.0.0.1:5173");
        assert_eq!(ours["host"], "127.0.0.1:5173");

        let outer = map(&[
            ("host", "exobrain.example"),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
        ]);
        let behind = upstream_headers(outer, &uri, peer);
        assert_eq!(behind["x-forwarded-for"], "203.0.113.9, 10.0.0.7");
        assert_eq!(behind["x-forwarded-proto"], "https");
    }

    #[test]
    fn an_http2_request_gets_its_host_from_the_authority() {
        let uri: Uri = "http://ui.example:5173/api/x".parse().expect("uri");
        let headers = upstream_headers(HeaderMap::new(), &uri, None);
        assert_eq!(headers["host"], "ui.example:5173");
        assert!(!headers.contains_key("x-forwarded-for"));
    }
}
