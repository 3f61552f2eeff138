//! The credential check in front of a gRPC server: a tower layer over every route, so no
//! service can be added without it. Health and reflection stay open for probes and tools;
//! every other call must present a known credential, and the [`Caller`] it proves is attached
//! to the request (handlers read it with [`Caller::of`]) and recorded on the request's span.

use std::task::{Context, Poll};

use futures::future::BoxFuture;

use super::{Caller, Credentials};

/// Paths served without a credential.
const OPEN_PREFIXES: &[&str] = &[
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// Whether `path` is health or reflection.
pub fn is_open_path(path: &str) -> bool {
    OPEN_PREFIXES.iter().any(|prefix| path.starts_with(prefix))
}

/// Requires a credential from [`Credentials`] on every business call.
#[derive(Debug, Clone)]
pub struct RequireCallerLayer {
    credentials: Credentials,
}

impl RequireCallerLayer {
    /// A check against `credentials` (open when it lists no caller).
    pub fn new(credentials: Credentials) -> Self {
        Self { credentials }
    }
}

impl<S> tower::Layer<S> for RequireCallerLayer {
    type Service = RequireCaller<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireCaller {
            inner,
            credentials: self.credentials.clone(),
        }
    }
}

/// Service produced by [`RequireCallerLayer`].
#[derive(Debug, Clone)]
pub struct RequireCaller<S> {
    inner: S,
    credentials: Credentials,
}

impl<S, B, R> tower::Service<http::Request<B>> for RequireCaller<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    R: Default + Send + 'static,
    S::Error: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        if is_open_path(request.uri().path()) {
            return Box::pin(self.inner.call(request));
        }
        let sent = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(http::HeaderValue::as_bytes);
        match self.credentials.authenticate(sent) {
            Ok(caller) => {
                let name = caller.name().to_owned();
                request.extensions_mut().insert(caller);
                let future = self.inner.call(request);
                Box::pin(async move {
                    // Polled inside the request span, which names the caller from here on.
                    tracing::Span::current().record("caller", name.as_str());
                    future.await
                })
            }
            Err(refusal) => {
                let rpc = request.uri().path().to_owned();
                tracing::warn!(%rpc, reason = refusal.label(), "call refused: no valid service credential");
                metrics::counter!("exobrain_calls_refused_total", "reason" => refusal.label())
                    .increment(1);
                let status = tonic::Status::unauthenticated(refusal.to_string());
                Box::pin(async move { Ok(status.into_http()) })
            }
        }
    }
}

/// The caller's name for labels: the attached [`Caller`], or `none` on open paths.
pub fn caller_label(extensions: &http::Extensions) -> String {
    extensions
        .get::<Caller>()
        .map_or_else(|| "none".to_owned(), |caller| caller.name().to_owned())
}
