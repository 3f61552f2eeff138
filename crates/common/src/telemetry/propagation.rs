//! W3C trace context across process boundaries: inject the current span's context into, and
//! extract a parent context from, HTTP headers, gRPC metadata and NATS message headers.

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector};
use tracing_opentelemetry::OpenTelemetrySpanExt;

struct HttpHeaders<'a>(&'a mut http::HeaderMap);

impl Injector for HttpHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

struct HttpHeadersRef<'a>(&'a http::HeaderMap);

impl Extractor for HttpHeadersRef<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

struct NatsHeaders<'a>(&'a mut async_nats::HeaderMap);

impl Injector for NatsHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key, value.as_str());
    }
}

struct NatsHeadersRef<'a>(&'a async_nats::HeaderMap);

impl Extractor for NatsHeadersRef<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|value| value.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_ref()).collect()
    }
}

fn inject(injector: &mut dyn Injector) {
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, injector);
    });
}

fn extract(extractor: &dyn Extractor) -> Context {
    opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(extractor))
}

/// Writes `traceparent`/`tracestate` of the current span into HTTP headers.
pub fn inject_http(headers: &mut http::HeaderMap) {
    inject(&mut HttpHeaders(headers));
}

/// Reads the caller's trace context from HTTP headers (also used for gRPC, whose metadata
/// travels as HTTP/2 headers).
pub fn extract_http(headers: &http::HeaderMap) -> Context {
    extract(&HttpHeadersRef(headers))
}

/// Writes the current span's context into outgoing gRPC metadata.
pub fn inject_grpc(metadata: &mut tonic::metadata::MetadataMap) {
    let mut headers = http::HeaderMap::new();
    inject_http(&mut headers);
    for (name, value) in &headers {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(name.as_str().as_bytes()),
            tonic::metadata::MetadataValue::try_from(value.as_bytes()),
        ) {
            metadata.insert(key, value);
        }
    }
}

/// Reads the caller's trace context from incoming gRPC metadata.
pub fn extract_grpc(metadata: &tonic::metadata::MetadataMap) -> Context {
    extract_http(&metadata.clone().into_headers())
}

/// Writes the current span's context into NATS message headers.
pub fn inject_nats(headers: &mut async_nats::HeaderMap) {
    inject(&mut NatsHeaders(headers));
}

/// Reads a publisher's trace context from NATS message headers.
pub fn extract_nats(headers: &async_nats::HeaderMap) -> Context {
    extract(&NatsHeadersRef(headers))
}

/// Writes the current span's context as plain key/value pairs, for carriers stored before they
/// are sent (an outbox row's headers).
pub fn inject_map(map: &mut std::collections::HashMap<String, String>) {
    inject(map);
}

/// Reads a trace context stored as plain key/value pairs (the counterpart of [`inject_map`]).
pub fn extract_map(map: &std::collections::HashMap<String, String>) -> Context {
    extract(map)
}
