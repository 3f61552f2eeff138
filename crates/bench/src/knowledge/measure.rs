//! Closed-loop latency measurement: each client makes one call at a time, taking the next
//! sample number, until the planned samples are done (or the time budget is spent and the
//! minimum is reached). Only the call is timed, not building its request.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tonic::Status;

use super::client::Client;

/// How many samples to take.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Samples wanted.
    pub samples: u64,
    /// Fewer are accepted once the budget is spent, but never fewer than this.
    pub min: u64,
    /// Time budget.
    pub budget: Duration,
}

/// Latency figures of one phase.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub samples: usize,
    pub errors: usize,
    /// Completed calls per second.
    pub per_sec: f64,
}

/// Runs `call(client, sample number)` on every client in `clients` at once, numbering samples
/// from `first`, and returns the latency percentiles.
pub async fn closed_loop<F, Fut>(clients: &[Client], first: u64, plan: Plan, call: F) -> Latency
where
    F: Fn(Client, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), Status>> + Send + 'static,
{
    let next = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let (client, next, call) = (client.clone(), next.clone(), call.clone());
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= plan.samples || (began.elapsed() > plan.budget && n >= plan.min) {
                        return (latencies, errors);
                    }
                    let pending = call(client.clone(), first + n);
                    let started = Instant::now();
                    match pending.await {
                        Ok(()) => latencies.push(started.elapsed()),
                        Err(status) => {
                            if errors == 0 {
                                eprintln!("  call failed: {status}");
                            }
                            errors += 1;
                        }
                    }
                }
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        if let Ok((part, failed)) = task.await {
            latencies.extend(part);
            errors += failed;
        }
    }
    let took = began.elapsed().as_secs_f64();
    Latency {
        p50_ms: percentile_ms(&mut latencies, 0.50),
        p99_ms: percentile_ms(&mut latencies, 0.99),
        samples: latencies.len(),
        errors,
        per_sec: latencies.len() as f64 / took.max(f64::EPSILON),
    }
}

/// Percentile `p` (0..=1) of `values`, in milliseconds (NaN when there are none).
pub fn percentile_ms(values: &mut [Duration], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_unstable();
    let index = ((values.len() - 1) as f64 * p).round() as usize;
    values[index].as_secs_f64() * 1000.0
}
