//! Liveness and readiness. A [`Readiness`] holds named dependency checks; the admin HTTP
//! listener answers `/healthz` (the process is alive) and `/readyz` (every check passes), and
//! gRPC services mirror the same checks in `grpc.health.v1` so both views always agree. Each
//! evaluation also sets the gauges [`READY`] and [`READINESS_CHECK`] (and `/metrics`
//! evaluates before rendering), so Prometheus sees readiness too.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, join_all};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// Gauge: 1 when the last evaluation found the process ready, else 0.
pub const READY: &str = "exobrain_ready";
/// Gauge per check (`check` label): 1 when it passed at the last evaluation, else 0.
pub const READINESS_CHECK: &str = "exobrain_readiness_check";

type CheckFn = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Named dependency checks; cheap to clone.
#[derive(Clone)]
pub struct Readiness {
    checks: Vec<(&'static str, CheckFn)>,
    timeout: Duration,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.checks.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Readiness").field("checks", &names).finish()
    }
}

impl Default for Readiness {
    fn default() -> Self {
        Self {
            checks: Vec::new(),
            timeout: Duration::from_secs(2),
        }
    }
}

/// Outcome of evaluating every check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReadinessReport {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// Check name to `ok` or the reason it failed.
    pub checks: BTreeMap<&'static str, String>,
}

impl ReadinessReport {
    /// True when every check passed.
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }
}

impl Readiness {
    /// No checks: always ready.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a check; it fails if it errors or takes longer than the per-check timeout.
    pub fn with_check<F, Fut, E>(mut self, name: &'static str, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let check: CheckFn = Arc::new(move || {
            let future = check();
            Box::pin(async move { future.await.map_err(|error| error.to_string()) })
        });
        self.checks.push((name, check));
        self
    }

    /// Runs every check concurrently.
    pub async fn evaluate(&self) -> ReadinessReport {
        let timeout = self.timeout;
        let results = join_all(self.checks.iter().map(|(name, check)| async move {
            let outcome = match tokio::time::timeout(timeout, check()).await {
                Ok(Ok(())) => "ok".to_owned(),
                Ok(Err(error)) => error,
                Err(_) => format!("no answer within {} ms", timeout.as_millis()),
            };
            (*name, outcome)
        }))
        .await;
        let ready = results.iter().all(|(_, outcome)| outcome == "ok");
        for (name, outcome) in &results {
            let ok = if outcome == "ok" { 1.0 } else { 0.0 };
            metrics::gauge!(READINESS_CHECK, "check" => *name).set(ok);
        }
        metrics::gauge!(READY).set(if ready { 1.0 } else { 0.0 });
        ReadinessReport {
            status: if ready { "ready" } else { "not_ready" },
            checks: results.into_iter().collect(),
        }
    }
}

/// Creates the `grpc.health.v1` service, marking `services` (and the whole server, `""`) as
/// SERVING.
pub async fn grpc_health(
    services: &[&'static str],
) -> (
    HealthReporter,
    tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health>,
) {
    let (reporter, service) = tonic_health::server::health_reporter();
    set_all(&reporter, services, ServingStatus::Serving).await;
    (reporter, service)
}

async fn set_all(reporter: &HealthReporter, services: &[&'static str], status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for service in services {
        reporter.set_service_status(*service, status).await;
    }
}

/// Keeps gRPC health in step with `readiness` (re-evaluated every `interval`) until `token`
/// is cancelled, then reports NOT_SERVING so load balancers stop routing here.
pub async fn mirror_readiness(
    reporter: HealthReporter,
    services: &'static [&'static str],
    readiness: Readiness,
    interval: Duration,
    token: CancellationToken,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = ticker.tick() => {
                let report = readiness.evaluate().await;
                let status = if report.is_ready() { ServingStatus::Serving } else { ServingStatus::NotServing };
                if !report.is_ready() {
                    tracing::warn!(checks = ?report.checks, "not ready");
                }
                set_all(&reporter, services, status).await;
            }
        }
    }
    set_all(&reporter, services, ServingStatus::NotServing).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failing_check_makes_the_report_not_ready() {
        let _ = crate::metrics::handle();
        let readiness = Readiness::new()
            .with_check("good", || async { Ok::<_, String>(()) })
            .with_check("bad", || async { Err::<(), _>("connection refused") });
        let report = readiness.evaluate().await;
        assert!(!report.is_ready());
        assert_eq!(report.checks["good"], "ok");
        assert_eq!(report.checks["bad"], "connection refused");
        let metrics = crate::metrics::render();
        assert!(metrics.contains("exobrain_ready 0"), "{metrics}");
        assert!(
            metrics.contains(r#"exobrain_readiness_check{check="bad"} 0"#),
            "{metrics}"
        );
        assert!(
            metrics.contains(r#"exobrain_readiness_check{check="good"} 1"#),
            "{metrics}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_check_times_out() {
        let readiness =
            Readiness::new().with_check("slow", std::future::pending::<Result<(), String>>);
        let report = readiness.evaluate().await;
        assert!(report.checks["slow"].starts_with("no answer"));
    }
}
