//! The operator role and the operations routes (`/api/ops/*`) against the real job API: the
//! role shows in `GET /api/users/me`, every operator route refuses a signed-out caller (401)
//! and a user without the role (403), and an operator sees every user's jobs, the job counts
//! with a live worker's heartbeat, and replays a dead letter once.

#[path = "support/mod.rs"]
mod app;
#[path = "../../job-orchestrator-worker/tests/support/services.rs"]
mod services;
#[path = "knowledge_support/mod.rs"]
mod support;

use std::time::Duration;

use app::{ARCHITECT, PASSWORD, TEST_USER, TestApp, signed_in_client};
use assistant_backend::journals::Role;
use exobrain_common::nats::NatsConfig;
use exobrain_jobs::domain::JobId;
use exobrain_jobs::heartbeat::{self, Heartbeat, PoolLoad};
use exobrain_jobs::store::{JobStore, Outcome};
use serde_json::{Value, json};
use support::updates::{DAY, LUNCH, update};
use support::{Jobs, World, read, test_user};
use uuid::Uuid;

/// Every operator route: (method, path).
const OPS_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/ops/overview"),
    ("GET", "/api/ops/jobs"),
    ("GET", "/api/ops/dead-letters"),
    (
        "POST",
        "/api/ops/dead-letters/00000000-0000-4000-8000-000000000000/replay",
    ),
];

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    read(client.get(app.url(path)).send().await.expect("request")).await
}

async fn post(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    read(client.post(app.url(path)).send().await.expect("request")).await
}

/// A finished message of `email` in journal `DAY`.
async fn say_as(app: &TestApp, email: &str, content: &str) {
    let user = app.user_id(email).await;
    app.journals()
        .append_message(user, DAY, Role::User, content, Uuid::new_v4())
        .await
        .expect("append");
}

/// A knowledge update of `email`'s messages; the job id.
async fn enqueue_update(app: &TestApp, email: &str) -> String {
    say_as(app, email, LUNCH).await;
    let client = signed_in_client(app, email, PASSWORD).await;
    let (status, body) = update(&client, app, &json!({})).await;
    assert_eq!(status, 200, "{body}");
    body["job_id"].as_str().expect("job id").to_owned()
}

/// The job store of the world's job services, as a worker uses it.
fn job_store(world: &World) -> JobStore {
    let infra = world.infra.as_ref().expect("job services");
    let nats = NatsConfig::new(infra.nats.url.clone(), infra.nats.prefix.clone());
    JobStore::new(infra.db.pool.clone(), nats)
}

/// Plays a worker that gives up on `job_id` at once, dead-lettering it.
async fn fail_for_good(store: &JobStore, job_id: &str) {
    let id = JobId::parse("job_id", job_id).expect("job id");
    let lease = chrono::Utc::now() + chrono::Duration::seconds(30);
    let attempt = store
        .start_attempt(id, "worker-test", lease)
        .await
        .expect("start")
        .expect("granted");
    let outcome = Outcome::Failed {
        detail: "handler gave up".into(),
        retry: false,
    };
    store
        .finish_attempt(&attempt, "worker-test", outcome)
        .await
        .expect("finish")
        .expect("applied");
}

