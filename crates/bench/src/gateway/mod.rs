//! `gateway`: what model-provider adds on top of an upstream. A fast fake OpenAI upstream runs
//! in this process and the gateway in a child process pointed at it (alias `worker`, provider
//! openai). The same requests go to the upstream directly and through the gateway, open loop at
//! 500 and 2,000 requests/s (complete replies) and at 200 requests/s streamed (time to the first
//! chunk); the differences are the gateway's added latency. Also the gateway's peak RSS (no
//! local model loaded) and the local embedding model's throughput (sentences/s, batches of 32).

pub(crate) mod fake;
pub(crate) mod load;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};

use crate::process::ServiceProcess;
use load::{offer, percentile_ms};

/// Where the repository's alias file and model folder are.
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Runs the suite; `seconds` is the length of each measured phase.
pub async fn run(seconds: f64) -> anyhow::Result<Value> {
    let upstream_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let upstream = format!("http://{}/v1", upstream_listener.local_addr()?);
    fake::spawn(upstream_listener);

    let env: HashMap<String, String> = [
        ("APP_ENV", "test"),
        ("RUST_LOG", "warn"),
        (
            "MODEL_PROVIDER_CONFIG_PATH",
            &format!("{REPO}/config/models.yaml"),
        ),
        ("OPENAI_API_KEY", "bench-key"),
        ("OPENAI_BASE_URL", upstream.as_str()),
        ("MODEL_PROVIDER_OPENAI_MAX_CONCURRENT_REQUESTS", "4096"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    let gateway =
        ServiceProcess::start("model-provider", &env, "MODEL_PROVIDER_BIND_ADDRESS").await?;
    let gateway_url = format!("http://{}/v1", gateway.address());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .build()?;
    let plain = json!({ "model": "worker", "messages": [{ "role": "user", "content": "ping" }] });
    let streamed = json!({ "model": "worker", "stream": true, "messages": [{ "role": "user", "content": "ping" }] });

    eprintln!("warm-up");
    for base in [&upstream, &gateway_url] {
        offer(
            &client,
            &format!("{base}/chat/completions"),
            &plain,
            500.0,
            1.0,
            false,
        )
        .await;
    }
    let measure = |label: &'static str, base: String, body: Value, rate: f64, first: bool| {
        let client = client.clone();
        async move {
            let mut outcome = offer(
                &client,
                &format!("{base}/chat/completions"),
                &body,
                rate,
                seconds,
                first,
            )
            .await;
            let (p50, p99) = (
                percentile_ms(&mut outcome.latencies, 0.5),
                percentile_ms(&mut outcome.latencies, 0.99),
            );
            eprintln!(
                "{label}: p50 {p50:.3} ms, p99 {p99:.3} ms, {} errors",
                outcome.errors
            );
            (p50, p99, outcome.errors)
        }
    };
    let direct_500 = measure(
        "direct 500/s",
        upstream.clone(),
        plain.clone(),
        500.0,
        false,
    )
    .await;
    let gateway_500 = measure(
        "gateway 500/s",
        gateway_url.clone(),
        plain.clone(),
        500.0,
        false,
    )
    .await;
    let direct_2000 = measure(
        "direct 2000/s",
        upstream.clone(),
        plain.clone(),
        2000.0,
        false,
    )
    .await;
    let gateway_2000 = measure(
        "gateway 2000/s",
        gateway_url.clone(),
        plain.clone(),
        2000.0,
        false,
    )
    .await;
    let direct_stream = measure(
        "direct stream 200/s",
        upstream.clone(),
        streamed.clone(),
        200.0,
        true,
    )
    .await;
    let gateway_stream = measure(
        "gateway stream 200/s",
        gateway_url.clone(),
        streamed,
        200.0,
        true,
    )
    .await;
    let rss = gateway.peak_rss_mib();
    gateway.stop().await;

    let embeddings_per_sec = local_embeddings_per_sec().await;
    Ok(json!({
        "suite": "gateway",
        "seconds_per_phase": seconds,
        "added_p50_ms_500rps": round(gateway_500.0 - direct_500.0),
        "added_p99_ms_500rps": round(gateway_500.1 - direct_500.1),
        "added_p50_ms_2000rps": round(gateway_2000.0 - direct_2000.0),
        "added_p99_ms_2000rps": round(gateway_2000.1 - direct_2000.1),
        "errors_500rps": gateway_500.2,
        "errors_2000rps": gateway_2000.2,
        "direct_errors_2000rps": direct_2000.2,
        "ttfc_added_p50_ms": round(gateway_stream.0 - direct_stream.0),
        "ttfc_added_p99_ms": round(gateway_stream.1 - direct_stream.1),
        "gateway_rss_mb": round(rss),
        "local_embeddings_per_sec": embeddings_per_sec.map(round),
    }))
}

/// Sentences per second of the local all-MiniLM-L6-v2 model in batches of 32, or `None` when
/// its files are absent (run scripts/agent/fetch-embedding-model.sh).
async fn local_embeddings_per_sec() -> Option<f64> {
    use model_provider::providers::local::embed::{Embedder, MiniLm};
    let dir = std::path::PathBuf::from(format!("{REPO}/models/all-minilm-l6-v2"));
    let result = tokio::task::spawn_blocking(move || -> anyhow::Result<f64> {
        let model = MiniLm::load(&dir).context("local model")?;
        let batch: Vec<String> = (0..32)
            .map(|n| {
                format!(
                    "sentence number {n} about a cat that sits on a warm mat in the afternoon sun"
                )
            })
            .collect();
        model.embed(&batch)?;
        let began = Instant::now();
        let mut sentences = 0;
        while began.elapsed() < Duration::from_secs(5) {
            sentences += model.embed(&batch)?.len();
        }
        Ok(sentences as f64 / began.elapsed().as_secs_f64())
    })
    .await;
    match result {
        Ok(Ok(rate)) => {
            eprintln!("local embeddings: {rate:.0} sentences/s (batches of 32)");
            Some(rate)
        }
        Ok(Err(error)) => {
            eprintln!("local embeddings not measured: {error:#}");
            None
        }
        Err(error) => {
            eprintln!("local embeddings not measured: {error}");
            None
        }
    }
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
