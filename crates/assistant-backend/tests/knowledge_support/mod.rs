//! Test support of the knowledge suites: the services the knowledge endpoints call, started
//! in-process on port 0. The worker suite's `tests/support/services.rs` (included by each
//! suite as `services`; it needs this module as `support` for [`Infra`]) starts the job API, a
//! knowledge interface on a seeded database of its own, and model-provider (the local
//! provider, or a scripted model); here are the test's own job database and NATS prefix
//! ([`Infra`]) and the worker on them. (The worker suite's own `Infra` cannot be included: its
//! module needs the worker's binary path, which Cargo gives that package's tests only.) The
//! backend runs in front with its own database and Redis prefix, chatting through the
//! offline model-provider.
#![allow(
    dead_code,
    reason = "each suite uses a different part of the support module"
)]

pub mod pages;
pub mod updates;

use std::collections::HashMap;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{
    ScriptedModel, TestDb, TestNats, TestServer, bind_ephemeral, free_port, wait_until_ok,
};
use serde_json::{Value, json};

use crate::app::{PASSWORD, TEST_USER, TestApp, signed_in_client, spawn_app_with};
use crate::services::{self, Service};

/// The job database and NATS prefix of one test (what `services::job_api` runs on).
pub struct Infra {
    pub db: TestDb,
    pub nats: TestNats,
}

impl Infra {
    /// A fresh job database and NATS prefix.
    pub async fn new() -> Self {
        Self {
            db: TestDb::migrated(&exobrain_jobs::MIGRATOR).await,
            nats: TestNats::new().await,
        }
    }

    /// The environment of the job API and worker on this infra, quick retries, then `extra`.
    pub fn env(&self, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let mut env = base_env();
        env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), self.db.dsn.clone());
        env.extend(self.nats.service_env());
        env.insert("JOB_RETRY_BACKOFF_BASE_SECONDS".into(), "0.05".into());
        env.insert(
            "JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS".into(),
            format!("127.0.0.1:{}", free_port()),
        );
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        env
    }
}

/// The worker running in-process with `env`, ready.
async fn spawn_worker(env: HashMap<String, String>) -> TestServer<RunError> {
    let config =
        job_orchestrator_worker::Config::from_env(Env::from_map(env)).expect("worker config");
    let admin = bind_ephemeral().await;
    let ready = format!("http://{}/readyz", admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| job_orchestrator_worker::run(config, admin, token));
    assert!(
        wait_until_ok(&ready, Duration::from_secs(10)).await,
        "worker never became ready"
    );
    server
}

/// Everything behind the knowledge endpoints, and the backend in front.
pub struct World {
    pub app: TestApp,
    pub knowledge: Service,
    /// The job database and NATS prefix (with the job services only).
    pub infra: Option<Infra>,
    /// Services kept running for the test.
    _running: Vec<Service>,
    _worker: Option<TestServer<RunError>>,
}

/// Which job services run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jobs {
    /// The job API only: jobs are accepted and stay pending.
    ApiOnly,
    /// The API and a worker running the pipeline offline (model-provider with no keys).
    Offline,
    /// The API and a worker whose model answers entity extraction wrongly, failing each job
    /// for good on its first attempt.
    Failing,
}

impl World {
    /// The backend over a knowledge interface, the job services `jobs` and model-provider
    /// (chat turns answer offline); knowledge update jobs of at most 50 estimated tokens, job
    /// states reconciled every second.
    pub async fn start(jobs: Jobs) -> Self {
        let model = services::model_provider(None).await;
        let knowledge = services::knowledge_interface(&model).await;
        let infra = Infra::new().await;
        let api = services::job_api(&infra).await;
        let scripted_model = match jobs {
            Jobs::Failing => {
                let scripted = ScriptedModel::start().await;
                scripted.answer(
                    "entity_extraction",
                    |_| json!({ "extracted_entities": "none" }),
                );
                Some(services::model_provider(Some(&scripted)).await)
            }
            Jobs::ApiOnly | Jobs::Offline => None,
        };
        let worker = match jobs {
            Jobs::ApiOnly => None,
            Jobs::Offline | Jobs::Failing => {
                let worker_model = scripted_model.as_ref().unwrap_or(&model);
                let env = infra.env(&[
                    ("KNOWLEDGE_INTERFACE_GRPC_TARGET", knowledge.url.as_str()),
                    ("MODEL_PROVIDER_BASE_URL", worker_model.url.as_str()),
                    ("WORKER_JOB_TYPES", "knowledge.update"),
                ]);
                Some(spawn_worker(env).await)
            }
        };
        let app = spawn_app_with(&[
            ("KNOWLEDGE_INTERFACE_GRPC_TARGET", &knowledge.url),
            ("MODEL_PROVIDER_BASE_URL", &model.url),
            ("JOB_ORCHESTRATOR_GRPC_TARGET", &api.url),
            ("KNOWLEDGE_UPDATE_MAX_TOKENS", "50"),
            ("KNOWLEDGE_RECONCILE_INTERVAL_SECONDS", "1"),
        ])
        .await;
        Self {
            app,
            knowledge,
            infra: Some(infra),
            _running: [Some(model), Some(api), scripted_model]
                .into_iter()
                .flatten()
                .collect(),
            _worker: worker,
        }
    }

    /// The backend over a knowledge interface only (the explorer needs no job services).
    pub async fn explorer() -> Self {
        let model = services::model_provider(None).await;
        let knowledge = services::knowledge_interface(&model).await;
        let app = spawn_app_with(&[
            ("KNOWLEDGE_INTERFACE_GRPC_TARGET", &knowledge.url),
            ("MODEL_PROVIDER_BASE_URL", &model.url),
        ])
        .await;
        Self {
            app,
            knowledge,
            infra: None,
            _running: vec![model],
            _worker: None,
        }
    }

    /// The job database.
    pub fn jobs_db(&self) -> &sqlx::PgPool {
        &self.infra.as_ref().expect("job services").db.pool
    }
}

/// `(status, JSON body or null)` of a response.
pub async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The test user, signed in.
pub async fn test_user(app: &TestApp) -> reqwest::Client {
    signed_in_client(app, TEST_USER, PASSWORD).await
}
