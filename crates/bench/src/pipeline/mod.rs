//! `exobrain-bench pipeline`: the `knowledge.update` pipeline with a scripted model that
//! answers every call after a fixed latency L. The pipeline runs in this process (so its CPU
//! time is measurable); the knowledge interface and model-provider (hash embeddings) run as
//! child processes, and a second model-provider routes the `worker` and `reasoner` aliases to
//! the scripted model, so every call takes the real HTTP path.
//!
//! Figures: a job's wall time in units of L for conversations of 10 messages / 5 entities and
//! 40 messages / 15 entities (`wall_over_latency_5`, `_15`, median of 3 jobs each), model calls
//! per job, this process's CPU time per job (`overhead_ms_per_job`: the pipeline's own work,
//! JSON, gRPC and HTTP clients, plus the scripted server's small replies; the model's latency
//! is waiting, not CPU), jobs per minute with 8 jobs in flight, and the offline extractor's
//! throughput (messages/s).

mod script;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use exobrain_common::auth::ServiceToken;
use exobrain_common::config::Env;
use exobrain_knowledge_update::heuristic;
use exobrain_knowledge_update::model::ModelClient;
use exobrain_knowledge_update::ports::{LoggedProgress, MemoryCheckpoints};
use exobrain_knowledge_update::{Job, Pipeline, Settings, Summary};
use exobrain_testkit::ScriptedModel;
use serde_json::{Value, json};
use tonic::transport::Channel;
use uuid::Uuid;

use crate::database::BenchDb;
use crate::knowledge::services::{Embeddings, Stack, Trust, seeded_db};
use crate::process::ServiceProcess;

/// Options of the suite.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The scripted model's latency.
    pub latency: Duration,
}

