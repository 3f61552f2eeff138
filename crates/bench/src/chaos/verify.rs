//! What the drill concludes once the load stopped, read from the job database and the status
//! stream rather than from anything the services report about themselves.
//!
//! - Lost: an accepted job that is not terminal by the deadline.
//! - Duplicate effects: jobs whose at-least-once execution was not made effect-once. The
//!   effect of `diagnostics.sleep` is one `diagnostic_effects` row under an id derived from the
//!   job, written only by the job's current attempt while its worker holds the lease. A job
//!   counts when any of these holds:
//!   1. it has more than one effect row (a re-run added an effect instead of finding its own);
//!   2. its effect names an attempt that worker never ran, or was recorded after that attempt
//!      had ended (its lease had lapsed or the job had moved on: the fence failed);
//!   3. it SUCCEEDED without an effect;
//!   4. more than one of its attempts succeeded, or an attempt started after the one that
//!      succeeded;
//!   5. its status stream holds SUCCEEDED under more than one sequence number.
//!
//!   An effect written by an earlier attempt than the one that succeeded is not counted: that
//!   is the guarantee working (a worker died after writing it; the re-run found it).
//! - Recovery: per fault, the time from its end until the first job enqueued after that end
//!   succeeded (PostgreSQL timestamps against this machine's clock; that job's own sleep of
//!   20-300 ms is included).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use async_nats::jetstream::{self, consumer};
use exobrain_proto::job_orchestrator::JobLifecycleState;
use futures::StreamExt;
use job_orchestrator_api::grpc::watch::parse_event;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::drill::{Fault, KINDS};

/// How the accepted jobs ended.
#[derive(Debug, Default)]
pub struct Ending {
    pub terminal: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub lost: Vec<Uuid>,
}

