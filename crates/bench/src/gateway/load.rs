//! Open-loop load: requests started on a fixed schedule whatever the earlier ones are doing,
//! so a slow server shows as latency instead of a lower offered rate. Records each request's
//! latency (to the complete reply, or to the first streamed chunk) and counts failures.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;

/// Latencies of the requests that succeeded, and how many failed.
#[derive(Debug, Default)]
pub struct Outcome {
    pub latencies: Vec<Duration>,
    pub errors: usize,
}

/// Sends `body` to `url` at `rate` per second for `seconds`; with `first_chunk`, measures
/// the time to the first body chunk of a streamed reply instead of the complete reply.
pub async fn offer(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    rate: f64,
    seconds: f64,
    first_chunk: bool,
) -> Outcome {
    let total = (rate * seconds) as u32;
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        tokio::time::sleep_until(start + period * n).await;
        let request = client.post(url).json(body);
        tasks.push(tokio::spawn(async move {
            let began = Instant::now();
            let response = request
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success())?;
            if first_chunk {
                let mut stream = response.bytes_stream();
                stream.next().await?.ok()?;
                let latency = began.elapsed();
                while stream.next().await.is_some() {}
                Some(latency)
            } else {
                response.bytes().await.ok()?;
                Some(began.elapsed())
            }
        }));
    }
    let mut outcome = Outcome::default();
    for task in tasks {
        match task.await.ok().flatten() {
            Some(latency) => outcome.latencies.push(latency),
            None => outcome.errors += 1,
        }
    }
    outcome
}

/// Percentile `p` (0..=1) of `values`, in milliseconds.
pub fn percentile_ms(values: &mut [Duration], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_unstable();
    let index = ((values.len() - 1) as f64 * p).round() as usize;
    values[index].as_secs_f64() * 1000.0
}
