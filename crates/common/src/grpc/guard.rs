//! What stands in front of every gRPC server's business routes, as one tower layer so no
//! service can be added without it: the caller must prove itself with a credential
//! ([`crate::auth`]), and the server takes on at most [`CallLimits::max_concurrent`] calls at
//! once (more are refused at once with RESOURCE_EXHAUSTED, shedding load instead of queueing
//! without bound), each answered within [`CallLimits::timeout`] (DEADLINE_EXCEEDED). The proved
//! [`Caller`] is attached to the request (handlers read it with [`Caller::of`]) and recorded on
//! the request span. Health and reflection are exempt, so probes and tools always answer.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::{Caller, Credentials, Refusal};
use crate::config::{AppEnv, Env};

/// Calls refused for their credential (gRPC and HTTP), by `reason`.
pub const REFUSED: &str = "exobrain_calls_refused_total";
/// gRPC calls shed at the concurrency limit.
pub const SHED: &str = "exobrain_calls_shed_total";
/// gRPC calls that ran past the call timeout.
pub const TIMED_OUT: &str = "exobrain_calls_timed_out_total";

/// Paths served without a credential and outside the limits.
const OPEN_PREFIXES: &[&str] = &[
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// Server-wide call limits (`EXOBRAIN_GRPC_MAX_CONCURRENT_CALLS`,
/// `EXOBRAIN_GRPC_CALL_TIMEOUT_SECONDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Business calls in flight at once.
    pub max_concurrent: usize,
    /// Longest a handler may run before it answers (a stream: until its response starts).
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

/// Who may call a server and how much it takes on.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// The callers accepted (open when none).
    pub credentials: Credentials,
    /// Concurrency and time limits.
    pub limits: CallLimits,
}

impl Guard {
    /// Reads the credentials and the call limits (see [`Credentials::from_env`] and
    /// [`CallLimits::from_env`]).
    pub fn from_env(env: &mut Env, app_env: AppEnv) -> Self {
        Self {
            credentials: Credentials::from_env(env, app_env),
            limits: CallLimits::from_env(env),
        }
    }

    /// The tower layer applying this guard across every connection of one server.
    pub fn layer(self) -> GuardLayer {
        GuardLayer {
            permits: Arc::new(Semaphore::new(self.limits.max_concurrent)),
            guard: Arc::new(self),
        }
    }
}

/// Layer produced by [`Guard::layer`].
#[derive(Debug, Clone)]
pub struct GuardLayer {
    guard: Arc<Guard>,
    permits: Arc<Semaphore>,
}

impl<S> tower::Layer<S> for GuardLayer {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guarded {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service produced by [`GuardLayer`].
#[derive(Debug, Clone)]
pub struct Guarded<S> {
    inner: S,
    layer: GuardLayer,
}

/// Why the guard answered a call itself.
enum Turned {
    Refused(Refusal),
    Shed,
}

impl GuardLayer {
    /// The caller and its call slot, or why the call is turned away.
    fn admit(
        &self,
        authorization: Option<&http::HeaderValue>,
    ) -> Result<(Caller, OwnedSemaphorePermit), Turned> {
        let caller = self
            .guard
            .credentials
            .authenticate(authorization.map(http::HeaderValue::as_bytes))
            .map_err(Turned::Refused)?;
        let permit = self
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| Turned::Shed)?;
        Ok((caller, permit))
    }

