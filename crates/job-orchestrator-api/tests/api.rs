//! The API through real gRPC, PostgreSQL and JetStream: a job is readable the moment it is
//! accepted, only by its owner, reaches its JetStream stream, and can be watched from before
//! pickup to its terminal state.

mod support;

use std::time::Duration;

use exobrain_jobs::store::Outcome;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::{
    GetJobStatusRequest, JobLifecycleState, WatchJobStatusRequest,
};
use exobrain_testkit::checks::assert_stops_cleanly;
use support::{echo, run_attempt, spawn_api, unknown_id};

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
            job_id: unknown_id(),
            user_id: "alice".into(),
        })
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), tonic::Code::NotFound);
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
    let outcome = Outcome::Succeeded(serde_json::json!({ "echo": true }));
    run_attempt(&api.store(), &job_id, outcome).await;

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

#[tokio::test]
async fn a_payload_holding_a_nul_character_is_refused_naming_where() {
    let mut api = spawn_api().await;
    let mut request = echo("alice", "");
    request.payload = Some(Payload::PayloadJson(r#"{"hello":"a\u0000b"}"#.into()));
    let error = api.client.enqueue_job(request).await.expect_err("nul");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);
    assert!(
        error
            .message()
            .starts_with("payload_json.hello: holds a NUL character"),
        "{}",
        error.message()
    );
}
