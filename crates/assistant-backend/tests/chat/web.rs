//! Web tools: offered only with a search API key, called through the search API with it, shown
//! with the original assistant's labels.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use exobrain_testkit::{ScriptedModel, bind_ephemeral};
use serde_json::{Value, json};

use crate::world::{World, names, text_of};

/// A stand-in for the search API (`/search`, `/extract`); returns its URL and the
/// `authorization` headers it saw.
async fn fake_search_api() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (search_seen, extract_seen) = (seen.clone(), seen.clone());
    let app = Router::new()
        .route(
            "/search",
            post(move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
                record(&search_seen, &headers);
                async move {
                    axum::Json(json!({ "results": [
                        { "title": "Example  A", "url": "https://example.org/a", "content": format!("About {}", body["query"]) },
                        { "title": "Example B", "url": "https://example.org/b", "content": "More" },
                        { "title": "No URL" },
                    ]}))
                }
            }),
        )
        .route(
            "/extract",
            post(move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
                record(&extract_seen, &headers);
                async move {
                    axum::Json(json!({ "results": [
                        { "url": body["urls"][0], "title": "Example A", "raw_content": "Rust  2026 is\nout." },
                    ]}))
                }
            }),
        );
    let listener = bind_ephemeral().await;
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn record(seen: &Arc<Mutex<Vec<String>>>, headers: &HeaderMap) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    seen.lock().expect("lock").push(auth);
}

/// Scripts `model`: search, then fetch the first result, then answer. Returns its requests.
fn search_fetch_answer(model: &ScriptedModel) -> Arc<Mutex<Vec<Value>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    model.answer("text", move |request| {
        log.lock().expect("lock").push(request.clone());
        let results = request["messages"]
            .as_array()
            .map_or(0, |m| m.iter().filter(|m| m["role"] == "tool").count());
        match results {
            0 => ScriptedModel::turn("", &[("s1", "web_search", json!({ "query": "rust 2026" }))]),
            1 => ScriptedModel::turn(
                "",
                &[("f1", "web_fetch", json!({ "url": "https://example.org/a" }))],
            ),
            _ => ScriptedModel::turn("Rust 2026 is out.", &[]),
        }
    });
    seen
}

#[tokio::test]
async fn with_a_key_the_assistant_searches_and_fetches_the_web() {
    let (api, auth) = fake_search_api().await;
    let model = ScriptedModel::start().await;
    let requests = search_fetch_answer(&model);
    let world = World::scripted(
        &model,
        &[
            ("TAVILY_API_KEY", "tvly-test-key"),
            ("TAVILY_BASE_URL", api.as_str()),
        ],
    )
    .await;

    let events = world
        .events(&world.start("What's new in Rust?").await)
        .await;
    let steps: Vec<&str> = names(&events)
        .into_iter()
        .filter(|name| *name != "message_chunk")
        .collect();
    assert_eq!(
        steps,
        [
            "tool_call",
            "tool_response",
            "tool_call",
            "tool_response",
            "done"
        ],
        "{events:?}"
    );
    let data: Vec<&Value> = events.iter().map(|e| &e.data).collect();
    assert_eq!(data[0]["title"], "Web search");
    assert_eq!(data[0]["description"], "Searching the web for rust 2026");
    assert_eq!(data[1]["message"], "Found 2 candidate sources");
    assert_eq!(data[2]["title"], "Web fetch");
    assert_eq!(data[2]["description"], "Looking at https://example.org/a");
    assert_eq!(data[3]["message"], "Summarized Example A");
    assert_eq!(text_of(&events), "Rust 2026 is out.");

    assert_eq!(
        *auth.lock().expect("lock"),
        ["Bearer tvly-test-key", "Bearer tvly-test-key"]
    );
    let requests = requests.lock().expect("lock").clone();
    let tools: Vec<&str> = requests[0]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert!(
        tools.contains(&"web_search") && tools.contains(&"web_fetch"),
        "{tools:?}"
    );
    let fetched = requests[2]["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "tool"))
        .map(|m| m["content"].to_string())
        .expect("the page went back to the model");
    assert!(fetched.contains("Rust 2026 is out."), "{fetched}");
}

#[tokio::test]
async fn without_a_key_no_web_tool_is_offered() {
    let model = ScriptedModel::start().await;
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    model.answer("text", move |request| {
        log.lock().expect("lock").push(request.clone());
        ScriptedModel::turn("No web here.", &[])
    });
    let world = World::scripted(&model, &[]).await;
    world.events(&world.start("Search the web").await).await;
    let requests = requests.lock().expect("lock").clone();
    let tools: Vec<&str> = requests[0]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert_eq!(tools, ["search_knowledge", "get_entity_context"]);
}
