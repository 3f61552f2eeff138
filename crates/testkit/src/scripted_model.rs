//! A scripted OpenAI-compatible model for tests that need the answers a model would give:
//! `POST /v1/chat/completions` answers each request by the name of its structured-output
//! schema (`response_format.json_schema.name`) with a scripted JSON document, counts the
//! calls per name, and can delay every answer or fail the next ones. Requests without a schema
//! are named `text`; a reply made with [`ScriptedModel::turn`] answers them as a chat turn (text
//! and tool calls), streamed as OpenAI chunks when the request asks for `stream`. model-provider
//! reaches
//! it through an `openai_compatible` alias (see [`ScriptedModel::alias_file`]), so the real
//! HTTP path is used.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

type Responder = Arc<dyn Fn(&Value) -> Value + Send + Sync>;

/// The key marking a reply made by [`ScriptedModel::turn`].
const TURN: &str = "__scripted_turn";

#[derive(Default)]
struct Script {
    responders: HashMap<String, Responder>,
    queued: HashMap<String, VecDeque<Value>>,
    failures: HashMap<String, usize>,
    calls: HashMap<String, usize>,
    delay: Duration,
}

/// The running scripted model; stops with the test's runtime.
#[derive(Clone)]
pub struct ScriptedModel {
    /// Its base URL, ending in `/v1`.
    pub base_url: String,
    script: Arc<Mutex<Script>>,
}

impl std::fmt::Debug for ScriptedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedModel")
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl ScriptedModel {
    /// Starts the server on an ephemeral port.
    pub async fn start() -> Self {
        let listener = crate::bind_ephemeral().await;
        let base_url = format!("http://{}/v1", listener.local_addr().expect("addr"));
        let script = Arc::new(Mutex::new(Script::default()));
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(script.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base_url, script }
    }

    /// Answers every request for schema `name` with `reply(request)` (the request's JSON body;
    /// [`ScriptedModel::input`] reads its last user message).
    pub fn answer(&self, name: &str, reply: impl Fn(&Value) -> Value + Send + Sync + 'static) {
        self.lock()
            .responders
            .insert(name.to_owned(), Arc::new(reply));
    }

    /// Answers the next request for schema `name` with `reply`, before any responder.
    pub fn answer_once(&self, name: &str, reply: Value) {
        self.lock()
            .queued
            .entry(name.to_owned())
            .or_default()
            .push_back(reply);
    }

    /// Fails the next `times` requests for schema `name` with HTTP 500.
    pub fn fail_next(&self, name: &str, times: usize) {
        self.lock().failures.insert(name.to_owned(), times);
    }

    /// Waits `delay` before every answer.
    pub fn delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// Requests seen for schema `name` (failed ones included).
    pub fn calls(&self, name: &str) -> usize {
        self.lock().calls.get(name).copied().unwrap_or_default()
    }

    /// Requests seen in all.
    pub fn total_calls(&self) -> usize {
        self.lock().calls.values().sum()
    }

    /// The last user message of `request`, parsed as JSON when it is (else a string).
    pub fn input(request: &Value) -> Value {
        let text = request["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .rev()
            .find(|m| m["role"] == "user")
            .map(|m| match &m["content"] {
                Value::String(text) => text.clone(),
                Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
                _ => String::new(),
            })
            .unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }

    /// A chat turn's reply: `text`, then calls of the tools named in `tool_calls`
    /// (`(id, name, arguments)`).
    pub fn turn(text: &str, tool_calls: &[(&str, &str, Value)]) -> Value {
        let calls: Vec<Value> = tool_calls
            .iter()
            .map(|(id, name, arguments)| json!({ "id": id, "name": name, "arguments": arguments }))
            .collect();
        json!({ TURN: { "text": text, "tool_calls": calls } })
    }

    /// Whether `request` carries a tool result (the second call of a tool round).
    pub fn has_tool_results(request: &Value) -> bool {
        request["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["role"] == "tool")
    }

    /// A model-provider alias file that routes the chat `aliases` to this server.
    pub fn alias_file(&self, aliases: &[&str]) -> String {
        openai_compatible_aliases(&self.base_url, "scripted", aliases)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A model-provider alias file that routes the chat `aliases` to the OpenAI-compatible server
/// at `base_url` (ending in `/v1`), asking it for `upstream_model`.
pub fn openai_compatible_aliases(base_url: &str, upstream_model: &str, aliases: &[&str]) -> String {
    let mut yaml = String::from("aliases:\n");
    for alias in aliases {
        yaml.push_str(&format!(
            "  {alias}:\n    provider: openai_compatible\n    mode: chat\n    upstream_model: {upstream_model}\n    base_url: {base_url}\n"
        ));
    }
    yaml
}

async fn complete(
    State(script): State<Arc<Mutex<Script>>>,
    axum::Json(request): axum::Json<Value>,
) -> Response {
    let name = request
        .pointer("/response_format/json_schema/name")
        .and_then(Value::as_str)
        .unwrap_or("text")
        .to_owned();
    let (delay, outcome) = {
        let mut script = script
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *script.calls.entry(name.clone()).or_default() += 1;
        let delay = script.delay;
        let failing = script
            .failures
            .get_mut(&name)
            .filter(|left| **left > 0)
            .map(|left| {
                *left -= 1;
            });
        let outcome = if failing.is_some() {
            None
        } else if let Some(reply) = script.queued.get_mut(&name).and_then(VecDeque::pop_front) {
            Some(reply)
        } else {
            Some(
                script
                    .responders
                    .get(&name)
                    .map_or_else(|| json!({}), |r| r(&request)),
            )
        };
        (delay, outcome)
    };
    tokio::time::sleep(delay).await;
    let Some(reply) = outcome else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "error": { "message": "scripted failure" } })),
        )
            .into_response();
    };
    if let Some(turn) = reply.get(TURN) {
        return answer_turn(turn, request["stream"] == true);
    }
    let content = match reply {
        Value::String(text) => text,
        other => other.to_string(),
    };
    axum::Json(json!({
        "id": "chatcmpl-scripted", "object": "chat.completion", "created": 1, "model": "scripted",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20 },
    }))
    .into_response()
}

