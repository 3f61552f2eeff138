//! The outbox against real PostgreSQL and JetStream: the relay publishes what is left, the
//! outbox empties, a re-publish after a crash does not duplicate anything, fresh rows are left
//! to their publisher, the publisher sends a commit's messages at once, in order, and neither
//! stalls on a backlog far larger than the client lets wait for acknowledgements.

use exobrain_common::nats::NatsConfig;
use exobrain_jobs::MIGRATOR;
use exobrain_jobs::domain::{JobType, NewJob, Registry, UserId};
use exobrain_jobs::store::JobStore;
use std::time::Duration;

use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::outbox::relay::RelaySettings;
use exobrain_jobs::outbox::{Publisher, relay};
use exobrain_jobs::streams;
use exobrain_testkit::{TestDb, TestNats};
use serde_json::json;

fn echo(owner: &str) -> NewJob {
    NewJob {
        job_type: JobType::parse("job_type", "diagnostics.echo").expect("type"),
        owner: UserId::parse("user_id", owner).expect("user"),
        payload: json!({ "n": 1 }),
        idempotency_key: None,
        max_attempts: 3,
        trace_context: Default::default(),
    }
}

/// The relay as tests run it: every row is due at once.
const NOW: RelaySettings = RelaySettings {
    min_age: Duration::ZERO,
    idle: Duration::from_millis(50),
    park_after: 5,
    retry_pause: Duration::ZERO,
    round_deadline: Duration::from_secs(60),
};

/// Messages published by one relay round.
async fn relay_round(store: &JobStore, nats: &TestNats, settings: &RelaySettings) -> usize {
    relay::relay_once(store, &nats.jetstream, settings)
        .await
        .expect("relay")
        .published
}

async fn messages_in(nats: &TestNats, stream: &str) -> u64 {
    let mut stream = nats.jetstream.get_stream(stream).await.expect("stream");
    stream.info().await.expect("info").state.messages
}

#[tokio::test]
async fn accepted_jobs_reach_their_streams_exactly_once() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let registry = Registry::standard(3, true);
    let names = streams::ensure(&nats.jetstream, &config, &registry, 1)
        .await
        .expect("streams");
    streams::ensure(&nats.jetstream, &config, &registry, 1)
        .await
        .expect("ensuring twice is harmless");

    let store = JobStore::new(db.pool.clone(), config.clone());
    store
        .enqueue(&[echo("alice"), echo("alice"), echo("bob")], None)
        .await
        .expect("enqueue");
    let saved: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT messages FROM orchestrator_outbox_batches ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .expect("outbox");

    assert_eq!(relay_round(&store, &nats, &NOW).await, 6);
    assert_eq!(relay_round(&store, &nats, &NOW).await, 0, "outbox is empty");
    assert_eq!(messages_in(&nats, &names.jobs).await, 3);
    assert_eq!(messages_in(&nats, &names.status).await, 3);

    // A relay that crashed after publishing but before deleting publishes the same rows again.
    for messages in saved {
        sqlx::query("INSERT INTO orchestrator_outbox_batches (messages) VALUES ($1)")
            .bind(messages)
            .execute(&db.pool)
            .await
            .expect("reinsert");
    }
    assert_eq!(relay_round(&store, &nats, &NOW).await, 6);
    assert_eq!(
        messages_in(&nats, &names.jobs).await,
        3,
        "duplicates are dropped by Nats-Msg-Id"
    );
    assert_eq!(messages_in(&nats, &names.status).await, 3);
}

