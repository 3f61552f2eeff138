//! Helpers shared by the worker tests: a fresh database and NATS prefix, the worker running
//! in-process or as a real process against them, jobs enqueued through the store (as the API
//! does), and waits on job states read from the database. Each test binary uses a subset.
#![allow(dead_code)]

pub mod proxy;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_common::nats::NatsConfig;
use exobrain_common::shutdown::CancellationToken;
use exobrain_common::startup::RunError;
use exobrain_jobs::MIGRATOR;
use exobrain_jobs::domain::{JobId, JobType, NewJob, Registry, UserId};
use exobrain_jobs::outbox::Publisher;
use exobrain_jobs::store::{Attempt, JobSnapshot, JobStore};
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{
    BinaryProcess, TestDb, TestNats, TestServer, bind_ephemeral, free_port, wait_until_ok,
};
use futures::StreamExt;
use job_orchestrator_worker::Config;
use job_orchestrator_worker::jobs::handlers::JobContext;
use serde_json::Value;

pub const BINARY: &str = env!("CARGO_BIN_EXE_job-orchestrator-worker");

/// A database and a NATS corner for one test.
pub struct Infra {
    pub db: TestDb,
    pub nats: TestNats,
    /// Where the services reach NATS (the shared server, or a test's private one).
    pub nats_url: String,
    /// Publishes what [`Infra::store`] commits at once, as the API's publisher does (none
    /// on a private server: the worker's relay publishes it then, after two seconds).
    publisher: Option<Publisher>,
}

impl Infra {
    /// A fresh database and prefix on the shared NATS server.
    pub async fn new() -> Self {
        let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
        let nats_url = nats.url.clone();
        let (publisher, _task) = Publisher::spawn(
            db.pool.clone(),
            nats.jetstream.clone(),
            CancellationToken::new(),
        );
        Self {
            db,
            nats,
            nats_url,
            publisher: Some(publisher),
        }
    }

    /// The same, with the services pointed at `nats_url` instead.
    pub async fn with_nats_url(nats_url: &str) -> Self {
        let mut infra = Self::new().await;
        infra.nats_url = nats_url.to_owned();
        infra.publisher = None;
        infra
    }

