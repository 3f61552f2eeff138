//! `chaos`: the fault drill. On infrastructure it may break (a private nats-server and
//! PostgreSQL cluster by default, see [`infra`]), it starts the job API, two workers and the
//! knowledge interface with credentials enforced ([`services`]), keeps a steady load of
//! `diagnostics.sleep` jobs that each record one effect ([`load`]), and meanwhile, one at a
//! time and in an order drawn from the seed ([`plan`]): SIGKILLs a worker 20 times, freezes
//! one past its lease twice, restarts NATS twice and PostgreSQL twice, and feeds poison
//! messages and oversize requests ([`probes`]). Then it stops the load, waits for every
//! accepted job to end, and judges from the database and the status stream ([`verify`]):
//! no job lost, no effect duplicated, every oversize request refused. The suite fails (exit
//! status 1 after its JSON line) when any of these does not hold.

mod drill;
mod infra;
mod load;
mod plan;
mod postgres;
mod probes;
mod report;
mod services;
mod shared;
mod verify;

use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use exobrain_common::nats::NatsConfig;
use exobrain_jobs::streams::Streams;
use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use serde_json::{Value, json};
use tonic::transport::Endpoint;

use crate::database::BenchDb;
use crate::knowledge::services::seeded_db;
use drill::{Done, Rig};
use infra::Infra;
use services::{Credentials, Stores, System, WorkerSettings};

/// Worker processes.
const WORKERS: usize = 2;
/// Jobs enqueued per second.
const RATE: f64 = 40.0;
/// The workers' settings: leases and JetStream redeliveries of seconds, so a dead worker's
/// jobs come back within the drill (the defaults, 30 s and 60 s, only stretch the figures).
const WORKER_SETTINGS: WorkerSettings = WorkerSettings {
    lease: Duration::from_secs(10),
    ack_wait: Duration::from_secs(10),
    slots: 32,
};
/// Undisturbed load before the first event and after the last.
const SETTLE: Duration = Duration::from_secs(5);
/// How long enqueues in flight may still retry once the load stops.
const ENQUEUE_GRACE: Duration = Duration::from_secs(60);
/// How long every accepted job has to end once the load stopped.
const DEADLINE: Duration = Duration::from_secs(180);
/// How long the poison messages have to be dead-lettered after that.
const POISON_DEADLINE: Duration = Duration::from_secs(60);

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A smoke run: three kills, one of every other fault.
    pub quick: bool,
    /// The seed of the plan and the load (random when absent).
    pub seed: Option<u64>,
    /// Restart this machine's PostgreSQL and NATS instead of private ones.
    pub shared_infra: bool,
}

impl Options {
    /// `--quick`, `--seed N`, `--shared-infra`.
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        let seed = match args.iter().position(|arg| arg == "--seed") {
            None => None,
            Some(index) => Some(
                args.get(index + 1)
                    .and_then(|seed| seed.parse::<u64>().ok())
                    .ok_or("--seed needs a number")?,
            ),
        };
        Ok(Self {
            quick: args.iter().any(|arg| arg == "--quick"),
            seed,
            shared_infra: args.iter().any(|arg| arg == "--shared-infra"),
        })
    }
}

/// Runs the drill and returns its figures; `passed` in them says whether it held.
pub async fn run(options: Options) -> anyhow::Result<Value> {
    let seed = options.seed.unwrap_or_else(|| fastrand::u64(..));
    let mut infra = if options.shared_infra {
        Infra::shared()?
    } else {
        Infra::private().await?
    };
    eprintln!("chaos drill, seed {seed}, {} infrastructure", infra.kind());
    let began = Instant::now();
    let outcome = tokio::select! {
        outcome = on_databases(&mut infra, options, seed) => outcome,
        signal = interrupted() => Err(anyhow::anyhow!("interrupted by {signal}")),
    };
    let mut figures = outcome?;
    figures["seed"] = json!(seed);
    figures["infra"] = json!(infra.kind());
    figures["duration_s"] = json!(round(began.elapsed().as_secs_f64()));
    Ok(figures)
}

/// Creates the job and knowledge databases, runs the drill on them and removes them.
async fn on_databases(infra: &mut Infra, options: Options, seed: u64) -> anyhow::Result<Value> {
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
    let admin = infra.admin_dsn().to_owned();
    let jobs = BenchDb::create_on(&admin, &format!("chaos_jobs_{tag}")).await?;
    exobrain_jobs::MIGRATOR.run(&jobs.pool).await?;
    let knowledge =
        seeded_db(BenchDb::create_on(&admin, &format!("chaos_knowledge_{tag}")).await?).await?;
    let prefix = format!("chaos{tag}");
    let outcome = with_system(infra, (&jobs, &knowledge), &prefix, options, seed).await;
    jobs.drop_now().await;
    knowledge.drop_now().await;
    crate::jobs::remove_streams(infra.nats_url(), &prefix).await;
    outcome
}