/// Runs the suite.
pub async fn run(options: Options) -> anyhow::Result<Value> {
    let tag = Uuid::new_v4().simple().to_string()[..10].to_owned();
    let db = seeded_db(BenchDb::create(&format!("exobrain_bench_pipeline_{tag}")).await?).await?;
    let stack = Stack::start(&db, Embeddings::Hash, &Trust::default()).await?;
    let scripted = ScriptedModel::start().await;
    script::script(&scripted);
    scripted.delay(options.latency);
    let aliases = std::env::temp_dir().join(format!("exobrain-bench-aliases-{tag}.yaml"));
    std::fs::write(&aliases, scripted.alias_file(&["worker", "reasoner"])).context("alias file")?;
    let env: HashMap<String, String> = [
        ("APP_ENV", "test".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
        ("MODEL_PROVIDER_CONFIG_PATH", aliases.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let chat = ServiceProcess::start("model-provider", &env, "MODEL_PROVIDER_BIND_ADDRESS").await?;
    let mut settings_env = Env::from_map([
        ("KNOWLEDGE_UPDATE_STRATEGY", "model"),
        ("KNOWLEDGE_UPDATE_JOB_CONCURRENCY", "16"),
    ]);
    let settings = Settings::from_env(&mut settings_env);
    let model = ModelClient::new(
        &format!("http://{}/v1", chat.address()),
        ServiceToken::default(),
        Duration::from_secs(60),
    );
    let channel = Channel::from_shared(stack.grpc.clone())?.connect_lazy();
    let pipeline = Pipeline::new(settings, model, channel, ServiceToken::default());
    let latency_ms = options.latency.as_secs_f64() * 1000.0;

    let (wall_5, calls_5, cpu_5) = sequential(&pipeline, 10, 5, 3).await?;
    let (wall_15, calls_15, cpu_15) = sequential(&pipeline, 40, 15, 3).await?;
    eprintln!(
        "pipeline: 5 entities {wall_5:.0} ms ({calls_5} calls), 15 entities {wall_15:.0} ms ({calls_15} calls)"
    );
    let per_minute = in_flight(&pipeline, 40, 15, 24, 8).await?;
    let heuristic_rate = heuristic_throughput(4_000);
    let _ = std::fs::remove_file(&aliases);
    drop(chat);
    stack.stop().await;
    db.drop_now().await;
    Ok(json!({
        "suite": "pipeline",
        "latency_ms": latency_ms,
        "wall_ms_5": round(wall_5),
        "wall_ms_15": round(wall_15),
        "wall_over_latency_5": round(wall_5 / latency_ms),
        "wall_over_latency_15": round(wall_15 / latency_ms),
        "model_calls_per_job_5": calls_5,
        "model_calls_per_job_15": calls_15,
        "overhead_ms_per_job": round((cpu_5 + cpu_15) / 2.0),
        "overhead_ms_per_job_5": round(cpu_5),
        "overhead_ms_per_job_15": round(cpu_15),
        "jobs_per_minute_8_in_flight": round(per_minute),
        "heuristic_messages_per_sec": round(heuristic_rate),
    }))
}

/// `jobs` jobs one after another: median wall time (ms), model calls per job, CPU ms per job.
async fn sequential(
    pipeline: &Pipeline,
    messages: usize,
    entities: usize,
    jobs: usize,
) -> anyhow::Result<(f64, u64, f64)> {
    let mut walls = Vec::new();
    let mut calls = 0;
    let cpu_before = cpu_ms();
    for _ in 0..jobs {
        let began = Instant::now();
        let summary = one(pipeline, messages, entities).await?;
        walls.push(began.elapsed().as_secs_f64() * 1000.0);
        calls = summary.model_calls;
        anyhow::ensure!(
            summary.entities == entities,
            "expected {entities} entities, wrote {}",
            summary.entities
        );
    }
    let cpu = (cpu_ms() - cpu_before) / jobs as f64;
    walls.sort_by(f64::total_cmp);
    Ok((walls[walls.len() / 2], calls, cpu))
}

/// `total` jobs with `concurrent` in flight: jobs per minute.
async fn in_flight(
    pipeline: &Pipeline,
    messages: usize,
    entities: usize,
    total: usize,
    concurrent: usize,
) -> anyhow::Result<f64> {
    let began = Instant::now();
    let jobs: Vec<_> = (0..total)
        .map(|_| one(pipeline, messages, entities))
        .collect();
    exobrain_knowledge_update::concurrent::try_all(jobs, concurrent).await?;
    Ok(total as f64 / began.elapsed().as_secs_f64() * 60.0)
}

/// One job of a new user.
async fn one(pipeline: &Pipeline, messages: usize, entities: usize) -> anyhow::Result<Summary> {
    let user = format!("bench-{}", &Uuid::new_v4().simple().to_string()[..12]);
    let turns: Vec<Value> = script::conversation(messages, entities)
        .into_iter()
        .map(|(sequence, role, content)| json!({ "role": role, "content": content, "sequence": sequence, "created_at": null }))
        .collect();
    let payload = json!({ "journal_reference": "2026/12/06", "requested_by_user_id": user, "messages": turns });
    let checkpoints = MemoryCheckpoints::default();
    let summary = pipeline
        .run(Job {
            id: Uuid::new_v4(),
            owner: &user,
            payload: &payload,
            checkpoints: &checkpoints,
            progress: &LoggedProgress,
        })
        .await
        .map_err(|error| anyhow::anyhow!("knowledge update failed: {error}"))?;
    Ok(summary)
}

/// Messages per second through the offline extractor (entities and relations).
fn heuristic_throughput(messages: usize) -> f64 {
    let names = [
        "Anna",
        "Tom Berger",
        "Café Central",
        "Vienna",
        "Siemens AG",
        "Maria",
    ];
    let turns: Vec<heuristic::Turn> = (0..messages)
        .map(|i| heuristic::Turn {
            sequence: i as i64 + 1,
            role: "user".to_owned(),
            content: format!(
                "Yesterday I met my friend {} at {} in Vienna. We talked for an hour about work and my colleague {} who works at Siemens AG.",
                names[i % names.len()],
                names[(i + 2) % names.len()],
                names[(i + 5) % names.len()]
            ),
        })
        .collect();
    let began = Instant::now();
    let entities = heuristic::entities(&turns, &|_| true);
    let relations = heuristic::relations(&entities, &|_, _| vec!["edge.related_to".to_owned()]);
    let seconds = began.elapsed().as_secs_f64();
    eprintln!(
        "heuristic: {} entities, {} relations from {messages} messages in {seconds:.3} s",
        entities.len(),
        relations.len()
    );
    messages as f64 / seconds
}

/// This process's CPU time so far, in ms (`/proc/self/schedstat`, nanoseconds on CPU).
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|text| {
            text.split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<f64>().ok())
        })
        .map_or(0.0, |ns| ns / 1e6)
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
