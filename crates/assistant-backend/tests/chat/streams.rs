//! Chat streams: ownership, replay after `Last-Event-ID` on another replica, several readers,
//! live delivery, idempotent sends, one turn at a time, cancelling, and input errors.

use std::time::Duration;

use exobrain_testkit::ScriptedModel;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{ARCHITECT, PASSWORD, signed_in_client};
use crate::world::{World, read_events, text_of};

fn answers(model: &ScriptedModel, text: &'static str) {
    model.answer("text", move |_| ScriptedModel::turn(text, &[]));
}

#[tokio::test]
async fn a_stream_resumes_after_its_last_event_id_on_another_replica() {
    let model = ScriptedModel::start().await;
    answers(&model, "one two three four five");
    let world = World::scripted(&model, &[]).await;
    let twin = world.app.twin().await;

    let stream = world.start("Count to five").await;
    let all = world.events(&stream).await;
    assert_eq!(all.len(), 6, "five chunks and done: {all:?}");

    // A reader that saw the first two events reconnects to the other replica.
    let rest = world.events_at(&twin.base, &stream, Some(&all[1].id)).await;
    assert_eq!(rest, all[2..].to_vec());
    // The same URL without an id replays from the start, anywhere.
    assert_eq!(world.events_at(&twin.base, &stream, None).await, all);
    // The query parameter works like the header.
    let response = world
        .client
        .get(twin.url(&format!(
            "/api/chat/stream/{stream}?last_event_id={}",
            all[4].id
        )))
        .send()
        .await
        .expect("stream");
    assert_eq!(read_events(response).await, all[5..].to_vec());
}

#[tokio::test]
async fn readers_that_connect_first_get_the_events_live_and_all_get_the_same() {
    let model = ScriptedModel::start().await;
    answers(&model, "live words arrive");
    model.delay(Duration::from_millis(400));
    let world = World::scripted(&model, &[]).await;
    let twin = world.app.twin().await;

    let stream = world.start("Say something").await;
    let (here, there) = tokio::join!(
        world.events(&stream),
        world.events_at(&twin.base, &stream, None)
    );
    assert_eq!(text_of(&here), "live words arrive");
    assert_eq!(here, there);
}

#[tokio::test]
async fn another_users_stream_is_not_found() {
    let model = ScriptedModel::start().await;
    answers(&model, "private");
    let world = World::scripted(&model, &[]).await;
    let stream = world.start("My secret").await;
    world.events(&stream).await;

    let other = signed_in_client(&world.app, ARCHITECT, PASSWORD).await;
    for (method, path) in [
        ("GET", format!("/api/chat/stream/{stream}")),
        ("POST", format!("/api/chat/stream/{stream}/cancel")),
        ("GET", format!("/api/chat/stream/{}", Uuid::new_v4())),
        ("GET", "/api/chat/stream/not-a-uuid".to_owned()),
    ] {
        let request = match method {
            "GET" => other.get(world.app.url(&path)),
            _ => other.post(world.app.url(&path)),
        };
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 404, "{method} {path}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["detail"], "chat stream not found");
    }
}

#[tokio::test]
async fn the_same_client_message_id_returns_the_original_stream_and_one_reply() {
    let model = ScriptedModel::start().await;
    answers(&model, "only once");
    let world = World::scripted(&model, &[]).await;
    let id = Uuid::new_v4();

    let first: Value = world.send("Hi", id).await.json().await.expect("json");
    let again: Value = world
        .send("Hi (retried)", id)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(first["stream_id"], again["stream_id"]);
    world
        .events(first["stream_id"].as_str().expect("stream id"))
        .await;
    let later: Value = world.send("Hi", id).await.json().await.expect("json");
    assert_eq!(later["stream_id"], first["stream_id"]);

    let messages = world.messages().await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0]["content"], "Hi");
    assert_eq!(model.calls("text"), 1);
}

