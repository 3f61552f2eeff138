//! Helpers shared by the API tests: the service running in-process on port 0 against a fresh
//! database and NATS prefix, requests to send it, and the worker's part played directly on the
//! job store. Each test binary uses a subset.
#![allow(dead_code)]

use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_common::nats::NatsConfig;
use exobrain_jobs::MIGRATOR;
use exobrain_jobs::domain::{JobId, JobState};
use exobrain_jobs::store::{JobStore, Outcome};
use exobrain_proto::job_orchestrator::EnqueueJobRequest;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{TestDb, TestNats, TestServer, bind_ephemeral, wait_until_ok};
use job_orchestrator_api::{Config, Listeners};
use tonic::transport::Channel;

/// A running API and what it runs on.
pub struct Api {
    pub client: JobOrchestratorClient<Channel>,
    /// `http://…` of the gRPC listener.
    pub grpc_url: String,
    /// `http://…` of the admin listener (health, metrics).
    pub admin_url: String,
    pub server: TestServer<exobrain_common::startup::RunError>,
    pub nats: TestNats,
    pub db: TestDb,
}

/// The API with the test defaults.
pub async fn spawn_api() -> Api {
    spawn_api_with(&[]).await
}

/// The API with extra environment variables.
pub async fn spawn_api_with(vars: &[(&str, &str)]) -> Api {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let mut env = base_env();
    env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), db.dsn.clone());
    env.extend(nats.service_env());
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let config = Config::from_env(Env::from_map(env)).expect("config");
    let listeners = Listeners {
        grpc: bind_ephemeral().await,
        admin: bind_ephemeral().await,
    };
    let grpc = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
    let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| job_orchestrator_api::run(config, listeners, token));
    assert!(
        wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(10)).await,
        "api never became ready"
    );
    let client = JobOrchestratorClient::connect(grpc.clone())
        .await
        .expect("connect");
    Api {
        client,
        grpc_url: grpc,
        admin_url: admin,
        server,
        nats,
        db,
    }
}

impl Api {
    /// The job store on the API's database and subjects, as a worker uses it.
    pub fn store(&self) -> JobStore {
        let nats = NatsConfig::new(self.nats.url.clone(), self.nats.prefix.clone());
        JobStore::new(self.db.pool.clone(), nats)
    }

    /// Enqueues `request` and returns the job id.
    pub async fn enqueue(&mut self, request: EnqueueJobRequest) -> String {
        self.client
            .enqueue_job(request)
            .await
            .expect("enqueue")
            .into_inner()
            .job_id
    }
}

/// A `diagnostics.echo` job for `user`, with idempotency key `key` (empty for none).
pub fn echo(user: &str, key: &str) -> EnqueueJobRequest {
    EnqueueJobRequest {
        job_type: "diagnostics.echo".into(),
        user_id: user.into(),
        payload: Some(Payload::PayloadJson(r#"{"hello":"world"}"#.into())),
        idempotency_key: key.into(),
    }
}

/// A `diagnostics.fail` job for `user`.
pub fn failing(user: &str) -> EnqueueJobRequest {
    EnqueueJobRequest {
        job_type: "diagnostics.fail".into(),
        user_id: user.into(),
        payload: Some(Payload::PayloadJson(r#"{"fail_attempts":9}"#.into())),
        idempotency_key: String::new(),
    }
}

/// Plays a worker: runs one attempt of `job_id` to `outcome`; returns the state it led to.
pub async fn run_attempt(store: &JobStore, job_id: &str, outcome: Outcome) -> JobState {
    let id = JobId::parse("job_id", job_id).expect("job id");
    let lease = chrono::Utc::now() + chrono::Duration::seconds(30);
    let attempt = store
        .start_attempt(id, "worker-test", lease)
        .await
        .expect("start")
        .expect("granted");
    store
        .finish_attempt(&attempt, "worker-test", outcome)
        .await
        .expect("finish")
        .expect("applied")
}

/// An outcome that fails the job for good (and dead-letters it).
pub fn fatal() -> Outcome {
    Outcome::Failed {
        detail: "handler gave up".into(),
        retry: false,
    }
}

/// A well-formed id that names nothing.
pub fn unknown_id() -> String {
    "00000000-0000-4000-8000-000000000000".to_owned()
}
