//! The cross-user matrix: what user A (the seeded test user) creates through the API — today's
//! journal with a chat turn, a knowledge update job, a knowledge page, a config — stays
//! invisible and untouched when user B (the architect) calls every endpoint that takes an id or
//! a reference with A's. [`matrix`] holds one row per such endpoint; a new endpoint adds a row.
//! No response to B may contain any of A's ids or texts.
//!
//! Endpoints scoped by the session alone take no id, so through them B can only name B's own
//! data, and they need no row: `GET /api/users/me`, `GET|PATCH /api/users/me/configs`,
//! `GET /api/journal`, `GET /api/journal/today`, `GET /api/journal/today/messages`,
//! `POST /api/chat/message` (always the caller's journal of today), `GET /api/knowledge/category`
//! (the caller's page counts), `POST /api/knowledge/update` without a reference (the caller's
//! messages), the auth routes and `GET /api/openapi.json`. The reads among them are still swept
//! for A's data after the matrix, and B's configs are checked to keep their defaults.
//!
//! The search is in the matrix with a word of A's page title (B finds none of A's pages), and
//! so are the operator routes: A, the seeded operator, sees every user's jobs there; B, a user,
//! is refused.

#[path = "support/mod.rs"]
mod app;
#[path = "../../job-orchestrator-worker/tests/support/services.rs"]
mod services;
#[path = "knowledge_support/mod.rs"]
mod support;

use std::time::Duration;

use app::{ARCHITECT, PASSWORD, TestApp, signed_in_client};
use exobrain_proto::knowledge as pb;
use reqwest::Method;
use serde_json::{Value, json};
use support::pages::Author;
use support::updates::committed;
use support::{Jobs, World, test_user};
use uuid::Uuid;

const SECRET: &str = "Remember that the vault code is 4711, Nightingale.";
const PAGE_TITLE: &str = "Nightingale Lodge";
const PAGE_TEXT: &str = "The hideout behind the old mill.";

/// What A created, by id and text.
struct Created {
    reference: String,
    entry_id: String,
    message_ids: Vec<Uuid>,
    stream_id: String,
    job_id: String,
    batch_id: String,
    page_id: Uuid,
    block_id: Uuid,
}

impl Created {
    /// Everything of A's that must never appear in a response to B.
    fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![
            SECRET.to_owned(),
            PAGE_TITLE.to_owned(),
            PAGE_TEXT.to_owned(),
            self.entry_id.clone(),
            self.stream_id.clone(),
            self.job_id.clone(),
            self.batch_id.clone(),
            self.page_id.to_string(),
            self.block_id.to_string(),
        ];
        secrets.extend(self.message_ids.iter().map(Uuid::to_string));
        secrets
    }
}

/// One call of B's with A's id, and what B must get.
struct Row {
    method: Method,
    path: String,
    body: Option<Value>,
    /// The statuses B may get.
    statuses: &'static [u16],
    /// The whole body B must get, where it is fixed.
    expected: Option<Value>,
    /// The status A gets for the same call, proving the id is real (reads only; the body of
    /// an event stream is not awaited).
    as_owner: Option<u16>,
}

impl Row {
    fn get(path: String, statuses: &'static [u16], as_owner: u16) -> Self {
        Self {
            method: Method::GET,
            path,
            body: None,
            statuses,
            expected: None,
            as_owner: Some(as_owner),
        }
    }
}

/// Every endpoint that takes an id or a reference, called with A's.
fn matrix(a: &Created) -> Vec<Row> {
    let reference = a.reference.replace('/', "%2F");
    vec![
        Row::get(format!("/api/journal/{reference}"), &[404], 200),
        Row {
            expected: Some(json!([])),
            ..Row::get(format!("/api/journal/{reference}/messages"), &[200], 200)
        },
        Row {
            expected: Some(json!([])),
            ..Row::get(
                format!("/api/journal/search?q={}", "vault%20code"),
                &[200],
                200,
            )
        },
        Row::get(format!("/api/chat/stream/{}", a.stream_id), &[404], 200),
        Row {
            method: Method::POST,
            path: format!("/api/chat/stream/{}/cancel", a.stream_id),
            body: None,
            statuses: &[404],
            expected: None,
            as_owner: None,
        },
        Row::get(
            format!("/api/knowledge/update/{}/watch", a.job_id),
            &[404],
            200,
        ),
        Row::get(
            format!("/api/knowledge/page/{}", a.page_id),
            &[403, 404],
            200,
        ),
        Row {
            method: Method::PATCH,
            path: format!("/api/knowledge/page/{}", a.page_id),
            body: Some(json!({"content_blocks": [
                {"block_id": a.block_id, "markdown_content": "B was here"}
            ]})),
            statuses: &[403, 404],
            expected: None,
            as_owner: None,
        },
        Row::get(
            "/api/knowledge/category/node.place/pages".to_owned(),
            &[200],
            200,
        ),
        Row {
            method: Method::POST,
            path: "/api/knowledge/update".to_owned(),
            body: Some(json!({"journal_reference": a.reference})),
            statuses: &[409],
            expected: None,
            as_owner: None,
        },
        Row::get(
            format!("/api/knowledge/page/{}/graph?depth=2", a.page_id),
            &[404],
            200,
        ),
        Row::get(
            "/api/knowledge/search?q=Nightingale".to_owned(),
            &[200],
            200,
        ),
        Row::get("/api/ops/overview".to_owned(), &[403], 200),
        Row::get("/api/ops/jobs".to_owned(), &[403], 200),
        Row::get("/api/ops/dead-letters".to_owned(), &[403], 200),
        Row {
            method: Method::POST,
            path: format!("/api/ops/dead-letters/{}/replay", a.job_id),
            body: None,
            statuses: &[403],
            expected: None,
            as_owner: None,
        },
    ]
}

