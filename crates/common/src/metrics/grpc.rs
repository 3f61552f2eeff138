//! gRPC server metrics named like go-grpc-prometheus (grpc-ecosystem), so stock gRPC
//! dashboards read them: `grpc_server_started_total`, `grpc_server_handled_total` (with the
//! status code's name, `OK`, `NotFound`, ...) and `grpc_server_handling_seconds`, labelled by
//! `grpc_type`, `grpc_service` and `grpc_method`, plus our `caller`.
//!
//! A call is handled when its response ends: an immediate error at its headers
//! (trailers-only), anything else at its trailers, so a stream counts once, with its final
//! code and its whole duration. A response dropped before its status (the client went away)
//! counts as `Canceled`. Calls the guard turns away never reach this layer; they are counted by
//! `exobrain_calls_refused_total` and `exobrain_calls_shed_total`.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use futures::future::BoxFuture;
use http_body::{Body, Frame, SizeHint};
use prost::Message;

pub(super) const STARTED: &str = "grpc_server_started_total";
pub(super) const HANDLED: &str = "grpc_server_handled_total";
pub(super) const HANDLING_SECONDS: &str = "grpc_server_handling_seconds";

/// Each method's `grpc_type` by its path (`/package.Service/Method`).
type MethodTypes = HashMap<String, &'static str>;

/// Tonic layer recording the gRPC server metrics; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct GrpcMetricsLayer {
    types: Arc<MethodTypes>,
}

impl GrpcMetricsLayer {
    /// Reads every method's streaming kind (`unary`, `server_stream`, `client_stream`,
    /// `bidi_stream`) from `descriptor_sets` (encoded `FileDescriptorSet`s). Methods not in
    /// them count as `unary`; a set that does not decode is skipped with a warning.
    pub fn from_descriptor_sets(descriptor_sets: &[&[u8]]) -> Self {
        let mut types = MethodTypes::new();
        for encoded in descriptor_sets {
            match prost_types::FileDescriptorSet::decode(*encoded) {
                Ok(set) => add_methods(&set, &mut types),
                Err(error) => {
                    tracing::warn!(%error, "cannot read a descriptor set; its methods count as unary");
                }
            }
        }
        Self {
            types: Arc::new(types),
        }
    }

    fn grpc_type(&self, path: &str) -> &'static str {
        self.types.get(path).copied().unwrap_or("unary")
    }
}

fn add_methods(set: &prost_types::FileDescriptorSet, types: &mut MethodTypes) {
    for file in &set.file {
        for service in &file.service {
            let service_name = match file.package() {
                "" => service.name().to_owned(),
                package => format!("{package}.{}", service.name()),
            };
            for method in &service.method {
                let kind = match (method.client_streaming(), method.server_streaming()) {
                    (false, false) => "unary",
                    (false, true) => "server_stream",
                    (true, false) => "client_stream",
                    (true, true) => "bidi_stream",
                };
                types.insert(format!("/{service_name}/{}", method.name()), kind);
            }
        }
    }
}

impl<S> tower::Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcMetrics {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service produced by [`GrpcMetricsLayer`].
#[derive(Debug, Clone)]
pub struct GrpcMetrics<S> {
    inner: S,
    layer: GrpcMetricsLayer,
}

impl<S, B, R> tower::Service<http::Request<B>> for GrpcMetrics<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<MeteredBody<R>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        let call = Call::start(
            self.layer.grpc_type(path),
            path,
            crate::auth::Caller::label(request.extensions()),
        );
        let future = self.inner.call(request);
        Box::pin(async move {
            let mut call = call;
            let response = match future.await {
                Ok(response) => response,
                Err(error) => {
                    call.code = "Unavailable";
                    return Err(error);
                }
            };
            let call = match response.headers().get("grpc-status") {
                // A status in the headers is a trailers-only response: the call is over.
                Some(status) => {
                    call.code = code_name(status);
                    drop(call);
                    None
                }
                None => Some(call),
            };
            Ok(response.map(|inner| MeteredBody { inner, call }))
        })
    }
}

