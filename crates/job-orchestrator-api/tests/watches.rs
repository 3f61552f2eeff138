//! Watches through real gRPC and JetStream: a watcher that leaves takes its consumer with it,
//! a user may keep only so many watches open, and a watch ends after its lifetime, saying so.

mod support;

use std::time::Duration;

use exobrain_proto::job_orchestrator::{WatchBatchStatusRequest, WatchJobStatusRequest};
use support::{Api, echo, spawn_api, spawn_api_with, unknown_id};
use tonic::Code;

/// Enqueues an echo job for alice (no worker runs it, so it stays pending).
async fn pending_job(api: &mut Api) -> String {
    api.enqueue(echo("alice", "")).await
}

fn watch(job_id: &str) -> WatchJobStatusRequest {
    WatchJobStatusRequest {
        job_id: job_id.to_owned(),
        include_current: true,
        user_id: "alice".into(),
    }
}

/// Consumers on this test's status stream.
async fn status_consumers(api: &Api) -> usize {
    let mut stream = api
        .nats
        .jetstream
        .get_stream(api.nats.stream("JOB_STATUS"))
        .await
        .expect("stream");
    stream.info().await.expect("info").state.consumer_count
}

/// Polls until the status stream has `count` consumers, for at most ten seconds (a consumer
/// nobody deletes lives thirty).
async fn wait_for_consumers(api: &Api, count: usize) {
    for _ in 0..100 {
        if status_consumers(api).await == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the status stream has {} consumers, not {count}",
        status_consumers(api).await
    );
}

#[tokio::test]
async fn a_watcher_that_disconnects_frees_its_consumer() {
    let mut api = spawn_api().await;
    let job_id = pending_job(&mut api).await;
    let mut events = api
        .client
        .watch_job_status(watch(&job_id))
        .await
        .expect("watch")
        .into_inner();
    events.message().await.expect("ok").expect("snapshot");
    wait_for_consumers(&api, 1).await;

    drop(events);
    wait_for_consumers(&api, 0).await;
}

#[tokio::test]
async fn a_user_keeps_at_most_the_allowed_watches_open() {
    let mut api = spawn_api_with(&[("JOB_WATCH_MAX_PER_USER", "2")]).await;
    let job_id = pending_job(&mut api).await;
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut events = api
            .client
            .watch_job_status(watch(&job_id))
            .await
            .expect("watch")
            .into_inner();
        events.message().await.expect("ok").expect("snapshot");
        open.push(events);
    }

    let refused = api
        .client
        .watch_job_status(watch(&job_id))
        .await
        .expect_err("a third watch");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert!(
        refused.message().contains("JOB_WATCH_MAX_PER_USER"),
        "{}",
        refused.message()
    );
    let batch = WatchBatchStatusRequest {
        batch_id: unknown_id(),
        user_id: "alice".into(),
    };
    let refused = api
        .client
        .watch_batch_status(batch)
        .await
        .expect_err("batch watches count too");
    assert_eq!(refused.code(), Code::ResourceExhausted);

    // Another user is not affected, and a closed watch makes room again.
    let bobs_job = api.enqueue(echo("bob", "")).await;
    let bobs_watch = WatchJobStatusRequest {
        user_id: "bob".into(),
        ..watch(&bobs_job)
    };
    api.client.watch_job_status(bobs_watch).await.expect("bob");
    open.pop();
    let mut admitted = false;
    for _ in 0..100 {
        if api.client.watch_job_status(watch(&job_id)).await.is_ok() {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(admitted, "a closed watch gives its place back");
}

#[tokio::test]
async fn a_watch_ends_after_its_lifetime_saying_so() {
    let mut api = spawn_api_with(&[("JOB_WATCH_MAX_SECONDS", "1")]).await;
    let job_id = pending_job(&mut api).await;
    let mut events = api
        .client
        .watch_job_status(watch(&job_id))
        .await
        .expect("watch")
        .into_inner();
    events.message().await.expect("ok").expect("snapshot");

    let ended = tokio::time::timeout(Duration::from_secs(10), events.message())
        .await
        .expect("the watch ends")
        .expect_err("with a status");
    assert_eq!(ended.code(), Code::DeadlineExceeded);
    assert!(
        ended.message().contains("JOB_WATCH_MAX_SECONDS"),
        "{}",
        ended.message()
    );
    wait_for_consumers(&api, 0).await;
}
