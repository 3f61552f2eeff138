//! Trace spans around gRPC calls, as tower layers: [`ServerTraceLayer`] runs each served call
//! (but health checks and reflection) in a server span that continues the caller's W3C trace; [`traced`] wraps a client channel so
//! each call made through it runs in a client span whose context travels in the request
//! metadata. Both record the call's `grpc-status`. Span shapes live in
//! [`crate::telemetry::spans`]; this module only decides when they start and end.

use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::telemetry::propagation;
use crate::telemetry::spans::{self, Side};

/// The `grpc-status` of a response whose status travels in its headers (every immediate
/// error); a response without one is taken as OK, its status coming in the trailers.
fn header_status<R>(response: &http::Response<R>) -> i32 {
    response
        .headers()
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// Server side: one span per call, child of the caller's context (from the request headers).
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerTraceLayer;

impl<S> tower::Layer<S> for ServerTraceLayer {
    type Service = Traced<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Traced {
            inner,
            side: Side::Server,
        }
    }
}

/// A client channel whose every call runs in a client span and carries its trace context.
pub fn traced<S>(channel: S) -> Traced<S> {
    Traced {
        inner: channel,
        side: Side::Client,
    }
}

/// Service produced by [`ServerTraceLayer`] and [`traced`].
#[derive(Debug, Clone)]
pub struct Traced<S> {
    inner: S,
    side: Side,
}

/// A tonic channel traced as a client.
pub type TracedChannel = Traced<tonic::transport::Channel>;

impl<S, B, R> tower::Service<http::Request<B>> for Traced<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: std::fmt::Display,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let side = self.side;
        let path = request.uri().path();
        let span = if side == Side::Server && spans::is_probe(path) {
            tracing::Span::none()
        } else {
            spans::grpc(side, path)
        };
        if side == Side::Server {
            // Before the span is first entered, which fixes its parent.
            let _ = span.set_parent(propagation::extract_http(request.headers()));
        }
        let future = {
            let _entered = span.enter();
            if side == Side::Client {
                propagation::inject_http(request.headers_mut());
            }
            self.inner.call(request)
        };
        Box::pin(
            async move {
                let result = future.await;
                let span = tracing::Span::current();
                match &result {
                    Ok(response) => spans::record_grpc_status(&span, header_status(response), side),
                    Err(error) => spans::record_error(&span, error),
                }
                result
            }
            .instrument(span),
        )
    }
}