/// One call in flight; recorded as handled, with `code`, when dropped.
#[derive(Debug)]
struct Call {
    labels: [(&'static str, String); 4],
    started: Instant,
    code: &'static str,
}

impl Call {
    fn start(grpc_type: &'static str, path: &str, caller: String) -> Self {
        let (service, method) = path
            .trim_start_matches('/')
            .split_once('/')
            .unwrap_or(("unknown", path));
        let labels = [
            ("grpc_type", grpc_type.to_owned()),
            ("grpc_service", service.to_owned()),
            ("grpc_method", method.to_owned()),
            ("caller", caller),
        ];
        metrics::counter!(STARTED, &labels).increment(1);
        Self {
            labels,
            started: Instant::now(),
            code: "Canceled",
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        metrics::histogram!(HANDLING_SECONDS, &self.labels)
            .record(self.started.elapsed().as_secs_f64());
        let [grpc_type, service, method, caller] = self.labels.clone();
        let labels = [
            grpc_type,
            service,
            method,
            ("grpc_code", self.code.to_owned()),
            caller,
        ];
        metrics::counter!(HANDLED, &labels).increment(1);
    }
}

pin_project_lite::pin_project! {
    /// A response body that records its call as handled when the trailers carrying the
    /// status pass through (or, if it is dropped first, as `Canceled`).
    #[derive(Debug)]
    pub struct MeteredBody<B> {
        #[pin]
        inner: B,
        call: Option<Call>,
    }
}

/// An empty body (the guard's immediate refusals need one); it records nothing.
impl<B: Default> Default for MeteredBody<B> {
    fn default() -> Self {
        Self {
            inner: B::default(),
            call: None,
        }
    }
}

impl<B: Body> Body for MeteredBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        let code = match &polled {
            Poll::Ready(Some(Ok(frame))) => frame
                .trailers_ref()
                .map(|trailers| trailers.get("grpc-status").map_or("Unknown", code_name)),
            Poll::Ready(Some(Err(_))) | Poll::Ready(None) => Some("Unknown"),
            Poll::Pending => None,
        };
        if let Some(code) = code
            && let Some(mut call) = this.call.take()
        {
            call.code = code;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The name of a `grpc-status` value as grpc-go spells it (`OK`, `InvalidArgument`, ...).
fn code_name(status: &http::HeaderValue) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "Canceled",
        "Unknown",
        "InvalidArgument",
        "DeadlineExceeded",
        "NotFound",
        "AlreadyExists",
        "PermissionDenied",
        "ResourceExhausted",
        "FailedPrecondition",
        "Aborted",
        "OutOfRange",
        "Unimplemented",
        "Internal",
        "Unavailable",
        "DataLoss",
        "Unauthenticated",
    ];
    status
        .to_str()
        .ok()
        .and_then(|value| value.parse::<usize>().ok())
        .and_then(|code| NAMES.get(code).copied())
        .unwrap_or("Unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_named_like_grpc_go() {
        let name = |value: &str| code_name(&http::HeaderValue::from_str(value).expect("value"));
        assert_eq!(name("0"), "OK");
        assert_eq!(name("1"), "Canceled");
        assert_eq!(name("3"), "InvalidArgument");
        assert_eq!(name("5"), "NotFound");
        assert_eq!(name("16"), "Unauthenticated");
        assert_eq!(name("17"), "Unknown");
        assert_eq!(name("ok"), "Unknown");
    }

    #[test]
    fn method_types_come_from_the_descriptor_sets() {
        let layer = GrpcMetricsLayer::from_descriptor_sets(&[
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            b"not a descriptor set",
        ]);
        assert_eq!(layer.grpc_type("/grpc.health.v1.Health/Check"), "unary");
        assert_eq!(
            layer.grpc_type("/grpc.health.v1.Health/Watch"),
            "server_stream"
        );
        assert_eq!(
            layer.grpc_type("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            "bidi_stream"
        );
        assert_eq!(layer.grpc_type("/unknown.Service/Method"), "unary");
    }
}
