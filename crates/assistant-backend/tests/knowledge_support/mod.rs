//! Test support of the knowledge suites: the services the knowledge endpoints call, started
//! in-process on port 0 the way the worker's own suite starts them (its
//! `tests/support/services.rs`, included by each suite as `services`, which needs this
//! module's [`Infra`] under the name `support`): a job database and NATS prefix of the test's
//! own, the job API and worker on them, a knowledge interface with a seeded database of its
//! own, and model-provider (the local provider, or a scripted model). The backend runs on top
//! with its own database and Redis prefix ([`crate::app::spawn_app_with`]).
#![allow(
    dead_code,
    reason = "each suite uses a different part of the support module"
)]

use std::collections::HashMap;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{
    ScriptedModel, TestDb, TestNats, TestServer, bind_ephemeral, free_port, wait_until_ok,
};
use serde_json::{Value, json};

use crate::app::{TEST_USER, TestApp, spawn_app_with};
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

/// Everything behind the knowledge endpoints, and the backend in front.
pub struct World {
    pub app: TestApp,
    pub knowledge: Service,
    pub jobs: Option<Service>,
    infra: Infra,
    /// Services kept running for the test (model-providers).
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
    /// The backend over a knowledge interface and the job services `jobs`.
    pub async fn start(jobs: Jobs) -> Self {
        let model = services::model_provider(None).await;
        let knowledge = services::knowledge_interface(&model).await;
        let infra = Infra::new().await;
        let api = services::job_api(&infra).await;
        let mut running = Vec::new();
        let worker = match jobs {
            Jobs::ApiOnly => None,
            Jobs::Offline => Some(spawn_worker(&infra, &knowledge, &model.url).await),
            Jobs::Failing => {
                let scripted = ScriptedModel::start().await;
                scripted.answer(
                    "entity_extraction",
                    |_| json!({ "extracted_entities": "none" }),
                );
                let failing = services::model_provider(Some(&scripted)).await;
                let worker = spawn_worker(&infra, &knowledge, &failing.url).await;
                running.push(failing);
                Some(worker)
            }
        };
        let app = spawn_app_with(&[
            ("KNOWLEDGE_INTERFACE_GRPC_TARGET", &knowledge.url),
            ("JOB_ORCHESTRATOR_GRPC_TARGET", &api.url),
            ("KNOWLEDGE_UPDATE_MAX_TOKENS", "50"),
            ("KNOWLEDGE_RECONCILE_INTERVAL_SECONDS", "1"),
        ])
        .await;
        Self {
            app,
            knowledge,
            jobs: Some(api),
            infra,
            _running: {
                running.push(model);
                running
            },
            _worker: worker,
        }
    }

    /// The backend over a knowledge interface only (the explorer needs no job services).
    pub async fn explorer() -> Self {
        let model = services::model_provider(None).await;
        let knowledge = services::knowledge_interface(&model).await;
        let app = spawn_app_with(&[("KNOWLEDGE_INTERFACE_GRPC_TARGET", &knowledge.url)]).await;
        Self {
            app,
            knowledge,
            jobs: None,
            infra: Infra::new().await,
            _running: vec![model],
            _worker: None,
        }
    }

    /// The job database.
    pub fn jobs_db(&self) -> &sqlx::PgPool {
        &self.infra.db.pool
    }
}

async fn spawn_worker(infra: &Infra, knowledge: &Service, model_url: &str) -> TestServer<RunError> {
    let env = infra.env(&[
        ("KNOWLEDGE_INTERFACE_GRPC_TARGET", knowledge.url.as_str()),
        ("MODEL_PROVIDER_BASE_URL", model_url),
        ("WORKER_JOB_TYPES", "knowledge.update"),
    ]);
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

/// `(status, JSON body or null)` of a response.
pub async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The test user, signed in.
pub async fn test_user(app: &TestApp) -> reqwest::Client {
    crate::app::signed_in_client(app, TEST_USER, crate::app::PASSWORD).await
}
