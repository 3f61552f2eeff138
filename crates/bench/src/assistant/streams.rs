//! Scenario 2, many chat streams open at once. Each user sends [`HOLD`], whose reply the fake
//! model keeps streaming (a stamped token per interval) until released, and follows the turn's
//! stream. Once every stream has delivered a chunk, the suite watches a window: the backend's
//! resident memory (sampled every 250 ms, the highest kept) and the delivery delay of every
//! token, from the fake sending it to the client reading it (through model-provider, the
//! backend, Redis and the SSE response). Then the fake releases the replies and every stream
//! must end with `done` `complete`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use tokio::sync::Semaphore;

use super::client::Api;
use super::upstream::{FakeModel, HOLD, stamp_of};
use crate::gateway::load::percentile_ms;
use crate::process::ServiceProcess;

/// Streams started at once while opening (each is a POST, a transaction and an SSE request).
const OPENING_IN_FLIGHT: usize = 32;

/// What the window showed.
#[derive(Debug)]
pub struct Figures {
    /// Streams open during the window.
    pub streams: usize,
    /// The backend's RSS before the streams opened, MiB.
    pub rss_before_mb: f64,
    /// The backend's highest RSS during the window, MiB.
    pub rss_mb: f64,
    /// Tokens delivered during the window.
    pub tokens: usize,
    pub delivery_p50_ms: f64,
    pub delivery_p99_ms: f64,
    /// Seconds it took to open every stream.
    pub open_s: f64,
}

/// What every reader shares.
struct Shared {
    epoch: Instant,
    live: AtomicUsize,
    measuring: AtomicBool,
    delays: Mutex<Vec<Duration>>,
}

/// Opens one held stream per token in `tokens`, watches them for `window`, then releases them.
pub async fn run(
    api: &Api,
    tokens: &[String],
    fake: &FakeModel,
    backend: &ServiceProcess,
    window: Duration,
) -> anyhow::Result<Figures> {
    let rss_before_mb = backend.rss_mib();
    let shared = Arc::new(Shared {
        epoch: fake.epoch(),
        live: AtomicUsize::new(0),
        measuring: AtomicBool::new(false),
        delays: Mutex::default(),
    });
    let opening = Arc::new(Semaphore::new(OPENING_IN_FLIGHT));
    let began = Instant::now();
    let readers: Vec<_> = tokens
        .iter()
        .map(|token| {
            let (api, token, shared, opening) =
                (api.clone(), token.clone(), shared.clone(), opening.clone());
            tokio::spawn(async move { read(&api, &token, &shared, &opening).await })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    while shared.live.load(Ordering::Relaxed) < tokens.len() {
        if Instant::now() > deadline || readers.iter().any(|r| r.is_finished()) {
            fake.release();
            let failure = first_failure(readers).await;
            bail!(
                "only {} of {} streams opened: {failure}",
                shared.live.load(Ordering::Relaxed),
                tokens.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let open_s = began.elapsed().as_secs_f64();
    eprintln!("streams: {} open after {open_s:.1} s", tokens.len());

    shared.measuring.store(true, Ordering::Relaxed);
    let window_end = Instant::now() + window;
    let mut rss_mb: f64 = 0.0;
    while Instant::now() < window_end {
        rss_mb = rss_mb.max(backend.rss_mib());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    shared.measuring.store(false, Ordering::Relaxed);
    fake.release();
    for reader in readers {
        tokio::time::timeout(Duration::from_secs(60), reader)
            .await
            .context("a stream did not end after its reply was released")???;
    }
    let mut delays = std::mem::take(&mut *shared.delays.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(Figures {
        streams: tokens.len(),
        rss_before_mb,
        rss_mb,
        tokens: delays.len(),
        delivery_p50_ms: percentile_ms(&mut delays, 0.5),
        delivery_p99_ms: percentile_ms(&mut delays, 0.99),
        open_s,
    })
}

/// One held turn, followed to its `done`.
async fn read(api: &Api, token: &str, shared: &Shared, opening: &Semaphore) -> anyhow::Result<()> {
    let permit = opening.acquire().await?;
    let stream = api.send(token, HOLD).await?;
    let events = api.follow(token, stream).await?;
    drop(permit);
    let mut events = std::pin::pin!(events);
    let mut live = false;
    while let Some(event) = events.next().await {
        let event = event?;
        match event.name.as_str() {
            "message_chunk" => {
                let sent = event.data["text"].as_str().and_then(stamp_of);
                if shared.measuring.load(Ordering::Relaxed)
                    && let Some(sent) = sent
                {
                    let delay = shared.epoch.elapsed().saturating_sub(sent);
                    shared
                        .delays
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(delay);
                }
                if !live {
                    live = true;
                    shared.live.fetch_add(1, Ordering::Relaxed);
                }
            }
            "done" if event.data["reason"] == "complete" => return Ok(()),
            "done" | "error" => bail!("stream {stream} ended with {} {}", event.name, event.data),
            _ => {}
        }
    }
    bail!("stream {stream} ended before its done event")
}

/// The first error among `readers` (after they are stopped).
async fn first_failure(readers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>) -> String {
    for reader in readers {
        if reader.is_finished()
            && let Ok(Err(error)) = reader.await
        {
            return format!("{error:#}");
        }
    }
    "no stream failed; opening them took too long".to_owned()
}
