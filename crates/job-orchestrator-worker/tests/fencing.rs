//! The attempt number as a fencing token: a handler's effect is written only while its
//! attempt is the job's current one and its worker holds the lease, so a worker that lost its
//! lease cannot write once the next attempt started elsewhere.

mod support;

use exobrain_common::config::Env;
use job_orchestrator_worker::Config;
use job_orchestrator_worker::jobs::handlers::Handlers;
use serde_json::json;
use support::Infra;

#[tokio::test]
async fn an_attempt_that_lost_its_lease_cannot_record_its_effect() {
    let infra = Infra::new().await;
    let job_id = infra
        .enqueue(
            "diagnostics.sleep",
            json!({ "ms": 0, "record_effect": true }),
            3,
        )
        .await;
    // Attempt 1 runs on worker-a, whose lease lapses; attempt 2 starts on worker-b.
    let first = infra.start_attempt(job_id, "worker-a", -1).await;
    infra.store().expire_leases(10).await.expect("expire");
    let second = infra.start_attempt(job_id, "worker-b", 30).await;

    let config = Config::from_env(Env::from_map(infra.env(&[]))).expect("config");
    let handlers = Handlers::standard(
        &job_orchestrator_worker::dependencies(infra.db.pool.clone(), &config).expect("deps"),
    );
    let sleep = handlers.get("diagnostics.sleep").expect("handler");
    let stale = sleep.run(infra.context(&first, "worker-a").0).await;
    assert!(stale.is_err(), "a fenced-off attempt fails: {stale:?}");
    let current = sleep.run(infra.context(&second, "worker-b").0).await;
    assert!(current.is_ok(), "{current:?}");

    let effects: Vec<(i32, String)> =
        sqlx::query_as("SELECT attempt, worker_id FROM diagnostic_effects")
            .fetch_all(&infra.db.pool)
            .await
            .expect("effects");
    assert_eq!(effects, [(2, "worker-b".to_owned())]);
}
