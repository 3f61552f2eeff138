//! `GET /api/openapi.json`, tested against the running service: the document is OpenAPI 3.1,
//! documents exactly the routes the router serves, every `$ref` resolves, and real responses
//! validate against their documented schemas.

#[path = "support/mod.rs"]
mod app;
#[path = "../../job-orchestrator-worker/tests/support/services.rs"]
mod services;
#[path = "knowledge_support/mod.rs"]
mod support;

use std::collections::BTreeSet;

use app::{PASSWORD, TEST_USER, TestApp, spawn_app};
use assistant_backend::journals::{MAX_ENTRIES_PAGE, MAX_MESSAGES_PAGE};
use exobrain_proto::knowledge as pb;
use jsonschema::Draft;
use serde_json::{Value, json};
use support::pages::Author;
use support::{World, read, test_user};
use uuid::Uuid;

/// Every route the router serves (method, OpenAPI path). A route added to the router without
/// documentation, or documented without being served, fails
/// `the_document_lists_exactly_the_served_routes`.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/auth/login"),
    ("post", "/api/auth/token_refresh"),
    ("post", "/api/auth/logout"),
    ("get", "/api/users/me"),
    ("get", "/api/users/me/configs"),
    ("patch", "/api/users/me/configs"),
    ("get", "/api/journal"),
    ("get", "/api/journal/search"),
    ("get", "/api/journal/today"),
    ("get", "/api/journal/today/messages"),
    ("get", "/api/journal/{reference}"),
    ("get", "/api/journal/{reference}/messages"),
    ("get", "/api/openapi.json"),
    ("post", "/api/chat/message"),
    ("get", "/api/chat/stream/{stream_id}"),
    ("post", "/api/chat/stream/{stream_id}/cancel"),
    ("post", "/api/knowledge/update"),
    ("get", "/api/knowledge/update/{job_id}/watch"),
    ("get", "/api/knowledge/category"),
    ("get", "/api/knowledge/category/{category_id}/pages"),
    ("get", "/api/knowledge/page/{page_id}"),
    ("patch", "/api/knowledge/page/{page_id}"),
    ("get", "/api/knowledge/search"),
    ("get", "/api/knowledge/page/{page_id}/graph"),
    ("get", "/api/ops/overview"),
    ("get", "/api/ops/jobs"),
    ("get", "/api/ops/dead-letters"),
    ("post", "/api/ops/dead-letters/{id}/replay"),
];

/// A value for each path parameter of the probes: unknown ids, a real category.
const PROBE_PARAMETERS: &[(&str, &str)] = &[
    ("{reference}", "2000%2F01%2F01"),
    ("{stream_id}", "00000000-0000-4000-8000-000000000000"),
    ("{job_id}", "00000000-0000-4000-8000-000000000000"),
    ("{category_id}", "node.place"),
    ("{page_id}", "00000000-0000-4000-8000-000000000000"),
    ("{id}", "00000000-0000-4000-8000-000000000000"),
];

/// The committed copy of the document the web UI generates its API types from.
const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assistant-frontend/ui/src/lib/api/openapi.json"
);

/// The media type of server-sent events: the body of the two watch routes.
const EVENT_STREAM: &str = "text/event-stream";

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "the document needs no sign-in");
    response.json().await.expect("the document is JSON")
}

/// A running service, its document, and an access token of the test user.
async fn signed_in() -> (TestApp, Value, String) {
    let app = spawn_app().await;
    let document = document(&app).await;
    let pair = app.tokens(TEST_USER, PASSWORD).await;
    let token = pair["access_token"].as_str().expect("access token");
    (app, document, token.to_owned())
}

/// (method, path) of every documented operation.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(move |method| ((*method).to_owned(), path.clone()))
        })
        .collect()
}

/// Every `$ref` anywhere under `value`.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => refs(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

/// A JSON Schema 2020-12 validator for the `status` response of `method path`: the documented
/// schema, with the document's `components` beside it so `#/components/schemas/...` resolves.
fn response_validator(
    document: &Value,
    method: &str,
    path: &str,
    status: &str,
) -> jsonschema::Validator {
    let schema = &document["paths"][path][method]["responses"][status]["content"]["application/json"]
        ["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} documents no {status} JSON schema"
    );
    let mut root = schema.clone();
    root["components"] = document["components"].clone();
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .expect("the documented schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, body: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema: {errors:#?}\n{body:#}"
    );
}

