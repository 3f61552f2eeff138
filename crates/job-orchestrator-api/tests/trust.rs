//! Who may call the job API: every RPC needs a known service credential, the end user travels
//! in `x-user-id` (agreeing with any body `user_id`), the original's clients that name only a
//! job id can still read and watch it, and acting across users needs the operator.

mod support;

use exobrain_common::auth::ServiceToken;
use exobrain_proto::job_orchestrator::{
    CancelJobRequest, EnqueueJobsRequest, GetBatchStatusRequest, GetJobStatsRequest,
    GetJobStatusRequest, ListDeadLettersRequest, ListJobsRequest, ListWorkersRequest,
    ReplayDeadLetterRequest, WatchBatchStatusRequest, WatchJobStatusRequest,
};
use exobrain_testkit::grpc_health;
use support::{Api, echo, failing, fatal, run_attempt, spawn_api_with};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

const BACKEND: &str = "backend-token-0123456789abcdef0123456789abcdef";
const JOBCTL: &str = "jobctl-token-0123456789abcdef0123456789abcdef";

async fn spawn_guarded() -> Api {
    let services = format!("assistant-backend={BACKEND}");
    let operators = format!("jobctl={JOBCTL}");
    spawn_api_with(&[
        ("EXOBRAIN_SERVICE_CREDENTIALS", &services),
        ("EXOBRAIN_OPERATOR_CREDENTIALS", &operators),
    ])
    .await
}

fn token(raw: &str) -> ServiceToken {
    ServiceToken::new(raw).expect("ascii")
}

/// Enqueues an echo job for `user` as the backend; returns its id.
async fn enqueue_as_backend(api: &mut Api, user: &str) -> String {
    api.client
        .enqueue_job(token(BACKEND).request(echo(user, ""), None))
        .await
        .expect("enqueue")
        .into_inner()
        .job_id
}

#[tokio::test]
async fn every_rpc_needs_a_known_service_credential() {
    let mut api = spawn_guarded().await;
    let job_id = enqueue_as_backend(&mut api, "alice").await;
    for sent in [
        ServiceToken::default(),
        token("not-a-token-anyone-was-issued"),
    ] {
        let client = &mut api.client;
        let user = Some("alice");
        let codes = [
            client
                .enqueue_job(sent.request(echo("alice", ""), user))
                .await
                .map(drop),
            client
                .get_job_status(sent.request(
                    GetJobStatusRequest {
                        job_id: job_id.clone(),
                        user_id: String::new(),
                    },
                    user,
                ))
                .await
                .map(drop),
            client
                .watch_job_status(sent.request(
                    WatchJobStatusRequest {
                        job_id: job_id.clone(),
                        include_current: true,
                        user_id: String::new(),
                    },
                    user,
                ))
                .await
                .map(drop),
            client
                .enqueue_jobs(sent.request(
                    EnqueueJobsRequest {
                        user_id: String::new(),
                        jobs: vec![echo("", "")],
                        idempotency_key: String::new(),
                    },
                    user,
                ))
                .await
                .map(drop),
            client
                .get_batch_status(sent.request(
                    GetBatchStatusRequest {
                        batch_id: job_id.clone(),
                        user_id: String::new(),
                    },
                    user,
                ))
                .await
                .map(drop),
            client
                .watch_batch_status(sent.request(
                    WatchBatchStatusRequest {
                        batch_id: job_id.clone(),
                        user_id: String::new(),
                    },
                    user,
                ))
                .await
                .map(drop),
            client
                .list_jobs(sent.request(ListJobsRequest::default(), user))
                .await
                .map(drop),
            client
                .cancel_job(sent.request(
                    CancelJobRequest {
                        job_id: job_id.clone(),
                        user_id: String::new(),
                    },
                    user,
                ))
                .await
                .map(drop),
            client
                .list_dead_letters(sent.request(ListDeadLettersRequest::default(), user))
                .await
                .map(drop),
            client
                .replay_dead_letter(sent.request(
                    ReplayDeadLetterRequest {
                        dead_letter_id: job_id.clone(),
                        user_id: String::new(),
                        all_users: false,
                    },
                    user,
                ))
                .await
                .map(drop),
            client
                .get_job_stats(sent.request(GetJobStatsRequest::default(), user))
                .await
                .map(drop),
            client
                .list_workers(sent.request(ListWorkersRequest {}, user))
                .await
                .map(drop),
        ]
        .map(|result| result.expect_err("refused").code());
        assert_eq!(codes, [Code::Unauthenticated; 12], "sent {sent:?}");
    }
    assert_eq!(
        grpc_health(&api.grpc_url, "")
            .await
            .expect("health stays open"),
        ServingStatus::Serving
    );
    let snapshot = api
        .client
        .get_job_status(token(BACKEND).request(
            GetJobStatusRequest {
                job_id,
                user_id: String::new(),
            },
            Some("alice"),
        ))
        .await
        .expect("the job was neither cancelled nor changed by refused calls")
        .into_inner();
    assert!(!snapshot.terminal);
    let metrics = reqwest::get(format!("{}/metrics", api.admin_url))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"grpc_method="GetJobStatus",grpc_code="OK",caller="assistant-backend""#),
        "{metrics}"
    );
    assert!(
        metrics.contains("exobrain_calls_refused_total"),
        "{metrics}"
    );
    exobrain_testkit::checks::assert_metrics_described(&metrics);
}

