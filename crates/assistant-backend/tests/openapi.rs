//! `GET /api/openapi.json`, tested against the running service: the document is OpenAPI 3.1,
//! documents exactly the routes the router serves, every `$ref` resolves, and real responses
//! validate against their documented schemas.

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeSet;

use assistant_backend::journals::{MAX_ENTRIES_PAGE, MAX_MESSAGES_PAGE};
use jsonschema::Draft;
use serde_json::{Value, json};
use support::{PASSWORD, TEST_USER, TestApp, spawn_app};

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
];

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
/// documented statuses, so nothing documented is a router 404/405.
#[tokio::test]
async fn every_documented_operation_is_served_with_a_documented_status() {
    let (app, document, token) = signed_in().await;
    for (method, path) in operations(&document) {
        let url = app.url(&path.replace("{reference}", "2000%2F01%2F01"));
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
            let documented = response["content"]["application/json"]["schema"].is_object();
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