#[tokio::test]
async fn the_document_is_openapi_3_1_without_servers() {
    let app = spawn_app().await;
    let document = document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "Exobrain assistant API");
    assert!(
        document["info"]["version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    assert!(
        document.get("servers").is_none(),
        "clients choose the server"
    );
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(
        schemes["bearer"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    );
    assert_eq!(
        schemes["session_cookie"],
        json!({"type": "apiKey", "in": "cookie", "name": "exobrain_session"})
    );
    assert_eq!(
        document["components"]["schemas"]["ErrorBody"]["required"],
        json!(["detail"])
    );
}

/// The UI's committed copy of the document is the document: a change to the API shows up as a
/// change of that file (and of the UI's generated types) in the same commit.
#[test]
fn openapi_snapshot_matches_the_committed_ui_copy() {
    let current = format!(
        "{}\n",
        assistant_backend::api::openapi::document()
            .to_pretty_json()
            .expect("the document serialises")
    );
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        let path = std::path::Path::new(SNAPSHOT);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
        std::fs::write(path, &current).expect("write the snapshot");
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        committed == current,
        "{SNAPSHOT} is not the current OpenAPI document: run UPDATE_OPENAPI=1 cargo nextest \
         run -p assistant-backend -E 'test(openapi_snapshot)' and commit the file"
    );
}

#[tokio::test]
async fn the_document_is_served_to_cookie_clients_from_any_origin() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .header("origin", "https://elsewhere.example")
        .header("cookie", "exobrain_session=whatever")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_document_lists_exactly_the_served_routes() {
    let app = spawn_app().await;
    let documented = operations(&document(&app).await);
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not in ROUTES: {unserved:?}"
    );
}

/// Each documented operation, called signed in with a minimal request, answers one of its
/// documented statuses, so nothing documented is a router 404/405. (The knowledge services are
/// not running here: their routes answer the documented 503.)
#[tokio::test]
async fn every_documented_operation_is_served_with_a_documented_status() {
    let (app, document, token) = signed_in().await;
    for (method, path) in operations(&document) {
        let probe = PROBE_PARAMETERS
            .iter()
            .fold(path.clone(), |path, (name, value)| {
                path.replace(name, value)
            });
        assert!(!probe.contains('{'), "no probe value for {path}");
        let url = app.url(&probe);
        let request = match method.as_str() {
            "get" => app.client.get(&url),
            "post" => app.client.post(&url).json(&json!({})),
            "patch" => app.client.patch(&url).json(&json!({})),
            other => panic!("no probe for {other} {path}"),
        };
        let response = request.bearer_auth(&token).send().await.expect("request");
        let status = response.status().as_u16().to_string();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let responses = &document["paths"][&path][&method]["responses"];
        assert!(
            responses.get(&status).is_some(),
            "{method} {path} answered undocumented {status}: {body}"
        );
        if status.starts_with('4') {
            assert!(
                body["detail"].is_string(),
                "{method} {path} {status} is a handled error: {body}"
            );
        }
    }
}

