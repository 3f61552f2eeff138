//! The knowledge job watch (`GET /api/knowledge/update/{job_id}/watch`): ownership, and how it
//! behaves while the orchestrator is silent or unreachable; a whole successful and a failed
//! watch are in `knowledge_update`. Against the real job API (or none), each test on databases
//! and a NATS prefix of its own.

#[path = "support/mod.rs"]
mod app;
#[path = "../../job-orchestrator-worker/tests/support/services.rs"]
mod services;
#[path = "knowledge_support/mod.rs"]
mod support;

use std::time::Duration;

use app::{ARCHITECT, PASSWORD, TEST_USER, TestApp, signed_in_client};
use assistant_backend::journals::Role;
use serde_json::json;
use support::updates::{DAY, LUNCH, frames, say, update, watch};
use support::{Jobs, World, read, test_user};
use uuid::Uuid;

#[tokio::test]
async fn another_users_job_and_unknown_jobs_are_not_found() {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    say(app, DAY, Role::User, LUNCH).await;
    let (_, body) = update(&test_user(app).await, app, &json!({})).await;
    let job_id = body["job_id"].as_str().expect("job id");

    let architect = signed_in_client(app, ARCHITECT, PASSWORD).await;
    for id in [
        job_id.to_owned(),
        Uuid::new_v4().to_string(),
        "not-a-job".to_owned(),
    ] {
        let response = architect
            .get(app.url(&format!("/api/knowledge/update/{id}/watch")))
            .send()
            .await
            .expect("request");
        assert_eq!(
            read(response).await,
            (404, json!({ "detail": "knowledge update job not found" })),
            "{id}"
        );
    }
}

/// Records a job of the test user carrying `message` straight into `knowledge_jobs` (for an app
/// whose orchestrator is not there); its id.
async fn recorded_job(app: &TestApp, message: Uuid) -> Uuid {
    let (job_id, user) = (Uuid::new_v4(), app.user_id(TEST_USER).await);
    sqlx::query(
        "INSERT INTO knowledge_jobs (job_id, user_id, batch_id, journal_reference, message_ids)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(job_id)
    .bind(user)
    .bind(Uuid::new_v4())
    .bind(DAY)
    .bind(vec![message])
    .execute(&app.db.pool)
    .await
    .expect("job");
    job_id
}

#[tokio::test]
async fn a_watch_reports_an_unreachable_orchestrator_in_band() {
    let port = exobrain_testkit::free_port();
    let app = app::spawn_app_with(&[(
        "JOB_ORCHESTRATOR_GRPC_TARGET",
        &format!("http://127.0.0.1:{port}"),
    )])
    .await;
    let job_id = recorded_job(&app, say(&app, DAY, Role::User, LUNCH).await).await;

    let (status, _, stream) = watch(&test_user(&app).await, &app, &job_id.to_string()).await;
    assert_eq!(status, 200);
    let frames = frames(&stream);
    assert_eq!(frames.len(), 1, "{stream}");
    assert_eq!(frames[0].0, "error");
    assert_eq!(
        frames[0].1,
        json!({ "job_id": job_id, "code": "unavailable", "message": "knowledge stream unavailable", "retryable": true })
    );
}

#[tokio::test]
async fn a_watch_responds_and_keeps_alive_before_the_orchestrator_answers() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let target = format!("http://{}", silent.local_addr().expect("addr"));
    let _accepting = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let app = app::spawn_app_with(&[
        ("JOB_ORCHESTRATOR_GRPC_TARGET", &target),
        ("KNOWLEDGE_WATCH_KEEP_ALIVE_SECONDS", "1"),
    ])
    .await;
    let job_id = recorded_job(&app, say(&app, DAY, Role::User, LUNCH).await).await;

    let response = tokio::time::timeout(
        Duration::from_secs(3),
        test_user(&app)
            .await
            .get(app.url(&format!("/api/knowledge/update/{job_id}/watch")))
            .send(),
    )
    .await
    .expect("headers before any event")
    .expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let mut response = response;
    let first = tokio::time::timeout(Duration::from_secs(3), response.chunk())
        .await
        .expect("a keep-alive within the interval")
        .expect("body")
        .expect("a chunk");
    assert!(first.starts_with(b":"), "a comment: {first:?}");
}
