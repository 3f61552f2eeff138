//! One pool per job type: a durable pull consumer shared by every worker process (so they
//! split the work) and a semaphore sized to the pool. The pool asks JetStream only for as
//! many messages as it has free slots, so a process never holds a message it cannot run yet;
//! each message runs in its own task. When intake stops, the open pull request is drained and
//! whatever it still brings is naked at once for another worker.

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
const PULL_EXPIRES: Duration = Duration::from_secs(1);

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
    pool: PoolSettings,
    runner: Arc<Runner>,
    intake: CancellationToken,
    running: Arc<AtomicUsize>,
}

/// A pool that takes messages from `consumer` until `intake` is cancelled.
pub fn run(
    consumer: PullConsumer,
    pool: PoolSettings,
    runner: Arc<Runner>,
    intake: CancellationToken,
) -> Pool {
    Pool {
        consumer,
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
            pool,
            runner,
            intake,
            running,
        } = self;
        take_messages(consumer, pool, runner, intake, running).await;
    }
}

async fn take_messages(
    consumer: PullConsumer,
    pool: PoolSettings,
    runner: Arc<Runner>,
    intake: CancellationToken,
    busy: Arc<AtomicUsize>,
) {
    let slots = Arc::new(Semaphore::new(pool.size));
    let running = TaskTracker::new();
    let (job_type, pool_size) = (runner.spec.job_type.to_string(), pool.size);
    'intake: loop {
        let mut permits = tokio::select! {
            _ = intake.cancelled() => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let free = slots.available_permits();
        if free > 0
            && let Ok(more) = slots
                .clone()
                .try_acquire_many_owned(u32::try_from(free).unwrap_or(u32::MAX))
        {
            permits.merge(more);
        }
        let batch = consumer
            .batch()
            .max_messages(permits.num_permits())
            .expires(PULL_EXPIRES)
            .messages()
            .await;
        let mut batch = match batch {
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(%error, consumer = %pool.durable, "pull request failed, retrying");
                drop(permits);
                tokio::select! {
                    _ = intake.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                }
            }
        };
        loop {
            let next = tokio::select! {
                biased;
                _ = intake.cancelled() => {
                    release_rest(&mut batch).await;
                    break 'intake;
                }
                next = batch.next() => next,
            };
            match next {
                Some(Ok(message)) => {
                    let Some(slot) = permits.split(1) else {
                        // More messages than requested: give this one to someone else.
                        let _ = message.ack_with(AckKind::Nak(None)).await;
                        continue;
                    };
                    let (runner, busy) = (runner.clone(), busy.clone());
                    running.spawn(async move {
                        metrics::pool(
                            runner.spec.job_type.as_str(),
                            busy.fetch_add(1, Ordering::Relaxed) + 1,
                            pool_size,
                        );
                        execute::process(&runner, message).await;
                        metrics::pool(
                            runner.spec.job_type.as_str(),
                            busy.fetch_sub(1, Ordering::Relaxed) - 1,
                            pool_size,
                        );
                        drop(slot);
                    });
                }
                Some(Err(error)) => {
                    tracing::debug!(%error, consumer = %pool.durable, "pull stream error")
                }
                None => break,
            }
        }
    }
    running.close();
    running.wait().await;
    metrics::pool(&job_type, 0, pool.size);
}

/// Naks, for immediate redelivery elsewhere, whatever an open pull request still brings.
async fn release_rest(batch: &mut jetstream::consumer::pull::Batch) {
    while let Ok(Some(next)) = tokio::time::timeout(PULL_EXPIRES * 2, batch.next()).await {
        if let Ok(message) = next {
            let _ = message.ack_with(AckKind::Nak(None)).await;
        }
    }
}
