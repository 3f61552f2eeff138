//! The attempt number as a fencing token: a handler's effect is written only while its
//! attempt is the job's current one and its worker holds the lease, so a worker that lost its
//! lease cannot write once the next attempt started elsewhere.

mod support;

use chrono::{Duration, Utc};
use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::store::Attempt;
use job_orchestrator_worker::jobs::handlers::{Dependencies, Handlers, JobContext};
use serde_json::json;
use support::Infra;

fn context(attempt: &Attempt, worker_id: &str) -> JobContext {
    JobContext {
        job_id: attempt.job_id,
        job_type: attempt.job_type.clone(),
        owner: attempt.owner.clone(),
        attempt: attempt.attempt,
        payload: attempt.payload.clone(),
        cancel: CancellationToken::new(),
        worker_id: worker_id.to_owned(),
    }
}

#[tokio::test]
async fn an_attempt_that_lost_its_lease_cannot_record_its_effect() {
    let infra = Infra::new().await;
    let store = infra.store();
    let job_id = infra
        .enqueue(
            "diagnostics.sleep",
            json!({ "ms": 0, "record_effect": true }),
            3,
        )
        .await;
    // Attempt 1 runs on worker-a, whose lease lapses; attempt 2 starts on worker-b.
    let lapsed = Utc::now() - Duration::seconds(1);
    let first = store
        .start_attempt(job_id, "worker-a", lapsed)
        .await
        .expect("start")
        .expect("granted");
    store.expire_leases(10).await.expect("expire");
    let second = store
        .start_attempt(job_id, "worker-b", Utc::now() + Duration::seconds(30))
        .await
        .expect("start")
        .expect("granted");

    let handlers = Handlers::standard(&Dependencies {
        pool: infra.db.pool.clone(),
    });
    let sleep = handlers.get("diagnostics.sleep").expect("handler");
    let stale = sleep.run(context(&first, "worker-a")).await;
    assert!(stale.is_err(), "a fenced-off attempt fails: {stale:?}");
    let current = sleep.run(context(&second, "worker-b")).await;
    assert!(current.is_ok(), "{current:?}");

    let effects: Vec<(i32, String)> =
        sqlx::query_as("SELECT attempt, worker_id FROM diagnostic_effects")
            .fetch_all(&infra.db.pool)
            .await
            .expect("effects");
    assert_eq!(effects, [(2, "worker-b".to_owned())]);
}
