//! `jobs`: the job orchestrator end to end on this machine. The API and one or two workers run
//! as child processes on a private database and NATS prefix; `diagnostics.echo` jobs are
//! enqueued through gRPC and counted once SUCCEEDED in PostgreSQL. Phases, after a warm-up:
//! a steady 200 jobs/s for enqueue and pickup latency (one worker), then throughput with
//! batched and single enqueue, first with one worker, then with two. The raw JetStream floor is measured first.

mod cpu;
mod load;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;

use crate::database::BenchDb;
use crate::process::{ServiceProcess, free_port};
use load::Clients;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Jobs per throughput phase.
    pub jobs: usize,
    /// `WORKER_REPLICA_COUNT` of each worker.
    pub concurrency: usize,
}

/// Offered load of the latency phase.
const LATENCY_RATE: f64 = 200.0;
/// Jobs in the latency phase (10 s at the rate above).
const LATENCY_JOBS: usize = 2000;

/// Runs the suite and returns its final figures.
pub async fn run(options: Options) -> anyhow::Result<serde_json::Value> {
    eprintln!("raw JetStream floor ({} messages)", options.jobs);
    let raw = crate::jetstream::run(options.jobs).await?;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
    let db = BenchDb::create(&format!("exobrain_bench_{tag}")).await?;
    exobrain_jobs::MIGRATOR.run(&db.pool).await?;
    let nats_url =
        std::env::var("EXOBRAIN_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let prefix = format!("bench{tag}");
    let outcome = phases(&db, &nats_url, &prefix, options).await;
    db.drop_now().await;
    remove_streams(&nats_url, &prefix).await;
    let mut figures = outcome?;
    let raw_per_sec = raw["raw_jetstream_per_sec"].as_f64().unwrap_or(0.0);
    let jobs_per_sec = figures["jobs_per_sec"].as_f64().unwrap_or(0.0);
    figures["raw_jetstream_per_sec"] = json!(raw_per_sec);
    figures["jobs_to_raw_ratio"] = json!(round(jobs_per_sec / raw_per_sec.max(1.0), 4));
    Ok(figures)
}

async fn phases(
    db: &BenchDb,
    nats_url: &str,
    prefix: &str,
    options: Options,
) -> anyhow::Result<serde_json::Value> {
    let grpc = format!("127.0.0.1:{}", free_port()?);
    let env: HashMap<String, String> = [
        ("APP_ENV", "test"),
        ("RUST_LOG", "warn"),
        ("JOB_ORCHESTRATOR_DB_DSN", db.dsn.as_str()),
        ("EXOBRAIN_NATS_URL", nats_url),
        ("EXOBRAIN_NATS_PREFIX", prefix),
        ("JOB_ORCHESTRATOR_API_BIND_ADDRESS", grpc.as_str()),
        ("WORKER_REPLICA_COUNT", &options.concurrency.to_string()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    let api = ServiceProcess::start("api", &env, "JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS").await?;
    let first =
        ServiceProcess::start("worker", &env, "JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS").await?;
    let clients = Clients::connect(&format!("http://{grpc}"), 4).await?;
    let mut done = 0_i64;
    eprintln!("warm-up");
    load::enqueue_batches(&clients, "warm", 1000, 2).await?;
    done += 1000;
    load::wait_succeeded(&db.pool, done, Duration::from_secs(60)).await?;

    // Lets the warm-up's background work (vacuum of the outbox) settle before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    eprintln!("steady {LATENCY_RATE} jobs/s for {LATENCY_JOBS} jobs");
    let mut enqueue = load::enqueue_at_rate(&clients, "steady", LATENCY_JOBS, LATENCY_RATE).await?;
    done += LATENCY_JOBS as i64;
    load::wait_succeeded(&db.pool, done, Duration::from_secs(120)).await?;
    let (pickup_p50, pickup_p99): (f64, f64) = sqlx::query_as(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)
         FROM (SELECT EXTRACT(EPOCH FROM started_at - created_at)::float8 * 1000 AS ms
               FROM orchestrator_jobs WHERE correlation_id LIKE 'steady-%') AS pickup",
    )
    .fetch_one(&db.pool)
    .await
    .context("pickup latency")?;

    let children = [(api.pid(), "api"), (first.pid(), "worker")];
    let (began, cpu) = (Instant::now(), cpu::CpuSample::take(&children));
    load::enqueue_batches(&clients, "batched1", options.jobs, 4).await?;
    done += options.jobs as i64;
    load::wait_succeeded(&db.pool, done, Duration::from_secs(300)).await?;
    let batched = rate(
        "batched enqueue, 1 worker",
        options.jobs,
        began.elapsed(),
        &cpu,
        &children,
    );

    let (began, cpu) = (Instant::now(), cpu::CpuSample::take(&children));
    load::enqueue_singles(&clients, "single1", options.jobs, 128).await?;
    done += options.jobs as i64;
    load::wait_succeeded(&db.pool, done, Duration::from_secs(300)).await?;
    let single = rate(
        "single enqueue, 1 worker",
        options.jobs,
        began.elapsed(),
        &cpu,
        &children,
    );

    let second =
        ServiceProcess::start("worker", &env, "JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS").await?;
    let children = [
        (api.pid(), "api"),
        (first.pid(), "worker"),
        (second.pid(), "worker"),
    ];
    let (began, cpu) = (Instant::now(), cpu::CpuSample::take(&children));
    load::enqueue_batches(&clients, "batched2", options.jobs, 4).await?;
    done += options.jobs as i64;
    load::wait_succeeded(&db.pool, done, Duration::from_secs(300)).await?;
    let two_workers = rate(
        "batched enqueue, 2 workers",
        options.jobs,
        began.elapsed(),
        &cpu,
        &children,
    );

    let (began, cpu) = (Instant::now(), cpu::CpuSample::take(&children));
    load::enqueue_singles(&clients, "single2", options.jobs, 128).await?;
    done += options.jobs as i64;
    load::wait_succeeded(&db.pool, done, Duration::from_secs(300)).await?;
    let single_two_workers = rate(
        "single enqueue, 2 workers",
        options.jobs,
        began.elapsed(),
        &cpu,
        &children,
    );

    let worker_rss = first.peak_rss_mib().max(second.peak_rss_mib());
    let api_rss = api.peak_rss_mib();
    for process in [second, first, api] {
        process.stop().await;
    }
    Ok(json!({
        "suite": "jobs",
        "jobs": options.jobs,
        "worker_concurrency": options.concurrency,
        "jobs_per_sec": batched.round(),
        "jobs_per_sec_single_enqueue": single.round(),
        "jobs_per_sec_2_workers": two_workers.round(),
        "jobs_per_sec_single_enqueue_2_workers": single_two_workers.round(),
        "enqueue_p50_ms": round(load::percentile_ms(&mut enqueue, 0.50), 3),
        "enqueue_p99_ms": round(load::percentile_ms(&mut enqueue, 0.99), 3),
        "pickup_p50_ms": round(pickup_p50, 3),
        "pickup_p99_ms": round(pickup_p99, 3),
        "latency_offered_per_sec": LATENCY_RATE,
        "worker_rss_mb": round(worker_rss, 1),
        "api_rss_mb": round(api_rss, 1),
    }))
}

/// Jobs per second of a phase, reported on stderr with the CPU time each component used.
fn rate(
    label: &str,
    jobs: usize,
    took: Duration,
    cpu: &cpu::CpuSample,
    children: &[(u32, &str)],
) -> f64 {
    let rate = jobs as f64 / took.as_secs_f64();
    let used = cpu::CpuSample::take(children).since(cpu);
    eprintln!(
        "{label}: {jobs} jobs in {:.2} s = {rate:.0} jobs/s; cpu {used}",
        took.as_secs_f64()
    );
    rate
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10_f64.powi(digits);
    (value * scale).round() / scale
}

/// Deletes the streams the services created under `prefix`.
pub(crate) async fn remove_streams(nats_url: &str, prefix: &str) {
    let Ok(client) = async_nats::connect(nats_url).await else {
        return;
    };
    let js = async_nats::jetstream::new(client);
    for stream in ["JOBS", "JOB_STATUS", "JOB_EVENTS", "JOB_DLQ"] {
        let _ = js
            .delete_stream(format!("{}_{stream}", prefix.to_ascii_uppercase()))
            .await;
    }
}
