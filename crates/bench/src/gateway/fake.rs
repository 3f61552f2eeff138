//! A fast fake OpenAI upstream: a canned chat completion, a canned short stream, and canned
//! embeddings, answered without any work, so what the benchmark measures is the gateway.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// Serves the fake upstream on `listener` until the process ends.
pub fn spawn(listener: tokio::net::TcpListener) {
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/embeddings", post(embeddings));
    tokio::spawn(async move { axum::serve(listener, app).await });
}

async fn chat(body: Bytes) -> Response {
    let streamed = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|request| request.get("stream").and_then(Value::as_bool))
        .unwrap_or(false);
    if !streamed {
        return axum::Json(json!({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": "fake",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": "pong" }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4 },
        }))
        .into_response();
    }
    let body = [
        chunk(json!({ "role": "assistant", "content": "po" }), Value::Null),
        chunk(json!({ "content": "ng" }), Value::Null),
        chunk(json!({}), json!("stop")),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from(body),
    )
        .into_response()
}

/// One OpenAI stream chunk carrying `delta` (and `finish`, `null` until the last), as an SSE
/// `data:` frame.
pub fn chunk(delta: Value, finish: Value) -> String {
    format!(
        "data: {}\n\n",
        json!({ "id": "c", "object": "chat.completion.chunk", "created": 1, "model": "fake",
                "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
    )
}

async fn embeddings() -> Response {
    axum::Json(json!({
        "object": "list", "model": "fake",
        "data": [{ "object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3] }],
        "usage": { "prompt_tokens": 1, "total_tokens": 1 },
    }))
    .into_response()
}
