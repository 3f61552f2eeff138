//! With no language model (the chat alias answered by the offline `local` provider) a turn
//! answers from the user's notes.

use uuid::Uuid;

use crate::world::{World, names, text_of};

#[tokio::test]
async fn the_offline_answer_lists_the_notes_with_the_day_they_came_from() {
    let world = World::offline().await;
    world
        .remember(
            "2026/12/01",
            &[
                "Yesterday I had coffee with Anna at Café Central in Vienna.",
                "That sounds lovely.",
                "Anna is moving to Munich in March.",
            ],
        )
        .await;

    let stream = world.start("What do you know about Anna?").await;
    let events = world.events(&stream).await;

    assert_eq!(
        names(&events)[..2],
        ["tool_call", "tool_response"],
        "{events:?}"
    );
    assert_eq!(events[0].data["title"], "Knowledge search");
    assert_eq!(
        events[0].data["description"],
        "Searching your notes for “What do you know about Anna?”"
    );
    let call_id = events[0].data["tool_call_id"].clone();
    assert_eq!(events[1].data["tool_call_id"], call_id);
    let text = text_of(&events);
    assert!(text.starts_with("From your notes:"), "{text}");
    assert!(text.contains("Anna"), "{text}");
    assert!(text.contains("_(journal 2026/12/01)_"), "{text}");
    let last = events.last().expect("events");
    assert_eq!(
        (last.event.as_str(), &last.data["reason"]),
        ("done", &"complete".into())
    );
    assert!(
        events.iter().all(|e| !e.id.is_empty()),
        "every event has an id"
    );

    let messages = world.messages().await;
    assert_eq!(messages.len(), 2);
    let reply = &messages[1];
    assert_eq!(reply["role"], "assistant");
    assert_eq!(reply["status"], "complete");
    assert_eq!(reply["content"], text.trim());
    assert_eq!(reply["metadata"]["stream_id"], stream.as_str());
    assert_eq!(reply["tool_calls"][0]["tool_call_id"], call_id);
    assert_eq!(reply["tool_calls"][0]["title"], "Knowledge search");
    assert!(
        reply["tool_calls"][0]["response"]
            .as_str()
            .is_some_and(|r| r.starts_with("Found")),
        "{reply}"
    );

    let metrics = exobrain_testkit::checks::get_text(&world.app.url("/metrics")).await;
    for expected in [
        "assistant_chat_turns_total{outcome=\"complete\"} 1",
        "assistant_chat_tool_calls_total{tool=\"search_knowledge\",outcome=\"ok\"} 1",
        "# HELP assistant_chat_first_chunk_seconds",
    ] {
        assert!(metrics.contains(expected), "{expected} in\n{metrics}");
    }
}

#[tokio::test]
async fn with_no_notes_the_offline_answer_says_so() {
    let world = World::offline().await;
    let response = world.send("Where did I park?", Uuid::new_v4()).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    let events = world
        .events(body["stream_id"].as_str().expect("stream id"))
        .await;
    let text = text_of(&events);
    assert!(
        text.starts_with("Your notes hold nothing about that yet."),
        "{text}"
    );
    assert_eq!(events[1].data["message"], "Nothing found in your notes");
    assert_eq!(events.last().expect("done").data["reason"], "complete");
}
