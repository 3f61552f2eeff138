//! Progress reports of a running handler: each becomes the job's status detail (what
//! GetJobStatus reads) and a STARTED status event (what WatchJobStatus follows) in order, until
//! the outcome's detail replaces it; reports in quick succession coalesce into a few writes
//! with the last one always written; a stale attempt's reports change nothing.

mod support;

use std::time::Duration;

use exobrain_jobs::domain::JobState;
use exobrain_jobs::store::LEASE_EXPIRED_DETAIL;
use serde_json::{Value, json};
use support::{Infra, alice, spawn_worker};

/// `(state, detail)` of each event, `detail` empty when null.
fn states_and_details(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|event| {
            (
                event["state"].as_str().unwrap_or_default().to_owned(),
                event["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_step_shows_in_the_job_status_and_its_events_in_order_until_the_outcome_replaces_it() {
    let infra = Infra::new().await;
    let _worker = spawn_worker(infra.env(&[])).await;
    let job_id = infra
        .enqueue(
            "diagnostics.steps",
            json!({ "steps": 4, "step_ms": 600 }),
            3,
        )
        .await;
    let running = infra
        .wait_for(job_id, Duration::from_secs(20), |job| {
            job.detail == "step 2/4"
        })
        .await;
    assert_eq!((running.state, running.attempt), (JobState::Started, 1));

    let done = infra.wait_terminal(job_id).await;
    assert_eq!(
        (done.state, done.detail.as_str()),
        (JobState::Succeeded, "")
    );
    let events = infra.status_events_to_the_end(job_id).await;
    let seqs: Vec<i64> = events.iter().filter_map(|e| e["seq"].as_i64()).collect();
    assert_eq!(
        seqs,
        (1..=done.seq).collect::<Vec<_>>(),
        "one event per seq"
    );
    let started = |detail: &str| ("STARTED".to_owned(), detail.to_owned());
    assert_eq!(
        states_and_details(&events),
        [
            ("ENQUEUED_OR_PENDING".to_owned(), String::new()),
            started(""),
            started("step 1/4"),
            started("step 2/4"),
            started("step 3/4"),
            started("step 4/4"),
            ("SUCCEEDED".to_owned(), String::new()),
        ]
    );
}

#[tokio::test]
async fn reports_in_quick_succession_coalesce_and_the_last_one_is_written() {
    let infra = Infra::new().await;
    infra.ensure_streams().await;
    let job_id = infra
        .enqueue("diagnostics.steps", json!({ "steps": 1 }), 3)
        .await;
    let attempt = infra.start_attempt(job_id, "worker-a", 30).await;
    let before = infra.store().snapshot(job_id, &alice()).await.expect("job");
    let (context, _writer) = infra.context(&attempt, "worker-a");

    // A hundred reports over about a second.
    for item in 1..=100 {
        context.progress.report(format!("items {item}/100"));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let after = infra
        .wait_for(job_id, Duration::from_secs(5), |job| {
            job.detail == "items 100/100"
        })
        .await;
    let writes = after.seq - before.seq;
    assert!(
        (2..=7).contains(&writes),
        "one write per 250 ms at most: {writes} writes"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let settled = infra.store().snapshot(job_id, &alice()).await.expect("job");
    assert_eq!(settled.seq, after.seq, "nothing written once caught up");

    let events = infra.status_events(job_id).await;
    let last = events.last().expect("events");
    assert_eq!(
        (
            last["state"].as_str(),
            last["detail"].as_str(),
            last["seq"].as_i64()
        ),
        (Some("STARTED"), Some("items 100/100"), Some(after.seq))
    );
}

#[tokio::test]
async fn a_long_detail_is_cut_to_two_hundred_characters() {
    let infra = Infra::new().await;
    let job_id = infra
        .enqueue("diagnostics.steps", json!({ "steps": 1 }), 3)
        .await;
    let attempt = infra.start_attempt(job_id, "worker-a", 30).await;
    let (context, _writer) = infra.context(&attempt, "worker-a");
    context.progress.report("x".repeat(1000));
    let job = infra
        .wait_for(job_id, Duration::from_secs(5), |job| {
            job.detail.starts_with('x')
        })
        .await;
    assert_eq!(job.detail.chars().count(), 200);
    assert!(job.detail.ends_with('…'), "{}", job.detail);
}

#[tokio::test]
async fn a_stale_attempts_progress_changes_nothing() {
    let infra = Infra::new().await;
    let store = infra.store();
    let job_id = infra
        .enqueue("diagnostics.steps", json!({ "steps": 1 }), 3)
        .await;
    // Attempt 1 runs on worker-a, whose lease lapses; attempt 2 starts on worker-b.
    let first = infra.start_attempt(job_id, "worker-a", -1).await;
    store.expire_leases(10).await.expect("expire");
    let second = infra.start_attempt(job_id, "worker-b", 30).await;
    let before = store.snapshot(job_id, &alice()).await.expect("job");
    assert_eq!(before.detail, LEASE_EXPIRED_DETAIL);

    let (stale, _stale_writer) = infra.context(&first, "worker-a");
    stale.progress.report("step 1/1 from the stale attempt");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let unchanged = store.snapshot(job_id, &alice()).await.expect("job");
    assert_eq!(
        (unchanged.seq, unchanged.detail.as_str()),
        (before.seq, LEASE_EXPIRED_DETAIL)
    );

    let (current, _current_writer) = infra.context(&second, "worker-b");
    current.progress.report("step 1/1");
    let job = infra
        .wait_for(job_id, Duration::from_secs(5), |job| {
            job.detail == "step 1/1"
        })
        .await;
    assert_eq!((job.seq, job.attempt), (before.seq + 1, 2));
}
