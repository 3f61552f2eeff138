//! Admission through real gRPC and PostgreSQL: the job-type policy refuses the types it denies
//! for a user (alone or inside a batch, storing nothing), a bad policy file stops startup with
//! the file and problem named, and a user's queue limit turns further enqueues away until some
//! of their jobs finish, and a job type whose backlog in JetStream is over its limit is refused
//! until the backlog drains.

mod support;

use std::path::PathBuf;

use exobrain_common::config::Env;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::{CancelJobRequest, EnqueueJobRequest, EnqueueJobsRequest};
use exobrain_testkit::checks::base_env;
use exobrain_testkit::unique_suffix;
use job_orchestrator_api::Config;
use support::{echo, spawn_api_with};
use tonic::Code;

/// A file holding `text` that is removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn with(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("job-policy-{}.json", unique_suffix()));
        std::fs::write(&path, text).expect("write policy");
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn sleep(user: &str) -> EnqueueJobRequest {
    EnqueueJobRequest {
        job_type: "diagnostics.sleep".into(),
        user_id: user.into(),
        payload: Some(Payload::PayloadJson(r#"{"ms":1}"#.into())),
        idempotency_key: String::new(),
    }
}

#[tokio::test]
async fn the_policy_refuses_denied_types_per_user_and_stores_nothing() {
    let policy = TempFile::with(
        r#"{ "job_types": {
                "diagnostics.sleep": { "default": "deny", "allow_users": ["ops"] },
                "diagnostics.echo": { "deny_users": ["mallory"] }
        } }"#,
    );
    let mut api = spawn_api_with(&[("JOB_POLICY_PATH", policy.path())]).await;

    let error = api
        .client
        .enqueue_job(sleep("alice"))
        .await
        .expect_err("denied");
    assert_eq!(error.code(), Code::PermissionDenied);
    assert!(
        error.message().contains("`diagnostics.sleep`"),
        "{}",
        error.message()
    );
    api.enqueue(sleep("ops")).await;
    api.enqueue(echo("alice", "")).await;
    let error = api
        .client
        .enqueue_job(echo("mallory", ""))
        .await
        .expect_err("denied");
    assert_eq!(error.code(), Code::PermissionDenied);

    let mixed = EnqueueJobsRequest {
        user_id: "alice".into(),
        jobs: vec![echo("", ""), sleep("")],
        idempotency_key: String::new(),
    };
    let error = api.client.enqueue_jobs(mixed).await.expect_err("denied");
    assert_eq!(error.code(), Code::PermissionDenied);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs")
        .fetch_one(&api.db.pool)
        .await
        .expect("count");
    assert_eq!(stored, 2, "only the two allowed jobs exist");
}

#[test]
fn a_bad_policy_file_stops_startup_naming_the_file_and_problem() {
    let unknown_type = TempFile::with(r#"{ "job_types": { "mail.send": {} } }"#);
    let not_json = TempFile::with("default = 'allow'");
    for (file, problem) in [
        (&unknown_type, "unknown job type `mail.send`"),
        (&not_json, "not valid policy JSON"),
    ] {
        let mut env = base_env();
        env.insert("JOB_POLICY_PATH".into(), file.path().to_owned());
        let error = Config::from_env(Env::from_map(env)).expect_err("bad policy");
        let message = error.to_string();
        assert!(message.contains("JOB_POLICY_PATH"), "{message}");
        assert!(message.contains(file.path()), "{message}");
        assert!(message.contains(problem), "{message}");
    }
}

#[tokio::test]
async fn a_full_queue_is_refused_until_jobs_finish() {
    let mut api = spawn_api_with(&[("JOB_MAX_QUEUED_PER_USER", "3")]).await;
    let two = || EnqueueJobsRequest {
        user_id: "alice".into(),
        jobs: vec![echo("", ""), echo("", "")],
        idempotency_key: String::new(),
    };
    let first = api
        .client
        .enqueue_jobs(two())
        .await
        .expect("room for two")
        .into_inner();

    let error = api.client.enqueue_jobs(two()).await.expect_err("full");
    assert_eq!(error.code(), Code::ResourceExhausted);
    assert!(
        error.message().contains("limit of 3"),
        "{}",
        error.message()
    );
    assert!(
        error.message().contains("JOB_MAX_QUEUED_PER_USER"),
        "{}",
        error.message()
    );

    api.enqueue(echo("alice", "")).await;
    let error = api
        .client
        .enqueue_job(echo("alice", ""))
        .await
        .expect_err("full");
    assert_eq!(error.code(), Code::ResourceExhausted);
    api.enqueue(echo("bob", "")).await;

    api.client
        .cancel_job(CancelJobRequest {
            job_id: first.job_ids[0].clone(),
            user_id: "alice".into(),
        })
        .await
        .expect("cancel");
    api.enqueue(echo("alice", "")).await;
}

#[tokio::test]
async fn a_job_type_with_too_many_waiting_requests_is_refused_until_they_drain() {
    let mut api = spawn_api_with(&[("JOB_MAX_BACKLOG", "3")]).await;
    for _ in 0..3 {
        api.enqueue(echo("alice", "")).await;
    }
    // No worker runs: the three requests wait in JetStream, which admission reads every second.
    let mut refused = None;
    for _ in 0..60 {
        match api.client.enqueue_job(echo("bob", "")).await {
            Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            Err(status) => {
                refused = Some(status);
                break;
            }
        }
    }
    let status = refused.expect("refused once the backlog was read");
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert!(
        status.message().contains("JOB_MAX_BACKLOG"),
        "{}",
        status.message()
    );
    let other_type = EnqueueJobRequest {
        job_type: "diagnostics.fail".into(),
        user_id: "bob".into(),
        payload: Some(Payload::PayloadJson(r#"{"fail_attempts":0}"#.into())),
        idempotency_key: String::new(),
    };
    api.client
        .enqueue_job(other_type)
        .await
        .expect("another type has its own backlog");

    // Draining the waiting requests lets the type in again.
    let stream = api
        .nats
        .jetstream
        .get_stream(api.nats.stream("JOBS"))
        .await
        .expect("stream");
    stream.purge().await.expect("purge");
    let mut accepted = false;
    for _ in 0..30 {
        if api.client.enqueue_job(echo("bob", "")).await.is_ok() {
            accepted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(accepted, "accepted again after the backlog drained");
}
