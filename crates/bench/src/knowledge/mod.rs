//! `knowledge`: the knowledge interface at 10,000 and 100,000 entities of one user. The
//! service runs as a child process on a database of its own, with model-provider serving
//! hash embeddings so bulk loads are not bound by the model. For each size, in order: the
//! graph is grown to it through `UpsertGraphDelta` (deltas of 50 entities with their blocks
//! and edges, [`LOAD_CLIENTS`] calls in flight), the vector outbox is waited for, statistics
//! are refreshed, and after a warm-up the latencies of `FindEntityCandidates` and
//! `SearchBlocks` (1 and [`MANY_CLIENTS`] clients) and `GetEntityContext` (1 client, block
//! level 3) are measured. Then, when the model files exist, a small graph on a second
//! database measures real all-MiniLM-L6-v2 projection throughput and candidate latency.

mod client;
mod data;
mod load;
mod measure;
mod queries;
pub(crate) mod services;
mod words;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Map, Value, json};

use crate::database::BenchDb;
use client::{Client, connect_many};
use data::Dataset;
use measure::{Latency, Plan, closed_loop};
use services::{Embeddings, Stack, Trust, seeded_db};

/// The user every entity belongs to.
const USER: &str = "bench-user";
/// Seed of the dataset.
const SEED: u64 = 20_261_201;
/// Concurrent `UpsertGraphDelta` calls while loading.
const LOAD_CLIENTS: usize = 4;
/// Clients of the concurrent latency phases.
const MANY_CLIENTS: usize = 16;
/// How long the projector may take to catch up after a load.
const DRAIN_LIMIT: Duration = Duration::from_secs(1800);

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Graph sizes, ascending; the graph grows from one to the next.
    pub sizes: Vec<usize>,
    /// A small smoke run (fewer samples, a smaller MiniLM sample).
    pub quick: bool,
}

