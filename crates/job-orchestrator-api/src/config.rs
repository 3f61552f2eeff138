//! Typed configuration of the job orchestrator API, read once from the environment.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use exobrain_common::config::{AppEnv, ConfigError, Env};
use exobrain_common::grpc::Guard;
use exobrain_common::telemetry::TelemetryConfig;
use exobrain_jobs::StoresConfig;
use exobrain_jobs::domain::Registry;

use crate::admission::{DEFAULT_MAX_BACKLOG, DEFAULT_MAX_QUEUED_PER_USER, JobPolicy};
use crate::grpc::watchers::{DEFAULT_MAX_LIFETIME, DEFAULT_MAX_PER_USER, WatchLimits};
use crate::workers::DEFAULT_EXPIRY;

/// Everything the job orchestrator API needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `JOB_ORCHESTRATOR_API_BIND_ADDRESS`: gRPC (default `0.0.0.0:50061`).
    pub bind: SocketAddr,
    /// `JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS`: health and metrics (default `0.0.0.0:9061`).
    pub admin_bind: SocketAddr,
    /// Job database and NATS.
    pub stores: StoresConfig,
    /// `EXOBRAIN_SERVICE_CREDENTIALS`, `EXOBRAIN_OPERATOR_CREDENTIALS` and the gRPC call limits.
    pub guard: Guard,
    /// `JOB_MAX_ATTEMPTS`: attempts before a job fails for good (1..=100, default 3).
    pub max_attempts: u32,
    /// `JOB_DIAGNOSTICS_ENABLED`: accept the `diagnostics.*` job types (default on when
    /// `APP_ENV` is local or test, off otherwise).
    pub diagnostics: bool,
    /// `JOB_POLICY_PATH`: which users may enqueue which job types (unset: everyone, every
    /// registered type). The file is read and checked here, so a bad one stops startup.
    pub policy: JobPolicy,
    /// `JOB_MAX_QUEUED_PER_USER`: most unfinished jobs one user may have (default 10000).
    pub max_queued_per_user: u64,
    /// `JOB_MAX_BACKLOG`: most requests of one job type waiting in JetStream before enqueues
    /// of that type are refused (default 1000000).
    pub max_backlog: u64,
    /// `JOB_WATCH_MAX_SECONDS` (how long one watch may stay open, default 3600) and
    /// `JOB_WATCH_MAX_PER_USER` (watches one user may have open at once, 1..=100000,
    /// default 32).
    pub watches: WatchLimits,
    /// `JOB_WORKER_EXPIRY_SECONDS`: how long after its last heartbeat a worker is still listed
    /// by `ListWorkers` (default 30).
    pub worker_expiry: Duration,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let telemetry = TelemetryConfig::from_env(&mut env, app_env);
        let bind = env.socket_addr("JOB_ORCHESTRATOR_API_BIND_ADDRESS", "0.0.0.0:50061");
        let admin_bind = env.socket_addr("JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS", "0.0.0.0:9061");
        let stores = StoresConfig::from_env(&mut env);
        let guard = Guard::from_env(&mut env, app_env);
        let max_attempts = env.bounded("JOB_MAX_ATTEMPTS", 3, 1, 100);
        let diagnostics = env.flag("JOB_DIAGNOSTICS_ENABLED", app_env.allows_dev_defaults());
        let policy = match env.optional("JOB_POLICY_PATH") {
            None => JobPolicy::allow_all(),
            Some(path) => {
                let registry = Registry::standard(max_attempts, diagnostics);
                JobPolicy::load(Path::new(&path), &registry).unwrap_or_else(|problem| {
                    env.problem("JOB_POLICY_PATH", problem);
                    JobPolicy::allow_all()
                })
            }
        };
        let max_queued_per_user = env.bounded(
            "JOB_MAX_QUEUED_PER_USER",
            DEFAULT_MAX_QUEUED_PER_USER,
            1,
            10_000_000,
        );
        let max_backlog = env.bounded("JOB_MAX_BACKLOG", DEFAULT_MAX_BACKLOG, 1, 1_000_000_000);
        let watches = WatchLimits {
            max_lifetime: env.seconds("JOB_WATCH_MAX_SECONDS", DEFAULT_MAX_LIFETIME),
            max_per_user: env.bounded("JOB_WATCH_MAX_PER_USER", DEFAULT_MAX_PER_USER, 1, 100_000),
        };
        let worker_expiry = env.seconds("JOB_WORKER_EXPIRY_SECONDS", DEFAULT_EXPIRY);
        env.finish()?;
        Ok(Self {
            app_env,
            telemetry,
            bind,
            admin_bind,
            stores,
            guard,
            max_attempts,
            diagnostics,
            policy,
            max_queued_per_user,
            max_backlog,
            watches,
            worker_expiry,
        })
    }

    /// The job types this deployment accepts.
    pub fn registry(&self) -> Registry {
        Registry::standard(self.max_attempts, self.diagnostics)
    }
}
