//! One trace across the real binaries, as an operator's trace backend receives it: every
//! service runs as its own process exporting OTLP/gRPC to an in-process receiver, a browser's
//! `POST /api/knowledge/update` (with a `traceparent`) enqueues a knowledge update, and the
//! spans of every hop (backend, job API, JetStream, worker, knowledge-interface,
//! model-provider's embeddings) must form one parent/child chain back to the browser's span.
//!
//! The other services' binaries are taken from the directory Cargo built this package's
//! binary into (a workspace test run builds them all; alone, run `cargo build --bins` first).

#[path = "support/mod.rs"]
mod app;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assistant_backend::journals::Role;
use assistant_backend::journals::{JournalCache, JournalCacheSettings, JournalStore, Journals};
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{
    BinaryProcess, OtlpReceiver, ReceivedSpan, TestDb, TestNats, TestRedis, free_port,
    wait_until_ok,
};
use serde_json::json;
use uuid::Uuid;

const CALLER_SPAN: &str = "00f067aa0ba902b7";
const TRACE: &str = "5bf92f3577b34da6a3ce929d0e0e4737";
const DAY: &str = "2026/12/06";

/// The built binary `name`, next to this package's own.
fn binary(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_assistant-backend")).with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --bins` (a workspace test run builds it)",
        path.display()
    );
    path
}

/// The environment every process shares: test settings, export to `receiver` quickly.
fn exporting_env(receiver: &OtlpReceiver) -> HashMap<String, String> {
    let mut env = base_env();
    env.insert(
        "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
        receiver.grpc_endpoint().to_owned(),
    );
    env.insert("OTEL_BSP_SCHEDULE_DELAY".into(), "100".into());
    env
}

/// Starts `name serve` with `env` and waits until `ready` answers 200.
async fn start(name: &str, env: &HashMap<String, String>, ready: &str) -> BinaryProcess {
    let process = BinaryProcess::start(&binary(name), &["serve"], env);
    assert!(
        wait_until_ok(ready, Duration::from_secs(60)).await,
        "{name} never became ready at {ready}"
    );
    process
}

fn addr() -> String {
    format!("127.0.0.1:{}", free_port())
}

/// The databases, NATS prefix and Redis keys of the whole system, and the processes on them.
struct System {
    backend: String,
    backend_db: TestDb,
    redis: TestRedis,
    nats: TestNats,
    _dbs: Vec<TestDb>,
    _processes: Vec<BinaryProcess>,
}

impl System {
    async fn start(receiver: &OtlpReceiver) -> Self {
        let shared = exporting_env(receiver);
        let mut processes = Vec::new();

        let model_addr = addr();
        let mut env = shared.clone();
        env.insert("MODEL_PROVIDER_BIND_ADDRESS".into(), model_addr.clone());
        env.insert(
            "MODEL_PROVIDER_CONFIG_PATH".into(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/models.yaml").into(),
        );
        let model = format!("http://{model_addr}/v1");
        processes.push(
            start(
                "model-provider",
                &env,
                &format!("http://{model_addr}/readyz"),
            )
            .await,
        );

        let knowledge_db = TestDb::migrated(&knowledge_interface::MIGRATOR).await;
        knowledge_interface::schema::seed::apply(&knowledge_db.pool)
            .await
            .expect("seed the knowledge schema");
        let (knowledge_addr, knowledge_admin) = (addr(), addr());
        let mut env = shared.clone();
        env.insert("KNOWLEDGE_SCHEMA_DSN".into(), knowledge_db.dsn.clone());
        env.insert("MODEL_PROVIDER_BASE_URL".into(), model.clone());
        env.insert(
            "KNOWLEDGE_INTERFACE_BIND_ADDRESS".into(),
            knowledge_addr.clone(),
        );
        env.insert(
            "KNOWLEDGE_INTERFACE_ADMIN_BIND_ADDRESS".into(),
            knowledge_admin.clone(),
        );
        let knowledge = format!("http://{knowledge_addr}");
        processes.push(
            start(
                "knowledge-interface",
                &env,
                &format!("http://{knowledge_admin}/readyz"),
            )
            .await,
        );

        let jobs_db = TestDb::migrated(&exobrain_jobs::MIGRATOR).await;
        let nats = TestNats::new().await;
        let mut jobs_env = shared.clone();
        jobs_env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), jobs_db.dsn.clone());
        jobs_env.extend(nats.service_env());
        let (api_addr, api_admin) = (addr(), addr());
        let mut env = jobs_env.clone();
        env.insert("JOB_ORCHESTRATOR_API_BIND_ADDRESS".into(), api_addr.clone());
        env.insert(
            "JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS".into(),
            api_admin.clone(),
        );
        processes.push(
            start(
                "job-orchestrator-api",
                &env,
                &format!("http://{api_admin}/readyz"),
            )
            .await,
        );

