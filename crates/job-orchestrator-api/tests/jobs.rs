//! Listing and cancelling through real gRPC, PostgreSQL and JetStream: a user pages through
//! exactly their own jobs, filters narrow the list, a cancel is final and announced as a status
//! event, and every RPC refuses another user's records.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use exobrain_jobs::store::Outcome;
use exobrain_proto::job_orchestrator::{
    CancelJobRequest, EnqueueJobsRequest, GetBatchStatusRequest, GetJobStatusReply,
    GetJobStatusRequest, JobLifecycleState, ListDeadLettersRequest, ListJobsRequest,
    ReplayDeadLetterRequest, WatchBatchStatusRequest, WatchJobStatusRequest,
};
use support::{Api, echo, failing, fatal, run_attempt, spawn_api, unknown_id};
use tonic::Code;

/// Every page of `request`, following next_page_token.
async fn all_pages(api: &mut Api, mut request: ListJobsRequest) -> Vec<GetJobStatusReply> {
    let mut jobs = Vec::new();
    loop {
        let page = api
            .client
            .list_jobs(request.clone())
            .await
            .expect("list")
            .into_inner();
        assert!(page.jobs.len() <= request.page_size as usize);
        jobs.extend(page.jobs);
        if page.next_page_token.is_empty() {
            return jobs;
        }
        request.page_token = page.next_page_token;
    }
}

fn list(user: &str, page_size: u32) -> ListJobsRequest {
    ListJobsRequest {
        user_id: user.into(),
        page_size,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_user_pages_through_exactly_their_jobs_and_filters_narrow_them() {
    let mut api = spawn_api().await;
    let batch = EnqueueJobsRequest {
        user_id: "alice".into(),
        jobs: (0..4).map(|_| echo("", "")).collect(),
        idempotency_key: String::new(),
    };
    let mut expected: HashSet<String> = api
        .client
        .enqueue_jobs(batch)
        .await
        .expect("batch")
        .into_inner()
        .job_ids
        .into_iter()
        .collect();
    let failed = api.enqueue(failing("alice")).await;
    expected.insert(failed.clone());
    api.enqueue(echo("bob", "")).await;

    let listed = all_pages(&mut api, list("alice", 2)).await;
    let ids: Vec<&str> = listed.iter().map(|job| job.job_id.as_str()).collect();
    assert_eq!(ids.len(), 5, "no duplicates: {ids:?}");
    assert_eq!(
        ids.iter().map(|id| id.to_string()).collect::<HashSet<_>>(),
        expected
    );
    assert_eq!(ids[0], failed, "newest first");

    let fails = ListJobsRequest {
        job_type: "diagnostics.fail".into(),
        ..list("alice", 10)
    };
    let listed = all_pages(&mut api, fails).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].job_id, failed);

    api.client
        .cancel_job(CancelJobRequest {
            job_id: failed.clone(),
            user_id: "alice".into(),
        })
        .await
        .expect("cancel");
    let cancelled = ListJobsRequest {
        state: Some(JobLifecycleState::Cancelled as i32),
        ..list("alice", 10)
    };
    let listed = all_pages(&mut api, cancelled).await;
    assert_eq!(
        listed.iter().map(|job| &job.job_id).collect::<Vec<_>>(),
        [&failed]
    );

    let bad = ListJobsRequest {
        page_token: "not-a-token".into(),
        ..list("alice", 10)
    };
    let error = api.client.list_jobs(bad).await.expect_err("bad token");
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(
        error.message().starts_with("page_token:"),
        "{}",
        error.message()
    );
}

#[tokio::test]
async fn a_cancelled_job_is_final_and_watchers_see_it_with_a_larger_seq() {
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
    let first = events.message().await.expect("ok").expect("snapshot");

    let cancel = CancelJobRequest {
        job_id: job_id.clone(),
        user_id: "alice".into(),
    };
    let reply = api
        .client
        .cancel_job(cancel.clone())
        .await
        .expect("cancel")
        .into_inner()
        .job
        .expect("job");
    assert_eq!(reply.state, JobLifecycleState::Cancelled as i32);
    assert!(reply.terminal);
    assert!(reply.seq > first.seq);

    let last = tokio::time::timeout(Duration::from_secs(10), events.message())
        .await
        .expect("the cancel is announced")
        .expect("ok")
        .expect("event");
    assert_eq!(
        (last.state, last.seq, last.terminal),
        (JobLifecycleState::Cancelled as i32, reply.seq, true)
    );
    assert!(
        events.message().await.expect("ok").is_none(),
        "the watch ends"
    );

    let again = api.client.cancel_job(cancel).await.expect_err("final");
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert!(
        again.message().contains("already cancelled"),
        "{}",
        again.message()
    );

    let succeeded = api.enqueue(echo("alice", "")).await;
    run_attempt(
        &api.store(),
        &succeeded,
        Outcome::Succeeded(serde_json::json!({})),
    )
    .await;
    let error = api
        .client
        .cancel_job(CancelJobRequest {
            job_id: succeeded,
            user_id: "alice".into(),
        })
        .await
        .expect_err("finished");
    assert_eq!(error.code(), Code::FailedPrecondition);
    assert!(
        error.message().contains("already succeeded"),
        "{}",
        error.message()
    );
}

