//! The harness's promise: tests running side by side never see each other's rows, subjects,
//! streams or keys, and nothing is left behind.

use std::time::Duration;

use exobrain_testkit::{TestDb, TestNats, TestRedis};
use futures::StreamExt;
use redis::AsyncCommands;
use sqlx::Row;

#[tokio::test]
async fn parallel_databases_do_not_share_rows() {
    let (first, second) = tokio::join!(TestDb::create(), TestDb::create());
    assert_ne!(first.name, second.name);
    for db in [&first, &second] {
        sqlx::query("CREATE TABLE notes (body TEXT NOT NULL)")
            .execute(&db.pool)
            .await
            .expect("create table");
    }
    sqlx::query("INSERT INTO notes VALUES ('only in first')")
        .execute(&first.pool)
        .await
        .expect("insert");

    let count = |db: &TestDb| {
        let pool = db.pool.clone();
        async move {
            sqlx::query("SELECT count(*) AS n FROM notes")
                .fetch_one(&pool)
                .await
                .expect("count")
                .get::<i64, _>("n")
        }
    };
    assert_eq!(count(&first).await, 1);
    assert_eq!(count(&second).await, 0);
}

#[tokio::test]
async fn a_dropped_database_is_gone() {
    let keeper = TestDb::create().await;
    let db = TestDb::create().await;
    let name = db.name.clone();
    drop(db);
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&keeper.pool)
            .await
            .expect("query pg_database");
    assert!(!exists, "database {name} should have been dropped");
}

#[tokio::test]
async fn parallel_nats_prefixes_do_not_share_messages_or_streams() {
    let (first, second) = tokio::join!(TestNats::new(), TestNats::new());
    assert_ne!(first.prefix, second.prefix);
    let mut first_sub = first
        .client
        .subscribe(first.subject("events.>"))
        .await
        .expect("subscribe");
    let mut second_sub = second
        .client
        .subscribe(second.subject("events.>"))
        .await
        .expect("subscribe");
    first.client.flush().await.expect("flush");
    second.client.flush().await.expect("flush");

    first
        .client
        .publish(first.subject("events.a"), "from first".into())
        .await
        .expect("publish");
    first.client.flush().await.expect("flush");

    let received = tokio::time::timeout(Duration::from_secs(2), first_sub.next())
        .await
        .expect("first receives its own message")
        .expect("message");
    assert_eq!(&received.payload[..], b"from first");
    let leaked = tokio::time::timeout(Duration::from_millis(300), second_sub.next()).await;
    assert!(
        leaked.is_err(),
        "second test must not see the first test's message"
    );

    let stream = first.stream("JOBS");
    first
        .jetstream
        .create_stream(async_nats::jetstream::stream::Config {
            name: stream.clone(),
            subjects: vec![first.subject("jobs.>")],
            ..Default::default()
        })
        .await
        .expect("create stream");
    assert!(
        second
            .jetstream
            .get_stream(&second.stream("JOBS"))
            .await
            .is_err()
    );

    let watcher = TestNats::new().await;
    drop(first);
    assert!(
        watcher.jetstream.get_stream(&stream).await.is_err(),
        "the stream {stream} should be deleted with its test"
    );
}

#[tokio::test]
async fn parallel_redis_prefixes_do_not_share_keys() {
    let (first, second) = tokio::join!(TestRedis::new(), TestRedis::new());
    let mut first_conn = first.connection.clone();
    let mut second_conn = second.connection.clone();
    let _: () = first_conn
        .set(first.key("session"), "alice")
        .await
        .expect("set");

    let own: Option<String> = first_conn.get(first.key("session")).await.expect("get");
    let other: Option<String> = second_conn.get(second.key("session")).await.expect("get");
    assert_eq!(own.as_deref(), Some("alice"));
    assert_eq!(other, None);

    let key = first.key("session");
    drop(first);
    let left: Option<String> = second_conn.get(&key).await.expect("get");
    assert_eq!(left, None, "keys of a finished test are removed");
}