#[tokio::test]
async fn every_reference_resolves_and_every_operation_documents_its_responses() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} is not a component schema"));
        assert!(
            document["components"]["schemas"].get(name).is_some(),
            "{target} does not exist"
        );
    }
    let mut operation_ids = BTreeSet::new();
    for (method, path) in operations(&document) {
        let operation = &document["paths"][&path][&method];
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(
            operation_ids.insert(id.to_owned()),
            "operationId {id} is not unique"
        );
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{method} {path} has no success"
        );
        for (status, response) in responses {
            let content = &response["content"];
            let documented = content["application/json"]["schema"].is_object()
                || content[EVENT_STREAM]["schema"].is_object();
            assert_eq!(
                documented,
                status != "204",
                "{method} {path} {status}: body schema"
            );
            if status.starts_with('4') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn todays_entry_and_the_configs_match_their_documented_schemas() {
    let (app, document, token) = signed_in().await;

    let today = response_validator(&document, "get", "/api/journal/today", "200");
    let response = app
        .get_bearer("/api/journal/today?create=true", &token)
        .await;
    assert_eq!(response.status(), 200);
    let entry: Value = response.json().await.expect("entry");
    assert_valid(&today, &entry, "today's entry");
    let mut broken = entry.clone();
    broken["status"] = json!("closed");
    assert!(
        !today.is_valid(&broken),
        "the schema rejects what the contract does not allow"
    );

    let configs = response_validator(&document, "get", "/api/users/me/configs", "200");
    let response = app.get_bearer("/api/users/me/configs", &token).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("configs");
    assert!(!body["configs"].as_array().expect("configs").is_empty());
    assert_valid(&configs, &body, "the user configs");
}

#[tokio::test]
async fn sign_in_responses_match_their_documented_schemas() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let login = response_validator(&document, "post", "/api/auth/login", "200");
    let pair = app.tokens(TEST_USER, PASSWORD).await;
    assert_valid(&login, &pair, "a token pair");
    let response = app
        .post(
            "/api/auth/login",
            &json!({"email": TEST_USER, "password": PASSWORD}),
        )
        .await;
    let body: Value = response.json().await.expect("session");
    assert_valid(&login, &body, "a session sign-in");
    let error = response_validator(&document, "post", "/api/auth/login", "401");
    let response = app
        .post(
            "/api/auth/login",
            &json!({"email": TEST_USER, "password": "wrong-password"}),
        )
        .await;
    assert_eq!(response.status(), 401);
    assert_valid(&error, &response.json().await.expect("error"), "a 401");
}

#[tokio::test]
async fn documented_parameter_bounds_are_the_enforced_ones() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let limits = [
        ("/api/journal", MAX_ENTRIES_PAGE),
        ("/api/journal/search", MAX_ENTRIES_PAGE),
        ("/api/journal/today/messages", MAX_MESSAGES_PAGE),
        ("/api/journal/{reference}/messages", MAX_MESSAGES_PAGE),
    ];
    for (path, max) in limits {
        let parameters = document["paths"][path]["get"]["parameters"]
            .as_array()
            .expect("parameters");
        let limit = parameters
            .iter()
            .find(|parameter| parameter["name"] == "limit")
            .expect("limit");
        assert_eq!(limit["schema"]["minimum"], 1, "{path}");
        assert_eq!(limit["schema"]["maximum"], max, "{path}");
    }
    let q = &document["paths"]["/api/journal/search"]["get"]["parameters"][0];
    assert_eq!(q["name"], "q");
    assert_eq!(q["schema"]["minLength"], 1, "q must not be empty");
    assert_eq!(
        q["schema"]["pattern"], document["components"]["schemas"]["Text"]["pattern"],
        "q is Text"
    );
}

