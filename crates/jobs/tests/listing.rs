//! Reading jobs in bulk against a real database: a user's listing pages through every one of
//! their jobs exactly once, newest first, even when many share a creation time; filters narrow
//! it; batches keep their jobs in request order and are deduplicated by owner and key.

mod support;

use std::collections::HashSet;

use exobrain_jobs::domain::{BatchCounts, BatchId, IdempotencyKey, JobId, JobState};
use exobrain_jobs::store::{JobFilter, JobSnapshot, JobStore, PageRequest, RequestError};
use serde_json::json;
use support::{echo_job, enqueue, job, job_type, setup, user};

/// Every page of `filter` for `owner`, `size` at a time.
async fn all_pages(
    store: &JobStore,
    owner: &str,
    filter: &JobFilter,
    size: u32,
) -> Vec<JobSnapshot> {
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = store
            .list_jobs(&user(owner), filter, PageRequest::new(size, after))
            .await
            .expect("page");
        assert!(page.items.len() <= size as usize);
        seen.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn pages_cover_every_job_once_newest_first_and_filters_narrow_them() {
    let (_db, store) = setup().await;
    let batch: Vec<_> = (0..5).map(|_| echo_job("alice", None)).collect();
    // One transaction: all five share created_at, so only the id breaks the ties.
    let mut expected: HashSet<JobId> = store
        .enqueue(&batch, None)
        .await
        .expect("batch")
        .iter()
        .map(|accepted| accepted.job_id)
        .collect();
    for ms in [1, 2, 3] {
        let sleep = job("diagnostics.sleep", "alice", json!({ "ms": ms }));
        expected.insert(enqueue(&store, sleep).await);
    }
    enqueue(&store, echo_job("bob", None)).await;
    let cancelled = *expected.iter().next().expect("a job");
    store
        .cancel(cancelled, &user("alice"))
        .await
        .expect("cancel");

    let listed = all_pages(&store, "alice", &JobFilter::default(), 3).await;
    let ids: Vec<JobId> = listed.iter().map(|job| job.job_id).collect();
    assert_eq!(ids.len(), 8, "no duplicates: {ids:?}");
    assert_eq!(ids.iter().copied().collect::<HashSet<_>>(), expected);
    let keys: Vec<_> = listed
        .iter()
        .map(|job| (job.created_at, job.job_id.as_uuid()))
        .collect();
    assert!(
        keys.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first: {keys:?}"
    );

    let sleeps = JobFilter {
        job_type: Some(job_type("diagnostics.sleep")),
        ..Default::default()
    };
    let listed = all_pages(&store, "alice", &sleeps, 2).await;
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|job| job.job_type == "diagnostics.sleep"));

    let only_cancelled = JobFilter {
        state: Some(JobState::Cancelled),
        ..Default::default()
    };
    let listed = all_pages(&store, "alice", &only_cancelled, 50).await;
    assert_eq!(
        listed.iter().map(|job| job.job_id).collect::<Vec<_>>(),
        [cancelled]
    );

    assert_eq!(
        all_pages(&store, "bob", &JobFilter::default(), 50)
            .await
            .len(),
        1
    );
    assert_eq!(store.open_jobs(&user("alice"), 100).await.expect("open"), 7);
    assert_eq!(
        store.open_jobs(&user("alice"), 5).await.expect("open"),
        5,
        "counting stops at the bound"
    );
}

fn key(raw: &str) -> IdempotencyKey {
    IdempotencyKey::parse_optional("idempotency_key", raw)
        .expect("key")
        .expect("some")
}

#[tokio::test]
async fn a_batch_keeps_request_order_and_its_key_names_it_forever() {
    let (db, store) = setup().await;
    let earlier = enqueue(&store, echo_job("alice", Some("day-1"))).await;
    let jobs = vec![
        echo_job("alice", None),
        echo_job("alice", Some("day-1")),
        echo_job("alice", None),
    ];
    let first = store
        .enqueue_batch(&jobs, &user("alice"), Some(&key("import-1")))
        .await
        .expect("batch");
    assert!(!first.deduplicated);
    assert_eq!(first.jobs[1].job_id, earlier, "the job key still applies");
    assert!(first.jobs[1].deduplicated);

    let snapshot = store
        .batch(first.batch_id, &user("alice"))
        .await
        .expect("read");
    let ids = |jobs: &[JobSnapshot]| jobs.iter().map(|job| job.job_id).collect::<Vec<_>>();
    let accepted: Vec<JobId> = first.jobs.iter().map(|job| job.job_id).collect();
    assert_eq!(ids(&snapshot.jobs), accepted);
    assert_eq!(
        snapshot.counts(),
        BatchCounts {
            total: 3,
            pending: 3,
            ..Default::default()
        }
    );

    let jobs_before: i64 = sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    let again = store
        .enqueue_batch(&jobs[..1], &user("alice"), Some(&key("import-1")))
        .await
        .expect("again");
    assert!(again.deduplicated);
    assert_eq!(again.batch_id, first.batch_id);
    assert_eq!(
        again.jobs.iter().map(|job| job.job_id).collect::<Vec<_>>(),
        accepted
    );
    let jobs_after: i64 = sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(jobs_after, jobs_before, "a repeated batch stores nothing");

    let bobs = store
        .enqueue_batch(
            &[echo_job("bob", None)],
            &user("bob"),
            Some(&key("import-1")),
        )
        .await
        .expect("bob");
    assert_ne!(
        bobs.batch_id, first.batch_id,
        "batch keys are scoped per user"
    );

    let error = store
        .batch(first.batch_id, &user("bob"))
        .await
        .expect_err("not bob's");
    assert!(matches!(error, RequestError::NotOwner { .. }), "{error:?}");
    let error = store
        .batch(BatchId::new(), &user("alice"))
        .await
        .expect_err("missing");
    assert!(matches!(error, RequestError::NotFound { .. }), "{error:?}");
}
