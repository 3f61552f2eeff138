//! Carries out the plan against the running system, one event at a time, and notes when each
//! fault ended (the process restarted and ready, the server accepting connections again) so
//! its recovery can be measured afterwards.

use std::time::{Instant, SystemTime};

use super::infra::Infra;
use super::plan::{Event, Step};
use super::probes::{self, Probes};
use super::services::System;

/// The kinds of fault, as the report names them.
pub const KINDS: [&str; 4] = [
    "worker_kill",
    "worker_freeze",
    "nats_restart",
    "postgres_restart",
];

/// A fault that was injected and is over.
#[derive(Debug, Clone)]
pub struct Fault {
    /// One of [`KINDS`].
    pub kind: &'static str,
    /// When the system had everything back (wall clock, to compare with PostgreSQL's).
    pub ended: SystemTime,
}

/// What the drill did.
#[derive(Debug, Default)]
pub struct Done {
    /// Faults, in order.
    pub faults: Vec<Fault>,
    /// The probes' answers.
    pub probes: probes::Tally,
}

impl Done {
    /// How many faults of `kind` were injected.
    pub fn count(&self, kind: &str) -> usize {
        self.faults
            .iter()
            .filter(|fault| fault.kind == kind)
            .count()
    }
}

/// The system under the drill and what breaks it.
#[derive(Debug)]
pub struct Rig<'a> {
    pub infra: &'a mut Infra,
    pub system: &'a mut System,
    pub probes: &'a Probes,
    /// `KNOWLEDGE_DELTA_MAX_RECORDS` of the knowledge interface.
    pub max_delta_records: usize,
}

/// Runs every step of `plan`, reporting each on stderr.
pub async fn run(plan: &[Step], rig: Rig<'_>, done: &mut Done) -> anyhow::Result<()> {
    let began = Instant::now();
    for (index, step) in plan.iter().enumerate() {
        tokio::time::sleep(step.after).await;
        eprintln!(
            "[{:6.1} s] {}/{}: {}",
            began.elapsed().as_secs_f64(),
            index + 1,
            plan.len(),
            describe(&step.event)
        );
        let kind = match step.event {
            Event::KillWorker { worker, down } => {
                rig.system.kill_worker(worker).await;
                tokio::time::sleep(down).await;
                rig.system.start_worker(worker).await?;
                "worker_kill"
            }
            Event::FreezeWorker { worker, frozen } => {
                rig.system.signal_worker(worker, "STOP")?;
                tokio::time::sleep(frozen).await;
                rig.system.signal_worker(worker, "CONT")?;
                "worker_freeze"
            }
            Event::RestartNats { down } => {
                rig.infra.stop_nats().await?;
                tokio::time::sleep(down).await;
                rig.infra.start_nats().await?;
                "nats_restart"
            }
            Event::RestartPostgres { down } => {
                rig.infra.stop_postgres().await?;
                tokio::time::sleep(down).await;
                rig.infra.start_postgres().await?;
                "postgres_restart"
            }
            Event::Poison => {
                rig.probes.poison(&mut done.probes).await?;
                continue;
            }
            Event::Oversize => {
                let records = rig.max_delta_records;
                rig.probes.oversize(records, &mut done.probes).await;
                continue;
            }
        };
        done.faults.push(Fault {
            kind,
            ended: SystemTime::now(),
        });
    }
    Ok(())
}

fn describe(event: &Event) -> String {
    match event {
        Event::KillWorker { worker, down } => {
            format!(
                "SIGKILL worker {worker}, restart after {:.1} s",
                down.as_secs_f64()
            )
        }
        Event::FreezeWorker { worker, frozen } => {
            format!("SIGSTOP worker {worker} for {:.1} s", frozen.as_secs_f64())
        }
        Event::RestartNats { down } => format!("restart NATS, down {:.1} s", down.as_secs_f64()),
        Event::RestartPostgres { down } => {
            format!("restart PostgreSQL, down {:.1} s", down.as_secs_f64())
        }
        Event::Poison => "publish poison messages".into(),
        Event::Oversize => "send oversize requests".into(),
    }
}