#[tokio::test]
async fn a_journal_answers_one_turn_at_a_time() {
    let model = ScriptedModel::start().await;
    answers(&model, "slow answer");
    model.delay(Duration::from_millis(500));
    let world = World::scripted(&model, &[]).await;

    let stream = world.start("First").await;
    let busy = world.send("Second", Uuid::new_v4()).await;
    assert_eq!(busy.status(), 409);
    let body: Value = busy.json().await.expect("json");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("still being written")),
        "{body}"
    );
    world.events(&stream).await;
    let next = world.send("Third", Uuid::new_v4()).await;
    assert_eq!(next.status(), 200);

    let messages = world.messages().await;
    let contents: Vec<&Value> = messages.iter().map(|m| &m["content"]).collect();
    assert_eq!(
        contents[..3],
        [&json!("First"), &json!("slow answer"), &json!("Third")]
    );
}

#[tokio::test]
async fn a_cancelled_turn_ends_with_done_cancelled_and_a_failed_reply() {
    let model = ScriptedModel::start().await;
    answers(&model, "never shown");
    model.delay(Duration::from_secs(3));
    let world = World::scripted(&model, &[]).await;

    let stream = world.start("Take your time").await;
    let cancel = world
        .client
        .post(world.app.url(&format!("/api/chat/stream/{stream}/cancel")))
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancel.status(), 202);
    let events = world.events(&stream).await;
    let last = events.last().expect("done");
    assert_eq!(
        (last.event.as_str(), &last.data["reason"]),
        ("done", &json!("cancelled"))
    );
    assert_eq!(text_of(&events), "");
    let messages = world.messages().await;
    assert_eq!(messages[1]["status"], "failed");
    assert_eq!(messages[1]["metadata"]["error"], "cancelled");
    // The journal takes a new turn at once.
    assert_eq!(world.send("Again", Uuid::new_v4()).await.status(), 200);
}

#[tokio::test]
async fn bad_input_is_refused_with_what_to_fix() {
    let world = World::offline().await;
    let url = world.app.url("/api/chat/message");
    let cases = [
        (
            json!({ "message": "  ", "client_message_id": Uuid::new_v4() }),
            "message must contain some text",
        ),
        (
            json!({ "message": "x".repeat(32_001), "client_message_id": Uuid::new_v4() }),
            "at most 32000",
        ),
        (
            json!({ "message": "hi", "client_message_id": "nope" }),
            "client_message_id",
        ),
        (json!({ "message": "hi" }), "client_message_id"),
    ];
    for (body, expected) in cases {
        let response = world
            .client
            .post(&url)
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 422, "{body}");
        let detail: Value = response.json().await.expect("json");
        assert!(
            detail["detail"]
                .as_str()
                .is_some_and(|d| d.contains(expected)),
            "{detail} should mention {expected}"
        );
    }
    let anonymous = reqwest::Client::new()
        .post(&url)
        .json(&json!({ "message": "hi", "client_message_id": Uuid::new_v4() }))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), 401);

    let stream = world.start("hello").await;
    let response = world
        .client
        .get(world.app.url(&format!("/api/chat/stream/{stream}")))
        .header("last-event-id", "yesterday")
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), 422);
    world.events(&stream).await;
}

#[tokio::test]
async fn on_shutdown_a_running_turn_finishes_before_the_process_exits() {
    let model = ScriptedModel::start().await;
    answers(&model, "finished in time");
    model.delay(Duration::from_millis(1500));
    let world = World::scripted(&model, &[]).await;
    let stream = world.start("Quick, before the restart").await;
    let crate::world::World { app, .. } = world;
    let db = app
        .stop_within(Duration::from_secs(20))
        .await
        .expect("clean exit");

    let reply: (String, Option<String>) = sqlx::query_as(
        "SELECT status, content FROM messages WHERE role = 'assistant' AND metadata->>'stream_id' = $1",
    )
    .bind(&stream)
    .fetch_one(&db.pool)
    .await
    .expect("reply");
    assert_eq!(
        reply,
        ("complete".to_owned(), Some("finished in time".to_owned()))
    );
}