    fn answer(&self, turned: Turned, rpc: &str) -> tonic::Status {
        match turned {
            Turned::Refused(refusal) => {
                tracing::warn!(%rpc, reason = refusal.label(), "call refused: no valid service credential");
                metrics::counter!(REFUSED, "reason" => refusal.label()).increment(1);
                tonic::Status::unauthenticated(refusal.to_string())
            }
            Turned::Shed => {
                metrics::counter!(SHED).increment(1);
                tonic::Status::resource_exhausted(format!(
                    "the server is at its limit of {} calls in flight \
                     (EXOBRAIN_GRPC_MAX_CONCURRENT_CALLS); retry shortly",
                    self.guard.limits.max_concurrent
                ))
            }
        }
    }
}

impl<S, B, R> tower::Service<http::Request<B>> for Guarded<S>
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
        let path = request.uri().path();
        if OPEN_PREFIXES.iter().any(|prefix| path.starts_with(prefix)) {
            return Box::pin(self.inner.call(request));
        }
        let (caller, permit) = match self
            .layer
            .admit(request.headers().get(http::header::AUTHORIZATION))
        {
            Ok(admitted) => admitted,
            Err(turned) => {
                let status = self.layer.answer(turned, path);
                return Box::pin(async move { Ok(status.into_http()) });
            }
        };
        let name = caller.name().to_owned();
        request.extensions_mut().insert(caller);
        let timeout = self.layer.guard.limits.timeout;
        let future = self.inner.call(request);
        Box::pin(async move {
            // Polled inside the request span, which names the caller from here on.
            tracing::Span::current().record("caller", name.as_str());
            let outcome = tokio::time::timeout(timeout, future).await;
            drop(permit);
            outcome.unwrap_or_else(|_| {
                metrics::counter!(TIMED_OUT).increment(1);
                Ok(tonic::Status::deadline_exceeded(format!(
                    "the call did not finish within {} s (EXOBRAIN_GRPC_CALL_TIMEOUT_SECONDS)",
                    timeout.as_secs_f64()
                ))
                .into_http())
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tokio::sync::mpsc;
    use tower::{Layer, Service, ServiceExt};

    use super::*;
    use crate::auth::Role;

    const TOKEN: &str = "guard-test-token";

    type Answer = BoxFuture<'static, Result<http::Response<String>, Infallible>>;

    /// A business route behind a guard of `limits` that reports each call it starts on
    /// `started` and answers (with the caller's name) once `release` has a permit for it.
    fn guarded(
        limits: CallLimits,
        started: mpsc::UnboundedSender<()>,
        release: Arc<Semaphore>,
    ) -> impl Service<
        http::Request<()>,
        Response = http::Response<String>,
        Error = Infallible,
        Future = Answer,
    > + Clone {
        let guard = Guard {
            credentials: Credentials::default().with_token("backend", Role::Service, TOKEN),
            limits,
        };
        let route = tower::service_fn(move |request: http::Request<()>| {
            let (started, release) = (started.clone(), release.clone());
            async move {
                let _ = started.send(());
                let _held = release.acquire().await.expect("open");
                Ok::<_, Infallible>(http::Response::new(Caller::label(request.extensions())))
            }
        });
        guard.layer().layer(route)
    }

    /// A guard whose route answers at once.
    fn instant(
        limits: CallLimits,
    ) -> impl Service<
        http::Request<()>,
        Response = http::Response<String>,
        Error = Infallible,
        Future = Answer,
    > + Clone {
        let (started, _) = mpsc::unbounded_channel();
        guarded(
            limits,
            started,
            Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
        )
    }

    fn call(path: &str, token: Option<&str>) -> http::Request<()> {
        let mut request = http::Request::builder().uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(()).expect("request")
    }

    fn code(response: &http::Response<String>) -> &str {
        response
            .headers()
            .get("grpc-status")
            .map_or("0", |value| value.to_str().expect("ascii"))
    }

    #[tokio::test]
    async fn calls_without_a_credential_are_refused_but_health_answers() {
        let service = instant(CallLimits::default());
        let refused = service
            .clone()
            .oneshot(call("/pkg.Svc/Do", None))
            .await
            .unwrap();
        assert_eq!(code(&refused), "16", "UNAUTHENTICATED");
        let health = service
            .clone()
            .oneshot(call("/grpc.health.v1.Health/Check", None))
            .await
            .unwrap();
        assert_eq!((code(&health), health.body().as_str()), ("0", "none"));
        let served = service
            .oneshot(call("/pkg.Svc/Do", Some(TOKEN)))
            .await
            .unwrap();
        assert_eq!((code(&served), served.body().as_str()), ("0", "backend"));
    }

    #[tokio::test]
    async fn calls_over_the_concurrency_limit_are_shed_at_once() {
        let limits = CallLimits {
            max_concurrent: 1,
            timeout: Duration::from_secs(60),
        };
        let (started, mut calls) = mpsc::unbounded_channel();
        let release = Arc::new(Semaphore::new(0));
        let service = guarded(limits, started, release.clone());
        let first = tokio::spawn(service.clone().oneshot(call("/pkg.Svc/Do", Some(TOKEN))));
        calls.recv().await.expect("the first call is running");
        let second = service
            .clone()
            .oneshot(call("/pkg.Svc/Do", Some(TOKEN)))
            .await
            .unwrap();
        assert_eq!(code(&second), "8", "RESOURCE_EXHAUSTED");
        release.add_permits(1);
        assert_eq!(code(&first.await.unwrap().unwrap()), "0");
        let after = service
            .oneshot(call("/pkg.Svc/Do", Some(TOKEN)))
            .await
            .unwrap();
        assert_eq!(code(&after), "0", "the slot is given back");
    }

    #[tokio::test]
    async fn a_call_that_runs_past_the_timeout_ends_with_deadline_exceeded() {
        let limits = CallLimits {
            max_concurrent: 4,
            timeout: Duration::from_millis(50),
        };
        let (started, _) = mpsc::unbounded_channel();
        let never = Arc::new(Semaphore::new(0));
        let service = guarded(limits, started, never);
        let answer = service
            .oneshot(call("/pkg.Svc/Do", Some(TOKEN)))
            .await
            .unwrap();
        assert_eq!(code(&answer), "4", "DEADLINE_EXCEEDED");
    }
}