/// Waits until every job of `accepted` is terminal, or `deadline` passes.
pub async fn wait_terminal(
    pool: &PgPool,
    accepted: &[Uuid],
    deadline: Duration,
) -> anyhow::Result<Ending> {
    let until = Instant::now() + deadline;
    let mut last_report = Instant::now();
    loop {
        let (terminal, succeeded, failed): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE is_terminal), count(*) FILTER (WHERE status = 'succeeded'),
                    count(*) FILTER (WHERE status = 'failed_final')
             FROM orchestrator_jobs WHERE job_id = ANY($1)",
        )
        .bind(accepted)
        .fetch_one(pool)
        .await
        .context("counting terminal jobs")?;
        let terminal = usize::try_from(terminal)?;
        if terminal == accepted.len() || Instant::now() > until {
            let finished: HashSet<Uuid> = sqlx::query_scalar(
                "SELECT job_id FROM orchestrator_jobs WHERE job_id = ANY($1) AND is_terminal",
            )
            .bind(accepted)
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
            return Ok(Ending {
                terminal,
                succeeded: usize::try_from(succeeded)?,
                failed: usize::try_from(failed)?,
                lost: accepted
                    .iter()
                    .filter(|id| !finished.contains(id))
                    .copied()
                    .collect(),
            });
        }
        if last_report.elapsed() > Duration::from_secs(5) {
            eprintln!(
                "waiting: {terminal} of {} accepted jobs terminal",
                accepted.len()
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Prints what the database knows of up to ten lost jobs (their row and attempts), so a
/// failed drill can be investigated after its private database is gone.
pub async fn explain_lost(pool: &PgPool, lost: &[Uuid]) -> anyhow::Result<()> {
    for job in lost.iter().take(10) {
        let lines: Vec<String> = sqlx::query_scalar(
            "SELECT format('%s, attempt %s of %s, lease %s, seq %s, last error %s',
                           status, attempt, max_attempts, lease_owner, seq, last_error)
             FROM orchestrator_jobs WHERE job_id = $1
             UNION ALL
             (SELECT format('attempt %s by %s: %s %s', attempt, worker_id, outcome, error)
              FROM orchestrator_job_attempts WHERE job_id = $1 ORDER BY attempt)",
        )
        .bind(job)
        .fetch_all(pool)
        .await?;
        eprintln!("lost: job {job}: {}", lines.join("; "));
    }
    Ok(())
}

/// Dead letters by reason.
pub async fn dead_letters(pool: &PgPool) -> anyhow::Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT reason, count(*) FROM orchestrator_dead_letters GROUP BY reason")
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// Waits until at least `sent` poison messages were dead-lettered, or `deadline` passes;
/// returns how many were.
pub async fn wait_poison(pool: &PgPool, sent: usize, deadline: Duration) -> anyhow::Result<usize> {
    let until = Instant::now() + deadline;
    loop {
        let letters = dead_letters(pool).await?;
        let poisoned = usize::try_from(letters.get("invalid-envelope").copied().unwrap_or(0))?;
        if poisoned >= sent || Instant::now() > until {
            return Ok(poisoned);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The jobs with duplicate effects, per rule (see the module header).
pub async fn duplicate_effects(
    pool: &PgPool,
    js: &jetstream::Context,
    status_stream: &str,
) -> anyhow::Result<Value> {
    let mut rules: Vec<(&str, BTreeSet<Uuid>)> = Vec::new();
    for (rule, sql) in [
        (
            "several_effects",
            "SELECT job_id FROM diagnostic_effects GROUP BY job_id HAVING count(*) > 1",
        ),
        (
            "unfenced_effect",
            "SELECT e.job_id FROM diagnostic_effects AS e
             LEFT JOIN orchestrator_job_attempts AS a ON a.job_id = e.job_id AND a.attempt = e.attempt
             WHERE a.job_id IS NULL OR a.worker_id <> e.worker_id OR e.recorded_at > a.finished_at",
        ),
        (
            "success_without_effect",
            "SELECT j.job_id FROM orchestrator_jobs AS j
             WHERE j.status = 'succeeded' AND j.job_type = 'diagnostics.sleep'
               AND NOT EXISTS (SELECT 1 FROM diagnostic_effects AS e WHERE e.job_id = j.job_id)",
        ),
        (
            "ran_after_success",
            "SELECT a.job_id FROM orchestrator_job_attempts AS a
             JOIN orchestrator_job_attempts AS s ON s.job_id = a.job_id AND s.outcome = 'succeeded'
             WHERE a.attempt > s.attempt OR (a.outcome = 'succeeded' AND a.attempt <> s.attempt)",
        ),
    ] {
        let jobs: Vec<Uuid> = sqlx::query_scalar(sql)
            .fetch_all(pool)
            .await
            .with_context(|| format!("checking {rule}"))?;
        rules.push((rule, jobs.into_iter().collect()));
    }
    rules.push((
        "succeeded_twice_in_stream",
        succeeded_twice(js, status_stream).await?,
    ));
    let all: BTreeSet<Uuid> = rules
        .iter()
        .flat_map(|(_, jobs)| jobs.iter().copied())
        .collect();
    for (rule, jobs) in &rules {
        for job in jobs.iter().take(5) {
            eprintln!("duplicate effect ({rule}): job {job}");
        }
    }
    let mut figures = serde_json::Map::new();
    figures.insert("jobs".into(), json!(all.len()));
    for (rule, jobs) in rules {
        figures.insert(rule.into(), json!(jobs.len()));
    }
    Ok(Value::Object(figures))
}

/// Jobs whose status stream announces SUCCEEDED under more than one sequence number.
async fn succeeded_twice(js: &jetstream::Context, stream: &str) -> anyhow::Result<BTreeSet<Uuid>> {
    let mut stream = js.get_stream(stream).await.context("the status stream")?;
    let last = stream.info().await?.state.last_sequence;
    if last == 0 {
        return Ok(BTreeSet::new());
    }
    let consumer = stream
        .create_consumer(consumer::pull::Config {
            ack_policy: consumer::AckPolicy::None,
            deliver_policy: consumer::DeliverPolicy::All,
            inactive_threshold: Duration::from_secs(60),
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    let mut successes: HashMap<String, HashSet<i64>> = HashMap::new();
    loop {
        let next = tokio::time::timeout(Duration::from_secs(30), messages.next()).await;
        let Ok(Some(message)) = next else {
            anyhow::bail!("the status stream stopped before its message {last}");
        };
        let message = message.map_err(|error| anyhow::anyhow!("status stream: {error}"))?;
        if let Some(event) = parse_event(&message.payload)
            && event.state == JobLifecycleState::Succeeded as i32
        {
            successes.entry(event.job_id).or_default().insert(event.seq);
        }
        let position = message.info().map_or(last, |info| info.stream_sequence);
        if position >= last {
            break;
        }
    }
    Ok(successes
        .into_iter()
        .filter(|(_, seqs)| seqs.len() > 1)
        .filter_map(|(job_id, _)| Uuid::parse_str(&job_id).ok())
        .collect())
}

/// How quickly the system recovered from each kind of fault.
#[derive(Debug, Default)]
pub struct Recovery {
    /// Per kind, the slowest recovery in seconds (`None` when none of that kind happened).
    pub by_kind: Vec<(&'static str, Option<f64>)>,
    /// Faults after which no job enqueued later succeeded.
    pub unrecovered: usize,
}

impl Recovery {
    /// The slowest recovery of all.
    pub fn max(&self) -> f64 {
        self.by_kind
            .iter()
            .filter_map(|(_, seconds)| *seconds)
            .fold(0.0, f64::max)
    }
}

/// Per fault, the seconds from its end until the first job enqueued after that end
/// succeeded; the slowest per kind.
pub async fn recovery(pool: &PgPool, faults: &[Fault]) -> anyhow::Result<Recovery> {
    let mut recovery = Recovery::default();
    for kind in KINDS {
        let mut slowest: Option<f64> = None;
        for fault in faults.iter().filter(|fault| fault.kind == kind) {
            let ended = fault
                .ended
                .duration_since(SystemTime::UNIX_EPOCH)?
                .as_secs_f64();
            let seconds: Option<f64> = sqlx::query_scalar(
                "SELECT EXTRACT(EPOCH FROM min(completed_at))::float8 - $1
                 FROM orchestrator_jobs
                 WHERE status = 'succeeded' AND created_at >= to_timestamp($1)",
            )
            .bind(ended)
            .fetch_one(pool)
            .await?;
            match seconds {
                Some(seconds) => slowest = Some(slowest.map_or(seconds, |s| s.max(seconds))),
                None => recovery.unrecovered += 1,
            }
        }
        recovery.by_kind.push((kind, slowest));
    }
    Ok(recovery)
}

/// The longest time between two job completions while faults were injected, and the longest
/// time any job took from acceptance to its end, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Stalls {
    pub max_stall: f64,
    pub max_latency: f64,
}

/// Reads [`Stalls`] for faults injected between `from` and `to`.
pub async fn stalls(pool: &PgPool, from: SystemTime, to: SystemTime) -> anyhow::Result<Stalls> {
    let epoch = |at: SystemTime| {
        at.duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
    };
    let (stall, latency): (Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT
             (SELECT max(gap) FROM (
                  SELECT EXTRACT(EPOCH FROM completed_at - lag(completed_at) OVER (ORDER BY completed_at))::float8 AS gap
                  FROM orchestrator_jobs
                  WHERE completed_at BETWEEN to_timestamp($1) AND to_timestamp($2)) AS gaps),
             (SELECT max(EXTRACT(EPOCH FROM completed_at - created_at))::float8
              FROM orchestrator_jobs WHERE job_type = 'diagnostics.sleep')",
    )
    .bind(epoch(from)?)
    .bind(epoch(to)?)
    .fetch_one(pool)
    .await?;
    Ok(Stalls {
        max_stall: stall.unwrap_or(0.0),
        max_latency: latency.unwrap_or(0.0),
    })
}
