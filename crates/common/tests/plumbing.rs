//! Shared plumbing against real infrastructure: connections fail with the variable to fix,
//! JetStream is verified, migrations are idempotent, readiness reflects failing checks, and
//! trace context survives HTTP, gRPC and NATS hops.

use std::time::Duration;

use exobrain_common::config::Dsn;
use exobrain_common::health::Readiness;
use exobrain_common::nats::NatsConfig;
use exobrain_common::startup::ConnectPolicy;
use exobrain_common::telemetry::propagation;
use exobrain_testkit::{TestDb, TestNats, TestRedis, TestServer, bind_ephemeral, free_port};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

const QUICK: ConnectPolicy = ConnectPolicy {
    budget: Duration::from_millis(600),
};

#[tokio::test]
async fn unreachable_postgres_names_the_variable() {
    let dsn = Dsn::new(
        "ASSISTANT_DB_DSN",
        format!("postgresql://u:secret@127.0.0.1:{}/db", free_port()),
    );
    let error = exobrain_common::db::connect(&dsn, Default::default(), QUICK)
        .await
        .expect_err("nothing listens");
    let text = error.to_string();
    assert!(text.starts_with("cannot reach PostgreSQL"), "{text}");
    assert!(text.contains("(check ASSISTANT_DB_DSN)"), "{text}");
    assert!(
        !text.contains("secret"),
        "credentials must not be printed: {text}"
    );
}

#[tokio::test]
async fn unreachable_redis_and_nats_name_their_variables() {
    let redis = Dsn::new(
        "ASSISTANT_CACHE_REDIS_URL",
        format!("redis://127.0.0.1:{}/0", free_port()),
    );
    let error = exobrain_common::redis::connect(&redis, QUICK)
        .await
        .expect_err("nothing listens");
    assert!(
        error
            .to_string()
            .contains("check ASSISTANT_CACHE_REDIS_URL"),
        "{error}"
    );

    let nats = NatsConfig::new(format!("nats://127.0.0.1:{}", free_port()), String::new());
    let error = exobrain_common::nats::connect(&nats, QUICK)
        .await
        .expect_err("nothing listens");
    assert!(
        error.to_string().contains("check EXOBRAIN_NATS_URL"),
        "{error}"
    );
}

#[tokio::test]
async fn nats_connection_proves_jetstream_and_applies_the_prefix() {
    let test = TestNats::new().await;
    let config = NatsConfig::new(test.url.clone(), test.prefix.clone());
    let nats = exobrain_common::nats::connect(&config, ConnectPolicy::default())
        .await
        .expect("connects");
    assert!(exobrain_common::nats::is_connected(&nats.client));
    assert_eq!(
        config.subject("jobs.x.requested"),
        test.subject("jobs.x.requested")
    );
    assert_eq!(config.stream("JOBS"), test.stream("JOBS"));
}

#[tokio::test]
async fn redis_connection_answers_ping() {
    let test = TestRedis::new().await;
    let url = Dsn::new("ASSISTANT_CACHE_REDIS_URL", test.url.clone());
    let mut connection = exobrain_common::redis::connect(&url, ConnectPolicy::default())
        .await
        .expect("connects");
    exobrain_common::redis::ping(&mut connection)
        .await
        .expect("pong");
}

static SAMPLE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("tests/migrations");

#[tokio::test]
async fn migrating_twice_is_harmless() {
    let db = TestDb::create().await;
    let dsn = Dsn::new("SAMPLE_DSN", db.dsn.clone());
    for _ in 0..2 {
        exobrain_common::db::migrate_command(&dsn, &SAMPLE_MIGRATIONS, ConnectPolicy::default())
            .await
            .expect("migrate");
    }
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(applied, 1);
    exobrain_common::db::ping(&db.pool).await.expect("ping");
}

