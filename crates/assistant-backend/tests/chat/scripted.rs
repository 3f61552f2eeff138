//! Turns with a scripted model behind model-provider: tool calls through the knowledge
//! interface, their events and records, the next turn's context, and failures.

use std::sync::{Arc, Mutex};

use exobrain_testkit::ScriptedModel;
use serde_json::{Value, json};

use crate::world::{World, names, text_of};

/// Scripts `model` to search for Anna first, then answer; returns the requests it saw.
fn search_then_answer(model: &ScriptedModel) -> Arc<Mutex<Vec<Value>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    model.answer("text", move |request| {
        log.lock().expect("lock").push(request.clone());
        if ScriptedModel::has_tool_results(request) {
            ScriptedModel::turn("Anna moved to Munich.", &[])
        } else {
            ScriptedModel::turn(
                "Let me check.",
                &[("call_1", "search_knowledge", json!({ "query": "Anna" }))],
            )
        }
    });
    seen
}

#[tokio::test]
async fn a_turn_calls_a_knowledge_tool_and_the_next_turn_replays_it_from_the_journal() {
    let model = ScriptedModel::start().await;
    let seen = search_then_answer(&model);
    let world = World::scripted(&model, &[]).await;
    world
        .remember("2026/12/01", &["Anna is moving to Munich in March."])
        .await;

    let events = world
        .events(&world.start("Where is Anna going?").await)
        .await;
    let steps: Vec<&str> = names(&events)
        .into_iter()
        .filter(|name| *name != "message_chunk")
        .collect();
    assert_eq!(steps, ["tool_call", "tool_response", "done"], "{events:?}");
    let call = events
        .iter()
        .position(|e| e.event == "tool_call")
        .expect("call");
    assert_eq!(
        text_of(&events[..call]),
        "Let me check.",
        "text before the call streams first"
    );
    assert_eq!(events[call].data["tool_call_id"], "call_1");
    assert_eq!(
        events[call].data["description"],
        "Searching your notes for “Anna”"
    );
    assert_eq!(events[call + 1].data["tool_call_id"], "call_1");
    assert_eq!(text_of(&events), "Let me check.\n\nAnna moved to Munich.");

    // The tool's result went back to the model: it holds the note about Anna.
    let requests = seen.lock().expect("lock").clone();
    assert_eq!(requests.len(), 2);
    let result = tool_message(&requests[1]).expect("a tool result in the second call");
    assert!(result.contains("Munich"), "{result}");

    // The journal keeps the reply with its tool call.
    let messages = world.messages().await;
    let reply = &messages[1];
    assert_eq!(reply["content"], "Let me check.\n\nAnna moved to Munich.");
    assert_eq!(reply["tool_calls"][0]["title"], "Knowledge search");
    assert!(reply["tool_calls"][0]["response"].as_str().is_some());

    // The next turn's context is rebuilt from the journal, tool call included.
    let events = world.events(&world.start("And when?").await).await;
    assert_eq!(events.last().expect("done").data["reason"], "complete");
    let requests = seen.lock().expect("lock").clone();
    let third = &requests[2];
    let texts = all_texts(third);
    assert!(
        texts.contains(&"Where is Anna going?".to_owned()),
        "{third}"
    );
    assert!(texts.contains(&"And when?".to_owned()), "{third}");
    let replayed = tool_message(third).expect("the earlier tool result is replayed");
    assert!(replayed.contains("Munich"), "{replayed}");
}

#[tokio::test]
async fn a_failing_tool_is_shown_and_returned_to_the_model() {
    let model = ScriptedModel::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    model.answer("text", move |request| {
        log.lock().expect("lock").push(request.clone());
        if ScriptedModel::has_tool_results(request) {
            ScriptedModel::turn("I could not find that entity.", &[])
        } else {
            ScriptedModel::turn(
                "",
                &[(
                    "call_x",
                    "get_entity_context",
                    json!({ "entity_id": "no-such-entity" }),
                )],
            )
        }
    });
    let world = World::scripted(&model, &[]).await;

    let events = world.events(&world.start("Tell me about X").await).await;
    let error = events
        .iter()
        .find(|e| e.event == "error")
        .expect("an error event");
    assert_eq!(error.data["tool_call_id"], "call_x");
    assert!(
        error.data["message"]
            .as_str()
            .is_some_and(|m| m.contains("knowledge entity lookup")),
        "{error:?}"
    );
    assert_eq!(text_of(&events), "I could not find that entity.");
    assert_eq!(events.last().expect("done").data["reason"], "complete");
    let requests = seen.lock().expect("lock").clone();
    let result = tool_message(&requests[1]).expect("the error went back to the model");
    assert!(result.starts_with("error:"), "{result}");
    let messages = world.messages().await;
    assert!(messages[1]["tool_calls"][0]["error"].as_str().is_some());
}

#[tokio::test]
async fn a_model_failure_ends_the_turn_with_an_error_and_a_failed_reply() {
    let model = ScriptedModel::start().await;
    model.fail_next("text", 10);
    let world = World::scripted(&model, &[]).await;

    let events = world.events(&world.start("Hello?").await).await;
    assert_eq!(names(&events), ["error", "done"], "{events:?}");
    assert_eq!(events[0].data["tool_call_id"], Value::Null);
    assert_eq!(events[1].data["reason"], "error");
    let messages = world.messages().await;
    assert_eq!(messages[1]["status"], "failed");
    assert!(messages[1]["metadata"]["error"].as_str().is_some());
}

#[tokio::test]
async fn tool_rounds_are_capped_and_the_last_call_must_answer() {
    let model = ScriptedModel::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    model.answer("text", move |request| {
        log.lock().expect("lock").push(request.clone());
        if request.get("tools").is_some() {
            ScriptedModel::turn(
                "",
                &[("again", "search_knowledge", json!({ "query": "loop" }))],
            )
        } else {
            ScriptedModel::turn("Enough searching.", &[])
        }
    });
    let world = World::scripted(&model, &[("ASSISTANT_CHAT_MAX_TOOL_ROUNDS", "2")]).await;

    let events = world.events(&world.start("Search forever").await).await;
    assert_eq!(events.iter().filter(|e| e.event == "tool_call").count(), 2);
    assert_eq!(text_of(&events), "Enough searching.");
    let requests = seen.lock().expect("lock").clone();
    assert_eq!(
        requests.len(),
        3,
        "two tool rounds, then one call without tools"
    );
}

/// The content of the last `tool` message of an OpenAI request.
fn tool_message(request: &Value) -> Option<String> {
    request["messages"]
        .as_array()?
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .map(|m| match &m["content"] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
}

/// Every text content of an OpenAI request's messages.
fn all_texts(request: &Value) -> Vec<String> {
    request["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| match &m["content"] {
            Value::String(text) => Some(text.clone()),
            Value::Array(parts) => Some(parts.iter().filter_map(|p| p["text"].as_str()).collect()),
            _ => None,
        })
        .collect()
}
