//! The journal and user config routes, tested against the running service.

#[path = "support/mod.rs"]
mod support;

use assistant_backend::journals::{Role, parse_zone, today_reference};
use chrono::{Timelike, Utc};
use serde_json::{Value, json};
use support::{ARCHITECT, PASSWORD, TEST_USER, TestApp, signed_in_client, spawn_app};
use uuid::Uuid;

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    let response = client.get(app.url(path)).send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn patch(client: &reqwest::Client, app: &TestApp, body: &Value) -> (u16, Value) {
    let response = client
        .patch(app.url("/api/users/me/configs"))
        .json(body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn utc_today() -> String {
    today_reference(Utc::now(), chrono_tz::Tz::UTC)
}

fn references(body: &Value) -> Vec<&str> {
    body.as_array()
        .expect("array")
        .iter()
        .map(|entry| entry["reference"].as_str().expect("reference"))
        .collect()
}

fn sequences(body: &Value) -> Vec<i64> {
    body.as_array()
        .expect("array")
        .iter()
        .map(|message| message["sequence"].as_i64().expect("sequence"))
        .collect()
}

/// Appends `count` user notes to `email`'s journal `reference` through the store.
async fn append(app: &TestApp, email: &str, reference: &str, count: usize) {
    let user = app.user_id(email).await;
    let journals = app.journals();
    for n in 1..=count {
        journals
            .append_message(
                user,
                reference,
                Role::User,
                &format!("note {n} of {reference}"),
                Uuid::new_v4(),
            )
            .await
            .expect("append");
    }
}

#[tokio::test]
async fn every_journal_and_config_route_requires_sign_in() {
    let app = spawn_app().await;
    for path in [
        "/api/journal",
        "/api/journal/today",
        "/api/journal/today/messages",
        "/api/journal/search?q=x",
        "/api/journal/2026/01/01",
        "/api/journal/2026/01/01/messages",
        "/api/users/me/configs",
    ] {
        let (status, body) = get(&app.client, &app, path).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(body["detail"], "authentication required", "{path}");
    }
    let response = app
        .client
        .patch(app.url("/api/users/me/configs"))
        .json(&json!({ "update": { "key": "frontend.theme", "value": "gruvbox-dark" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn today_is_created_on_request_then_found_by_reference_and_listed() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    let today = utc_today();

    let (status, body) = get(&client, &app, "/api/journal/today").await;
    assert_eq!(
        (status, &body["detail"]),
        (404, &json!("journal entry not found"))
    );

    let (status, created) = get(&client, &app, "/api/journal/today?create=true").await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["reference"], today.as_str());
    assert_eq!(created["status"], "open");
    assert_eq!(created["message_count"], 0);

    let (status, again) = get(&client, &app, "/api/journal/today").await;
    assert_eq!((status, &again["id"]), (200, &created["id"]));
    let (status, by_reference) = get(&client, &app, &format!("/api/journal/{today}")).await;
    assert_eq!((status, &by_reference["id"]), (200, &created["id"]));

    append(&app, TEST_USER, "2020/01/01", 1).await;
    append(&app, TEST_USER, "2020/01/02", 1).await;
    let (status, list) = get(&client, &app, "/api/journal").await;
    assert_eq!(status, 200);
    assert_eq!(
        references(&list),
        [today.as_str(), "2020/01/02", "2020/01/01"]
    );
    let (_, page) = get(&client, &app, "/api/journal?limit=1&cursor=2020/01/02").await;
    assert_eq!(references(&page), ["2020/01/01"]);
    let (_, first) = get(&client, &app, "/api/journal?limit=1").await;
    assert_eq!(references(&first), [today.as_str()]);
}

#[tokio::test]
async fn messages_come_newest_first_and_page_by_sequence() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    let day = "2025/03/14";
    append(&app, TEST_USER, day, 5).await;

    let (status, all) = get(&client, &app, &format!("/api/journal/{day}/messages")).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(sequences(&all), [5, 4, 3, 2, 1]);
    assert_eq!(all[0]["role"], "user");
    assert_eq!(all[0]["content"], "note 5 of 2025/03/14");
    assert_eq!(all[0]["tool_calls"], json!([]));

    let (_, page) = get(
        &client,
        &app,
        &format!("/api/journal/{day}/messages?limit=2&cursor=4"),
    )
    .await;
    assert_eq!(sequences(&page), [3, 2]);

    let (_, entry) = get(&client, &app, &format!("/api/journal/{day}")).await;
    assert_eq!(entry["message_count"], 5);

    // Appended after the first read: the service's cached page is invalidated.
    append(&app, TEST_USER, day, 1).await;
    let (_, after) = get(&client, &app, &format!("/api/journal/{day}/messages")).await;
    assert_eq!(sequences(&after), [6, 5, 4, 3, 2, 1]);

    let (status, none) = get(&client, &app, "/api/journal/1999/09/09/messages").await;
    assert_eq!((status, none), (200, json!([])));
    let (status, missing) = get(&client, &app, "/api/journal/1999/09/09").await;
    assert_eq!(
        (status, &missing["detail"]),
        (404, &json!("journal entry not found"))
    );
}

#[tokio::test]
async fn search_today_messages_and_reference_messages_take_precedence() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    let today = utc_today();
    append(&app, TEST_USER, &today, 2).await;
    append(&app, TEST_USER, "2024/02/29", 1).await;
    // Journals whose references look like route names: the fixed routes still win.
    append(&app, TEST_USER, "search", 1).await;
    append(&app, TEST_USER, "today", 1).await;

    let (status, found) = get(&client, &app, "/api/journal/search?q=2024/02").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(references(&found), ["2024/02/29"]);
    let (_, by_content) = get(&client, &app, "/api/journal/search?q=NOTE 2 OF").await;
    assert_eq!(references(&by_content), [today.as_str()]);

    let (status, today_messages) = get(&client, &app, "/api/journal/today/messages").await;
    assert_eq!(status, 200);
    assert_eq!(sequences(&today_messages), [2, 1]);
    assert_eq!(
        today_messages[0]["content"],
        format!("note 2 of {today}").as_str()
    );

    let (_, today_entry) = get(&client, &app, "/api/journal/today").await;
    assert_eq!(today_entry["reference"], today.as_str());

    let (_, leap) = get(&client, &app, "/api/journal/2024/02/29/messages").await;
    assert_eq!(leap[0]["content"], "note 1 of 2024/02/29");
    let (_, leap_entry) = get(&client, &app, "/api/journal/2024/02/29").await;
    assert_eq!(leap_entry["reference"], "2024/02/29");

    // `search/messages` is not a fixed route: it is the messages of the journal `search`.
    let (_, named) = get(&client, &app, "/api/journal/search/messages").await;
    assert_eq!(named[0]["content"], "note 1 of search");
}

#[tokio::test]
async fn another_users_journal_is_not_found_and_has_no_messages() {
    let app = spawn_app().await;
    let day = "2025/05/05";
    append(&app, ARCHITECT, day, 2).await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;

    let (status, body) = get(&client, &app, &format!("/api/journal/{day}")).await;
    assert_eq!(
        (status, &body["detail"]),
        (404, &json!("journal entry not found"))
    );
    let (status, messages) = get(&client, &app, &format!("/api/journal/{day}/messages")).await;
    assert_eq!((status, messages), (200, json!([])));
    let (_, list) = get(&client, &app, "/api/journal").await;
    assert_eq!(list, json!([]));
    let (_, found) = get(&client, &app, "/api/journal/search?q=note").await;
    assert_eq!(found, json!([]));

    let architect = signed_in_client(&app, ARCHITECT, PASSWORD).await;
    let (status, own) = get(&architect, &app, &format!("/api/journal/{day}/messages")).await;
    assert_eq!((status, sequences(&own)), (200, vec![2, 1]));
}

#[tokio::test]
async fn invalid_query_parameters_are_422_with_a_detail() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    for path in [
        "/api/journal?limit=0",
        "/api/journal?limit=101",
        "/api/journal?limit=abc",
        "/api/journal/search?q=",
        "/api/journal/search",
        "/api/journal/search?q=x&limit=101",
        "/api/journal/today/messages?limit=501",
        "/api/journal/today/messages?cursor=abc",
        "/api/journal/2025/01/01/messages?limit=0",
        "/api/journal/today?create=maybe",
    ] {
        let (status, body) = get(&client, &app, path).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert!(body["detail"].is_string(), "{path}: {body}");
    }
    let (status, body) = get(&client, &app, "/api/journal?limit=101").await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"], "limit must be between 1 and 100, got 101");
    let (status, body) = get(&client, &app, "/api/journal/today/messages?cursor=abc").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["detail"],
        "invalid query parameters: cursor: invalid digit found in string"
    );
    let (_, body) = get(&client, &app, "/api/journal/search").await;
    assert_eq!(
        body["detail"],
        "invalid query parameters: missing field `q`"
    );
    let (status, _) = get(&client, &app, "/api/journal/today/messages?limit=500").await;
    assert_eq!(status, 200);
}

fn config<'a>(body: &'a Value, key: &str) -> &'a Value {
    body["configs"]
        .as_array()
        .expect("configs")
        .iter()
        .find(|item| item["key"] == key)
        .unwrap_or_else(|| panic!("no config {key} in {body}"))
}

