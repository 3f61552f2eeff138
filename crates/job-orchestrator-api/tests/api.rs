//! The API through real gRPC, PostgreSQL and JetStream: a job is readable the moment it is
//! accepted, only by its owner, reaches its JetStream stream, and can be watched from before
//! pickup to its terminal state.

use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_jobs::MIGRATOR;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use exobrain_proto::job_orchestrator::{
    EnqueueJobRequest, GetJobStatusRequest, JobLifecycleState, WatchJobStatusRequest,
};
use exobrain_testkit::checks::{assert_stops_cleanly, base_env};
use exobrain_testkit::{TestDb, TestNats, TestServer, bind_ephemeral, wait_until_ok};
use job_orchestrator_api::{Config, Listeners};
use tonic::transport::Channel;

struct Api {
    client: JobOrchestratorClient<Channel>,
    server: TestServer<exobrain_common::startup::RunError>,
    nats: TestNats,
    db: TestDb,
}

async fn spawn_api() -> Api {
    let (db, nats) = (TestDb::migrated(&MIGRATOR).await, TestNats::new().await);
    let mut env = base_env();
    env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), db.dsn.clone());
    env.extend(nats.service_env());
    let config = Config::from_env(Env::from_map(env)).expect("config");
    let listeners = Listeners {
        grpc: bind_ephemeral().await,
        admin: bind_ephemeral().await,
    };
    let grpc = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
    let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| job_orchestrator_api::run(config, listeners, token));
    assert!(
        wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(10)).await,
        "api never became ready"
    );
    let client = JobOrchestratorClient::connect(grpc).await.expect("connect");
    Api {
        client,
        server,
        nats,
        db,
    }
}

fn echo(user: &str, key: &str) -> EnqueueJobRequest {
    EnqueueJobRequest {
        job_type: "diagnostics.echo".into(),
        user_id: user.into(),
        payload: Some(Payload::PayloadJson(r#"{"hello":"world"}"#.into())),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn an_accepted_job_is_readable_at_once_by_its_owner_only() {
    let mut api = spawn_api().await;
    let reply = api
        .client
        .enqueue_job(echo("alice", ""))
        .await
        .expect("enqueue")
        .into_inner();
    assert!(!reply.deduplicated);

    let status = api
        .client
        .get_job_status(GetJobStatusRequest {
            job_id: reply.job_id.clone(),
            user_id: "alice".into(),
        })
        .await
        .expect("status")
        .into_inner();
    assert_eq!(status.state, JobLifecycleState::EnqueuedOrPending as i32);
    assert_eq!((status.seq, status.attempt, status.terminal), (1, 0, false));
    assert_eq!(status.job_type, "diagnostics.echo");

    let denied = api
        .client
        .get_job_status(GetJobStatusRequest {
            job_id: reply.job_id.clone(),
            user_id: "mallory".into(),
        })
        .await
        .expect_err("other user");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);

    let mut stream = api
        .nats
        .jetstream
        .get_stream(api.nats.stream("JOBS"))
        .await
        .expect("JOBS stream");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while stream.info().await.expect("info").state.messages < 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the request never reached JetStream"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_stops_cleanly(api.server).await;
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_same_job() {
    let mut api = spawn_api().await;
    let first = api
        .client
        .enqueue_job(echo("alice", "day-1"))
        .await
        .expect("first")
        .into_inner();
    let again = api
        .client
        .enqueue_job(echo("alice", "day-1"))
        .await
        .expect("again")
        .into_inner();
    assert_eq!(again.job_id, first.job_id);
    assert!(again.deduplicated);
}

#[tokio::test]
async fn invalid_requests_name_the_field_to_fix() {
    let mut api = spawn_api().await;
    let mut request = echo("", "");
    request.job_type = "mail.send".into();
    let error = api.client.enqueue_job(request).await.expect_err("invalid");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);
    assert!(
        error.message().contains("user_id: is required"),
        "{}",
        error.message()
    );

    let error = api
        .client
        .get_job_status(GetJobStatusRequest {
            job_id: "not-a-uuid".into(),
            user_id: "alice".into(),
        })
        .await
        .expect_err("bad id");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);
    assert!(
        error.message().starts_with("job_id:"),
        "{}",
        error.message()
    );

    let missing = api
        .client
        .get_job_status(GetJobStatusRequest {
            job_id: uuid_like(),
            user_id: "alice".into(),
        })
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), tonic::Code::NotFound);
}

fn uuid_like() -> String {
    "00000000-0000-4000-8000-000000000000".to_owned()
}

#[tokio::test]
async fn a_watch_from_before_pickup_sees_every_transition_once_and_ends() {
    let mut api = spawn_api().await;
    let job_id = api
        .client
        .enqueue_job(echo("alice", ""))
        .await
        .expect("enqueue")
        .into_inner()
        .job_id;
    let request = WatchJobStatusRequest {
        job_id: job_id.clone(),
        include_current: true,
        user_id: "alice".into(),
    };
    let mut events = api
        .client
        .watch_job_status(request)
        .await
        .expect("watch")
        .into_inner();

    // Play the worker's part directly on the store.
    let nats_config =
        exobrain_common::nats::NatsConfig::new(api.nats.url.clone(), api.nats.prefix.clone());
    let store = exobrain_jobs::store::JobStore::new(api.db.pool.clone(), nats_config);
    let id = exobrain_jobs::domain::JobId::parse("job_id", &job_id).expect("id");
    let lease = chrono::Utc::now() + chrono::Duration::seconds(30);
    let attempt = store
        .start_attempt(id, "worker-test", lease)
        .await
        .expect("start")
        .expect("granted");
    let outcome = exobrain_jobs::store::Outcome::Succeeded(serde_json::json!({ "echo": true }));
    store
        .finish_attempt(&attempt, "worker-test", outcome)
        .await
        .expect("finish");

    let mut seen = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), events.message())
        .await
        .expect("events keep coming until the end")
        .expect("stream ok")
    {
        seen.push((event.seq, event.state, event.terminal));
    }
    assert_eq!(
        seen,
        [
            (1, JobLifecycleState::EnqueuedOrPending as i32, false),
            (2, JobLifecycleState::Started as i32, false),
            (3, JobLifecycleState::Succeeded as i32, true),
        ]
    );

    let finished = WatchJobStatusRequest {
        job_id,
        include_current: true,
        user_id: "alice".into(),
    };
    let mut replay = api
        .client
        .watch_job_status(finished)
        .await
        .expect("watch")
        .into_inner();
    let only = replay.message().await.expect("ok").expect("snapshot");
    assert_eq!((only.seq, only.terminal), (3, true));
    assert!(
        replay.message().await.expect("ok").is_none(),
        "a finished job's watch ends after the snapshot"
    );
}
