//! The outbox relay against real PostgreSQL and JetStream: accepted jobs reach their streams,
//! the outbox empties, and a re-publish after a crash does not duplicate anything.

use exobrain_common::nats::NatsConfig;
use exobrain_jobs::MIGRATOR;
use exobrain_jobs::domain::{JobType, NewJob, Registry, UserId};
use exobrain_jobs::store::JobStore;
use exobrain_jobs::{relay, streams};
use exobrain_testkit::{TestDb, TestNats};
use serde_json::json;

fn echo(owner: &str) -> NewJob {
    NewJob {
        job_type: JobType::parse("job_type", "diagnostics.echo").expect("type"),
        owner: UserId::parse("user_id", owner).expect("user"),
        payload: json!({ "n": 1 }),
        idempotency_key: None,
        max_attempts: 3,
    }
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
    let names = streams::ensure(&nats.jetstream, &config, &registry)
        .await
        .expect("streams");
    streams::ensure(&nats.jetstream, &config, &registry)
        .await
        .expect("ensuring twice is harmless");

    let store = JobStore::new(db.pool.clone(), config.clone());
    store
        .enqueue(&[echo("alice"), echo("alice"), echo("bob")], None)
        .await
        .expect("enqueue");
    let saved: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT subject, msg_id, payload::text FROM orchestrator_outbox ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("outbox");

    assert_eq!(
        relay::relay_once(&db.pool, &nats.jetstream)
            .await
            .expect("relay"),
        6
    );
    assert_eq!(
        relay::relay_once(&db.pool, &nats.jetstream)
            .await
            .expect("relay"),
        0,
        "outbox is empty"
    );
    assert_eq!(messages_in(&nats, &names.jobs).await, 3);
    assert_eq!(messages_in(&nats, &names.status).await, 3);

    // A relay that crashed after publishing but before deleting publishes the same rows again.
    for (subject, msg_id, payload) in saved {
        sqlx::query(
            "INSERT INTO orchestrator_outbox (subject, msg_id, payload) VALUES ($1, $2, $3::jsonb)",
        )
        .bind(subject)
        .bind(msg_id)
        .bind(payload)
        .execute(&db.pool)
        .await
        .expect("reinsert");
    }
    assert_eq!(
        relay::relay_once(&db.pool, &nats.jetstream)
            .await
            .expect("relay"),
        6
    );
    assert_eq!(
        messages_in(&nats, &names.jobs).await,
        3,
        "duplicates are dropped by Nats-Msg-Id"
    );
    assert_eq!(messages_in(&nats, &names.status).await, 3);
}
