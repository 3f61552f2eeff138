//! The drill's steady load: `diagnostics.sleep` jobs (20-300 ms, each recording its one
//! effect) enqueued through gRPC at a fixed rate, whatever the system is going through. Every
//! job has an idempotency key of its own, so an enqueue retried after an outage or a timeout
//! (with backoff, up to 2 s apart) can never create a second job; a job counts as accepted
//! only once the API returned its id. Retrying stops for good when the load's grace period
//! after [`Load::finish`] ends (the job is then abandoned, never accepted). Failed calls are
//! counted by gRPC code: an outage must read UNAVAILABLE (or a deadline), never INTERNAL.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use exobrain_common::auth::ServiceToken;
use exobrain_common::shutdown::CancellationToken;
use exobrain_proto::job_orchestrator::EnqueueJobRequest;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use tokio::task::JoinHandle;
use tonic::Code;
use tonic::transport::Channel;
use uuid::Uuid;

/// Users the load is spread over.
const USERS: u64 = 8;
/// How long one enqueue call may take before it is retried.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest pause between two tries of one enqueue.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// What one job's enqueue came to.
#[derive(Debug)]
enum Enqueued {
    /// The API returned the job's id.
    Accepted(Uuid),
    /// Still failing when retrying stopped.
    Abandoned,
    /// Refused for a reason retrying cannot change (a bug of the drill or the API).
    Refused(tonic::Status),
}

/// What the load did.
#[derive(Debug, Default)]
pub struct Tally {
    /// Ids of the accepted jobs, one per idempotency key.
    pub accepted: Vec<Uuid>,
    /// Enqueue calls that failed and were tried again, by gRPC code.
    pub retried: BTreeMap<String, u64>,
    /// Jobs never accepted before retrying stopped.
    pub abandoned: usize,
    /// Refusals that retrying cannot change.
    pub refused: Vec<String>,
}

/// A load running in the background.
#[derive(Debug)]
pub struct Load {
    generator: JoinHandle<Vec<JoinHandle<Enqueued>>>,
    stop: CancellationToken,
    give_up: CancellationToken,
    retried: Retried,
}

/// Failed enqueue calls by gRPC code, shared by the enqueue tasks.
type Retried = Arc<Mutex<BTreeMap<String, u64>>>;

/// The API, as the load calls it.
#[derive(Debug, Clone)]
pub struct Target {
    /// A channel to the API.
    pub client: JobOrchestratorClient<Channel>,
    /// The drill's credential.
    pub token: ServiceToken,
    /// Names users and keys (unique per run).
    pub tag: String,
}

impl Load {
    /// Starts enqueueing `rate` jobs per second; job `n`'s sleep is drawn from `seed` and `n`.
    pub fn start(target: Target, rate: f64, seed: u64) -> Self {
        let (stop, give_up) = (CancellationToken::new(), CancellationToken::new());
        let retried = Retried::default();
        let generator = tokio::spawn(generate(
            target,
            rate,
            seed,
            stop.clone(),
            give_up.clone(),
            retried.clone(),
        ));
        Self {
            generator,
            stop,
            give_up,
            retried,
        }
    }

    /// Stops starting jobs, lets enqueues in flight retry for at most `grace`, and tallies.
    pub async fn finish(self, grace: Duration) -> anyhow::Result<Tally> {
        self.stop.cancel();
        let pending = self.generator.await?;
        let give_up = self.give_up.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            give_up.cancel();
        });
        let mut tally = Tally::default();
        for job in pending {
            match job.await? {
                Enqueued::Accepted(job_id) => tally.accepted.push(job_id),
                Enqueued::Abandoned => tally.abandoned += 1,
                Enqueued::Refused(status) => tally.refused.push(status.to_string()),
            }
        }
        timer.abort();
        tally.retried = self
            .retried
            .lock()
            .map(|codes| codes.clone())
            .unwrap_or_default();
        Ok(tally)
    }
}

/// Starts one enqueue task per job on schedule until `stop`; returns the tasks.
async fn generate(
    target: Target,
    rate: f64,
    seed: u64,
    stop: CancellationToken,
    give_up: CancellationToken,
    retried: Retried,
) -> Vec<JoinHandle<Enqueued>> {
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now();
    let mut jobs = Vec::new();
    for n in 0_u64.. {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep_until(start + period.mul_f64(n as f64)) => {}
        }
        let ms = fastrand::Rng::with_seed(seed.wrapping_add(n)).u64(20..=300);
        let request = EnqueueJobRequest {
            job_type: "diagnostics.sleep".into(),
            user_id: String::new(),
            payload: Some(Payload::PayloadJson(format!(
                r#"{{"ms":{ms},"record_effect":true}}"#
            ))),
            idempotency_key: format!("{}-{n}", target.tag),
        };
        let user = format!("{}-user-{}", target.tag, n % USERS);
        jobs.push(tokio::spawn(enqueue(
            target.clone(),
            request,
            user,
            give_up.clone(),
            retried.clone(),
        )));
    }
    jobs
}

/// Enqueues one job, trying again (same idempotency key) until the API returns its id.
async fn enqueue(
    target: Target,
    request: EnqueueJobRequest,
    user: String,
    give_up: CancellationToken,
    retried: Retried,
) -> Enqueued {
    let mut client = target.client;
    let mut pause = Duration::from_millis(100);
    loop {
        let mut call = target.token.request(request.clone(), Some(&user));
        call.set_timeout(CALL_TIMEOUT);
        let began = Instant::now();
        let failure = tokio::select! {
            _ = give_up.cancelled() => return Enqueued::Abandoned,
            reply = client.enqueue_job(call) => match reply {
                Ok(reply) => match Uuid::parse_str(&reply.get_ref().job_id) {
                    Ok(job_id) => return Enqueued::Accepted(job_id),
                    Err(_) => return Enqueued::Refused(tonic::Status::internal(format!(
                        "the API answered with job id `{}`",
                        reply.get_ref().job_id
                    ))),
                },
                Err(status) => status,
            },
        };
        if matches!(
            failure.code(),
            Code::InvalidArgument | Code::PermissionDenied | Code::Unauthenticated | Code::NotFound
        ) {
            return Enqueued::Refused(failure);
        }
        if let Ok(mut codes) = retried.lock() {
            *codes.entry(format!("{:?}", failure.code())).or_default() += 1;
        }
        let wait = pause
            .saturating_sub(began.elapsed())
            .mul_f64(0.5 + fastrand::f64());
        tokio::select! {
            _ = give_up.cancelled() => return Enqueued::Abandoned,
            _ = tokio::time::sleep(wait) => {}
        }
        pause = (pause * 2).min(MAX_BACKOFF);
    }
}
