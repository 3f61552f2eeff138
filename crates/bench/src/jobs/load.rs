//! Load on the job orchestrator through its gRPC API: closed-loop enqueues (single jobs or
//! batches, a fixed number in flight) for throughput, an open-loop steady rate for latency,
//! and the wait until every job has SUCCEEDED in PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use exobrain_proto::job_orchestrator::{EnqueueJobRequest, EnqueueJobsRequest};
use sqlx::PgPool;
use tonic::transport::Channel;

/// Users the load is spread over (each user's queue limit stays far away).
const USERS: usize = 200;
/// Jobs per EnqueueJobs call.
pub const BATCH: usize = 100;

/// gRPC clients on a few connections, used round robin.
#[derive(Debug, Clone)]
pub struct Clients {
    clients: Vec<JobOrchestratorClient<Channel>>,
    next: Arc<AtomicUsize>,
}

impl Clients {
    /// `connections` connections to the API at `endpoint`.
    pub async fn connect(endpoint: &str, connections: usize) -> anyhow::Result<Self> {
        let mut clients = Vec::with_capacity(connections);
        for _ in 0..connections {
            let client = JobOrchestratorClient::connect(endpoint.to_owned())
                .await
                .with_context(|| format!("cannot connect to the API at {endpoint}"))?;
            clients.push(client);
        }
        Ok(Self {
            clients,
            next: Arc::new(AtomicUsize::new(0)),
        })
    }

    fn pick(&self) -> JobOrchestratorClient<Channel> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
        self.clients[index].clone()
    }
}

/// One `diagnostics.echo` request, for user `n % USERS` of `tag`.
fn echo(tag: &str, n: usize) -> EnqueueJobRequest {
    EnqueueJobRequest {
        job_type: "diagnostics.echo".into(),
        user_id: format!("{tag}-user-{}", n % USERS),
        payload: Some(Payload::PayloadJson(format!(r#"{{"n":{n}}}"#))),
        idempotency_key: String::new(),
    }
}

/// Enqueues `jobs` single jobs with `in_flight` calls outstanding; returns each call's latency.
pub async fn enqueue_singles(
    clients: &Clients,
    tag: &str,
    jobs: usize,
    in_flight: usize,
) -> anyhow::Result<Vec<Duration>> {
    closed_loop(
        clients,
        jobs,
        in_flight,
        1,
        tag,
        |mut client, tag, n| async move { client.enqueue_job(echo(&tag, n)).await.map(|_| ()) },
    )
    .await
}

/// Enqueues `jobs` jobs in EnqueueJobs calls of [`BATCH`] with `in_flight` calls outstanding.
pub async fn enqueue_batches(
    clients: &Clients,
    tag: &str,
    jobs: usize,
    in_flight: usize,
) -> anyhow::Result<Vec<Duration>> {
    closed_loop(
        clients,
        jobs,
        in_flight,
        BATCH,
        tag,
        move |mut client, tag, first| async move {
            let request = EnqueueJobsRequest {
                user_id: format!("{tag}-user-{}", first / BATCH % USERS),
                jobs: (first..(first + BATCH).min(jobs))
                    .map(|n| EnqueueJobRequest {
                        user_id: String::new(),
                        ..echo(&tag, n)
                    })
                    .collect(),
                idempotency_key: String::new(),
            };
            client.enqueue_jobs(request).await.map(|_| ())
        },
    )
    .await
}

/// Runs `in_flight` loops that each take the next `step` jobs (from job number `first`) and
/// make one call for them, until `jobs` are enqueued; returns each call's latency.
async fn closed_loop<F, Fut>(
    clients: &Clients,
    jobs: usize,
    in_flight: usize,
    step: usize,
    tag: &str,
    call: F,
) -> anyhow::Result<Vec<Duration>>
where
    F: Fn(JobOrchestratorClient<Channel>, String, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), tonic::Status>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..in_flight {
        let (clients, next, tag, call) =
            (clients.clone(), next.clone(), tag.to_owned(), call.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let first = next.fetch_add(step, Ordering::Relaxed);
                if first >= jobs {
                    return Ok::<_, tonic::Status>(latencies);
                }
                let began = Instant::now();
                call(clients.pick(), tag.clone(), first).await?;
                latencies.push(began.elapsed());
            }
        }));
    }
    collect(tasks).await
}

/// Enqueues single jobs at `rate` per second for `jobs` jobs, each call started on schedule
/// whatever the previous ones are doing (open loop); returns each call's latency.
pub async fn enqueue_at_rate(
    clients: &Clients,
    tag: &str,
    jobs: usize,
    rate: f64,
) -> anyhow::Result<Vec<Duration>> {
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(jobs);
    for n in 0..jobs {
        tokio::time::sleep_until(start + period * u32::try_from(n)?).await;
        let (client, request) = (clients.pick(), echo(tag, n));
        tasks.push(tokio::spawn(async move {
            let mut client = client;
            let began = Instant::now();
            client.enqueue_job(request).await?;
            Ok::<_, tonic::Status>(vec![began.elapsed()])
        }));
    }
    collect(tasks).await
}

async fn collect(
    tasks: Vec<tokio::task::JoinHandle<Result<Vec<Duration>, tonic::Status>>>,
) -> anyhow::Result<Vec<Duration>> {
    let mut all = Vec::new();
    for task in tasks {
        let latencies = task
            .await?
            .map_err(|status| anyhow::anyhow!("enqueue failed: {status}"))?;
        all.extend(latencies);
    }
    Ok(all)
}

/// Waits until `total` jobs have SUCCEEDED (and none failed), polling every 20 ms.
pub async fn wait_succeeded(pool: &PgPool, total: i64, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let (succeeded, failed): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed_final')
             FROM orchestrator_jobs",
        )
        .fetch_one(pool)
        .await?;
        if failed > 0 {
            bail!("{failed} jobs failed");
        }
        if succeeded >= total {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("only {succeeded} of {total} jobs succeeded within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Percentile `p` (0..=1) of `values`, in milliseconds.
pub fn percentile_ms(values: &mut [Duration], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable();
    let index = ((values.len() - 1) as f64 * p).round() as usize;
    values[index].as_secs_f64() * 1000.0
}