/// `(status, body text)` of a call; an event stream is read to its end.
async fn call(
    client: &reqwest::Client,
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, String) {
    let mut request = client.request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = tokio::time::timeout(Duration::from_secs(60), response.text())
        .await
        .expect("the response ends")
        .expect("body");
    (status, text)
}

async fn json_of(
    client: &reqwest::Client,
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Value {
    let (status, text) = call(client, app, method, path, body).await;
    assert_eq!(status, 200, "{path}: {text}");
    serde_json::from_str(&text).expect("json")
}

/// A's data, created through the API (the page through the knowledge interface, as the
/// update pipeline would write it).
async fn create_as_a(world: &World, a: &reqwest::Client) -> Created {
    let app = &world.app;
    let started = json_of(
        a,
        app,
        Method::POST,
        "/api/chat/message",
        Some(&json!({"message": SECRET, "client_message_id": Uuid::new_v4()})),
    )
    .await;
    let stream_id = started["stream_id"].as_str().expect("stream id").to_owned();
    let (status, events) = call(
        a,
        app,
        Method::GET,
        &format!("/api/chat/stream/{stream_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(events.contains("event: done"), "{events}");

    let entry = json_of(a, app, Method::GET, "/api/journal/today", None).await;
    let messages = json_of(a, app, Method::GET, "/api/journal/today/messages", None).await;
    let message_ids: Vec<Uuid> = messages
        .as_array()
        .expect("messages")
        .iter()
        .map(|message| message["id"].as_str().expect("id").parse().expect("uuid"))
        .collect();
    assert_eq!(message_ids.len(), 2, "{messages}");

    let update = json_of(
        a,
        app,
        Method::POST,
        "/api/knowledge/update",
        Some(&json!({})),
    )
    .await;
    let theme = json!({"update": {"key": "frontend.theme", "value": "purple-intelligence"}});
    json_of(a, app, Method::PATCH, "/api/users/me/configs", Some(&theme)).await;

    let mut author = Author::new(world, app::TEST_USER).await;
    let (page_id, block_id) = author
        .page("node.place", PAGE_TITLE, PAGE_TEXT, pb::Visibility::Private)
        .await;

    Created {
        reference: entry["reference"].as_str().expect("reference").to_owned(),
        entry_id: entry["id"].as_str().expect("entry id").to_owned(),
        message_ids,
        stream_id,
        job_id: update["job_id"].as_str().expect("job id").to_owned(),
        batch_id: update["batch_id"].as_str().expect("batch id").to_owned(),
        page_id,
        block_id,
    }
}

fn assert_no_leak(secrets: &[String], what: &str, body: &str) {
    for secret in secrets {
        assert!(
            !body.contains(secret.as_str()),
            "{what} shows A's {secret}: {body}"
        );
    }
}

#[tokio::test]
async fn another_user_cannot_see_or_touch_anything_by_id_or_reference() {
    let world = World::start(Jobs::ApiOnly).await;
    let app = &world.app;
    let a = test_user(app).await;
    let b = signed_in_client(app, ARCHITECT, PASSWORD).await;
    let created = create_as_a(&world, &a).await;
    let secrets = created.secrets();

    for row in matrix(&created) {
        let what = format!("{} {}", row.method, row.path);
        if let Some(owner_status) = row.as_owner {
            let response = a
                .request(row.method.clone(), app.url(&row.path))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), owner_status, "A's own {what}");
        }
        let (status, body) = call(&b, app, row.method.clone(), &row.path, row.body.as_ref()).await;
        assert!(
            row.statuses.contains(&status),
            "B's {what} answered {status}, expected one of {:?}: {body}",
            row.statuses
        );
        if let Some(expected) = &row.expected {
            let actual: Value = serde_json::from_str(&body).expect("json");
            assert_eq!(&actual, expected, "B's {what}");
        }
        assert_no_leak(&secrets, &format!("B's {what}"), &body);
    }

    let page = json_of(
        &a,
        app,
        Method::GET,
        &format!("/api/knowledge/page/{}", created.page_id),
        None,
    )
    .await;
    let blocks = page["content_blocks"].to_string();
    assert!(blocks.contains(PAGE_TEXT), "A's page is unchanged: {page}");
    assert!(!blocks.contains("B was here"), "{page}");
    assert_eq!(
        committed(app, &created.message_ids).await,
        [false, false],
        "A's messages wait for A's job"
    );
    let user_b = app.user_id(ARCHITECT).await;
    let b_jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM knowledge_jobs WHERE user_id = $1")
        .bind(user_b)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(b_jobs, 0, "B's refused update recorded no job");

    for path in [
        "/api/journal",
        "/api/journal/today/messages",
        "/api/knowledge/category",
        "/api/users/me/configs",
    ] {
        let (status, body) = call(&b, app, Method::GET, path, None).await;
        assert_eq!(status, 200, "B's {path}: {body}");
        assert_no_leak(&secrets, &format!("B's {path}"), &body);
    }
    let configs = json_of(&b, app, Method::GET, "/api/users/me/configs", None).await;
    let theme = configs["configs"]
        .as_array()
        .expect("configs")
        .iter()
        .find(|config| config["key"] == "frontend.theme")
        .expect("theme");
    assert_eq!(theme["value"], "gruvbox-dark", "A's choice is A's: {theme}");
}
