//! Typed configuration of the job orchestrator worker, read once from the environment.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use exobrain_common::auth::{SERVICE_TOKEN_VAR, ServiceToken};
use exobrain_common::config::{AppEnv, ConfigError, Env};
use exobrain_common::telemetry::TelemetryConfig;
use exobrain_jobs::StoresConfig;
use exobrain_jobs::domain::{JobType, Registry};

/// The variable of model-provider's own credential.
const MODEL_PROVIDER_TOKEN_VAR: &str = "MODEL_PROVIDER_API_TOKEN";

/// Everything the worker needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS`: health and metrics (default `0.0.0.0:9062`).
    pub admin_bind: SocketAddr,
    /// Job database and NATS.
    pub stores: StoresConfig,
    /// `WORKER_REPLICA_COUNT`: jobs of one type run at once by this process, unless
    /// `WORKER_CONCURRENCY_BY_TYPE` says otherwise for that type (1..=1024, default 1).
    pub concurrency: u32,
    /// `WORKER_CONCURRENCY_BY_TYPE`: per-type pool sizes, `type=n,type=n`.
    pub concurrency_by_type: BTreeMap<String, u32>,
    /// `WORKER_JOB_TYPES`: the job types this process runs, comma-separated (default: every
    /// registered type).
    pub job_types: Option<Vec<String>>,
    /// `JOB_MAX_ATTEMPTS`: attempts before a job fails for good (1..=100, default 3).
    pub max_attempts: u32,
    /// `JOB_DIAGNOSTICS_ENABLED`: run the `diagnostics.*` job types (default on when `APP_ENV`
    /// is local or test, off otherwise).
    pub diagnostics: bool,
    /// `JOB_RETRY_BACKOFF_BASE_SECONDS`: delay before the first retry; doubles per attempt up
    /// to `JOB_RETRY_BACKOFF_MAX_SECONDS`, with ±20 % jitter (default 2 s).
    pub backoff_base: Duration,
    /// `JOB_RETRY_BACKOFF_MAX_SECONDS`: longest retry delay (default 300 s).
    pub backoff_max: Duration,
    /// `JOB_CONSUMER_DURABLE`: prefix of the durable consumer names, one per job type
    /// (`<prefix>_<type with . as _>`; default `job-orchestrator-worker-v3`).
    pub durable_prefix: String,
    /// `JOB_CONSUMER_ACK_WAIT_SECONDS`: how long JetStream waits for an ack before
    /// redelivering; running jobs send progress acks every third of it (default 60 s).
    pub ack_wait: Duration,
    /// `JOB_CONSUMER_MAX_WORKERS`: worker processes expected to share a consumer at full
    /// concurrency; `max_ack_pending` = pool size × this (default 16).
    pub max_workers: u32,
    /// `JOB_LEASE_SECONDS`: how long an attempt's lease lasts without renewal; renewed every
    /// quarter of it while the job runs and its outcome is recorded, a handler whose lease
    /// could not be renewed for three quarters of it is stopped, and a dead worker's jobs run
    /// again after about this long (default 30 s).
    pub lease: Duration,
    /// `WORKER_SHUTDOWN_GRACE_SECONDS`: on SIGTERM, how long running jobs may take to finish
    /// before they are interrupted and handed back without penalty (default 20 s).
    pub shutdown_grace: Duration,
    /// `WORKER_HEARTBEAT_SECONDS`: period of `workers.heartbeat.<worker_id>` (default 5 s).
    pub heartbeat: Duration,
    /// `JOB_DLQ_RAW_MESSAGE_MAX_CHARS`: how much of a poison message a dead letter keeps
    /// (256..=1048576, default 4096).
    pub dlq_raw_max_chars: usize,
    /// `KNOWLEDGE_INTERFACE_GRPC_TARGET`.
    pub knowledge_interface_target: String,
    /// `MODEL_PROVIDER_BASE_URL`.
    pub model_provider_base_url: String,
    /// `EXOBRAIN_SERVICE_TOKEN`: this worker's credential at the knowledge interface (and at
    /// model-provider unless `MODEL_PROVIDER_API_TOKEN` is set); required outside local/test.
    pub service_token: ServiceToken,
    /// `MODEL_PROVIDER_API_TOKEN`, else `EXOBRAIN_SERVICE_TOKEN`: the credential presented to
    /// model-provider.
    pub model_provider_token: ServiceToken,
    /// The `knowledge.update` pipeline's settings (`KNOWLEDGE_UPDATE_*`).
    pub knowledge_update: exobrain_knowledge_update::Settings,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let telemetry = TelemetryConfig::from_env(&mut env, app_env);
        let admin_bind =
            env.socket_addr("JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS", "0.0.0.0:9062");
        let stores = StoresConfig::from_env(&mut env);
        let concurrency = env.bounded("WORKER_REPLICA_COUNT", 1, 1, 1024);
        let concurrency_by_type = read_concurrency_by_type(&mut env);
        let job_types = env.optional("WORKER_JOB_TYPES").map(|list| {
            list.split(',')
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .collect()
        });
        let max_attempts = env.bounded("JOB_MAX_ATTEMPTS", 3, 1, 100);
        let diagnostics = env.flag("JOB_DIAGNOSTICS_ENABLED", app_env.allows_dev_defaults());
        let service_token = ServiceToken::from_env(&mut env, &[SERVICE_TOKEN_VAR], app_env);
        let config = Self {
            app_env,
            telemetry,
            admin_bind,
            stores,
            concurrency,
            concurrency_by_type,
            job_types,
            max_attempts,
            diagnostics,
            backoff_base: env.seconds("JOB_RETRY_BACKOFF_BASE_SECONDS", Duration::from_secs(2)),
            backoff_max: env.seconds("JOB_RETRY_BACKOFF_MAX_SECONDS", Duration::from_secs(300)),
            durable_prefix: env.string("JOB_CONSUMER_DURABLE", "job-orchestrator-worker-v3"),
            ack_wait: env.seconds("JOB_CONSUMER_ACK_WAIT_SECONDS", Duration::from_secs(60)),
            max_workers: env.bounded("JOB_CONSUMER_MAX_WORKERS", 16, 1, 1024),
            lease: env.seconds("JOB_LEASE_SECONDS", Duration::from_secs(30)),
            shutdown_grace: env.seconds("WORKER_SHUTDOWN_GRACE_SECONDS", Duration::from_secs(20)),
            heartbeat: env.seconds("WORKER_HEARTBEAT_SECONDS", Duration::from_secs(5)),
            dlq_raw_max_chars: env.bounded("JOB_DLQ_RAW_MESSAGE_MAX_CHARS", 4096, 256, 1 << 20),
            knowledge_interface_target: env
                .string("KNOWLEDGE_INTERFACE_GRPC_TARGET", "http://127.0.0.1:50051"),
            model_provider_base_url: env
                .string("MODEL_PROVIDER_BASE_URL", "http://127.0.0.1:8010/v1"),
            model_provider_token: match env.optional(MODEL_PROVIDER_TOKEN_VAR) {
                Some(_) => ServiceToken::from_env(&mut env, &[MODEL_PROVIDER_TOKEN_VAR], app_env),
                None => service_token.clone(),
            },
            service_token,
            knowledge_update: exobrain_knowledge_update::Settings::from_env(&mut env),
        };
        config.check_pools(&mut env);
        env.finish()?;
        Ok(config)
    }

    /// The job types this deployment knows.
    pub fn registry(&self) -> Registry {
        Registry::standard(self.max_attempts, self.diagnostics)
    }

    /// The pools this process runs: each served job type with its concurrency.
    pub fn pools(&self) -> Vec<(JobType, u32)> {
        self.registry()
            .specs()
            .filter(|spec| {
                self.job_types
                    .as_ref()
                    .is_none_or(|listed| listed.iter().any(|name| name == spec.job_type.as_str()))
            })
            .map(|spec| {
                let size = self
                    .concurrency_by_type
                    .get(spec.job_type.as_str())
                    .copied()
                    .unwrap_or(self.concurrency);
                (spec.job_type.clone(), size)
            })
            .collect()
    }

    /// Every job type named in `WORKER_JOB_TYPES` or `WORKER_CONCURRENCY_BY_TYPE` must be
    /// registered, and at least one type must be served.
    fn check_pools(&self, env: &mut Env) {
        let registry = self.registry();
        let known: Vec<&str> = registry
            .specs()
            .map(|spec| spec.job_type.as_str())
            .collect();
        let unknown = |names: &mut dyn Iterator<Item = &String>| -> Vec<String> {
            names
                .filter(|name| !known.contains(&name.as_str()))
                .cloned()
                .collect()
        };
        if let Some(listed) = &self.job_types {
            let missing = unknown(&mut listed.iter());
            if !missing.is_empty() {
                env.problem(
                    "WORKER_JOB_TYPES",
                    format!(
                        "unknown job types {missing:?} (registered: {})",
                        known.join(", ")
                    ),
                );
            } else if listed.is_empty() {
                env.problem("WORKER_JOB_TYPES", "names no job type".into());
            }
        }
        let missing = unknown(&mut self.concurrency_by_type.keys());
        if !missing.is_empty() {
            env.problem(
                "WORKER_CONCURRENCY_BY_TYPE",
                format!(
                    "unknown job types {missing:?} (registered: {})",
                    known.join(", ")
                ),
            );
        }
        if self.ack_wait < Duration::from_secs(1) {
            env.problem(
                "JOB_CONSUMER_ACK_WAIT_SECONDS",
                "must be at least 1 second".into(),
            );
        }
    }
}

/// Parses `WORKER_CONCURRENCY_BY_TYPE` (`knowledge.update=2,diagnostics.sleep=16`).
fn read_concurrency_by_type(env: &mut Env) -> BTreeMap<String, u32> {
    const VAR: &str = "WORKER_CONCURRENCY_BY_TYPE";
    let Some(raw) = env.optional(VAR) else {
        return BTreeMap::new();
    };
    let mut sizes = BTreeMap::new();
    for entry in raw
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        let parsed = entry.split_once('=').and_then(|(name, size)| {
            let size: u32 = size
                .trim()
                .parse()
                .ok()
                .filter(|size| (1..=1024).contains(size))?;
            Some((name.trim().to_owned(), size))
        });
        match parsed {
            Some((name, size)) => {
                sizes.insert(name, size);
            }
            None => env.problem(
                VAR,
                format!("`{entry}` is not `<job type>=<1..=1024>` (e.g. knowledge.update=2)"),
            ),
        }
    }
    sizes
}
