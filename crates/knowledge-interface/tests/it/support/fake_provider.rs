//! A scripted stand-in for model-provider (real HTTP on 127.0.0.1:0) for failure behaviour
//! the real one cannot be made to show on demand. `GET /v1/models` lists a fixed set of
//! aliases; `POST /v1/embeddings` answers from a queue of canned replies and, once the queue
//! is empty, embeds properly with tiny deterministic vectors ([`FakeProvider::vector_of`])
//! listed in reverse order, so only a client that orders by `index` gets them right. Texts
//! containing a refused word ([`FakeProvider::refuse`]) make any request holding them fail
//! with 400, as a provider refuses input it cannot embed. Every embeddings request is
//! recorded, and the most requests ever in flight at once is tracked.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use exobrain_testkit::bind_ephemeral;
use serde_json::{Value, json};

/// A canned reply to one embeddings request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status and JSON body.
    Json(u16, Value),
    /// Never answers.
    Hang,
}

/// An embeddings request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The JSON body.
    pub body: Value,
}

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    refused: Arc<Mutex<Vec<String>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
}

/// The running fake; stops with the test's runtime.
pub struct FakeProvider {
    /// Its API, ending in `/v1`.
    pub base_url: String,
    script: Script,
}

impl FakeProvider {
    /// Starts the fake.
    pub async fn start() -> Self {
        let script = Script::default();
        let app = Router::new()
            .route("/v1/models", get(models))
            .route("/v1/embeddings", post(embeddings))
            .with_state(script.clone());
        let listener = bind_ephemeral().await;
        let base_url = format!("http://{}/v1", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base_url, script }
    }

    /// Queues replies for the next embeddings requests, in order.
    pub fn reply(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.replies.lock().expect("lock").extend(replies);
    }

    /// From now on, requests with a text containing `word` are refused (400).
    pub fn refuse(&self, word: &str) {
        self.script
            .refused
            .lock()
            .expect("lock")
            .push(word.to_owned());
    }

    /// Embeddings requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().expect("lock").clone()
    }

    /// The most embeddings requests that were in flight at once.
    pub fn most_in_flight(&self) -> usize {
        self.script.most_in_flight.load(Ordering::SeqCst)
    }

    /// The vector the fake gives `text` once its script is spent.
    pub fn vector_of(text: &str) -> Vec<f32> {
        let first = text.bytes().next().unwrap_or_default();
        vec![text.len() as f32, f32::from(first), 1.0]
    }
}

/// Two embeddings aliases of one model, and a chat alias.
async fn models() -> Json<Value> {
    let embedding = |id: &str| {
        json!({ "id": id, "object": "model", "kind": "embedding", "provider": "openai",
                "upstream_model": "text-embedding-3-small", "dimensions": 3 })
    };
    Json(json!({ "object": "list", "data": [
        { "id": "router", "object": "model", "kind": "chat", "provider": "openai",
          "upstream_model": "gpt-5-nano", "dimensions": null },
        embedding("all-purpose"),
        embedding("search"),
    ] }))
}

async fn embeddings(
    State(script): State<Script>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let now = script.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    script.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let _leave = InFlight(script.in_flight.clone());
    script.seen.lock().expect("lock").push(Seen {
        authorization: headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        body: body.clone(),
    });
    if let Some(word) = refused_word(&script, &body) {
        let error =
            json!({ "error": { "message": format!("input holding `{word}` cannot be embedded") } });
        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
    }
    let reply = script.replies.lock().expect("lock").pop_front();
    match reply {
        Some(Reply::Json(status, body)) => {
            (StatusCode::from_u16(status).expect("status"), Json(body)).into_response()
        }
        Some(Reply::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
        None => {
            // Long enough that concurrent batches overlap.
            tokio::time::sleep(Duration::from_millis(20)).await;
            Json(embed(&body)).into_response()
        }
    }
}

/// The refused word one of the request's texts holds, if any.
fn refused_word(script: &Script, request: &Value) -> Option<String> {
    let refused = script.refused.lock().expect("lock");
    let inputs = request["input"].as_array()?;
    refused
        .iter()
        .find(|word| {
            inputs
                .iter()
                .any(|text| text.as_str().is_some_and(|t| t.contains(word.as_str())))
        })
        .cloned()
}

/// A correct reply to `request`, items listed last to first.
fn embed(request: &Value) -> Value {
    let inputs = request["input"].as_array().cloned().unwrap_or_default();
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(index, text)| {
            let vector = FakeProvider::vector_of(text.as_str().unwrap_or_default());
            json!({ "object": "embedding", "index": index, "embedding": vector })
        })
        .collect();
    json!({ "object": "list", "data": data, "model": request["model"] })
}

/// Counts a request out when its handler ends or is dropped.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