/// A chat turn as an OpenAI reply: one message, or with `stream` a chunk per word of the text,
/// a chunk per tool call, the finish reason and `[DONE]`.
fn answer_turn(turn: &Value, stream: bool) -> Response {
    let text = turn["text"].as_str().unwrap_or_default();
    let calls: Vec<Value> = turn["tool_calls"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(index, call)| {
            json!({
                "index": index, "id": call["id"], "type": "function",
                "function": { "name": call["name"], "arguments": call["arguments"].to_string() },
            })
        })
        .collect();
    let finish = if calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    if !stream {
        let mut message = json!({ "role": "assistant", "content": text });
        if !calls.is_empty() {
            message["tool_calls"] = Value::Array(calls);
        }
        return axum::Json(json!({
            "id": "chatcmpl-scripted", "object": "chat.completion", "created": 1, "model": "scripted",
            "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
            "usage": { "prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20 },
        }))
        .into_response();
    }
    let chunk = |delta: Value, finish: Value| {
        let body = json!({
            "id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 1,
            "model": "scripted",
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
        });
        format!("data: {body}\n\n")
    };
    let mut body = String::new();
    for word in text.split_inclusive(' ') {
        body.push_str(&chunk(
            json!({ "role": "assistant", "content": word }),
            Value::Null,
        ));
    }
    for call in calls {
        body.push_str(&chunk(json!({ "tool_calls": [call] }), Value::Null));
    }
    body.push_str(&chunk(json!({}), json!(finish)));
    body.push_str("data: [DONE]\n\n");
    (
        [(axum::http::header::CONTENT_TYPE, "text/event-stream")],
        body,
    )
        .into_response()
}
