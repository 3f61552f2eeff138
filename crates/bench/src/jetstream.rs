//! The raw JetStream floor of this machine: how fast N messages can be published (with
//! acknowledged writes) and then fetched by a pull consumer and acknowledged one by one. Job
//! throughput is judged against this number.

use std::time::Instant;

use anyhow::Context;
use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;

/// Publishes in windows of this many outstanding acks.
const PUBLISH_WINDOW: usize = 512;
/// Fetches this many messages per pull request.
const FETCH_BATCH: usize = 512;

/// Runs the suite with `messages` messages and returns the final JSON figures.
pub async fn run(messages: usize) -> anyhow::Result<serde_json::Value> {
    let url =
        std::env::var("EXOBRAIN_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let client = async_nats::connect(&url)
        .await
        .with_context(|| format!("cannot reach NATS at {url} (check EXOBRAIN_NATS_URL)"))?;
    let js = jetstream::new(client);
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
    let stream_name = format!("BENCH_{tag}");
    let subject = format!("bench_{tag}.jobs");
    js.create_stream(stream::Config {
        name: stream_name.clone(),
        subjects: vec![format!("bench_{tag}.>")],
        ..Default::default()
    })
    .await
    .context("cannot create the benchmark stream (is JetStream enabled?)")?;

    let outcome = measure(&js, &stream_name, &subject, messages).await;
    let _ = js.delete_stream(&stream_name).await;
    let (publish_secs, consume_secs) = outcome?;

    let publish_per_sec = messages as f64 / publish_secs;
    let consume_per_sec = messages as f64 / consume_secs;
    // One message through the whole path (publish, then consume + ack), like one job.
    let raw_per_sec = messages as f64 / (publish_secs + consume_secs).max(f64::EPSILON);
    eprintln!("published {messages} in {publish_secs:.3} s ({publish_per_sec:.0}/s)");
    eprintln!("consumed+acked {messages} in {consume_secs:.3} s ({consume_per_sec:.0}/s)");
    Ok(serde_json::json!({
        "suite": "jetstream",
        "messages": messages,
        "publish_per_sec": publish_per_sec.round(),
        "consume_ack_per_sec": consume_per_sec.round(),
        "raw_jetstream_per_sec": raw_per_sec.round(),
    }))
}

async fn measure(
    js: &jetstream::Context,
    stream_name: &str,
    subject: &str,
    messages: usize,
) -> anyhow::Result<(f64, f64)> {
    let payload = bytes_of(200);
    let started = Instant::now();
    let mut sent = 0;
    while sent < messages {
        let window = PUBLISH_WINDOW.min(messages - sent);
        let mut acks = Vec::with_capacity(window);
        for _ in 0..window {
            acks.push(
                js.publish(subject.to_owned(), payload.clone())
                    .await
                    .context("publish")?,
            );
        }
        for ack in acks {
            ack.await.context("publish ack")?;
        }
        sent += window;
    }
    let publish_secs = started.elapsed().as_secs_f64();

    let stream = js.get_stream(stream_name).await.context("get stream")?;
    let consumer = stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some("bench".to_owned()),
            ack_policy: consumer::AckPolicy::Explicit,
            max_ack_pending: (FETCH_BATCH * 4) as i64,
            ..Default::default()
        })
        .await
        .context("create consumer")?;
    let started = Instant::now();
    let mut received = 0;
    while received < messages {
        let mut batch = consumer
            .fetch()
            .max_messages(FETCH_BATCH.min(messages - received))
            .messages()
            .await
            .context("fetch")?;
        while let Some(message) = batch.next().await {
            let message = message.map_err(|error| anyhow::anyhow!("receive: {error}"))?;
            message
                .ack()
                .await
                .map_err(|error| anyhow::anyhow!("ack: {error}"))?;
            received += 1;
        }
    }
    Ok((publish_secs, started.elapsed().as_secs_f64()))
}

fn bytes_of(len: usize) -> bytes::Bytes {
    bytes::Bytes::from(vec![b'x'; len])
}