/// The two event streams are documented as `text/event-stream`, naming every event and how to
/// resume; the header and query parameter they read are documented parameters.
#[tokio::test]
async fn the_event_streams_document_their_events_and_resume_parameters() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let chat = &document["paths"]["/api/chat/stream/{stream_id}"]["get"];
    let watch = &document["paths"]["/api/knowledge/update/{job_id}/watch"]["get"];
    for (operation, events) in [
        (
            chat,
            &[
                "message_chunk",
                "tool_call",
                "tool_response",
                "error",
                "done",
            ][..],
        ),
        (watch, &["status", "done", "error"][..]),
    ] {
        let content = operation["responses"]["200"]["content"]
            .as_object()
            .expect("content");
        assert_eq!(
            content.keys().collect::<Vec<_>>(),
            [EVENT_STREAM],
            "{operation}"
        );
        assert_eq!(
            content[EVENT_STREAM]["schema"]["properties"]["event"]["enum"],
            json!(events),
            "every event is one of the named ones"
        );
        let description = operation["description"].as_str().expect("description");
        for event in events {
            assert!(
                description.contains(&format!("`{event}`")),
                "{event} is not described: {description}"
            );
        }
    }
    let chat_description = chat["description"].as_str().expect("description");
    assert!(chat_description.contains(r#"{"reason": "complete"|"error"|"cancelled"}"#));
    assert!(chat_description.contains(r#"{"tool_call_id": string|null, "message"}"#));
    let parameter = |operation: &Value, name: &str| {
        operation["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|parameter| parameter["name"] == name)
            .map(|parameter| parameter["in"].clone())
    };
    assert_eq!(parameter(chat, "Last-Event-ID"), Some(json!("header")));
    assert_eq!(parameter(chat, "last_event_id"), Some(json!("query")));
    let page = &document["paths"]["/api/knowledge/page/{page_id}"];
    assert_eq!(parameter(&page["patch"], "If-Match"), Some(json!("header")));
    for method in ["get", "patch"] {
        assert!(
            page[method]["responses"]["200"]["headers"]["ETag"].is_object(),
            "{method} documents its ETag"
        );
    }
}

#[tokio::test]
async fn a_started_chat_turn_and_its_cancel_match_their_documented_schemas() {
    let (app, document, token) = signed_in().await;
    let started = response_validator(&document, "post", "/api/chat/message", "200");
    let response = app
        .client
        .post(app.url("/api/chat/message"))
        .bearer_auth(&token)
        .json(&json!({"message": "Hello", "client_message_id": Uuid::new_v4()}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_valid(&started, &body, "a started turn");
    assert!(
        !started.is_valid(&json!({"stream_id": "not-a-uuid"})),
        "the schema rejects what the contract does not allow"
    );

    let cancelled = response_validator(
        &document,
        "post",
        "/api/chat/stream/{stream_id}/cancel",
        "202",
    );
    let stream_id = body["stream_id"].as_str().expect("stream id");
    let response = app
        .client
        .post(app.url(&format!("/api/chat/stream/{stream_id}/cancel")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 202);
    assert_valid(
        &cancelled,
        &response.json().await.expect("json"),
        "a cancel",
    );

    let invalid = response_validator(&document, "post", "/api/chat/message", "422");
    let response = app
        .client
        .post(app.url("/api/chat/message"))
        .bearer_auth(&token)
        .json(&json!({"message": "a\u{0}b", "client_message_id": Uuid::new_v4()}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422, "a NUL is the caller's mistake");
    let error: Value = response.json().await.expect("json");
    assert!(
        error["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("message: must not contain NUL")),
        "{error}"
    );
    assert_valid(&invalid, &error, "a 422");
}

#[tokio::test]
async fn knowledge_categories_pages_and_a_page_match_their_documented_schemas() {
    let world = World::explorer().await;
    let app = &world.app;
    let document = document(app).await;
    let mut author = Author::new(&world, TEST_USER).await;
    let (page_id, _) = author
        .page(
            "node.place",
            "Café Central",
            "A coffee house in Vienna.",
            pb::Visibility::Private,
        )
        .await;
    let client = test_user(app).await;
    let get = |path: String| {
        let client = client.clone();
        async move { read(client.get(app.url(&path)).send().await.expect("request")).await }
    };

    let (status, tree) = get("/api/knowledge/category".to_owned()).await;
    assert_eq!(status, 200, "{tree}");
    assert!(
        !tree["categories"]
            .as_array()
            .expect("categories")
            .is_empty()
    );
    let categories = response_validator(&document, "get", "/api/knowledge/category", "200");
    assert_valid(&categories, &tree, "the category tree");
    let mut broken = tree.clone();
    broken["categories"][0]["sub_categories"] = json!([{"category_id": "x"}]);
    assert!(
        !categories.is_valid(&broken),
        "subcategories are validated as categories too"
    );

    let (status, pages) = get("/api/knowledge/category/node.place/pages".to_owned()).await;
    assert_eq!(status, 200, "{pages}");
    assert_eq!(pages["knowledge_pages"][0]["id"], page_id.to_string());
    let listing = response_validator(
        &document,
        "get",
        "/api/knowledge/category/{category_id}/pages",
        "200",
    );
    assert_valid(&listing, &pages, "a category's pages");

    let (status, page) = get(format!("/api/knowledge/page/{page_id}")).await;
    assert_eq!(status, 200, "{page}");
    let detail = response_validator(&document, "get", "/api/knowledge/page/{page_id}", "200");
    assert_valid(&detail, &page, "a page");
}
