//! What one gRPC server takes on at once: at most `max_concurrent` business calls in flight
//! (more are refused at once with RESOURCE_EXHAUSTED, so a flood sheds load instead of queueing
//! without bound) and each call's handler ends within `timeout` (DEADLINE_EXCEEDED). Health and
//! reflection are exempt, so probes still answer under load. Streams count until their
//! response starts; their own lifetime is the service's business.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::Semaphore;

use crate::auth::grpc::is_open_path;
use crate::config::Env;

/// Server-wide call limits (`EXOBRAIN_GRPC_MAX_CONCURRENT_CALLS`,
/// `EXOBRAIN_GRPC_CALL_TIMEOUT_SECONDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Business calls in flight at once.
    pub max_concurrent: usize,
    /// Longest a handler may run before its response starts.
    pub timeout: Duration,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            max_concurrent: 512,
            timeout: Duration::from_secs(60),
        }
    }
}

impl CallLimits {
    /// Reads the shared variables (defaults 512 calls, 60 s).
    pub fn from_env(env: &mut Env) -> Self {
        let default = Self::default();
        Self {
            max_concurrent: env.bounded(
                "EXOBRAIN_GRPC_MAX_CONCURRENT_CALLS",
                default.max_concurrent,
                1,
                100_000,
            ),
            timeout: env.seconds("EXOBRAIN_GRPC_CALL_TIMEOUT_SECONDS", default.timeout),
        }
    }
}

/// Applies [`CallLimits`] across every connection of one server.
#[derive(Debug, Clone)]
pub struct CallLimitLayer {
    limits: CallLimits,
    permits: Arc<Semaphore>,
}

impl CallLimitLayer {
    /// One shared budget of `limits.max_concurrent` calls.
    pub fn new(limits: CallLimits) -> Self {
        Self {
            limits,
            permits: Arc::new(Semaphore::new(limits.max_concurrent)),
        }
    }
}

impl<S> tower::Layer<S> for CallLimitLayer {
    type Service = CallLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallLimit {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service produced by [`CallLimitLayer`].
#[derive(Debug, Clone)]
pub struct CallLimit<S> {
    inner: S,
    layer: CallLimitLayer,
}

impl<S, B, R> tower::Service<http::Request<B>> for CallLimit<S>
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

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if is_open_path(request.uri().path()) {
            return Box::pin(self.inner.call(request));
        }
        let limits = self.layer.limits;
        let Ok(permit) = self.layer.permits.clone().try_acquire_owned() else {
            metrics::counter!("exobrain_calls_shed_total").increment(1);
            let status = tonic::Status::resource_exhausted(format!(
                "the server is at its limit of {} calls in flight \
                 (EXOBRAIN_GRPC_MAX_CONCURRENT_CALLS); retry shortly",
                limits.max_concurrent
            ));
            return Box::pin(async move { Ok(status.into_http()) });
        };
        let future = self.inner.call(request);
        Box::pin(async move {
            let outcome = tokio::time::timeout(limits.timeout, future).await;
            drop(permit);
            outcome.unwrap_or_else(|_| {
                metrics::counter!("exobrain_calls_timed_out_total").increment(1);
                Ok(tonic::Status::deadline_exceeded(format!(
                    "the call did not finish within {} s (EXOBRAIN_GRPC_CALL_TIMEOUT_SECONDS)",
                    limits.timeout.as_secs_f64()
                ))
                .into_http())
            })
        })
    }
}
