//! Bulk loading through `UpsertGraphDelta`: deltas of [`DELTA_ENTITIES`] entities (with their
//! blocks and edges), one call in flight per client, and the wait until the vector outbox
//! the service fills with every block is drained by its projector. A delta's edges only
//! point at entities whose deltas have all been acknowledged, so no call depends on another
//! still in flight.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sqlx::PgPool;

use super::client::Client;
use super::data::Dataset;

/// Entities per delta.
pub const DELTA_ENTITIES: usize = 50;

/// What a load took.
#[derive(Debug)]
pub struct Loaded {
    /// Entities written.
    pub entities: usize,
    /// When the first call started.
    pub started: Instant,
    /// From the first call to the last reply.
    pub took: Duration,
    /// Latency of each delta.
    pub latencies: Vec<Duration>,
}

/// Which deltas of a load are acknowledged.
#[derive(Debug)]
struct Acknowledged {
    /// Deltas `0..contiguous` are all done.
    contiguous: usize,
    /// Done deltas beyond `contiguous`.
    ahead: BTreeSet<usize>,
    /// Stored entities at the last progress line.
    reported: usize,
}

/// Entities between progress lines.
const PROGRESS_EVERY: usize = 10_000;

/// Writes entities `range` of `data` (those before it are stored) with every client of
/// `clients` making one call at a time.
pub async fn load(
    clients: &[Client],
    data: Arc<Dataset>,
    range: Range<usize>,
) -> anyhow::Result<Loaded> {
    let deltas = range.len().div_ceil(DELTA_ENTITIES);
    let next = Arc::new(Mutex::new(0_usize));
    let acknowledged = Arc::new(Mutex::new(Acknowledged {
        contiguous: 0,
        ahead: BTreeSet::new(),
        reported: range.start,
    }));
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let (mut client, data, range) = (client.clone(), data.clone(), range.clone());
            let (next, acknowledged) = (next.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let index = {
                        let mut next = next.lock().unwrap_or_else(PoisonError::into_inner);
                        *next += 1;
                        *next - 1
                    };
                    if index >= deltas {
                        return Ok::<_, anyhow::Error>(latencies);
                    }
                    let stored = {
                        let acked = acknowledged.lock().unwrap_or_else(PoisonError::into_inner);
                        range.start + acked.contiguous * DELTA_ENTITIES
                    };
                    let first = range.start + index * DELTA_ENTITIES;
                    let part = first..(first + DELTA_ENTITIES).min(range.end);
                    let delta = data.delta(part.clone(), stored, first as u64);
                    let began = Instant::now();
                    let written = client
                        .upsert(delta)
                        .await
                        .with_context(|| format!("delta of entities {part:?} failed"))?;
                    latencies.push(began.elapsed());
                    if written as usize != part.len() {
                        bail!("delta of entities {part:?} wrote {written} entities");
                    }
                    let mut guard = acknowledged.lock().unwrap_or_else(PoisonError::into_inner);
                    let acked = &mut *guard;
                    acked.ahead.insert(index);
                    while acked.ahead.remove(&acked.contiguous) {
                        acked.contiguous += 1;
                    }
                    let done = range.start + acked.contiguous * DELTA_ENTITIES;
                    if done >= acked.reported + PROGRESS_EVERY {
                        acked.reported = done;
                        eprintln!(
                            "  {done} entities stored ({:.0}/s so far)",
                            (done - range.start) as f64 / started.elapsed().as_secs_f64()
                        );
                    }
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    Ok(Loaded {
        entities: range.len(),
        started,
        took: started.elapsed(),
        latencies,
    })
}

/// Does what autovacuum would on a default PostgreSQL while a load runs (this machine's CI
/// configuration turns autovacuum off, which left the planner without statistics and the
/// outbox full of dead rows): every 2 s, analyses each table changed by more than 10% since
/// its last analysis and vacuums each with more than 20% dead rows (default thresholds).
pub fn keep_analysed(pool: PgPool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let due: Result<Vec<(String, bool, bool)>, _> = sqlx::query_as(
                "SELECT relname::text,
                        n_mod_since_analyze > 50 + 0.1 * n_live_tup,
                        n_dead_tup > 50 + 0.2 * n_live_tup
                   FROM pg_stat_user_tables",
            )
            .fetch_all(&pool)
            .await;
            for (table, analyse, vacuum) in due.unwrap_or_default() {
                let statement = match (vacuum, analyse) {
                    (true, _) => format!("VACUUM ANALYZE {table}"),
                    (false, true) => format!("ANALYZE {table}"),
                    (false, false) => continue,
                };
                if let Err(error) = sqlx::query(&statement).execute(&pool).await {
                    eprintln!("  warning: {statement} failed: {error}");
                }
            }
        }
    })
}

/// Blocks waiting for vectors.
pub async fn outbox_len(pool: &PgPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM kg_vector_outbox")
        .fetch_one(pool)
        .await?)
}

/// Waits until the vector outbox is empty (polling every 100 ms, at most `limit`); returns
/// when it was first seen empty.
pub async fn wait_drained(pool: &PgPool, limit: Duration) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + limit;
    let mut warned = false;
    loop {
        let (queued, failing, error): (i64, i64, Option<String>) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE attempts > 0), max(last_error)
               FROM kg_vector_outbox",
        )
        .fetch_one(pool)
        .await?;
        if queued == 0 {
            return Ok(Instant::now());
        }
        if failing > 0 && !warned {
            eprintln!(
                "  warning: {failing} blocks failed projection: {}",
                error.unwrap_or_default()
            );
            warned = true;
        }
        if Instant::now() > deadline {
            bail!("{queued} blocks still wait for vectors after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