#[tokio::test]
async fn me_shows_the_role_and_the_seed_makes_the_first_user_an_operator() {
    let app = app::spawn_app().await;
    let operator = signed_in_client(&app, TEST_USER, PASSWORD).await;
    let (status, me) = get(&operator, &app, "/api/users/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "operator", "{me}");
    let user = signed_in_client(&app, ARCHITECT, PASSWORD).await;
    let (_, me) = get(&user, &app, "/api/users/me").await;
    assert_eq!(me["role"], "user", "{me}");

    assistant_backend::seed::apply(&app.db.pool)
        .await
        .expect("seed again");
    let (_, me) = get(&user, &app, "/api/users/me").await;
    assert_eq!(me["role"], "user", "a second seed promotes no one");
}

#[tokio::test]
async fn operator_routes_refuse_the_signed_out_and_users_without_the_role() {
    let app = app::spawn_app().await;
    let user = signed_in_client(&app, ARCHITECT, PASSWORD).await;
    let token = app.tokens(ARCHITECT, PASSWORD).await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    for (method, path) in OPS_ROUTES {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let signed_out = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(signed_out.status(), 401, "{method} {path} signed out");
        for request in [
            user.request(method.clone(), app.url(path)),
            app.client
                .request(method.clone(), app.url(path))
                .bearer_auth(&token),
        ] {
            let (status, body) = read(request.send().await.expect("request")).await;
            assert_eq!(status, 403, "{method} {path}: {body}");
            assert_eq!(body, json!({"detail": "operator role required"}));
        }
    }
}

#[tokio::test]
async fn a_role_change_applies_to_the_next_request() {
    let app = app::spawn_app().await;
    let user = signed_in_client(&app, ARCHITECT, PASSWORD).await;
    assert_eq!(get(&user, &app, "/api/ops/jobs").await.0, 403);
    assert!(
        assistant_backend::users::store::set_role(
            &app.db.pool,
            ARCHITECT,
            assistant_backend::users::Role::Operator
        )
        .await
        .expect("set role")
    );
    let (_, me) = get(&user, &app, "/api/users/me").await;
    assert_eq!(me["role"], "operator");
    assert_ne!(
        get(&user, &app, "/api/ops/jobs").await.0,
        403,
        "the role is read from the database, not the session"
    );
}

#[tokio::test]
async fn the_overview_counts_every_users_jobs_and_shows_a_live_worker() {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    enqueue_update(app, TEST_USER).await;
    enqueue_update(app, ARCHITECT).await;
    let infra = world.infra.as_ref().expect("job services");
    let nats = NatsConfig::new(infra.nats.url.clone(), infra.nats.prefix.clone());
    let beat = Heartbeat::new(
        "worker-ops-test",
        "9.9.9",
        "2026-12-07T00:00:00+00:00",
        vec![PoolLoad {
            job_type: "knowledge.update".into(),
            running: 1,
            capacity: 4,
        }],
        "2026-12-07T00:00:05+00:00",
    );
    let operator = test_user(app).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let overview = loop {
        infra
            .nats
            .client
            .publish(
                heartbeat::subject(&nats, "worker-ops-test"),
                serde_json::to_vec(&beat).expect("json").into(),
            )
            .await
            .expect("publish");
        let (status, overview) = get(&operator, app, "/api/ops/overview").await;
        assert_eq!(status, 200, "{overview}");
        if !overview["workers"].as_array().expect("workers").is_empty() {
            break overview;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no worker heard: {overview}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(overview["window_seconds"], 300);
    let updates = overview["job_types"]
        .as_array()
        .expect("job types")
        .iter()
        .find(|t| t["job_type"] == "knowledge.update")
        .unwrap_or_else(|| panic!("no knowledge.update counts: {overview}"));
    assert_eq!(updates["states"]["ENQUEUED_OR_PENDING"], 2, "{updates}");
    assert_eq!(updates["states"]["SUCCEEDED"], 0);
    assert_eq!(updates["backlog"], 2);
    assert_eq!(updates["completed_in_window"], 0);
    assert_eq!(updates["throughput_per_minute"], 0.0);
    let worker = &overview["workers"][0];
    assert_eq!(worker["worker_id"], "worker-ops-test");
    assert_eq!(worker["version"], "9.9.9");
    assert!(worker["last_seen_at"].is_string());
    assert_eq!(
        worker["pools"],
        json!([{"job_type": "knowledge.update", "running": 1, "capacity": 4}])
    );
}

#[tokio::test]
async fn an_operator_lists_every_users_jobs_newest_first_with_filters_and_pages() {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    let first = enqueue_update(app, TEST_USER).await;
    let second = enqueue_update(app, ARCHITECT).await;
    let operator = test_user(app).await;

    let (status, page) = get(&operator, app, "/api/ops/jobs").await;
    assert_eq!(status, 200, "{page}");
    let ids: Vec<&str> = page["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter_map(|job| job["job_id"].as_str())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    let job = &page["jobs"][0];
    assert_eq!(job["job_type"], "knowledge.update");
    assert_eq!(job["state"], "ENQUEUED_OR_PENDING");
    assert_eq!(job["user_id"], app.user_id(ARCHITECT).await.to_string());
    assert_eq!(page["next_cursor"], Value::Null);

    let (_, page) = get(&operator, app, "/api/ops/jobs?limit=1").await;
    assert_eq!(page["jobs"][0]["job_id"], second.as_str());
    let cursor = page["next_cursor"].as_str().expect("a next page");
    let (_, next) = get(
        &operator,
        app,
        &format!("/api/ops/jobs?limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(next["jobs"][0]["job_id"], first.as_str());

    let (_, none) = get(&operator, app, "/api/ops/jobs?state=SUCCEEDED").await;
    assert_eq!(none["jobs"], json!([]));
    let (_, none) = get(&operator, app, "/api/ops/jobs?job_type=diagnostics.echo").await;
    assert_eq!(none["jobs"], json!([]));
    for bad in ["state=DONE", "limit=0", "limit=201", "cursor=garbage"] {
        let (status, body) = get(&operator, app, &format!("/api/ops/jobs?{bad}")).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body["detail"].is_string());
    }
}

#[tokio::test]
async fn an_operator_replays_any_users_dead_letter_once() {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    let failed = enqueue_update(app, ARCHITECT).await;
    fail_for_good(&job_store(&world), &failed).await;
    let operator = test_user(app).await;

    let (status, page) = get(&operator, app, "/api/ops/dead-letters").await;
    assert_eq!(status, 200, "{page}");
    let letter = &page["dead_letters"][0];
    assert_eq!(letter["job_id"], failed.as_str());
    assert_eq!(letter["user_id"], app.user_id(ARCHITECT).await.to_string());
    assert_eq!(letter["reason"], "not-retryable");
    assert_eq!(letter["replayed_at"], Value::Null);
    let id = letter["id"].as_str().expect("id").to_owned();

    let replay = format!("/api/ops/dead-letters/{id}/replay");
    let (status, body) = post(&operator, app, &replay).await;
    assert_eq!(status, 202, "{body}");
    let job_id = body["job_id"].as_str().expect("new job");
    assert_ne!(job_id, failed);
    let (status, body) = post(&operator, app, &replay).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = post(
        &operator,
        app,
        "/api/ops/dead-letters/00000000-0000-4000-8000-000000000000/replay",
    )
    .await;
    assert_eq!(status, 404);
    let (_, page) = get(&operator, app, "/api/ops/dead-letters").await;
    assert!(page["dead_letters"][0]["replayed_at"].is_string(), "{page}");
    let (_, jobs) = get(&operator, app, "/api/ops/jobs?state=ENQUEUED_OR_PENDING").await;
    assert_eq!(jobs["jobs"][0]["job_id"], job_id);
}
