//! One pool per job type: a durable pull consumer shared by every worker process (so they
//! split the work) and a semaphore sized to the pool. The pool asks JetStream only for as
//! many messages as it has free slots, so a process never holds a message it cannot run yet;
//! each message runs in its own task. Pull requests deliver to one inbox kept for the pool's
//! life, so a message arriving late for a request already given up on is still seen (and
//! naked when no slot is free). When intake stops, whatever still arrives is naked at once
//! for another worker.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_nats::jetstream::consumer::{self, PullConsumer};
use async_nats::jetstream::{self, AckKind};
use exobrain_common::shutdown::CancellationToken;
use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use super::execute::{self, Runner};
use crate::heartbeat::PoolGauge;
use crate::metrics;

/// How long one pull request waits for messages before it is renewed.
const PULL_EXPIRES: Duration = Duration::from_millis(500);
/// How much longer than its expiry a pull request is waited for.
const PULL_SLACK: Duration = Duration::from_millis(100);

/// A pool's consumer settings.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// The durable consumer's name.
    pub durable: String,
    /// Its one filter subject (`jobs.<type>.requested`).
    pub subject: String,
    /// Jobs run at once by this process.
    pub size: usize,
    /// JetStream's ack wait.
    pub ack_wait: Duration,
    /// Worker processes expected to share the consumer (sizes `max_ack_pending`).
    pub max_workers: u32,
}

/// Creates the pool's durable consumer, or updates it to these settings, and checks that
/// the server kept its filter (nats-server 2.9 drops filters it does not understand).
pub async fn bind(
    stream: &jetstream::stream::Stream,
    pool: &PoolSettings,
) -> Result<PullConsumer, String> {
    let max_ack_pending =
        i64::try_from(pool.size.saturating_mul(pool.max_workers as usize)).unwrap_or(i64::MAX);
    let config = consumer::pull::Config {
        durable_name: Some(pool.durable.clone()),
        filter_subject: pool.subject.clone(),
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait: pool.ack_wait,
        max_ack_pending,
        max_waiting: 512,
        ..Default::default()
    };
    let mut consumer: PullConsumer = stream
        .create_consumer(config)
        .await
        .map_err(|error| format!("cannot create or update consumer {}: {error}", pool.durable))?;
    let info = consumer
        .info()
        .await
        .map_err(|error| format!("consumer {}: {error}", pool.durable))?;
    if info.config.filter_subject != pool.subject {
        return Err(format!(
            "consumer {} filters `{}`, expected `{}`",
            pool.durable, info.config.filter_subject, pool.subject
        ));
    }
    Ok(consumer)
}

/// A pool ready to run.
#[derive(Debug)]
pub struct Pool {
    consumer: PullConsumer,
    js: jetstream::Context,
    pool: PoolSettings,
    runner: Arc<Runner>,
    intake: CancellationToken,
    running: Arc<AtomicUsize>,
}

/// A pool that takes messages from `consumer` until `intake` is cancelled.
pub fn run(
    consumer: PullConsumer,
    js: jetstream::Context,
    pool: PoolSettings,
    runner: Arc<Runner>,
    intake: CancellationToken,
) -> Pool {
    Pool {
        consumer,
        js,
        pool,
        runner,
        intake,
        running: Arc::new(AtomicUsize::new(0)),
    }
}

impl Pool {
    /// What the heartbeat reports of this pool.
    pub fn gauge(&self) -> PoolGauge {
        PoolGauge {
            job_type: self.runner.spec.job_type.to_string(),
            running: self.running.clone(),
            capacity: self.pool.size,
        }
    }

    /// Runs until intake stops, then waits for the pool's running jobs.
    pub async fn run(self) {
        let Pool {
            consumer,
            js,
            pool,
            runner,
            intake,
            running,
        } = self;
        take_messages(consumer, js, pool, runner, intake, running).await;
    }
}

