//! What operators see through the job API: job counts by type and state with backlog and the
//! jobs finished lately (GetJobStats), the workers whose heartbeats arrived recently
//! (ListWorkers), and every user's jobs and dead letters for a service that asks with
//! `all_users` (assistant-backend's operator routes, which check the role themselves).

mod support;

use std::time::Duration;

use exobrain_common::auth::ServiceToken;
use exobrain_common::nats::NatsConfig;
use exobrain_jobs::heartbeat::{self, Heartbeat, PoolLoad};
use exobrain_proto::job_orchestrator::{
    GetJobStatsRequest, JobTypeStats, ListDeadLettersRequest, ListJobsRequest, ListWorkersRequest,
    ReplayDeadLetterRequest,
};
use support::{Api, echo, failing, fatal, run_attempt, spawn_api, spawn_api_with};
use tonic::Code;

const BACKEND: &str = "backend-token-0123456789abcdef0123456789abcdef";

/// The API accepting only the backend's service credential (no operator).
async fn spawn_for_backend(extra: &[(&str, &str)]) -> Api {
    let services = format!("assistant-backend={BACKEND}");
    let mut vars = vec![("EXOBRAIN_SERVICE_CREDENTIALS", services.as_str())];
    vars.extend_from_slice(extra);
    spawn_api_with(&vars).await
}

fn backend() -> ServiceToken {
    ServiceToken::new(BACKEND).expect("ascii")
}

fn stats_of<'a>(stats: &'a [JobTypeStats], job_type: &str) -> &'a JobTypeStats {
    stats
        .iter()
        .find(|s| s.job_type == job_type)
        .unwrap_or_else(|| panic!("no {job_type} in {stats:?}"))
}

fn beat(worker_id: &str) -> Heartbeat {
    Heartbeat::new(
        worker_id,
        "1.2.3",
        "2026-12-07T00:00:00+00:00",
        vec![PoolLoad {
            job_type: "diagnostics.echo".into(),
            running: 2,
            capacity: 8,
        }],
        "2026-12-07T00:00:01+00:00",
    )
}

async fn publish(api: &Api, heartbeat: &Heartbeat) {
    let nats = NatsConfig::new(api.nats.url.clone(), api.nats.prefix.clone());
    api.nats
        .client
        .publish(
            heartbeat::subject(&nats, &heartbeat.worker_id),
            serde_json::to_vec(heartbeat).expect("json").into(),
        )
        .await
        .expect("publish");
    api.nats.client.flush().await.expect("flush");
}