        let worker_admin = addr();
        let mut env = jobs_env;
        env.insert(
            "JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS".into(),
            worker_admin.clone(),
        );
        env.insert("KNOWLEDGE_INTERFACE_GRPC_TARGET".into(), knowledge.clone());
        env.insert("MODEL_PROVIDER_BASE_URL".into(), model.clone());
        env.insert("WORKER_JOB_TYPES".into(), "knowledge.update".into());
        processes.push(
            start(
                "job-orchestrator-worker",
                &env,
                &format!("http://{worker_admin}/readyz"),
            )
            .await,
        );

        let backend_db = TestDb::migrated(&assistant_backend::MIGRATOR).await;
        assistant_backend::seed::apply(&backend_db.pool)
            .await
            .expect("seed the backend");
        let redis = TestRedis::new().await;
        let backend_addr = addr();
        let mut env = shared;
        env.extend([
            (
                "ASSISTANT_BACKEND_BIND_ADDRESS".to_owned(),
                backend_addr.clone(),
            ),
            ("ASSISTANT_DB_DSN".to_owned(), backend_db.dsn.clone()),
            ("ASSISTANT_CACHE_REDIS_URL".to_owned(), redis.url.clone()),
            (
                "ASSISTANT_CACHE_KEY_PREFIX".to_owned(),
                redis.prefix.trim_end_matches(':').to_owned(),
            ),
            (
                "ASSISTANT_JOURNAL_CACHE_KEY_PREFIX".to_owned(),
                format!("{}journal-cache", redis.prefix),
            ),
            (
                "ASSISTANT_CHAT_KEY_PREFIX".to_owned(),
                format!("{}chat", redis.prefix),
            ),
            ("KNOWLEDGE_INTERFACE_GRPC_TARGET".to_owned(), knowledge),
            (
                "JOB_ORCHESTRATOR_GRPC_TARGET".to_owned(),
                format!("http://{api_addr}"),
            ),
            ("MODEL_PROVIDER_BASE_URL".to_owned(), model),
        ]);
        let backend = format!("http://{backend_addr}");
        processes.push(start("assistant-backend", &env, &format!("{backend}/readyz")).await);

        Self {
            backend,
            backend_db,
            redis,
            nats,
            _dbs: vec![knowledge_db, jobs_db],
            _processes: processes,
        }
    }

    /// Writes a message of the test user's journal of [`DAY`] straight into the backend's
    /// store (invalidating its cache, as the service itself would).
    async fn say(&self, role: Role, content: &str) {
        let user: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(app::TEST_USER)
            .fetch_one(&self.backend_db.pool)
            .await
            .expect("the seeded test user");
        let settings = JournalCacheSettings {
            key_prefix: format!("{}journal-cache", self.redis.prefix),
            entry_ttl: Duration::from_secs(30),
            negative_ttl: Duration::from_secs(8),
            list_ttl: Duration::from_secs(20),
            messages_ttl: Duration::from_secs(20),
            jitter_max_seconds: 0,
        };
        Journals::new(
            JournalStore::new(self.backend_db.pool.clone()),
            JournalCache::new(self.redis.connection.clone(), settings),
        )
        .append_message(user, DAY, role, content, Uuid::new_v4())
        .await
        .expect("append");
    }
}

/// What one hop of the chain must look like.
struct Hop {
    services: &'static [&'static str],
    kind: &'static str,
    name: String,
}

impl Hop {
    fn new(service: &'static [&'static str], kind: &'static str, name: impl Into<String>) -> Self {
        Self {
            services: service,
            kind,
            name: name.into(),
        }
    }

    /// A name ending in `*` matches by prefix.
    fn matches(&self, span: &ReceivedSpan) -> bool {
        let named = match self.name.strip_suffix('*') {
            Some(prefix) => span.name.starts_with(prefix),
            None => span.name == self.name,
        };
        named && self.services.contains(&span.service.as_str()) && span.kind == self.kind
    }
}

fn describe(chain: &[ReceivedSpan]) -> String {
    chain
        .iter()
        .map(|span| {
            format!(
                "\n  {} {} `{}` ({})",
                span.service, span.kind, span.name, span.span_id
            )
        })
        .collect()
}

