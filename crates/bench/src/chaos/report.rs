//! The drill's final figures and its verdict. The drill fails when an accepted job never
//! ended, an effect was duplicated, an oversize request or a trust check got any answer but
//! the refusal it must get, a poison message was not dead-lettered, the API refused an enqueue
//! for good or answered one INTERNAL, or no new job succeeded after some fault.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::drill::Done;
use super::verify::{Ending, Recovery, Stalls};
use super::{RATE, load, round};

/// Everything the drill saw.
#[derive(Debug)]
pub struct Observed<'a> {
    pub quick: bool,
    pub tally: &'a load::Tally,
    pub ending: &'a Ending,
    pub done: &'a Done,
    /// Jobs with duplicate effects, in all (`jobs`) and per rule.
    pub duplicates: Value,
    /// Poison messages dead-lettered.
    pub poisoned: usize,
    pub dead_letters: HashMap<String, i64>,
    pub recovery: Recovery,
    pub stalls: Stalls,
}

/// The final JSON line: figures, `passed` and the `failures` that decided it.
pub fn figures(seen: &Observed<'_>) -> Value {
    let failures = failures(seen);
    let (tally, ending, probes) = (seen.tally, seen.ending, &seen.done.probes);
    let recovery: serde_json::Map<String, Value> = seen
        .recovery
        .by_kind
        .iter()
        .map(|(kind, seconds)| ((*kind).to_owned(), json!(seconds.map(round))))
        .collect();
    json!({
        "suite": "chaos",
        "passed": failures.is_empty(),
        "failures": failures,
        "quick": seen.quick,
        "jobs_accepted": tally.accepted.len(),
        "jobs_terminal": ending.terminal,
        "jobs_lost": ending.lost.len(),
        "jobs_succeeded": ending.succeeded,
        "jobs_failed": ending.failed,
        "duplicate_effects": duplicate_effects(seen),
        "duplicate_effects_by_rule": seen.duplicates,
        "worker_kills": seen.done.count("worker_kill"),
        "worker_freezes": seen.done.count("worker_freeze"),
        "nats_restarts": seen.done.count("nats_restart"),
        "postgres_restarts": seen.done.count("postgres_restart"),
        "max_recovery_s": round(seen.recovery.max()),
        "max_recovery_s_by_fault": recovery,
        "max_stall_s": round(seen.stalls.max_stall),
        "max_job_latency_s": round(seen.stalls.max_latency),
        "dead_letters": seen.dead_letters.values().sum::<i64>(),
        "dead_letters_by_reason": seen.dead_letters,
        "poison_messages_sent": probes.poison_sent,
        "poison_dead_lettered": seen.poisoned,
        "oversize_sent": probes.oversize_sent,
        "oversize_refused": probes.oversize_refused,
        "auth_checks": probes.auth_checks,
        "auth_checks_passed": probes.auth_passed,
        "enqueue_retries": tally.retried.values().sum::<u64>(),
        "enqueue_retries_by_code": tally.retried,
        "enqueue_abandoned": tally.abandoned,
        "offered_jobs_per_sec": RATE,
    })
}

fn duplicate_effects(seen: &Observed<'_>) -> u64 {
    seen.duplicates["jobs"].as_u64().unwrap_or(u64::MAX)
}

/// What did not hold, one line each.
fn failures(seen: &Observed<'_>) -> Vec<String> {
    let (tally, probes) = (seen.tally, &seen.done.probes);
    let mut failures = Vec::new();
    if !seen.ending.lost.is_empty() {
        failures.push(format!(
            "{} accepted jobs never ended",
            seen.ending.lost.len()
        ));
    }
    let duplicates = duplicate_effects(seen);
    if duplicates != 0 {
        failures.push(format!("{duplicates} jobs with duplicate effects"));
    }
    // An oversize request or a trust check that got another answer than it must.
    failures.extend(probes.wrong_answers.iter().cloned());
    if seen.poisoned != probes.poison_sent {
        failures.push(format!(
            "{} of {} poison messages dead-lettered",
            seen.poisoned, probes.poison_sent
        ));
    }
    if let Some(first) = tally.refused.first() {
        failures.push(format!(
            "{} enqueues refused, first: {first}",
            tally.refused.len()
        ));
    }
    if let Some(internal) = tally.retried.get("Internal") {
        failures.push(format!(
            "{internal} enqueues answered INTERNAL (an outage reported as a bug)"
        ));
    }
    if seen.recovery.unrecovered > 0 {
        failures.push(format!(
            "{} faults after which no new job succeeded",
            seen.recovery.unrecovered
        ));
    }
    failures
}
