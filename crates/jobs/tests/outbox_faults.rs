//! Outbox rows that cannot be published, against real PostgreSQL and JetStream: a row NATS
//! refuses (a message over the server's `max_payload`, a subject no stream captures) is tried
//! again, then parked with its error, and the job it requested fails for good with reason
//! `unpublishable`, while the rows around it are published. An outage of NATS blames no row.

use std::time::Duration;

use exobrain_common::nats::NatsConfig;
use exobrain_jobs::MIGRATOR;
use exobrain_jobs::domain::{JobId, JobState, JobType, NewJob, Registry, UserId};
use exobrain_jobs::outbox::relay::{self, RelayError, RelaySettings};
use exobrain_jobs::store::{JobStore, UNPUBLISHABLE};
use exobrain_jobs::streams;
use exobrain_testkit::{PrivateNats, TestDb, TestNats};
use serde_json::json;

/// Every row due at once; a row is parked at its second refusal.
const IMPATIENT: RelaySettings = RelaySettings {
    min_age: Duration::ZERO,
    idle: Duration::from_millis(50),
    park_after: 2,
    retry_pause: Duration::ZERO,
    round_deadline: Duration::from_secs(60),
};

fn alice() -> UserId {
    UserId::parse("user_id", "alice").expect("user")
}

/// Enqueues one job of `job_type` in its own transaction (its own outbox row).
async fn enqueue(store: &JobStore, job_type: &str) -> JobId {
    let job = NewJob {
        job_type: JobType::parse("job_type", job_type).expect("type"),
        owner: alice(),
        payload: json!({ "n": 1 }),
        idempotency_key: None,
        max_attempts: 3,
        trace_context: Default::default(),
    };
    store.enqueue(&[job], None).await.expect("enqueue")[0].job_id
}

/// Rewrites the request message of `job_id` in its outbox row with `edit` (a jsonb
/// expression over `m`, the message).
async fn tamper(db: &TestDb, job_id: JobId, edit: &str) {
    sqlx::query(&format!(
        "UPDATE orchestrator_outbox_batches AS b
         SET messages = (SELECT jsonb_agg(CASE WHEN m ->> 'msg_id' = $1 THEN {edit} ELSE m END
                                          ORDER BY position)
                         FROM jsonb_array_elements(b.messages) WITH ORDINALITY AS e(m, position))
         WHERE b.id = (SELECT batch_id FROM orchestrator_outbox_messages WHERE msg_id = $1)"
    ))
    .bind(job_id.to_string())
    .execute(&db.pool)
    .await
    .expect("tamper");
}

async fn messages_in(nats: &TestNats, stream: &str) -> u64 {
    let mut stream = nats.jetstream.get_stream(stream).await.expect("stream");
    stream.info().await.expect("info").state.messages
}

#[tokio::test]
async fn refused_rows_are_parked_and_their_jobs_failed_while_the_rows_around_them_flow() {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let names = streams::ensure(&nats.jetstream, &config, &Registry::standard(3, true), 1)
        .await
        .expect("streams");
    let store = JobStore::new(db.pool.clone(), config.clone());
    let first = enqueue(&store, "diagnostics.echo").await;
    let oversize = enqueue(&store, "diagnostics.echo").await;
    let stray = enqueue(&store, "diagnostics.sleep").await;
    let last = enqueue(&store, "diagnostics.echo").await;
    let too_big = 2 * nats.client.server_info().max_payload;
    tamper(
        &db,
        oversize,
        &format!("jsonb_set(m, '{{payload,payload,blob}}', to_jsonb(repeat('x', {too_big})))"),
    )
    .await;
    // Nothing captures sleep requests any more.
    let nowhere = config.subject("jobs.diagnostics.sleep.requested");
    let mut jobs_stream = nats
        .jetstream
        .get_stream(&names.jobs)
        .await
        .expect("stream");
    let mut narrowed = jobs_stream.info().await.expect("info").config.clone();
    narrowed.subjects.retain(|subject| *subject != nowhere);
    nats.jetstream
        .update_stream(narrowed)
        .await
        .expect("narrow the stream");

    let mut parked = 0;
    for _ in 0..4 {
        parked += relay::relay_once(&store, &nats.jetstream, &IMPATIENT)
            .await
            .expect("relay")
            .parked;
    }
    assert_eq!(parked, 2);
    assert_eq!(
        messages_in(&nats, &names.jobs).await,
        2,
        "the jobs around the refused rows were published"
    );
    for job_id in [first, last] {
        let snapshot = store.snapshot(job_id, &alice()).await.expect("snapshot");
        assert_eq!(snapshot.state, JobState::Pending);
    }
    for job_id in [oversize, stray] {
        let snapshot = store.snapshot(job_id, &alice()).await.expect("snapshot");
        assert_eq!(snapshot.state, JobState::FailedFinal);
        assert!(
            snapshot.detail.contains("could not be published"),
            "{}",
            snapshot.detail
        );
        let reasons: Vec<String> =
            sqlx::query_scalar("SELECT reason FROM orchestrator_dead_letters WHERE job_id = $1")
                .bind(job_id.as_uuid())
                .fetch_all(&db.pool)
                .await
                .expect("dead letters");
        assert_eq!(reasons, [UNPUBLISHABLE]);
    }
    assert_eq!(
        messages_in(&nats, &names.dlq).await,
        2,
        "the failures were announced"
    );
    let rows: Vec<(i32, Option<String>, bool)> = sqlx::query_as(
        "SELECT attempts, last_error, parked_at IS NOT NULL FROM orchestrator_outbox_batches ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("outbox");
    assert_eq!(rows.len(), 2, "only the parked rows are left: {rows:?}");
    let errors: Vec<String> = rows
        .into_iter()
        .map(|(tries, error, parked)| {
            assert_eq!((tries, parked), (2, true));
            error.unwrap_or_default()
        })
        .collect();
    assert!(errors[0].contains("max payload"), "{}", errors[0]);
    assert!(errors[1].contains(&nowhere), "{}", errors[1]);
}

#[tokio::test]
async fn rows_that_fail_while_nats_is_down_are_not_counted_against_them() {
    let mut server = PrivateNats::start().await;
    let db = TestDb::migrated(&MIGRATOR).await;
    let client = async_nats::connect(&server.url).await.expect("connect");
    let mut js = async_nats::jetstream::new(client);
    js.set_timeout(Duration::from_secs(1));
    let config = NatsConfig::new(server.url.clone(), "outage");
    let names = streams::ensure(&js, &config, &Registry::standard(3, true), 1)
        .await
        .expect("streams");
    let store = JobStore::new(db.pool.clone(), config);
    enqueue(&store, "diagnostics.echo").await;

    server.stop().await;
    for _ in 0..IMPATIENT.park_after + 1 {
        let round = relay::relay_once(&store, &js, &IMPATIENT).await;
        assert!(
            matches!(round, Err(RelayError::Unavailable(_))),
            "{round:?}"
        );
    }
    let tries: i32 = sqlx::query_scalar("SELECT attempts FROM orchestrator_outbox_batches")
        .fetch_one(&db.pool)
        .await
        .expect("row");
    assert_eq!(tries, 0, "an outage is not the row's fault");

    server.restart().await;
    let mut published = 0;
    for _ in 0..100 {
        if let Ok(round) = relay::relay_once(&store, &js, &IMPATIENT).await {
            published += round.published;
        }
        if published > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(published, 2);
    let mut stream = js.get_stream(&names.jobs).await.expect("stream");
    assert_eq!(stream.info().await.expect("info").state.messages, 1);
}