#[tokio::test]
async fn configs_list_defaults_take_overrides_and_return_to_defaults() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;

    let (status, body) = get(&client, &app, "/api/users/me/configs").await;
    assert_eq!(status, 200, "{body}");
    let theme = config(&body, "frontend.theme");
    assert_eq!(theme["value"], "gruvbox-dark");
    assert_eq!(theme["default_value"], "gruvbox-dark");
    assert_eq!(theme["config_type"], "choice");
    assert_eq!(theme["using_default"], true);
    assert_eq!(theme["options"][1]["value"], "purple-intelligence");
    assert_eq!(config(&body, "journal.time_zone")["value"], "UTC");

    let (status, body) = patch(
        &client,
        &app,
        &json!({ "update": { "key": "frontend.theme", "value": "purple-intelligence" } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let theme = config(&body, "frontend.theme");
    assert_eq!(
        (&theme["value"], &theme["using_default"]),
        (&json!("purple-intelligence"), &json!(false))
    );
    let (_, listed) = get(&client, &app, "/api/users/me/configs").await;
    assert_eq!(
        config(&listed, "frontend.theme")["value"],
        "purple-intelligence"
    );

    // The other user is unaffected.
    let architect = signed_in_client(&app, ARCHITECT, PASSWORD).await;
    let (_, theirs) = get(&architect, &app, "/api/users/me/configs").await;
    assert_eq!(config(&theirs, "frontend.theme")["using_default"], true);

    // `updates` wins over `update`.
    let (status, body) = patch(
        &client,
        &app,
        &json!({
            "update": { "key": "frontend.theme", "value": "purple-intelligence" },
            "updates": [{ "key": "frontend.theme", "value": "gruvbox-dark" }],
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let theme = config(&body, "frontend.theme");
    assert_eq!(
        (&theme["value"], &theme["using_default"]),
        (&json!("gruvbox-dark"), &json!(true))
    );
}

#[tokio::test]
async fn invalid_config_updates_are_400_and_malformed_bodies_422() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    for update in [
        json!({ "key": "no.such.key", "value": true }),
        json!({ "key": "frontend.theme", "value": true }),
        json!({ "key": "frontend.theme", "value": "neon" }),
    ] {
        let (status, body) = patch(&client, &app, &json!({ "update": update })).await;
        assert_eq!(status, 400, "{update}: {body}");
        let detail = body["detail"].as_str().expect("detail");
        assert!(detail.starts_with("invalid config update"), "{detail}");
    }
    // Nothing was written by the failed batch.
    let (status, body) = patch(
        &client,
        &app,
        &json!({ "updates": [
            { "key": "frontend.theme", "value": "purple-intelligence" },
            { "key": "frontend.theme", "value": "neon" },
        ] }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (_, listed) = get(&client, &app, "/api/users/me/configs").await;
    assert_eq!(config(&listed, "frontend.theme")["using_default"], true);

    for body in [
        json!({}),
        json!({ "updates": [] }),
        json!({ "update": { "key": "x" } }),
    ] {
        let (status, answer) = patch(&client, &app, &body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(answer["detail"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn the_time_zone_config_decides_todays_reference() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    // A zone whose date differs from UTC's right now: Honolulu (UTC-10) before 10:00 UTC,
    // Kiritimati (UTC+14) from then on.
    let zone = if Utc::now().hour() < 10 {
        "Pacific/Honolulu"
    } else {
        "Pacific/Kiritimati"
    };
    let (status, body) = patch(
        &client,
        &app,
        &json!({ "update": { "key": "journal.time_zone", "value": zone } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, entry) = get(&client, &app, "/api/journal/today?create=true").await;
    assert_eq!(status, 200, "{entry}");
    let expected = today_reference(Utc::now(), parse_zone(zone));
    assert_eq!(entry["reference"], expected.as_str());
    assert_ne!(expected, utc_today());

    append(&app, TEST_USER, &expected, 1).await;
    let (_, messages) = get(&client, &app, "/api/journal/today/messages").await;
    assert_eq!(sequences(&messages), [1]);

    // Back to the default: today is UTC's date again.
    patch(
        &client,
        &app,
        &json!({ "update": { "key": "journal.time_zone", "value": "UTC" } }),
    )
    .await;
    let (status, _) = get(&client, &app, "/api/journal/today").await;
    assert_eq!(status, 404);
    let (_, messages) = get(&client, &app, "/api/journal/today/messages").await;
    assert_eq!(messages, json!([]));
}
