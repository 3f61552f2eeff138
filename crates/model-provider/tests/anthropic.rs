//! The `anthropic` provider against a scripted fake of the Messages API: what is sent, how
//! replies and streams come back, and how upstream failures surface.

#[path = "anthropic/failures.rs"]
mod failures;
#[path = "anthropic/replies.rs"]
mod replies;
#[path = "anthropic/requests.rs"]
mod requests;
#[path = "anthropic/streams.rs"]
mod streams;
mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use model_provider::chat::{Block, ChatRequest, ChatResponse, FinishReason, StreamEvent, Usage};
use model_provider::providers::Call;
use model_provider::providers::anthropic::{Anthropic, schema};
use model_provider::providers::error::ProviderError;
use model_provider::providers::http::{Limits, Upstream};
use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::{Value, json};
use support::{FakeUpstream, Reply};

const CALL: Call<'static> = Call {
    alias: "claude",
    request_id: "req-123",
};

fn limits() -> Limits {
    Limits {
        concurrency: 4,
        per_second: None,
        attempts: 3,
        deadline: Duration::from_secs(10),
        backoff: Duration::from_millis(10),
    }
}

fn anthropic(fake: &FakeUpstream, limits: Limits) -> Anthropic {
    let upstream = Upstream::new("anthropic", reqwest::Client::new(), limits);
    let key = SecretString::from("sk-ant-test".to_owned());
    Anthropic::new(upstream, fake.base.clone(), Some(key))
}

/// A fake Anthropic answering `replies` in order.
async fn answering(replies: impl IntoIterator<Item = Reply>) -> FakeUpstream {
    let upstream = FakeUpstream::start().await;
    upstream.reply(replies);
    upstream
}

/// The bodies `upstream` received, each checked to be a POST to `/v1/messages`.
fn bodies(upstream: &FakeUpstream) -> Vec<Value> {
    let seen = upstream.seen().into_iter();
    seen.map(|seen| {
        assert_eq!(seen.path, "/v1/messages");
        seen.body
    })
    .collect()
}

fn json_reply(body: Value) -> Reply {
    Reply::Json(200, body)
}

/// `status` with Anthropic's error body.
fn upstream_error(status: u16, kind: &str, message: &str) -> Reply {
    Reply::Json(
        status,
        json!({ "type": "error", "error": { "type": kind, "message": message } }),
    )
}

/// A 429 asking to wait `seconds`.
fn rate_limited(seconds: &str) -> Reply {
    let body =
        json!({ "type": "error", "error": { "type": "rate_limit_error", "message": "slow down" } });
    Reply::JsonWith(429, body, vec![("retry-after", seconds.to_owned())])
}

/// A server-sent event stream of `events` (each a `data:` payload).
fn sse(events: &[Value]) -> Reply {
    Reply::Sse(
        events.iter().map(Value::to_string).collect(),
        Duration::ZERO,
    )
}

fn request(value: Value) -> ChatRequest {
    serde_json::from_value(value).expect("a canonical request")
}

fn hello() -> ChatRequest {
    request(
        json!({ "model": "claude-x", "messages": [{ "role": "user", "content": [{ "type": "text", "text": "Hi" }] }] }),
    )
}

/// A Messages reply with `content` and `stop_reason`, 12 tokens in and 7 out.
fn reply(content: Value, stop_reason: &str) -> Reply {
    json_reply(json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-x",
        "content": content, "stop_reason": stop_reason, "stop_sequence": null,
        "usage": { "input_tokens": 12, "output_tokens": 7 },
    }))
}

fn text_reply() -> Reply {
    reply(json!([{ "type": "text", "text": "Hello." }]), "end_turn")
}

/// Sends `request` to a fake answering `answer`: the reply, and the body the fake received.
async fn exchange(request: &ChatRequest, answer: Reply) -> (ChatResponse, Value) {
    let fake = answering([answer]).await;
    let response = anthropic(&fake, limits())
        .chat(&CALL, request)
        .await
        .expect("a reply");
    (response, bodies(&fake).remove(0))
}

async fn sent(request: &ChatRequest, answer: Reply) -> Value {
    exchange(request, answer).await.1
}

/// A greeting that asks for `structured_output`.
fn structured(structured_output: Value) -> ChatRequest {
    let mut chat = hello();
    chat.structured_output =
        Some(serde_json::from_value(structured_output).expect("structured output"));
    chat
}

fn message_start() -> Value {
    json!({ "type": "message_start", "message": { "id": "msg_02", "type": "message", "role": "assistant",
        "content": [], "model": "claude-x", "stop_reason": null, "usage": { "input_tokens": 21, "output_tokens": 1 } } })
}

fn delta(index: usize, kind: &str, field: &str, value: &str) -> Value {
    json!({ "type": "content_block_delta", "index": index, "delta": { "type": kind, field: value } })
}

/// A `tool_use` block at `index` whose input streams as `fragments`.
fn tool_block(index: usize, id: &str, name: &str, fragments: &[&str]) -> Vec<Value> {
    let start = json!({ "type": "content_block_start", "index": index,
        "content_block": { "type": "tool_use", "id": id, "name": name, "input": {} } });
    let mut events = vec![start];
    events.extend(
        fragments
            .iter()
            .map(|fragment| delta(index, "input_json_delta", "partial_json", fragment)),
    );
    events.push(json!({ "type": "content_block_stop", "index": index }));
    events
}

fn finish(stop_reason: &str, output_tokens: u64) -> [Value; 2] {
    [
        json!({ "type": "message_delta", "delta": { "stop_reason": stop_reason, "stop_sequence": null }, "usage": { "output_tokens": output_tokens } }),
        json!({ "type": "message_stop" }),
    ]
}

/// The error a chat call ends with when the fake answers `replies` (whatever follows the
/// refusals is never asked for), and how many requests it took.
async fn refusal(replies: impl IntoIterator<Item = Reply>) -> (ProviderError, usize) {
    let fake = answering(replies).await;
    let error = anthropic(&fake, limits())
        .chat(&CALL, &hello())
        .await
        .expect_err("an error");
    (error, bodies(&fake).len())
}

async fn streamed(
    fake: &FakeUpstream,
    request: &ChatRequest,
) -> Vec<Result<StreamEvent, ProviderError>> {
    let stream = anthropic(fake, limits())
        .stream(&CALL, request)
        .await
        .expect("a stream");
    stream.collect().await
}

/// The events of a streamed reply that only calls `name`, with `fragments` as its input.
async fn one_tool_stream(
    request: &ChatRequest,
    name: &str,
    fragments: &[&str],
) -> Vec<StreamEvent> {
    let events = [
        vec![message_start()],
        tool_block(0, "toolu_9", name, fragments),
        finish("tool_use", 9).to_vec(),
    ];
    let fake = answering([sse(&events.concat())]).await;
    streamed_events(&fake, request).await
}

/// The events of a stream that must not fail.
async fn streamed_events(fake: &FakeUpstream, request: &ChatRequest) -> Vec<StreamEvent> {
    let items = streamed(fake, request).await;
    items
        .into_iter()
        .map(|item| item.expect("an event"))
        .collect()
}