#[tokio::test]
async fn the_user_in_metadata_wins_only_when_the_body_agrees() {
    let mut api = spawn_guarded().await;
    let conflict = api
        .client
        .enqueue_job(token(BACKEND).request(echo("bob", ""), Some("alice")))
        .await
        .expect_err("disagreeing users");
    assert_eq!(conflict.code(), Code::InvalidArgument);
    assert!(
        conflict
            .message()
            .contains("`bob` disagrees with the user `alice`"),
        "{}",
        conflict.message()
    );

    let job_id = api
        .client
        .enqueue_job(token(BACKEND).request(echo("", ""), Some("alice")))
        .await
        .expect("metadata alone names the owner")
        .into_inner()
        .job_id;
    let listed = api
        .client
        .list_jobs(token(BACKEND).request(ListJobsRequest::default(), Some("alice")))
        .await
        .expect("alice's jobs")
        .into_inner()
        .jobs;
    assert_eq!(
        listed
            .iter()
            .map(|job| job.job_id.as_str())
            .collect::<Vec<_>>(),
        [job_id.as_str()]
    );
    let read_for_bob = api
        .client
        .get_job_status(token(BACKEND).request(
            GetJobStatusRequest {
                job_id,
                user_id: "bob".into(),
            },
            None,
        ))
        .await
        .expect_err("the body's user is checked against the owner");
    assert_eq!(read_for_bob.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn the_originals_status_requests_read_a_job_by_its_id() {
    let mut api = spawn_guarded().await;
    let job_id = enqueue_as_backend(&mut api, "alice").await;
    // Shaped as the original's client sends them: only job_id, no user, no metadata.
    let status = api
        .client
        .get_job_status(token(BACKEND).request(
            GetJobStatusRequest {
                job_id: job_id.clone(),
                ..Default::default()
            },
            None,
        ))
        .await
        .expect("read by id")
        .into_inner();
    assert_eq!(status.job_id, job_id);
    let mut events = api
        .client
        .watch_job_status(token(BACKEND).request(
            WatchJobStatusRequest {
                job_id: job_id.clone(),
                include_current: true,
                ..Default::default()
            },
            None,
        ))
        .await
        .expect("watch by id")
        .into_inner();
    let first = events
        .message()
        .await
        .expect("event")
        .expect("current state");
    assert_eq!(first.job_id, job_id);

    let missing = uuid::Uuid::new_v4().to_string();
    for user in [None, Some("alice")] {
        let error = api
            .client
            .get_job_status(token(BACKEND).request(
                GetJobStatusRequest {
                    job_id: missing.clone(),
                    ..Default::default()
                },
                user,
            ))
            .await
            .expect_err("no such job");
        assert_eq!(error.code(), Code::NotFound, "user {user:?}");
    }
}

#[tokio::test]
async fn acting_across_users_needs_the_operator() {
    let mut api = spawn_guarded().await;
    let alices = enqueue_as_backend(&mut api, "alice").await;
    let bobs = enqueue_as_backend(&mut api, "bob").await;
    let doomed = api
        .client
        .enqueue_job(token(BACKEND).request(failing("alice"), None))
        .await
        .expect("enqueue")
        .into_inner()
        .job_id;
    run_attempt(&api.store(), &doomed, fatal()).await;
    let letter = api
        .client
        .list_dead_letters(token(BACKEND).request(ListDeadLettersRequest::default(), Some("alice")))
        .await
        .expect("alice's letters")
        .into_inner()
        .dead_letters
        .remove(0);

    let as_service = [
        api.client
            .list_jobs(token(BACKEND).request(ListJobsRequest::default(), None))
            .await
            .map(drop),
        api.client
            .list_dead_letters(token(BACKEND).request(ListDeadLettersRequest::default(), None))
            .await
            .map(drop),
        api.client
            .replay_dead_letter(token(BACKEND).request(
                ReplayDeadLetterRequest {
                    dead_letter_id: letter.id.clone(),
                    user_id: String::new(),
                    all_users: false,
                },
                None,
            ))
            .await
            .map(drop),
        api.client
            .cancel_job(token(BACKEND).request(
                CancelJobRequest {
                    job_id: bobs.clone(),
                    user_id: String::new(),
                },
                None,
            ))
            .await
            .map(drop),
    ]
    .map(|result| result.expect_err("a service names its user").code());
    assert_eq!(as_service, [Code::PermissionDenied; 4]);

    let everyone = api
        .client
        .list_jobs(token(JOBCTL).request(ListJobsRequest::default(), None))
        .await
        .expect("the operator lists every user's jobs")
        .into_inner()
        .jobs;
    let ids: Vec<&str> = everyone.iter().map(|job| job.job_id.as_str()).collect();
    for id in [&alices, &bobs, &doomed] {
        assert!(ids.contains(&id.as_str()), "{id} missing from {ids:?}");
    }
    let replayed = api
        .client
        .replay_dead_letter(token(JOBCTL).request(
            ReplayDeadLetterRequest {
                dead_letter_id: letter.id,
                user_id: String::new(),
                all_users: false,
            },
            None,
        ))
        .await
        .expect("the operator replays alice's dead letter")
        .into_inner()
        .job_id;
    let owned_by_alice = api
        .client
        .get_job_status(token(BACKEND).request(
            GetJobStatusRequest {
                job_id: replayed,
                user_id: "alice".into(),
            },
            None,
        ))
        .await;
    assert!(
        owned_by_alice.is_ok(),
        "the replay keeps its owner: {owned_by_alice:?}"
    );
}