#[tokio::test]
async fn readyz_is_503_with_the_failing_check_named() {
    let readiness = Readiness::new()
        .with_check("postgres", || async { Ok::<_, String>(()) })
        .with_check("nats", || async { Err::<(), _>("not connected") });
    let listener = bind_ephemeral().await;
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| {
        exobrain_common::admin::serve_http_service(
            listener,
            axum::Router::new(),
            readiness,
            token,
            Duration::from_secs(1),
        )
    });

    assert!(
        exobrain_testkit::wait_until_ok(&format!("{base}/healthz"), Duration::from_secs(5)).await
    );
    let response = reqwest::get(format!("{base}/readyz"))
        .await
        .expect("readyz");
    assert_eq!(response.status(), 503);
    let report: serde_json::Value = response.json().await.expect("json");
    assert_eq!(report["status"], "not_ready");
    assert_eq!(report["checks"]["nats"], "not connected");
    assert_eq!(report["checks"]["postgres"], "ok");
    server
        .stop_within(Duration::from_secs(5))
        .await
        .expect("stops")
        .expect("clean");
}

#[test]
fn trace_context_survives_http_grpc_and_nats_headers() {
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("caller");
        let _entered = span.enter();
        let trace_id = span.context().span().span_context().trace_id();
        assert_ne!(trace_id, opentelemetry::trace::TraceId::INVALID);

        let mut http_headers = http::HeaderMap::new();
        propagation::inject_http(&mut http_headers);
        assert!(http_headers.contains_key("traceparent"));
        let from_http = propagation::extract_http(&http_headers);
        assert_eq!(from_http.span().span_context().trace_id(), trace_id);

        let mut metadata = tonic::metadata::MetadataMap::new();
        propagation::inject_grpc(&mut metadata);
        let from_grpc = propagation::extract_grpc(&metadata);
        assert_eq!(from_grpc.span().span_context().trace_id(), trace_id);

        let mut nats_headers = async_nats::HeaderMap::new();
        propagation::inject_nats(&mut nats_headers);
        let from_nats = propagation::extract_nats(&nats_headers);
        assert_eq!(from_nats.span().span_context().trace_id(), trace_id);
    });
}

#[tokio::test]
async fn prefixed_subjects_of_parallel_tests_never_cross() {
    use futures::StreamExt;

    let (first, second) = tokio::join!(TestNats::new(), TestNats::new());
    let config_of = |test: &TestNats| NatsConfig::new(test.url.clone(), test.prefix.clone());
    let (first_config, second_config) = (config_of(&first), config_of(&second));
    let first_nats = exobrain_common::nats::connect(&first_config, ConnectPolicy::default())
        .await
        .expect("connect");
    let second_nats = exobrain_common::nats::connect(&second_config, ConnectPolicy::default())
        .await
        .expect("connect");

    let mut second_sub = second_nats
        .client
        .subscribe(second_config.subject("jobs.>"))
        .await
        .expect("subscribe");
    second_nats.client.flush().await.expect("flush");
    first_nats
        .client
        .publish(first_config.subject("jobs.demo.requested"), "first".into())
        .await
        .expect("publish");
    second_nats
        .client
        .publish(
            second_config.subject("jobs.demo.requested"),
            "second".into(),
        )
        .await
        .expect("publish");

    let received = tokio::time::timeout(Duration::from_secs(2), second_sub.next())
        .await
        .expect("own message arrives")
        .expect("message");
    assert_eq!(&received.payload[..], b"second");
    let leaked = tokio::time::timeout(Duration::from_millis(300), second_sub.next()).await;
    assert!(leaked.is_err(), "the other test's message must not arrive");
}

#[tokio::test]
async fn parallel_test_databases_keep_their_rows_apart() {
    let (first, second) = tokio::join!(
        TestDb::migrated(&SAMPLE_MIGRATIONS),
        TestDb::migrated(&SAMPLE_MIGRATIONS)
    );
    sqlx::query("INSERT INTO sample_notes (body) VALUES ('first only')")
        .execute(&first.pool)
        .await
        .expect("insert");
    let count = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sample_notes")
            .fetch_one(&pool)
            .await
            .expect("count")
    };
    assert_eq!(count(first.pool.clone()).await, 1);
    assert_eq!(count(second.pool.clone()).await, 0);
}
