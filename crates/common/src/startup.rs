//! Connecting to a dependency at startup: a bounded retry with backoff, then one clear error
//! that names what is unreachable and which variable to change.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

/// How long a service keeps trying to reach each dependency before it gives up.
#[derive(Debug, Clone, Copy)]
pub struct ConnectPolicy {
    /// Total time budget for one dependency.
    pub budget: Duration,
}

impl Default for ConnectPolicy {
    fn default() -> Self {
        Self {
            budget: Duration::from_secs(10),
        }
    }
}

impl ConnectPolicy {
    /// Reads `EXOBRAIN_STARTUP_CONNECT_TIMEOUT_SECONDS` (default 10 s).
    pub fn from_env(env: &mut crate::config::Env) -> Self {
        Self {
            budget: env.seconds(
                "EXOBRAIN_STARTUP_CONNECT_TIMEOUT_SECONDS",
                Self::default().budget,
            ),
        }
    }
}

/// A dependency that could not be reached or prepared.
#[derive(Debug, thiserror::Error)]
#[error("cannot reach {what} at {target} (check {var}): {cause}")]
pub struct DependencyError {
    /// Human name of the dependency, e.g. `PostgreSQL`.
    pub what: &'static str,
    /// Redacted address.
    pub target: String,
    /// Environment variable that points at it.
    pub var: &'static str,
    /// Last underlying error, as text.
    pub cause: String,
}

/// Runs `attempt` until it succeeds or `policy.budget` is spent, then reports the last error as
/// a [`DependencyError`]. Each attempt is itself bounded by the remaining budget.
pub async fn connect_with_retry<T, E, F, Fut>(
    what: &'static str,
    target: String,
    var: &'static str,
    policy: ConnectPolicy,
    attempt: F,
) -> Result<T, DependencyError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let deadline = tokio::time::Instant::now() + policy.budget;
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(2))
        .with_jitter()
        .with_total_delay(Some(policy.budget))
        .without_max_times();
    let mut attempt = attempt;
    let outcome = (|| {
        let future = attempt();
        async move {
            match tokio::time::timeout_at(deadline, future).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err("timed out".to_owned()),
            }
        }
    })
    .retry(backoff)
    .when(|_| tokio::time::Instant::now() < deadline)
    .notify(|error, delay| {
        tracing::debug!(dependency = what, %error, ?delay, "dependency not reachable yet, retrying");
    })
    .await;
    outcome.map_err(|cause| DependencyError {
        what,
        target,
        var,
        cause,
    })
}

/// Why a service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A dependency was unreachable or could not be prepared.
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    /// A listen address could not be bound.
    #[error("cannot listen on {addr} (check {var}): {cause}")]
    Bind {
        /// Address that was asked for.
        addr: std::net::SocketAddr,
        /// Variable that sets it.
        var: &'static str,
        /// OS error.
        cause: std::io::Error,
    },
    /// The server failed while running.
    #[error("{what} failed: {cause}")]
    Serve {
        /// Which server.
        what: &'static str,
        /// Underlying error, as text.
        cause: String,
    },
}

/// Binds a TCP listener, naming the variable to change when the address is taken.
pub async fn bind(
    addr: std::net::SocketAddr,
    var: &'static str,
) -> Result<tokio::net::TcpListener, RunError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|cause| RunError::Bind { addr, var, cause })
}