async fn take_messages(
    consumer: PullConsumer,
    js: jetstream::Context,
    pool: PoolSettings,
    runner: Arc<Runner>,
    intake: CancellationToken,
    busy: Arc<AtomicUsize>,
) {
    let client = js.client();
    let inbox = client.new_inbox();
    let mut deliveries = match client.subscribe(inbox.clone()).await {
        Ok(subscriber) => subscriber,
        Err(error) => {
            tracing::error!(%error, consumer = %pool.durable, "cannot subscribe to the pull inbox");
            intake.cancel();
            return;
        }
    };
    let slots = Arc::new(Semaphore::new(pool.size));
    let running = TaskTracker::new();
    let job_type = runner.spec.job_type.to_string();
    let mut open = Request::default();
    loop {
        if !open.is_open() {
            if slots.available_permits() == 0 {
                // Every slot is busy: wait until one frees up before asking for more.
                tokio::select! {
                    _ = intake.cancelled() => break,
                    permit = slots.acquire() => drop(permit),
                }
            }
            open = Request::send(&consumer, &inbox, slots.available_permits(), &pool.durable).await;
        }
        let delivery = tokio::select! {
            biased;
            _ = intake.cancelled() => break,
            delivery = deliveries.next() => delivery,
            _ = tokio::time::sleep_until(open.deadline) => {
                open.expected = 0;
                continue;
            }
        };
        let Some(delivery) = delivery else { break };
        match delivery.status {
            None | Some(async_nats::StatusCode::OK) => {}
            Some(async_nats::StatusCode::IDLE_HEARTBEAT) => continue,
            // 408 (expired), 404 (nothing to deliver), 409 (limits): the request is over.
            Some(_) => {
                open.expected = 0;
                continue;
            }
        }
        open.expected = open.expected.saturating_sub(1);
        let message = jetstream::Message {
            message: delivery,
            context: js.clone(),
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // A late delivery to a request given up on: someone else may run it now.
            let _ = message.ack_with(AckKind::Nak(None)).await;
            continue;
        };
        let (runner, busy, size) = (runner.clone(), busy.clone(), pool.size);
        running.spawn(async move {
            let job_type = runner.spec.job_type.as_str();
            metrics::pool(job_type, busy.fetch_add(1, Ordering::Relaxed) + 1, size);
            execute::process(&runner, message).await;
            metrics::pool(job_type, busy.fetch_sub(1, Ordering::Relaxed) - 1, size);
            drop(slot);
        });
    }
    release_rest(&js, &mut deliveries).await;
    running.close();
    running.wait().await;
    metrics::pool(&job_type, 0, pool.size);
}

/// The pull request in flight: how many messages it may still bring, and until when it is
/// trusted. The server is not relied on to report its end (nats-server 2.9 sometimes drops
/// an expired request silently), so a request counts as over at its deadline whatever came.
#[derive(Debug)]
struct Request {
    expected: usize,
    deadline: tokio::time::Instant,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            expected: 0,
            deadline: tokio::time::Instant::now(),
        }
    }
}

impl Request {
    fn is_open(&self) -> bool {
        self.expected > 0 && tokio::time::Instant::now() < self.deadline
    }

    /// Asks for `wanted` messages, delivered to `inbox`.
    async fn send(consumer: &PullConsumer, inbox: &str, wanted: usize, durable: &str) -> Self {
        let batch = consumer::pull::BatchConfig {
            batch: wanted,
            expires: Some(PULL_EXPIRES),
            ..Default::default()
        };
        match consumer.request_batch(batch, inbox.to_owned().into()).await {
            Ok(()) => Self {
                expected: wanted,
                deadline: tokio::time::Instant::now() + PULL_EXPIRES + PULL_SLACK,
            },
            Err(error) => {
                tracing::warn!(%error, consumer = %durable, "pull request failed, retrying");
                Self {
                    expected: 0,
                    deadline: tokio::time::Instant::now() + Duration::from_millis(500),
                }
            }
        }
    }
}

/// Naks, for immediate redelivery elsewhere, whatever a pull request still brings after
/// intake stopped, until the last request has certainly ended.
async fn release_rest(js: &jetstream::Context, deliveries: &mut async_nats::Subscriber) {
    let until = tokio::time::Instant::now() + PULL_EXPIRES + PULL_SLACK;
    while let Ok(Some(delivery)) = tokio::time::timeout_at(until, deliveries.next()).await {
        if delivery.status.is_none() || delivery.status == Some(async_nats::StatusCode::OK) {
            let message = jetstream::Message {
                message: delivery,
                context: js.clone(),
            };
            let _ = message.ack_with(AckKind::Nak(None)).await;
        }
    }
    let _ = deliveries.unsubscribe().await;
}