#[tokio::test]
async fn one_trace_runs_from_the_browser_through_the_job_to_every_service_it_calls() {
    let receiver = OtlpReceiver::start().await;
    let system = System::start(&receiver).await;
    system
        .say(
            Role::User,
            "I had lunch with my sister Anna at Café Central in Vienna.",
        )
        .await;
    system.say(Role::Assistant, "Lovely! How is Anna?").await;

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let login = client
        .post(format!("{}/api/auth/login", system.backend))
        .json(&json!({ "email": app::TEST_USER, "password": app::PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200, "sign in");
    let enqueued = client
        .post(format!("{}/api/knowledge/update", system.backend))
        .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
        .json(&json!({}))
        .send()
        .await
        .expect("enqueue");
    assert_eq!(enqueued.status(), 200, "{:?}", enqueued.text().await);

    // The embedding call is the farthest hop; its chain is whole once every span up to the
    // browser's has been exported (parents end after their children).
    let subject = system.nats.subject("jobs.knowledge.update.requested");
    let hops = [
        Hop::new(
            &["model-provider"],
            "SPAN_KIND_SERVER",
            "POST /v1/embeddings",
        ),
        Hop::new(&["knowledge-interface"], "SPAN_KIND_CLIENT", "POST"),
        Hop::new(
            &["knowledge-interface"],
            "SPAN_KIND_SERVER",
            "exobrain.knowledge.v1.KnowledgeInterface/*",
        ),
        Hop::new(
            &["job-orchestrator-worker"],
            "SPAN_KIND_CLIENT",
            "exobrain.knowledge.v1.KnowledgeInterface/*",
        ),
        Hop::new(
            &["job-orchestrator-worker"],
            "SPAN_KIND_CONSUMER",
            format!("{subject} process"),
        ),
        // Published right after the commit by the API, or later by an outbox relay.
        Hop::new(
            &["job-orchestrator-api", "job-orchestrator-worker"],
            "SPAN_KIND_PRODUCER",
            format!("{subject} publish"),
        ),
        Hop::new(
            &["job-orchestrator-api"],
            "SPAN_KIND_SERVER",
            "exobrain.job_orchestrator.v1.JobOrchestrator/EnqueueJobs",
        ),
        Hop::new(
            &["assistant-backend"],
            "SPAN_KIND_CLIENT",
            "exobrain.job_orchestrator.v1.JobOrchestrator/EnqueueJobs",
        ),
        Hop::new(
            &["assistant-backend"],
            "SPAN_KIND_SERVER",
            "POST /api/knowledge/update",
        ),
    ];
    let mut chain = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while tokio::time::Instant::now() < deadline {
        if let Some(embedding) = receiver
            .trace(TRACE)
            .into_iter()
            .find(|span| hops[0].matches(span))
        {
            chain = vec![embedding.clone()];
            chain.extend(receiver.ancestors(&embedding));
            if chain
                .last()
                .is_some_and(|root| root.parent_span_id == CALLER_SPAN)
            {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        chain
            .last()
            .is_some_and(|root| root.parent_span_id == CALLER_SPAN),
        "the embedding call never led back to the browser's span: {}\nall spans of the trace: {}",
        describe(&chain),
        describe(&receiver.trace(TRACE)),
    );
    assert!(chain.iter().all(|span| span.trace_id == TRACE));

    // Each hop in order, other (internal) spans allowed between hops of one process; where the
    // chain crosses a process, the callee's span is the direct child of the caller's.
    let mut at = 0;
    for (index, hop) in hops.iter().enumerate() {
        let found = chain[at..]
            .iter()
            .position(|span| hop.matches(span))
            .unwrap_or_else(|| {
                panic!(
                    "hop {index} ({:?} {} `{}`) missing after position {at}: {}",
                    hop.services,
                    hop.kind,
                    hop.name,
                    describe(&chain)
                )
            });
        let position = at + found;
        let crosses = index > 0 && chain[at - 1].service != chain[position].service;
        let called = index > 0
            && matches!(
                chain[at - 1].kind.as_str(),
                "SPAN_KIND_SERVER" | "SPAN_KIND_CONSUMER"
            );
        if called || crosses {
            assert_eq!(
                position,
                at,
                "`{}` must be the direct parent of `{}`: {}",
                chain[position].name,
                chain[at - 1].name,
                describe(&chain)
            );
        }
        at = position + 1;
    }
    assert_eq!(
        at,
        chain.len(),
        "the browser's request is the root: {}",
        describe(&chain)
    );
}
