//! Batches through real gRPC, PostgreSQL and JetStream: all jobs accepted under one batch id in
//! request order, every invalid job named by its index, the batch key naming the same batch
//! forever, counts per state, and a watch that reports each change once until all are done.

mod support;

use std::time::Duration;

use exobrain_jobs::store::Outcome;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::{
    BatchStatus, EnqueueJobRequest, EnqueueJobsRequest, GetBatchStatusRequest, GetJobStatusRequest,
    WatchBatchStatusRequest,
};
use support::{echo, failing, fatal, run_attempt, spawn_api};
use tonic::Code;

fn batch(key: &str, jobs: Vec<EnqueueJobRequest>) -> EnqueueJobsRequest {
    EnqueueJobsRequest {
        user_id: "alice".into(),
        jobs,
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn a_batch_is_accepted_in_order_under_one_id_and_its_key_names_it_again() {
    let mut api = spawn_api().await;
    let jobs = vec![echo("", ""), failing(""), echo("alice", "")];
    let reply = api
        .client
        .enqueue_jobs(batch("import-1", jobs.clone()))
        .await
        .expect("batch")
        .into_inner();
    assert_eq!(reply.job_ids.len(), 3);
    assert!(!reply.deduplicated);
    let second = api
        .client
        .get_job_status(GetJobStatusRequest {
            job_id: reply.job_ids[1].clone(),
            user_id: "alice".into(),
        })
        .await
        .expect("status")
        .into_inner();
    assert_eq!(second.job_type, "diagnostics.fail", "request order is kept");

    let again = api
        .client
        .enqueue_jobs(batch("import-1", jobs))
        .await
        .expect("again")
        .into_inner();
    assert!(again.deduplicated);
    assert_eq!(
        (&again.batch_id, &again.job_ids),
        (&reply.batch_id, &reply.job_ids)
    );

    let status = api
        .client
        .get_batch_status(GetBatchStatusRequest {
            batch_id: reply.batch_id.clone(),
            user_id: "alice".into(),
        })
        .await
        .expect("status")
        .into_inner()
        .status
        .expect("status");
    assert_eq!(
        (status.total, status.pending, status.terminal),
        (3, 3, false)
    );
    let listed: Vec<&String> = status.jobs.iter().map(|job| &job.job_id).collect();
    assert_eq!(listed, reply.job_ids.iter().collect::<Vec<_>>());
}

#[tokio::test]
async fn every_invalid_job_of_a_batch_is_named_by_its_index() {
    let mut api = spawn_api().await;
    let mut bad_json = echo("", "");
    bad_json.payload = Some(Payload::PayloadJson("[1]".into()));
    let mut no_type = echo("", "");
    no_type.job_type = String::new();
    let jobs = vec![echo("", ""), bad_json, echo("", ""), no_type];
    let error = api
        .client
        .enqueue_jobs(batch("", jobs))
        .await
        .expect_err("invalid");
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(
        error.message().starts_with("jobs[1].payload_json:"),
        "{}",
        error.message()
    );
    assert!(
        error.message().contains("; jobs[3].job_type: is required"),
        "{}",
        error.message()
    );

    let too_many = batch("", (0..1001).map(|_| echo("", "")).collect());
    let error = api
        .client
        .enqueue_jobs(too_many)
        .await
        .expect_err("too many");
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(
        error.message().contains("at most 1000"),
        "{}",
        error.message()
    );

    let nothing_stored: i64 = sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs")
        .fetch_one(&api.db.pool)
        .await
        .expect("count");
    assert_eq!(nothing_stored, 0);
}

fn counts(status: &BatchStatus) -> [u32; 6] {
    [
        status.total,
        status.pending,
        status.running,
        status.succeeded,
        status.failed,
        status.cancelled,
    ]
}

#[tokio::test]
async fn a_batch_watch_reports_each_change_once_and_ends_when_all_jobs_are_done() {
    let mut api = spawn_api().await;
    let reply = api
        .client
        .enqueue_jobs(batch("", vec![echo("", ""), failing("")]))
        .await
        .expect("batch")
        .into_inner();
    let mut events = api
        .client
        .watch_batch_status(WatchBatchStatusRequest {
            batch_id: reply.batch_id.clone(),
            user_id: "alice".into(),
        })
        .await
        .expect("watch")
        .into_inner();
    let first = events.message().await.expect("ok").expect("current");
    let first = first.status.expect("status");
    assert_eq!(counts(&first), [2, 2, 0, 0, 0, 0]);

    let store = api.store();
    let succeeded = Outcome::Succeeded(serde_json::json!({}));
    run_attempt(&store, &reply.job_ids[0], succeeded).await;
    run_attempt(&store, &reply.job_ids[1], fatal()).await;

    let mut seen = vec![first];
    while let Some(event) = tokio::time::timeout(Duration::from_secs(15), events.message())
        .await
        .expect("updates keep coming until the batch is done")
        .expect("stream ok")
    {
        let status = event.status.expect("status");
        if let Some(job_event) = event.job_event {
            assert!(reply.job_ids.contains(&job_event.job_id), "{job_event:?}");
        }
        seen.push(status);
    }
    let last = seen.last().expect("a final status");
    assert_eq!(counts(last), [2, 0, 0, 1, 1, 0]);
    assert!(last.terminal);
    assert!(
        seen.windows(2)
            .all(|pair| counts(&pair[0]) != counts(&pair[1])),
        "no aggregate is sent twice in a row: {seen:?}"
    );
    assert!(seen[..seen.len() - 1].iter().all(|status| !status.terminal));

    let mut replay = api
        .client
        .watch_batch_status(WatchBatchStatusRequest {
            batch_id: reply.batch_id,
            user_id: "alice".into(),
        })
        .await
        .expect("watch")
        .into_inner();
    let only = replay.message().await.expect("ok").expect("current");
    assert_eq!(counts(&only.status.expect("status")), [2, 0, 0, 1, 1, 0]);
    assert!(
        replay.message().await.expect("ok").is_none(),
        "a finished batch's watch ends after its current status"
    );
}