    /// The worker's environment: test defaults, this infra, quick retries, then `extra`.
    pub fn env(&self, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let mut env = base_env();
        env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), self.db.dsn.clone());
        env.insert("EXOBRAIN_NATS_URL".into(), self.nats_url.clone());
        env.insert("EXOBRAIN_NATS_PREFIX".into(), self.nats.prefix.clone());
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

    /// The job store, as the API uses it.
    pub fn store(&self) -> JobStore {
        let nats = NatsConfig::new(self.nats_url.clone(), self.nats.prefix.clone());
        let store = JobStore::new(self.db.pool.clone(), nats);
        match &self.publisher {
            Some(publisher) => store.with_publisher(publisher.clone()),
            None => store,
        }
    }

    /// Enqueues a job of `job_type` for alice; returns its id.
    pub async fn enqueue(&self, job_type: &str, payload: Value, max_attempts: u32) -> JobId {
        self.enqueue_many(job_type, &[payload], max_attempts).await[0]
    }

    /// Enqueues one job per payload in one call.
    pub async fn enqueue_many(
        &self,
        job_type: &str,
        payloads: &[Value],
        max_attempts: u32,
    ) -> Vec<JobId> {
        let jobs: Vec<NewJob> = payloads
            .iter()
            .map(|payload| NewJob {
                job_type: JobType::parse("job_type", job_type).expect("type"),
                owner: alice(),
                payload: payload.clone(),
                idempotency_key: None,
                max_attempts,
                trace_context: Default::default(),
            })
            .collect();
        let accepted = self.store().enqueue(&jobs, None).await.expect("enqueue");
        accepted.into_iter().map(|job| job.job_id).collect()
    }

    /// Waits (up to `limit`) until `job_id` satisfies `done`.
    pub async fn wait_for(
        &self,
        job_id: JobId,
        limit: Duration,
        done: impl Fn(&JobSnapshot) -> bool,
    ) -> JobSnapshot {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let snapshot = self
                .store()
                .snapshot(job_id, &alice())
                .await
                .expect("snapshot");
            if done(&snapshot) {
                return snapshot;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "job stuck: {snapshot:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `job_id` is terminal.
    pub async fn wait_terminal(&self, job_id: JobId) -> JobSnapshot {
        self.wait_for(job_id, Duration::from_secs(30), |job| {
            job.state.is_terminal()
        })
        .await
    }

    /// Jobs not yet terminal.
    pub async fn unfinished(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs WHERE NOT is_terminal")
            .fetch_one(&self.db.pool)
            .await
            .expect("count")
    }

    /// Waits until every job is terminal.
    pub async fn wait_all_terminal(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.unfinished().await > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} jobs unfinished",
                self.unfinished().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `(attempt, outcome, worker_id)` of every attempt of `job_id`, in order.
    pub async fn attempts(&self, job_id: JobId) -> Vec<(i32, Option<String>, String)> {
        sqlx::query_as(
            "SELECT attempt, outcome, worker_id FROM orchestrator_job_attempts WHERE job_id = $1 ORDER BY attempt",
        )
        .bind(job_id.as_uuid())
        .fetch_all(&self.db.pool)
        .await
        .expect("attempts")
    }

    /// Overwrites the stored payload of `job_id`.
    pub async fn set_payload(&self, job_id: JobId, payload: Value) {
        sqlx::query("UPDATE orchestrator_jobs SET payload = $2 WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .bind(payload)
            .execute(&self.db.pool)
            .await
            .expect("set payload");
    }

    /// Reasons of the dead letters of `job_id`.
    pub async fn dead_letter_reasons(&self, job_id: JobId) -> Vec<String> {
        sqlx::query_scalar("SELECT reason FROM orchestrator_dead_letters WHERE job_id = $1")
            .bind(job_id.as_uuid())
            .fetch_all(&self.db.pool)
            .await
            .expect("dead letters")
    }

    /// The body of the last message on `subject` (unprefixed) in this test's `stream`.
    pub async fn last_message(&self, stream: &str, subject: &str) -> Value {
        let stream = self
            .nats
            .jetstream
            .get_stream(self.nats.stream(stream))
            .await
            .expect("stream");
        let message = stream
            .get_last_raw_message_by_subject(&self.nats.subject(subject))
            .await
            .expect("message");
        serde_json::from_slice(&message.payload).expect("json")
    }

    /// Creates the streams, as every process does at startup (for tests without a worker).
    pub async fn ensure_streams(&self) {
        let nats = NatsConfig::new(self.nats_url.clone(), self.nats.prefix.clone());
        exobrain_jobs::streams::ensure(
            &self.nats.jetstream,
            &nats,
            &Registry::standard(3, true),
            1,
        )
        .await
        .expect("streams");
    }

    /// Starts the next attempt of `job_id` on `worker_id` through the store, as a worker
    /// does, leased for `lease_seconds` (negative: already lapsed).
    pub async fn start_attempt(
        &self,
        job_id: JobId,
        worker_id: &str,
        lease_seconds: i64,
    ) -> Attempt {
        let until = chrono::Utc::now() + chrono::Duration::seconds(lease_seconds);
        self.store()
            .start_attempt(job_id, worker_id, until)
            .await
            .expect("start")
            .expect("granted")
    }

    /// The context a handler of `attempt` on `worker_id` gets, with its progress writer
    /// running until the returned task drops (as the worker runs it while the handler does).
    pub fn context(&self, attempt: &Attempt, worker_id: &str) -> (JobContext, WriterTask) {
        let store = self.store();
        let (context, writer) =
            JobContext::for_attempt(attempt, worker_id, CancellationToken::new(), &store);
        let task = tokio::spawn(async move { match writer.run().await {} });
        (context, WriterTask(task))
    }

    /// `(key, attempt)` of every checkpoint of `job_id`, by key.
    pub async fn checkpoints(&self, job_id: JobId) -> Vec<(String, i32)> {
        sqlx::query_as(
            "SELECT key, attempt FROM orchestrator_job_checkpoints WHERE job_id = $1 ORDER BY key",
        )
        .bind(job_id.as_uuid())
        .fetch_all(&self.db.pool)
        .await
        .expect("checkpoints")
    }

    /// The status events of `job_id` in JetStream, in `seq` order.
    pub async fn status_events(&self, job_id: JobId) -> Vec<Value> {
        let stream = self
            .nats
            .jetstream
            .get_stream(self.nats.stream("JOB_STATUS"))
            .await
            .expect("stream");
        let consumer = stream
            .create_consumer(async_nats::jetstream::consumer::pull::Config {
                filter_subject: self.nats.subject(&format!("jobs.status.{job_id}")),
                ..Default::default()
            })
            .await
            .expect("consumer");
        let batch = consumer
            .fetch()
            .max_messages(1000)
            .messages()
            .await
            .expect("fetch");
        let mut events: Vec<Value> = batch
            .filter_map(
                |message| async move { serde_json::from_slice(&message.ok()?.payload).ok() },
            )
            .collect()
            .await;
        events.sort_by_key(|event| event["seq"].as_i64());
        events
    }

    /// Waits until the status events of `job_id` include a terminal one; returns them all.
    pub async fn status_events_to_the_end(&self, job_id: JobId) -> Vec<Value> {
        for _ in 0..400 {
            let events = self.status_events(job_id).await;
            if events.iter().any(|event| event["terminal"] == true) {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no terminal status event of {job_id} within 20 s");
    }

    /// Messages in this test's stream `name` (e.g. `JOB_DLQ`).
    pub async fn stream_messages(&self, name: &str) -> u64 {
        let mut stream = self
            .nats
            .jetstream
            .get_stream(self.nats.stream(name))
            .await
            .expect("stream");
        stream.info().await.expect("info").state.messages
    }
}

/// A progress writer running in the background; stopped when dropped (the attempt ended).
pub struct WriterTask(tokio::task::JoinHandle<()>);

impl Drop for WriterTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The owner of every job here.
pub fn alice() -> UserId {
    UserId::parse("user_id", "alice").expect("user")
}

/// The worker running in-process with `env`, ready.
pub async fn spawn_worker(env: HashMap<String, String>) -> TestServer<RunError> {
    let config = Config::from_env(Env::from_map(env)).expect("config");
    let admin = bind_ephemeral().await;
    let ready = format!("http://{}/readyz", admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| job_orchestrator_worker::run(config, admin, token));
    assert!(
        wait_until_ok(&ready, Duration::from_secs(10)).await,
        "worker never became ready"
    );
    server
}

/// The worker binary running as a child process with `env`, ready.
pub async fn spawn_worker_process(env: &HashMap<String, String>) -> BinaryProcess {
    let process = BinaryProcess::start(Path::new(BINARY), &["serve"], env);
    let ready = format!(
        "http://{}/readyz",
        env["JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS"]
    );
    assert!(
        wait_until_ok(&ready, Duration::from_secs(15)).await,
        "worker process never became ready"
    );
    process
}

/// Polls `check` every 50 ms for up to 20 s.
pub async fn wait_until<F, Fut>(check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached within 20 s");
}