#[tokio::test]
async fn job_stats_count_every_users_jobs_by_type_and_state() {
    let mut api = spawn_api().await;
    api.enqueue(echo("alice", "")).await;
    api.enqueue(echo("bob", "")).await;
    let failed = api.enqueue(failing("bob")).await;
    run_attempt(&api.store(), &failed, fatal()).await;

    let reply = api
        .client
        .get_job_stats(GetJobStatsRequest { window_seconds: 60 })
        .await
        .expect("stats")
        .into_inner();
    assert_eq!(reply.window_seconds, 60);
    assert!(!reply.generated_at.is_empty());
    let echo = stats_of(&reply.job_types, "diagnostics.echo");
    assert_eq!((echo.enqueued_or_pending, echo.backlog), (2, 2));
    assert_eq!((echo.succeeded, echo.completed_in_window), (0, 0));
    let fail = stats_of(&reply.job_types, "diagnostics.fail");
    assert_eq!((fail.failed_final, fail.backlog), (1, 0));
    assert_eq!(fail.completed_in_window, 1);

    let default = api
        .client
        .get_job_stats(GetJobStatsRequest::default())
        .await
        .expect("stats")
        .into_inner();
    assert_eq!(default.window_seconds, 300);
    let error = api
        .client
        .get_job_stats(GetJobStatsRequest {
            window_seconds: 86_401,
        })
        .await
        .expect_err("longer than a day");
    assert_eq!(error.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn workers_are_listed_from_their_heartbeats_until_they_fall_silent() {
    let mut api = spawn_for_backend(&[("JOB_WORKER_EXPIRY_SECONDS", "0.5")]).await;
    let list = |api: &mut Api| {
        let request = backend().request(ListWorkersRequest {}, None);
        let mut client = api.client.clone();
        async move {
            client
                .list_workers(request)
                .await
                .expect("list")
                .into_inner()
        }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let workers = loop {
        publish(&api, &beat("w-2")).await;
        publish(&api, &beat("w-1")).await;
        let workers = list(&mut api).await.workers;
        if workers.len() == 2 {
            break workers;
        }
        assert!(tokio::time::Instant::now() < deadline, "{workers:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ids: Vec<&str> = workers.iter().map(|w| w.worker_id.as_str()).collect();
    assert_eq!(ids, ["w-1", "w-2"]);
    assert_eq!(workers[0].version, "1.2.3");
    assert!(!workers[0].last_seen_at.is_empty());
    assert_eq!(
        (
            workers[0].pools[0].job_type.as_str(),
            workers[0].pools[0].running,
            workers[0].pools[0].capacity
        ),
        ("diagnostics.echo", 2, 8)
    );

    api.nats
        .client
        .publish(
            heartbeat::every_worker(&NatsConfig::new(
                api.nats.url.clone(),
                api.nats.prefix.clone(),
            ))
            .replace('*', "garbage"),
            "not json".into(),
        )
        .await
        .expect("publish");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        list(&mut api).await.workers.is_empty(),
        "silent workers are forgotten, unreadable beats ignored"
    );
}

#[tokio::test]
async fn a_service_lists_every_users_jobs_and_dead_letters_only_when_it_asks_for_all_users() {
    let mut api = spawn_for_backend(&[]).await;
    let token = backend();
    for user in ["alice", "bob"] {
        api.client
            .enqueue_job(token.request(echo(user, ""), None))
            .await
            .expect("enqueue");
    }
    let failed = api
        .client
        .enqueue_job(token.request(failing("bob"), None))
        .await
        .expect("enqueue")
        .into_inner()
        .job_id;
    run_attempt(&api.store(), &failed, fatal()).await;

    let every_user = ListJobsRequest {
        all_users: true,
        ..Default::default()
    };
    let jobs = api
        .client
        .list_jobs(token.request(every_user.clone(), None))
        .await
        .expect("every user's jobs")
        .into_inner()
        .jobs;
    let mut owners: Vec<&str> = jobs.iter().map(|job| job.user_id.as_str()).collect();
    owners.sort_unstable();
    assert_eq!(owners, ["alice", "bob", "bob"]);

    let error = api
        .client
        .list_jobs(token.request(ListJobsRequest::default(), None))
        .await
        .expect_err("an empty user still means the operator's every-user listing");
    assert_eq!(error.code(), Code::PermissionDenied);
    let error = api
        .client
        .list_jobs(token.request(every_user.clone(), Some("alice")))
        .await
        .expect_err("all_users with a user");
    assert_eq!(error.code(), Code::InvalidArgument);
    let alice_only = api
        .client
        .list_jobs(token.request(ListJobsRequest::default(), Some("alice")))
        .await
        .expect("alice's")
        .into_inner()
        .jobs;
    assert_eq!(alice_only.len(), 1);

    let letters = api
        .client
        .list_dead_letters(token.request(
            ListDeadLettersRequest {
                all_users: true,
                ..Default::default()
            },
            None,
        ))
        .await
        .expect("every user's dead letters")
        .into_inner()
        .dead_letters;
    let [letter] = letters.as_slice() else {
        panic!("one dead letter: {letters:?}");
    };
    assert_eq!(letter.user_id, "bob");
    let replay = ReplayDeadLetterRequest {
        dead_letter_id: letter.id.clone(),
        user_id: String::new(),
        all_users: true,
    };
    let replayed = api
        .client
        .replay_dead_letter(token.request(replay.clone(), None))
        .await
        .expect("replay bob's")
        .into_inner()
        .job_id;
    assert_ne!(replayed, failed);
    let error = api
        .client
        .replay_dead_letter(token.request(replay, None))
        .await
        .expect_err("once");
    assert_eq!(error.code(), Code::FailedPrecondition);
}