#[tokio::test]
async fn every_rpc_refuses_another_users_records() {
    let mut api = spawn_api().await;
    let job_id = api.enqueue(echo("alice", "")).await;
    let batch_id = api
        .client
        .enqueue_jobs(EnqueueJobsRequest {
            user_id: "alice".into(),
            jobs: vec![echo("", "")],
            idempotency_key: String::new(),
        })
        .await
        .expect("batch")
        .into_inner()
        .batch_id;
    let doomed = api.enqueue(failing("alice")).await;
    run_attempt(&api.store(), &doomed, fatal()).await;
    let dead_letter_id = api
        .client
        .list_dead_letters(ListDeadLettersRequest {
            user_id: "alice".into(),
            ..Default::default()
        })
        .await
        .expect("alice's dead letters")
        .into_inner()
        .dead_letters[0]
        .id
        .clone();

    let mallory = || "mallory".to_owned();
    let codes = [
        api.client
            .get_job_status(GetJobStatusRequest {
                job_id: job_id.clone(),
                user_id: mallory(),
            })
            .await
            .map(drop),
        api.client
            .watch_job_status(WatchJobStatusRequest {
                job_id: job_id.clone(),
                include_current: true,
                user_id: mallory(),
            })
            .await
            .map(drop),
        api.client
            .cancel_job(CancelJobRequest {
                job_id: job_id.clone(),
                user_id: mallory(),
            })
            .await
            .map(drop),
        api.client
            .get_batch_status(GetBatchStatusRequest {
                batch_id: batch_id.clone(),
                user_id: mallory(),
            })
            .await
            .map(drop),
        api.client
            .watch_batch_status(WatchBatchStatusRequest {
                batch_id: batch_id.clone(),
                user_id: mallory(),
            })
            .await
            .map(drop),
        api.client
            .replay_dead_letter(ReplayDeadLetterRequest {
                dead_letter_id: dead_letter_id.clone(),
                user_id: mallory(),
                all_users: false,
            })
            .await
            .map(drop),
    ]
    .map(|result| result.expect_err("another user's record").code());
    assert_eq!(codes, [Code::PermissionDenied; 6]);

    let error = api
        .client
        .enqueue_jobs(EnqueueJobsRequest {
            user_id: mallory(),
            jobs: vec![echo("alice", "")],
            idempotency_key: String::new(),
        })
        .await
        .expect_err("a job for someone else");
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(
        error.message().starts_with("jobs[0].user_id:"),
        "{}",
        error.message()
    );

    let theirs = api
        .client
        .list_jobs(list(&mallory(), 50))
        .await
        .expect("list")
        .into_inner();
    assert!(theirs.jobs.is_empty(), "no one else's jobs are listed");
    let letters = api
        .client
        .list_dead_letters(ListDeadLettersRequest {
            user_id: mallory(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert!(letters.dead_letters.is_empty());

    let missing = api
        .client
        .cancel_job(CancelJobRequest {
            job_id: unknown_id(),
            user_id: "alice".into(),
        })
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), Code::NotFound);
    let missing = api
        .client
        .get_batch_status(GetBatchStatusRequest {
            batch_id: unknown_id(),
            user_id: "alice".into(),
        })
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), Code::NotFound);

    // Locally, with no credentials configured, every caller is the operator: naming no user
    // lists every user's jobs (tests/trust.rs covers services, which must name one).
    let everyone = api
        .client
        .list_jobs(list("", 10))
        .await
        .expect("the local operator lists every user's jobs")
        .into_inner();
    assert!(everyone.jobs.iter().any(|job| job.job_id == job_id));
}
