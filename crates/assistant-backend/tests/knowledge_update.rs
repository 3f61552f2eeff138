//! `POST /api/knowledge/update` and its job watch, against the real job API, worker, knowledge
//! interface and model-provider (offline), each test on databases and a NATS prefix of its own.

#[path = "support/mod.rs"]
mod app;
#[path = "../../job-orchestrator-worker/tests/support/services.rs"]
mod services;
#[path = "knowledge_support/mod.rs"]
mod support;

use std::time::Duration;

use app::ARCHITECT;
use assistant_backend::journals::Role;
use serde_json::{Value, json};
use support::updates::{DAY, LUNCH, committed, frames, recorded_jobs, say, update, watch};
use support::{Jobs, World, read, test_user};
use uuid::Uuid;

#[tokio::test]
async fn an_update_runs_to_success_and_only_then_commits_its_messages() {
    let world = World::start(Jobs::Offline).await;
    let app = &world.app;
    let question = say(app, DAY, Role::User, LUNCH).await;
    let answer = say(app, DAY, Role::Assistant, "Lovely! How is Anna?").await;
    let streaming = say(app, DAY, Role::Assistant, "Still being written").await;
    sqlx::query("UPDATE messages SET status = 'streaming' WHERE id = $1")
        .bind(streaming)
        .execute(&app.db.pool)
        .await
        .expect("streaming");
    let client = test_user(app).await;

    let (status, body) = update(&client, app, &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "queued");
    assert_eq!(body["job_ids"], json!([body["job_id"]]));
    assert!(body["batch_id"].is_string());
    assert_eq!(
        recorded_jobs(app).await,
        [(DAY.to_owned(), vec![question, answer])]
    );
    assert_eq!(
        committed(app, &[question, answer]).await,
        [false, false],
        "not before the job succeeded"
    );

    let job_id = body["job_id"].as_str().expect("job id");
    let (status, headers, stream) = watch(&client, app, job_id).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-accel-buffering"], "no");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/event-stream")
    );
    let frames = frames(&stream);
    let (last, done) = frames.last().expect("frames");
    assert_eq!(last, "done", "{stream}");
    assert_eq!(
        *done,
        json!({ "job_id": job_id, "state": "SUCCEEDED", "terminal": true })
    );
    let statuses: Vec<&Value> = frames
        .iter()
        .filter(|(name, _)| name == "status")
        .map(|(_, data)| data)
        .collect();
    assert!(statuses.len() >= 2, "{stream}");
    for status in &statuses {
        for key in [
            "job_id",
            "state",
            "attempt",
            "detail",
            "terminal",
            "emitted_at",
        ] {
            assert!(status.get(key).is_some(), "{key} missing in {status}");
        }
    }
    assert_eq!(statuses.last().expect("status")["state"], "SUCCEEDED");

    assert_eq!(
        committed(app, &[question, answer, streaming]).await,
        [true, true, false]
    );
    let (status, body) = update(&client, app, &json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(
        body["detail"], "no uncommitted messages available for knowledge update",
        "a streaming reply is not sent"
    );

    // The person the graph holds for the user is named as the user, not by their id.
    let (name, id): (String, Uuid) = sqlx::query_as("SELECT name, id FROM users WHERE email = $1")
        .bind(app::TEST_USER)
        .fetch_one(&app.db.pool)
        .await
        .expect("user");
    let people = read(
        client
            .get(app.url("/api/knowledge/category/node.person/pages?page_size=100"))
            .send()
            .await
            .expect("people"),
    )
    .await
    .1;
    let titles: Vec<&str> = people["knowledge_pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter_map(|page| page["title"].as_str())
        .collect();
    assert!(titles.contains(&name.as_str()), "{people}");
    assert!(!titles.contains(&id.to_string().as_str()), "{people}");
}

#[tokio::test]
async fn a_job_nobody_watches_still_commits_its_messages_when_it_succeeds() {
    let world = World::start(Jobs::Offline).await;
    let app = &world.app;
    let message = say(app, DAY, Role::User, LUNCH).await;
    let (status, body) = update(&test_user(app).await, app, &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while committed(app, &[message]).await != [true] {
        assert!(tokio::time::Instant::now() < deadline, "never committed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_job_that_fails_leaves_its_messages_uncommitted_and_sendable_again() {
    let world = World::start(Jobs::Failing).await;
    let app = &world.app;
    let message = say(app, DAY, Role::User, LUNCH).await;
    let client = test_user(app).await;

    let (status, first) = update(&client, app, &json!({ "journal_reference": DAY })).await;
    assert_eq!(status, 200, "{first}");
    let first_job = first["job_id"].as_str().expect("job id");
    let (_, _, stream) = watch(&client, app, first_job).await;
    let frames = frames(&stream);
    assert_eq!(
        frames.last().expect("frames").1["state"],
        "FAILED_FINAL",
        "{stream}"
    );
    assert_eq!(committed(app, &[message]).await, [false]);

    let (status, second) = update(&client, app, &json!({})).await;
    assert_eq!(status, 200, "the message is sendable again: {second}");
    assert_ne!(
        second["job_id"], first["job_id"],
        "a new job, not the failed one again"
    );
    assert_eq!(committed(app, &[message]).await, [false]);
}

#[tokio::test]
async fn an_update_with_nothing_of_the_users_new_is_a_conflict_and_a_running_job_holds_its_messages()
 {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    let architect = app.user_id(ARCHITECT).await;
    app.journals()
        .append_message(
            architect,
            DAY,
            Role::User,
            "not the test user's",
            Uuid::new_v4(),
        )
        .await
        .expect("append");
    let client = test_user(app).await;
    let (status, body) = update(&client, app, &json!({})).await;
    assert_eq!(
        (status, body),
        (
            409,
            json!({ "detail": "no uncommitted messages available for knowledge update" })
        )
    );

    say(app, DAY, Role::User, LUNCH).await;
    assert_eq!(update(&client, app, &json!({})).await.0, 200);
    assert_eq!(
        update(&client, app, &json!({})).await.0,
        409,
        "its messages are in a running job"
    );
    let later = say(app, DAY, Role::User, "And then we went for a walk.").await;
    let (status, body) = update(&client, app, &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        recorded_jobs(app).await[1].1,
        [later],
        "only the new message"
    );
}

#[tokio::test]
async fn two_concurrent_updates_enqueue_each_message_once() {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    let mut messages = Vec::new();
    for (day, n) in [("2026/12/05", 1), ("2026/12/06", 2)] {
        for i in 0..n {
            messages.push(say(app, day, Role::User, &format!("note {i} of {day}")).await);
        }
    }
    let client = test_user(app).await;
    let body = json!({});
    let (a, b) = tokio::join!(update(&client, app, &body), update(&client, app, &body));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let accepted = if a.0 == 200 { a.1 } else { b.1 };
    assert_eq!(
        accepted["job_ids"].as_array().expect("ids").len(),
        2,
        "one job per journal"
    );

    let mut recorded: Vec<Uuid> = recorded_jobs(app)
        .await
        .into_iter()
        .flat_map(|(_, ids)| ids)
        .collect();
    recorded.sort_unstable();
    messages.sort_unstable();
    assert_eq!(recorded, messages);
    let upstream: i64 = sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs")
        .fetch_one(world.jobs_db())
        .await
        .expect("count");
    assert_eq!(upstream, 2);
}

#[tokio::test]
async fn an_update_of_one_journal_takes_only_its_messages_cut_by_the_token_budget() {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    say(app, "2026/12/05", Role::User, "the day before").await;
    let long = "x".repeat(400);
    let first = say(app, DAY, Role::User, "short").await;
    let oversized = say(app, DAY, Role::User, &long).await;
    let client = test_user(app).await;
    let (status, body) = update(&client, app, &json!({ "journal_reference": DAY })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        recorded_jobs(app).await,
        [
            (DAY.to_owned(), vec![first]),
            (DAY.to_owned(), vec![oversized])
        ],
        "the budget is 50 tokens; the 100-token message goes alone"
    );
}

#[tokio::test]
async fn invalid_update_requests_are_refused_with_a_reason() {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    let client = test_user(app).await;
    let (status, body) = update(&client, app, &json!({ "journal_reference": "" })).await;
    assert_eq!(status, 422);
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .contains("journal_reference")
    );
    let (status, body) = read(
        client
            .post(app.url("/api/knowledge/update"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, 422, "a body is required: {body}");
    let (status, _) = read(
        app.client
            .post(app.url("/api/knowledge/update"))
            .json(&json!({}))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_unreachable_orchestrator_is_503_and_records_nothing() {
    let port = exobrain_testkit::free_port();
    let app = app::spawn_app_with(&[(
        "JOB_ORCHESTRATOR_GRPC_TARGET",
        &format!("http://127.0.0.1:{port}"),
    )])
    .await;
    let message = say(&app, DAY, Role::User, LUNCH).await;
    let client = test_user(&app).await;
    let (status, body) = update(&client, &app, &json!({})).await;
    assert_eq!(
        (status, body),
        (
            503,
            json!({ "detail": "knowledge update enqueue unavailable" })
        )
    );
    assert!(recorded_jobs(&app).await.is_empty());
    assert_eq!(committed(&app, &[message]).await, [false]);
}
