//! The system under the drill, every service a child process of this binary (`__service
//! <name> serve`) with `APP_ENV=test` on the drill's infrastructure: the job API, two workers,
//! and the knowledge interface with the model-provider it embeds through (hash embeddings).
//! Credentials are issued per run and enforced: each server holds only the SHA-256 digests of
//! the callers it accepts, and every call the drill makes presents its own token, so the
//! drill goes through the same authentication path as production traffic.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use exobrain_common::auth::{ServiceToken, hash_token};

use crate::database::BenchDb;
use crate::knowledge::services::{Embeddings, Stack, Trust};
use crate::process::{ServiceProcess, free_port};

/// The name the servers know the drill by.
const BENCH: &str = "exobrain-bench";
/// The drill's operator identity.
const OPERATOR: &str = "chaos-operator";
/// The knowledge interface, as model-provider knows it.
const KNOWLEDGE: &str = "knowledge-interface";

/// Tokens issued for one run.
#[derive(Clone)]
pub struct Credentials {
    bench: String,
    operator: String,
    knowledge: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

impl Credentials {
    /// Fresh random tokens (64 hex digits each).
    pub fn issue() -> Self {
        let token = || {
            let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
            format!("{}{}", a.simple(), b.simple())
        };
        Self {
            bench: token(),
            operator: token(),
            knowledge: token(),
        }
    }

    /// What the drill presents as a service.
    pub fn bench(&self) -> ServiceToken {
        ServiceToken::new(&self.bench).unwrap_or_default()
    }

    /// What the drill presents as the operator.
    pub fn operator(&self) -> ServiceToken {
        ServiceToken::new(&self.operator).unwrap_or_default()
    }

    /// The accepted callers of the job API and the knowledge interface.
    fn server_env(&self) -> HashMap<String, String> {
        HashMap::from([
            (
                "EXOBRAIN_SERVICE_CREDENTIALS".to_owned(),
                digest(BENCH, &self.bench),
            ),
            (
                "EXOBRAIN_OPERATOR_CREDENTIALS".to_owned(),
                digest(OPERATOR, &self.operator),
            ),
        ])
    }

    /// model-provider accepts the knowledge interface and the drill; the knowledge interface
    /// presents its own token.
    fn stack_trust(&self) -> Trust {
        let mut knowledge_env = self.server_env();
        knowledge_env.insert("EXOBRAIN_SERVICE_TOKEN".into(), self.knowledge.clone());
        let callers = format!(
            "{},{}",
            digest(KNOWLEDGE, &self.knowledge),
            digest(BENCH, &self.bench)
        );
        Trust {
            model_provider_env: HashMap::from([(
                "EXOBRAIN_SERVICE_CREDENTIALS".to_owned(),
                callers,
            )]),
            knowledge_env,
            token: self.bench(),
        }
    }
}

/// A `name=sha256:<digest>` credential entry.
fn digest(name: &str, token: &str) -> String {
    format!("{name}=sha256:{}", hash_token(token))
}

/// How the workers are set up.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// `JOB_LEASE_SECONDS`.
    pub lease: Duration,
    /// `JOB_CONSUMER_ACK_WAIT_SECONDS`.
    pub ack_wait: Duration,
    /// `WORKER_REPLICA_COUNT`.
    pub slots: usize,
}

/// The running services.
#[derive(Debug)]
pub struct System {
    api: ServiceProcess,
    workers: Vec<Option<ServiceProcess>>,
    stack: Stack,
    worker_env: HashMap<String, String>,
    /// The job API's gRPC endpoint, `http://host:port`.
    pub api_endpoint: String,
    /// The knowledge interface's gRPC endpoint, `http://host:port`.
    pub knowledge_endpoint: String,
}

/// Where the services find their stores.
#[derive(Debug, Clone, Copy)]
pub struct Stores<'a> {
    pub jobs: &'a BenchDb,
    pub knowledge: &'a BenchDb,
    pub nats_url: &'a str,
    pub prefix: &'a str,
}

impl System {
    /// Starts every service and waits until each is ready.
    pub async fn start(
        stores: Stores<'_>,
        credentials: &Credentials,
        workers: usize,
        settings: WorkerSettings,
    ) -> anyhow::Result<Self> {
        let common: HashMap<String, String> = [
            ("APP_ENV", "test"),
            ("RUST_LOG", "warn,sqlx::pool::acquire=error"),
            ("JOB_ORCHESTRATOR_DB_DSN", stores.jobs.dsn.as_str()),
            ("EXOBRAIN_NATS_URL", stores.nats_url),
            ("EXOBRAIN_NATS_PREFIX", stores.prefix),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
        let grpc = format!("127.0.0.1:{}", free_port()?);
        let mut api_env = common.clone();
        api_env.extend(credentials.server_env());
        api_env.insert("JOB_ORCHESTRATOR_API_BIND_ADDRESS".into(), grpc.clone());
        let api = ServiceProcess::start("api", &api_env, "JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS")
            .await?;
        let mut worker_env = common;
        for (key, value) in [
            ("WORKER_REPLICA_COUNT", settings.slots.to_string()),
            ("JOB_LEASE_SECONDS", settings.lease.as_secs().to_string()),
            (
                "JOB_CONSUMER_ACK_WAIT_SECONDS",
                settings.ack_wait.as_secs().to_string(),
            ),
        ] {
            worker_env.insert(key.to_owned(), value);
        }
        let stack = Stack::start(
            stores.knowledge,
            Embeddings::Hash,
            &credentials.stack_trust(),
        )
        .await?;
        let knowledge_endpoint = stack.grpc.clone();
        let mut system = Self {
            api,
            workers: (0..workers).map(|_| None).collect(),
            stack,
            worker_env,
            api_endpoint: format!("http://{grpc}"),
            knowledge_endpoint,
        };
        for index in 0..workers {
            system.start_worker(index).await?;
        }
        Ok(system)
    }

    /// Starts worker `index` (after it was killed) and waits until it is ready.
    pub async fn start_worker(&mut self, index: usize) -> anyhow::Result<()> {
        let worker = ServiceProcess::start(
            "worker",
            &self.worker_env,
            "JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS",
        )
        .await?;
        self.workers[index] = Some(worker);
        Ok(())
    }

    /// Kills worker `index` with SIGKILL: no shutdown, no hand-back, its leases just lapse.
    pub async fn kill_worker(&mut self, index: usize) {
        if let Some(worker) = self.workers[index].take() {
            worker.kill().await;
        }
    }

    /// Sends `signal` (`STOP`, `CONT`) to worker `index`.
    pub fn signal_worker(&self, index: usize, signal: &str) -> anyhow::Result<()> {
        match &self.workers[index] {
            Some(worker) => worker.signal(signal),
            None => anyhow::bail!("worker {index} is not running"),
        }
    }

    /// Stops every service (SIGTERM).
    pub async fn stop(self) {
        for worker in self.workers.into_iter().flatten() {
            worker.stop().await;
        }
        self.api.stop().await;
        self.stack.stop().await;
    }
}