impl Options {
    /// `--entities N[,N...]` (default 10000,100000; 2000 with `--quick`) and `--quick`.
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        let quick = args.iter().any(|arg| arg == "--quick");
        let mut sizes = match args.iter().position(|arg| arg == "--entities") {
            None if quick => vec![2_000],
            None => vec![10_000, 100_000],
            Some(index) => args
                .get(index + 1)
                .ok_or("--entities needs a list like 10000,100000")?
                .split(',')
                .map(|n| match n.trim().parse::<usize>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(format!("--entities: `{n}` is not a positive number")),
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        sizes.sort_unstable();
        sizes.dedup();
        Ok(Self { sizes, quick })
    }

    fn plan(&self, clients: usize) -> Plan {
        let per_client = if self.quick { 300 } else { 2_000 };
        Plan {
            samples: per_client * if clients > 1 { 2 } else { 1 },
            min: if self.quick { 100 } else { 500 },
            budget: Duration::from_secs(if self.quick { 10 } else { 90 }),
        }
    }

    fn warm_up(&self) -> Plan {
        let samples = if self.quick { 50 } else { 300 };
        Plan {
            samples,
            min: samples,
            budget: Duration::ZERO,
        }
    }
}

/// Runs the suite and returns its final figures.
pub async fn run(options: Options) -> anyhow::Result<Value> {
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
    let db = seeded_db(BenchDb::create(&format!("exobrain_bench_{tag}")).await?).await?;
    let outcome = bulk(&db, &options).await;
    db.drop_now().await;
    let mut figures = outcome?;
    if Embeddings::minilm_available() {
        let db = seeded_db(BenchDb::create(&format!("exobrain_bench_{tag}_minilm")).await?).await?;
        let outcome = minilm(&db, &options).await;
        db.drop_now().await;
        figures.extend(outcome?);
    } else {
        eprintln!("models/all-minilm-l6-v2 is absent: MiniLM figures skipped");
    }
    Ok(Value::Object(figures))
}

/// Grows the graph through every size and measures at each.
async fn bulk(db: &BenchDb, options: &Options) -> anyhow::Result<Map<String, Value>> {
    let stack = Stack::start(db, Embeddings::Hash, &Trust::default()).await?;
    let clients = connect_many(&stack.grpc, USER, MANY_CLIENTS).await?;
    clients[0]
        .clone()
        .init_user(USER)
        .await
        .context("GetUserInitGraph")?;
    let largest = options.sizes.last().copied().unwrap_or(0);
    let data = Arc::new(Dataset::generate(largest, SEED));
    let mut figures = Map::new();
    figures.insert("suite".into(), json!("knowledge"));
    figures.insert("entities".into(), json!(options.sizes));
    figures.insert("bulk_embeddings".into(), json!(stack.model));
    let (mut stored, mut load_time, mut vector_time) = (0, Duration::ZERO, Duration::ZERO);
    let mut delta_latencies = Vec::new();
    for &size in &options.sizes {
        let at = label(size);
        eprintln!("loading entities {stored}..{size}");
        let analyser = load::keep_analysed(db.pool.clone());
        let loaded = load::load(&clients[..LOAD_CLIENTS], data.clone(), stored..size).await;
        analyser.abort();
        let loaded = loaded?;
        let ended = Instant::now();
        let backlog = load::outbox_len(&db.pool).await?;
        let drained = load::wait_drained(&db.pool, DRAIN_LIMIT).await?;
        let blocks = Dataset::blocks(size) - Dataset::blocks(stored);
        let vectors_took = drained - loaded.started;
        let rate = loaded.entities as f64 / loaded.took.as_secs_f64();
        let vector_rate = blocks as f64 / vectors_took.as_secs_f64();
        eprintln!(
            "{} entities in {:.1} s = {rate:.0}/s; {blocks} block vectors done {:.1} s after the first write = {vector_rate:.0}/s ({backlog} queued when the load ended, drained {:.1} s later)",
            loaded.entities,
            loaded.took.as_secs_f64(),
            vectors_took.as_secs_f64(),
            (drained - ended).as_secs_f64()
        );
        figures.insert(format!("upsert_entities_per_sec_{at}"), json!(rate.round()));
        figures.insert(format!("vectors_per_sec_{at}"), json!(vector_rate.round()));
        figures.insert(
            format!("vector_lag_s_{at}"),
            json!(round((drained - ended).as_secs_f64(), 1)),
        );
        load_time += loaded.took;
        vector_time += vectors_took;
        delta_latencies.extend(loaded.latencies);
        stored = size;

        // What autovacuum would do soon after a bulk load; measuring before it would
        // measure the planner's stale statistics and unmerged index entries instead.
        sqlx::query("VACUUM ANALYZE").execute(&db.pool).await?;
        measure_queries(&clients, &data, size, options, &mut figures).await;
    }
    let (rss, peak) = stack.knowledge_rss_mib();
    figures.insert(
        "upsert_entities_per_sec".into(),
        json!((stored as f64 / load_time.as_secs_f64()).round()),
    );
    figures.insert(
        "upsert_delta_p50_ms".into(),
        json!(round(measure::percentile_ms(&mut delta_latencies, 0.50), 2)),
    );
    figures.insert(
        "upsert_delta_p99_ms".into(),
        json!(round(measure::percentile_ms(&mut delta_latencies, 0.99), 2)),
    );
    figures.insert(
        "vectors_per_sec".into(),
        json!((Dataset::blocks(stored) as f64 / vector_time.as_secs_f64()).round()),
    );
    figures.insert("service_rss_mb".into(), json!(round(rss, 1)));
    figures.insert("service_peak_rss_mb".into(), json!(round(peak, 1)));
    stack.stop().await;
    Ok(figures)
}

/// Latency phases at `size` entities, recorded as `<rpc>_<p50|p99>_ms_<size>[_16c]`.
async fn measure_queries(
    clients: &[Client],
    data: &Arc<Dataset>,
    size: usize,
    options: &Options,
    figures: &mut Map<String, Value>,
) {
    let at = label(size);
    let mut record = |name: &str, clients: usize, latency: Latency| {
        let suffix = if clients > 1 {
            format!("{at}_{clients}c")
        } else {
            at.clone()
        };
        eprintln!(
            "{name} at {size} entities, {clients} client(s): p50 {:.2} ms, p99 {:.2} ms, {:.0}/s ({} samples, {} errors)",
            latency.p50_ms, latency.p99_ms, latency.per_sec, latency.samples, latency.errors
        );
        figures.insert(
            format!("{name}_p50_ms_{suffix}"),
            json!(round(latency.p50_ms, 2)),
        );
        figures.insert(
            format!("{name}_p99_ms_{suffix}"),
            json!(round(latency.p99_ms, 2)),
        );
        if clients > 1 {
            figures.insert(
                format!("{name}_per_sec_{suffix}"),
                json!(latency.per_sec.round()),
            );
        }
        if latency.errors > 0 {
            figures.insert(format!("{name}_errors_{suffix}"), json!(latency.errors));
        }
    };
    let candidates = {
        let data = data.clone();
        move |mut client: Client, n: u64| {
            let query = queries::candidates(&data, size, n);
            async move { client.candidates(query).await }
        }
    };
    let search = {
        let data = data.clone();
        move |mut client: Client, n: u64| {
            let query = queries::search(&data, size, n);
            async move { client.search(query).await }
        }
    };
    let context = {
        let data = data.clone();
        move |mut client: Client, n: u64| {
            let query = queries::context(&data, size, n);
            async move { client.context(query).await }
        }
    };
    let warm = &clients[..LOAD_CLIENTS];
    // Warm-up numbers are far from the measured ones, so no query is repeated from cache.
    let warm_from = 1 << 40;
    closed_loop(warm, warm_from, options.warm_up(), candidates.clone()).await;
    closed_loop(warm, warm_from, options.warm_up(), search.clone()).await;
    closed_loop(warm, warm_from, options.warm_up(), context.clone()).await;
    let (one, many) = (&clients[..1], &clients[..MANY_CLIENTS]);
    let plan = (options.plan(1), options.plan(MANY_CLIENTS));
    record(
        "candidates",
        1,
        closed_loop(one, 0, plan.0, candidates.clone()).await,
    );
    record(
        "candidates",
        MANY_CLIENTS,
        closed_loop(many, 1 << 20, plan.1, candidates).await,
    );
    record(
        "search",
        1,
        closed_loop(one, 0, plan.0, search.clone()).await,
    );
    record(
        "search",
        MANY_CLIENTS,
        closed_loop(many, 1 << 20, plan.1, search).await,
    );
    record("context", 1, closed_loop(one, 0, plan.0, context).await);
}

/// Real all-MiniLM-L6-v2 on a small graph: how fast the projector turns blocks into
/// vectors, and candidate latency when each description is embedded by the model.
async fn minilm(db: &BenchDb, options: &Options) -> anyhow::Result<Map<String, Value>> {
    let entities = if options.quick { 140 } else { 700 };
    let stack = Stack::start(db, Embeddings::MiniLm, &Trust::default()).await?;
    let clients = connect_many(&stack.grpc, USER, LOAD_CLIENTS).await?;
    clients[0]
        .clone()
        .init_user(USER)
        .await
        .context("GetUserInitGraph")?;
    // Other entities than the bulk graph's, so no text is embedded from a warm cache.
    let data = Arc::new(Dataset::generate(entities, SEED + 1));
    eprintln!("MiniLM: loading {entities} entities");
    let loaded = load::load(&clients, data.clone(), 0..entities).await?;
    let drained = load::wait_drained(&db.pool, DRAIN_LIMIT).await?;
    let blocks = Dataset::blocks(entities);
    let rate = blocks as f64 / (drained - loaded.started).as_secs_f64();
    eprintln!(
        "MiniLM: {blocks} block vectors in {:.1} s = {rate:.0}/s",
        (drained - loaded.started).as_secs_f64()
    );
    let candidates = move |mut client: Client, n: u64| {
        let query = queries::candidates(&data, entities, n);
        async move { client.candidates(query).await }
    };
    closed_loop(
        &clients[..1],
        1 << 40,
        options.warm_up(),
        candidates.clone(),
    )
    .await;
    let latency = closed_loop(&clients[..1], 0, options.plan(1), candidates).await;
    eprintln!(
        "MiniLM candidates at {entities} entities: p50 {:.2} ms, p99 {:.2} ms ({} samples)",
        latency.p50_ms, latency.p99_ms, latency.samples
    );
    let provider_rss = stack.model_provider_peak_rss_mib();
    stack.stop().await;
    let mut figures = Map::new();
    figures.insert("minilm_blocks".into(), json!(blocks));
    figures.insert("minilm_vectors_per_sec".into(), json!(round(rate, 1)));
    figures.insert(
        "minilm_candidates_p50_ms".into(),
        json!(round(latency.p50_ms, 2)),
    );
    figures.insert(
        "minilm_candidates_p99_ms".into(),
        json!(round(latency.p99_ms, 2)),
    );
    figures.insert(
        "minilm_model_provider_rss_mb".into(),
        json!(round(provider_rss, 1)),
    );
    Ok(figures)
}

/// `10k` for 10,000; the number itself when it is not whole thousands.
fn label(size: usize) -> String {
    if size.is_multiple_of(1000) {
        format!("{}k", size / 1000)
    } else {
        size.to_string()
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10_f64.powi(digits);
    (value * scale).round() / scale
}