#[tokio::test]
async fn the_publisher_sends_each_commit_at_once_in_order_and_the_relay_leaves_fresh_rows_alone() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let names = streams::ensure(&nats.jetstream, &config, &Registry::standard(3, true), 1)
        .await
        .expect("streams");

    let unpublished = JobStore::new(db.pool.clone(), config.clone());
    unpublished
        .enqueue(&[echo("carol")], None)
        .await
        .expect("enqueue");
    assert_eq!(
        relay_round(
            &unpublished,
            &nats,
            &RelaySettings {
                min_age: Duration::from_secs(60),
                ..NOW
            }
        )
        .await,
        0,
        "rows younger than min_age are left to their publisher"
    );
    sqlx::query("DELETE FROM orchestrator_outbox_batches")
        .execute(&db.pool)
        .await
        .expect("clear");

    let stop = CancellationToken::new();
    let (publisher, task) = Publisher::spawn(db.pool.clone(), nats.jetstream.clone(), stop.clone());
    let store = JobStore::new(db.pool.clone(), config.clone()).with_publisher(publisher);
    let accepted = store
        .enqueue(&[echo("alice"), echo("bob")], None)
        .await
        .expect("enqueue");

    let mut outbox_rows = i64::MAX;
    for _ in 0..200 {
        outbox_rows = sqlx::query_scalar("SELECT count(*) FROM orchestrator_outbox_batches")
            .fetch_one(&db.pool)
            .await
            .expect("count");
        if outbox_rows == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(outbox_rows, 0, "published rows are deleted");
    assert_eq!(messages_in(&nats, &names.jobs).await, 2);
    assert_eq!(messages_in(&nats, &names.status).await, 2);

    // Each job's first status event reaches JetStream before its request does.
    let status = nats
        .jetstream
        .get_stream(&names.status)
        .await
        .expect("stream");
    let jobs = nats
        .jetstream
        .get_stream(&names.jobs)
        .await
        .expect("stream");
    for sequence in 1..=2 {
        let request = jobs.get_raw_message(sequence).await.expect("request");
        let envelope: serde_json::Value = serde_json::from_slice(&request.payload).expect("json");
        let job_id = envelope["job_id"].as_str().expect("job id");
        assert!(accepted.iter().any(|a| a.job_id.to_string() == job_id));
        let subject = config.subject(&format!("jobs.status.{job_id}"));
        let event = status
            .get_last_raw_message_by_subject(&subject)
            .await
            .expect("status event");
        let body: serde_json::Value = serde_json::from_slice(&event.payload).expect("json");
        assert_eq!(
            (body["seq"].as_i64(), body["state"].as_str()),
            (Some(1), Some("ENQUEUED_OR_PENDING"))
        );
        assert!(event.time <= request.time, "status event first");
    }
    stop.cancel();
    task.await.expect("publisher ends");
}

/// 10,000 jobs enqueued 100 per transaction: 100 outbox rows of 200 messages each.
async fn enqueue_backlog(store: &JobStore) {
    let hundred: Vec<NewJob> = (0..100).map(|_| echo("alice")).collect();
    for _ in 0..100 {
        store.enqueue(&hundred, None).await.expect("enqueue");
    }
}

#[tokio::test]
async fn a_backlog_four_times_the_clients_ack_limit_is_relayed_in_full() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let names = streams::ensure(&nats.jetstream, &config, &Registry::standard(3, true), 1)
        .await
        .expect("streams");
    let store = JobStore::new(db.pool.clone(), config);
    enqueue_backlog(&store).await;

    let drained = tokio::time::timeout(Duration::from_secs(120), async {
        let mut published = 0;
        loop {
            match relay_round(&store, &nats, &NOW).await {
                0 => return published,
                round => published += round,
            }
        }
    })
    .await;
    assert_eq!(drained.ok(), Some(20_000), "the relay stalled");
    assert_eq!(messages_in(&nats, &names.jobs).await, 10_000);
}

#[tokio::test]
async fn the_publisher_drains_a_burst_four_times_the_clients_ack_limit() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let names = streams::ensure(&nats.jetstream, &config, &Registry::standard(3, true), 1)
        .await
        .expect("streams");
    // Committed while no publisher ran, then handed to one all at once.
    let store = JobStore::new(db.pool.clone(), config.clone());
    enqueue_backlog(&store).await;
    let stored: Vec<(i64, serde_json::Value)> =
        sqlx::query_as("SELECT id, messages FROM orchestrator_outbox_batches ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .expect("outbox");
    let stop = CancellationToken::new();
    let (publisher, task) = Publisher::spawn(db.pool.clone(), nats.jetstream.clone(), stop.clone());
    for (id, messages) in stored {
        publisher.send(exobrain_jobs::outbox::Queued {
            id,
            messages: exobrain_jobs::outbox::read_messages(&messages),
        });
    }

    let mut jobs = 0;
    for _ in 0..1200 {
        jobs = messages_in(&nats, &names.jobs).await;
        if jobs == 10_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(jobs, 10_000, "the publisher stalled");
    stop.cancel();
    task.await.expect("publisher ends");
}
