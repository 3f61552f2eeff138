//! The whole job system end to end: the API and a real worker in-process on one database and
//! NATS prefix. A job enqueued through gRPC and watched from before any worker runs reaches
//! SUCCEEDED with every transition seen once in increasing seq; a batch is watched to its end;
//! a job that keeps failing is dead-lettered and can be replayed from the API.

mod support;

use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::{
    EnqueueJobRequest, EnqueueJobsRequest, GetJobStatusRequest, JobLifecycleState,
    ListDeadLettersRequest, ReplayDeadLetterRequest, WatchBatchStatusRequest,
    WatchJobStatusRequest,
};
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{TestServer, bind_ephemeral, wait_until_ok};
use support::{Api, echo, spawn_api};

/// A worker on `api`'s database and NATS prefix.
async fn spawn_worker(api: &Api) -> TestServer<RunError> {
    let mut env = base_env();
    env.insert("JOB_ORCHESTRATOR_DB_DSN".into(), api.db.dsn.clone());
    env.extend(api.nats.service_env());
    env.insert("JOB_RETRY_BACKOFF_BASE_SECONDS".into(), "0.05".into());
    env.insert("WORKER_REPLICA_COUNT".into(), "8".into());
    let config = job_orchestrator_worker::Config::from_env(Env::from_map(env)).expect("config");
    let admin = bind_ephemeral().await;
    let ready = format!("http://{}/readyz", admin.local_addr().expect("addr"));
    let worker = TestServer::spawn(|token| job_orchestrator_worker::run(config, admin, token));
    assert!(
        wait_until_ok(&ready, Duration::from_secs(10)).await,
        "worker ready"
    );
    worker
}

#[tokio::test]
async fn a_job_watched_before_pickup_succeeds_with_each_transition_once_in_order() {
    let mut api = spawn_api().await;
    let job_id = api.enqueue(echo("alice", "")).await;
    let mut events = api
        .client
        .watch_job_status(WatchJobStatusRequest {
            job_id: job_id.clone(),
            include_current: true,
            user_id: "alice".into(),
        })
        .await
        .expect("watch")
        .into_inner();
    let _worker = spawn_worker(&api).await;

    let mut seen = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(15), events.message())
        .await
        .expect("events until the job ends")
        .expect("stream ok")
    {
        seen.push((event.seq, event.state, event.terminal));
    }
    let pending = JobLifecycleState::EnqueuedOrPending as i32;
    let started = JobLifecycleState::Started as i32;
    let succeeded = JobLifecycleState::Succeeded as i32;
    assert_eq!(
        seen,
        [
            (1, pending, false),
            (2, started, false),
            (3, succeeded, true)
        ],
        "snapshot first, then each transition once"
    );
}

#[tokio::test]
async fn a_batch_enqueued_through_the_api_is_watched_to_its_end() {
    let mut api = spawn_api().await;
    let _worker = spawn_worker(&api).await;
    let jobs: Vec<EnqueueJobRequest> = (0..20).map(|_| echo("", "")).collect();
    let reply = api
        .client
        .enqueue_jobs(EnqueueJobsRequest {
            user_id: "alice".into(),
            jobs,
            idempotency_key: String::new(),
        })
        .await
        .expect("batch")
        .into_inner();
    assert_eq!(reply.job_ids.len(), 20);
    let mut events = api
        .client
        .watch_batch_status(WatchBatchStatusRequest {
            batch_id: reply.batch_id,
            user_id: "alice".into(),
        })
        .await
        .expect("watch")
        .into_inner();
    let mut last = None;
    while let Some(event) = tokio::time::timeout(Duration::from_secs(20), events.message())
        .await
        .expect("events until the batch ends")
        .expect("stream ok")
    {
        last = event.status;
    }
    let last = last.expect("a final status");
    assert!(last.terminal);
    assert_eq!((last.total, last.succeeded, last.failed), (20, 20, 0));
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_dead_lettered_and_replayed_from_the_api() {
    let mut api = spawn_api_with_attempts().await;
    let _worker = spawn_worker(&api).await;
    let failing = EnqueueJobRequest {
        job_type: "diagnostics.fail".into(),
        user_id: "alice".into(),
        payload: Some(Payload::PayloadJson(r#"{"fail_attempts":2}"#.into())),
        idempotency_key: String::new(),
    };
    let job_id = api.enqueue(failing).await;
    let letters = loop {
        let letters = api
            .client
            .list_dead_letters(ListDeadLettersRequest {
                user_id: "alice".into(),
                ..Default::default()
            })
            .await
            .expect("list")
            .into_inner()
            .dead_letters;
        if !letters.is_empty() {
            break letters;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(letters.len(), 1);
    assert_eq!(
        (
            letters[0].job_id.as_str(),
            letters[0].reason.as_str(),
            letters[0].attempts
        ),
        (job_id.as_str(), "max-attempts", 2)
    );

    // The replay is a new job with attempts of its own: it runs both and fails again.
    let replayed = api
        .client
        .replay_dead_letter(ReplayDeadLetterRequest {
            dead_letter_id: letters[0].id.clone(),
            user_id: "alice".into(),
            all_users: false,
        })
        .await
        .expect("replay")
        .into_inner()
        .job_id;
    assert_ne!(replayed, job_id);
    let finished = loop {
        let reply = api
            .client
            .get_job_status(GetJobStatusRequest {
                job_id: replayed.clone(),
                user_id: "alice".into(),
            })
            .await
            .expect("status")
            .into_inner();
        if reply.terminal {
            break reply;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(finished.state, JobLifecycleState::FailedFinal as i32);
    assert_eq!(finished.attempt, 2, "the replay ran its own attempts");
}

async fn spawn_api_with_attempts() -> Api {
    support::spawn_api_with(&[("JOB_MAX_ATTEMPTS", "2")]).await
}