/// Starts the services, drives the drill, stops them.
async fn with_system(
    infra: &mut Infra,
    (jobs, knowledge): (&BenchDb, &BenchDb),
    prefix: &str,
    options: Options,
    seed: u64,
) -> anyhow::Result<Value> {
    let credentials = Credentials::issue();
    let nats_url = infra.nats_url().to_owned();
    let stores = Stores {
        jobs,
        knowledge,
        nats_url: &nats_url,
        prefix,
    };
    let mut system = System::start(stores, &credentials, WORKERS, WORKER_SETTINGS).await?;
    let outcome = drive(infra, &mut system, stores, &credentials, options, seed).await;
    system.stop().await;
    outcome
}

/// The load, the faults and the verdict.
async fn drive(
    infra: &mut Infra,
    system: &mut System,
    stores: Stores<'_>,
    credentials: &Credentials,
    options: Options,
    seed: u64,
) -> anyhow::Result<Value> {
    let nats = NatsConfig::new(stores.nats_url, stores.prefix);
    let js = async_nats::jetstream::new(async_nats::connect(stores.nats_url).await?);
    let jobs_api = JobOrchestratorClient::new(
        Endpoint::from_shared(system.api_endpoint.clone())?.connect_lazy(),
    );
    let probes = probes::Probes {
        js: js.clone(),
        subject: nats.subject("jobs.diagnostics.sleep.requested"),
        jobs: jobs_api.clone(),
        knowledge: KnowledgeInterfaceClient::new(
            Endpoint::from_shared(system.knowledge_endpoint.clone())?.connect_lazy(),
        ),
        token: credentials.bench(),
        operator: credentials.operator(),
        user: format!("{}-probe", stores.prefix),
    };
    let mut done = Done::default();
    probes.trust(&mut done.probes).await;

    let (counts, pause) = if options.quick {
        (plan::Counts::quick(), (1.0, 3.0))
    } else {
        (plan::Counts::full(), (1.5, 5.0))
    };
    let mut rng = fastrand::Rng::with_seed(seed);
    let steps = plan::draw(counts, WORKERS, WORKER_SETTINGS.lease, pause, &mut rng);
    let target = load::Target {
        client: jobs_api,
        token: credentials.bench(),
        tag: stores.prefix.to_owned(),
    };
    let load = load::Load::start(target, RATE, seed);
    tokio::time::sleep(SETTLE).await;
    let faults_began = SystemTime::now();
    let rig = Rig {
        infra,
        system,
        probes: &probes,
        // The knowledge interface runs with its default KNOWLEDGE_DELTA_MAX_RECORDS.
        max_delta_records: knowledge_interface::limits::Limits::default().delta_records,
    };
    let drilled = drill::run(&steps, rig, &mut done).await;
    let faults_ended = SystemTime::now();
    if drilled.is_ok() {
        tokio::time::sleep(SETTLE).await;
    }
    let tally = load.finish(ENQUEUE_GRACE).await?;
    drilled?;
    eprintln!(
        "load stopped: {} jobs accepted (enqueue retries {:?}, {} abandoned); waiting for them to end",
        tally.accepted.len(),
        tally.retried,
        tally.abandoned
    );

    let pool = &stores.jobs.pool;
    let ending = verify::wait_terminal(pool, &tally.accepted, DEADLINE).await?;
    verify::explain_lost(pool, &ending.lost).await?;
    let poisoned = verify::wait_poison(pool, done.probes.poison_sent, POISON_DEADLINE).await?;
    let duplicates = verify::duplicate_effects(pool, &js, &Streams::named(&nats).status)
        .await
        .context("checking effects")?;
    Ok(report::figures(&report::Observed {
        quick: options.quick,
        tally: &tally,
        ending: &ending,
        done: &done,
        duplicates,
        poisoned,
        dead_letters: verify::dead_letters(pool).await?,
        recovery: verify::recovery(pool, &done.faults).await?,
        stalls: verify::stalls(pool, faults_began, faults_ended).await?,
    }))
}

/// Resolves on SIGINT or SIGTERM, naming it.
async fn interrupted() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => "SIGINT",
        _ = terminate.recv() => "SIGTERM",
    }
}

/// `value` to two decimals.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
