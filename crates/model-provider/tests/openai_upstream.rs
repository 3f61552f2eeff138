//! The gateway in front of a scripted fake OpenAI server (real HTTP): requests translated and
//! alias defaults applied, replies and streams translated back (tool-call deltas with their
//! index), retries and their limit, rate limits, timeouts, error mapping without leaking the
//! key, a client disconnect cancelling the upstream stream, and embeddings kept in order.

mod support;

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use support::{FakeUpstream, Reply, spawn_gateway};

const KEY: &str = "sk-test-secret-key";

fn aliases() -> String {
    "aliases:\n  smart:\n    provider: openai\n    mode: chat\n    upstream_model: gpt-x\n    \
     defaults: { temperature: 0.3, max_output_tokens: 77, reasoning_effort: high }\n  \
     strict:\n    provider: openai\n    mode: chat\n    upstream_model: gpt-y\n    \
     defaults: { temperature: 0.3 }\n    unsupported_params: [temperature]\n  \
     vectors:\n    provider: openai\n    mode: embeddings\n    upstream_model: text-embedding-3-small\n"
        .to_owned()
}

async fn setup(extra: &[(&str, &str)]) -> (support::Gateway, FakeUpstream) {
    let upstream = FakeUpstream::start().await;
    let base_url = format!("{}/v1", upstream.base);
    let mut vars = vec![
        ("OPENAI_API_KEY", KEY),
        ("OPENAI_BASE_URL", base_url.as_str()),
    ];
    vars.extend_from_slice(extra);
    let gateway = spawn_gateway(&aliases(), &vars).await;
    (gateway, upstream)
}

fn completion(message: Value, finish: &str) -> Value {
    json!({ "id": "chatcmpl-up", "object": "chat.completion", "created": 1, "model": "gpt-x",
            "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
            "usage": { "prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18 } })
}

#[tokio::test]
async fn requests_are_translated_with_alias_defaults_and_the_reply_comes_back_in_openai_shape() {
    let (gateway, upstream) = setup(&[]).await;
    upstream.reply([Reply::Json(
        200,
        completion(
            json!({ "role": "assistant", "content": null,
                    "tool_calls": [{ "id": "call_1", "type": "function",
                                     "function": { "name": "lookup", "arguments": "{\"q\":\"paris\"}" } }] }),
            "tool_calls",
        ),
    )]);
    let request = json!({
        "model": "smart",
        "messages": [
            { "role": "developer", "content": "be brief" },
            { "role": "user", "content": [{ "type": "text", "text": "where " }, { "type": "text", "text": "is paris?" }] },
            { "role": "assistant", "content": null, "tool_calls": [{ "id": "c0", "type": "function",
              "function": { "name": "lookup", "arguments": "{\"q\":\"france\"}" } }] },
            { "role": "tool", "tool_call_id": "c0", "content": "a country" },
        ],
        "tools": [{ "type": "function", "function": { "name": "lookup", "parameters": { "type": "object" } } }],
        "tool_choice": { "type": "function", "function": { "name": "lookup" } },
        "stop": "END",
    });
    let (status, reply) = gateway.post("/v1/chat/completions", &request).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["model"], "smart",
        "the alias, never the upstream model"
    );
    assert_eq!(reply["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(
        reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        "{\"q\":\"paris\"}"
    );
    assert_eq!(reply["usage"]["total_tokens"], 18);

    let seen = &upstream.seen()[0];
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(seen.headers["authorization"], format!("Bearer {KEY}"));
    assert!(
        seen.headers.contains_key("x-request-id"),
        "the request id is forwarded"
    );
    let body = &seen.body;
    assert_eq!(body["model"], "gpt-x");
    assert_eq!(
        (
            body["max_completion_tokens"].as_u64(),
            body["reasoning_effort"].as_str()
        ),
        (Some(77), Some("high"))
    );
    assert_eq!(body["temperature"], 0.3, "the alias default applies");
    assert_eq!(body["stop"], json!(["END"]));
    assert_eq!(
        body["tool_choice"],
        json!({ "type": "function", "function": { "name": "lookup" } })
    );
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["role"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "tool"]);
    assert_eq!(body["messages"][1]["content"], "where is paris?");
    assert_eq!(
        body["messages"][3],
        json!({ "role": "tool", "tool_call_id": "c0", "content": "a country" })
    );
}

#[tokio::test]
async fn a_request_value_beats_the_default_and_unsupported_parameters_are_dropped() {
    let (gateway, upstream) = setup(&[]).await;
    let text = completion(json!({ "role": "assistant", "content": "ok" }), "stop");
    upstream.reply([Reply::Json(200, text.clone()), Reply::Json(200, text)]);
    let ask = |model: &str| {
        json!({ "model": model, "temperature": 0.9, "max_tokens": 5,
                                    "messages": [{ "role": "user", "content": "hi" }] })
    };
    assert_eq!(
        gateway.post("/v1/chat/completions", &ask("smart")).await.0,
        200
    );
    assert_eq!(
        gateway.post("/v1/chat/completions", &ask("strict")).await.0,
        200
    );
    let seen = upstream.seen();
    assert_eq!(
        (
            seen[0].body["temperature"].as_f64(),
            seen[0].body["max_completion_tokens"].as_u64()
        ),
        (Some(0.9), Some(5))
    );
    assert!(
        seen[1].body.get("temperature").is_none(),
        "{}",
        seen[1].body
    );
}

#[tokio::test]
async fn streams_carry_text_and_tool_call_deltas_with_their_index_and_usage() {
    let (gateway, upstream) = setup(&[]).await;
    let chunk = |delta: Value, finish: Value| {
        json!({ "id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-x",
                "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
        .to_string()
    };
    let events = vec![
        chunk(
            json!({ "role": "assistant", "content": "Let me " }),
            Value::Null,
        ),
        chunk(json!({ "content": "check." }), Value::Null),
        chunk(
            json!({ "tool_calls": [{ "index": 0, "id": "call_9", "type": "function",
                                       "function": { "name": "lookup", "arguments": "" } }] }),
            Value::Null,
        ),
        chunk(
            json!({ "tool_calls": [{ "index": 0, "function": { "arguments": "{\"q\":" } }] }),
            Value::Null,
        ),
        chunk(
            json!({ "tool_calls": [{ "index": 0, "function": { "arguments": "\"x\"}" } }] }),
            Value::Null,
        ),
        chunk(json!({}), json!("tool_calls")),
        json!({ "id": "c", "object": "chat.completion.chunk", "choices": [],
                "usage": { "prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7 } })
        .to_string(),
        "[DONE]".to_owned(),
    ];
    upstream.reply([
        Reply::Sse(events.clone(), Duration::ZERO),
        Reply::Sse(events, Duration::ZERO),
    ]);
    let request = json!({ "model": "smart", "stream": true, "stream_options": { "include_usage": true },
                          "messages": [{ "role": "user", "content": "find x" }],
                          "tools": [{ "type": "function", "function": { "name": "lookup" } }] });
    let chunks = gateway.stream("/v1/chat/completions", &request).await;
    assert_eq!(
        upstream.seen()[0].body["stream_options"],
        json!({ "include_usage": true })
    );
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Let me check.");
    let deltas: Vec<&Value> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"].get("tool_calls"))
        .collect();
    assert!(deltas.iter().all(|d| d[0]["index"] == 0), "{deltas:?}");
    assert_eq!(deltas[0][0]["id"], "call_9");
    let arguments: String = deltas
        .iter()
        .filter_map(|d| d[0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(arguments, "{\"q\":\"x\"}");
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "tool_calls")
    );
    assert_eq!(
        chunks.last().expect("usage chunk")["usage"]["total_tokens"],
        7
    );

    let mut native = request.clone();
    native["messages"] =
        json!([{ "role": "user", "content": [{ "type": "text", "text": "find x" }] }]);
    native["tools"] = json!([{ "type": "function", "name": "lookup", "parameters": {} }]);
    let frames = gateway.stream("/v1/internal/chat/messages", &native).await;
    let call = frames
        .iter()
        .find(|f| f["type"] == "tool_call")
        .expect("a complete tool call frame");
    assert_eq!(
        (call["id"].as_str(), call["index"].as_u64()),
        (Some("call_9"), Some(0))
    );
    assert_eq!(call["arguments"], json!({ "q": "x" }));
    assert!(
        frames
            .iter()
            .any(|f| f["type"] == "completion" && f["finish_reason"] == "tool_calls")
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_the_limit_then_reported_as_bad_gateway() {
    let (gateway, upstream) = setup(&[("MODEL_PROVIDER_OPENAI_MAX_RETRIES", "2")]).await;
    let ok = completion(json!({ "role": "assistant", "content": "fine" }), "stop");
    upstream.reply([
        Reply::Json(500, json!({ "error": { "message": "boom" } })),
        Reply::Json(200, ok),
    ]);
    let ask = json!({ "model": "smart", "messages": [{ "role": "user", "content": "hi" }] });
    let (status, reply) = gateway.post("/v1/chat/completions", &ask).await;
    assert_eq!(
        (status, reply["choices"][0]["message"]["content"].as_str()),
        (200, Some("fine"))
    );
    assert_eq!(upstream.seen().len(), 2);

    upstream
        .reply((0..5).map(|_| Reply::Json(503, json!({ "error": { "message": "overloaded" } }))));
    let (status, reply) = gateway.post("/v1/chat/completions", &ask).await;
    assert_eq!(status, 502, "{reply}");
    assert_eq!(
        (
            reply["error"]["type"].as_str(),
            reply["error"]["code"].as_str()
        ),
        (Some("upstream_error"), Some("upstream_error"))
    );
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("overloaded"),
        "{reply}"
    );
    assert_eq!(upstream.seen().len(), 2 + 3, "one attempt plus two retries");
}

#[tokio::test]
async fn rate_limits_auth_failures_and_bad_requests_map_to_their_own_statuses() {
    let (gateway, upstream) = setup(&[("MODEL_PROVIDER_OPENAI_MAX_RETRIES", "1")]).await;
    let ask = json!({ "model": "smart", "messages": [{ "role": "user", "content": "hi" }] });
    let limited = || {
        Reply::JsonWith(
            429,
            json!({ "error": { "message": "slow down" } }),
            vec![("retry-after", "0".into())],
        )
    };
    upstream.reply([limited(), limited()]);
    let (status, reply) = gateway.post("/v1/chat/completions", &ask).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (429, Some("rate_limited")),
        "{reply} after {} calls",
        upstream.seen().len()
    );

    upstream.reply([Reply::Json(
        401,
        json!({ "error": { "message": format!("Incorrect API key provided: {KEY}") } }),
    )]);
    let (status, reply) = gateway.post("/v1/chat/completions", &ask).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (502, Some("upstream_auth_error"))
    );
    assert!(
        !reply.to_string().contains(KEY),
        "the key never reaches the caller: {reply}"
    );

    upstream.reply([Reply::Json(
        400,
        json!({ "error": { "message": "context too long" } }),
    )]);
    let (status, reply) = gateway.post("/v1/chat/completions", &ask).await;
    assert_eq!(status, 400);
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("context too long"),
        "{reply}"
    );
}

#[tokio::test]
async fn a_silent_upstream_times_out_with_504() {
    let (gateway, upstream) = setup(&[("MODEL_PROVIDER_TIMEOUT_SECONDS", "0.5")]).await;
    upstream.reply([Reply::Hang]);
    let began = std::time::Instant::now();
    let (status, reply) = gateway
        .post(
            "/v1/chat/completions",
            &json!({ "model": "smart", "messages": [{ "role": "user", "content": "hi" }] }),
        )
        .await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (504, Some("upstream_timeout"))
    );
    assert!(began.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_client_that_leaves_mid_stream_cancels_the_upstream_call() {
    let (gateway, upstream) = setup(&[]).await;
    let chunk = json!({ "id": "c", "choices": [{ "index": 0, "delta": { "content": "word " }, "finish_reason": null }] }).to_string();
    upstream.reply([Reply::Sse(vec![chunk; 600], Duration::from_millis(50))]);
    let mut response = gateway
        .client
        .post(format!("{}/v1/chat/completions", gateway.base))
        .json(&json!({ "model": "smart", "stream": true, "messages": [{ "role": "user", "content": "go on" }] }))
        .send()
        .await
        .expect("request");
    let first = response
        .chunk()
        .await
        .expect("read")
        .expect("a first chunk");
    assert!(!first.is_empty());
    drop(response);
    let signal =
        tokio::time::timeout(Duration::from_secs(5), upstream.dropped.lock().await.recv()).await;
    assert!(
        matches!(signal, Ok(Some(()))),
        "the upstream stream was abandoned with the client"
    );
}

#[tokio::test]
async fn embeddings_keep_input_order_and_encode_base64() {
    let (gateway, upstream) = setup(&[]).await;
    let reply = json!({ "object": "list", "model": "text-embedding-3-small",
        "data": [{ "object": "embedding", "index": 1, "embedding": [0.0, 1.0] },
                 { "object": "embedding", "index": 0, "embedding": [1.0, 0.5] }],
        "usage": { "prompt_tokens": 4, "total_tokens": 4 } });
    upstream.reply([Reply::Json(200, reply.clone()), Reply::Json(200, reply)]);
    let ask = json!({ "model": "vectors", "input": ["first", "second"], "dimensions": 2 });
    let (status, body) = gateway.post("/v1/embeddings", &ask).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["model"], "vectors");
    assert_eq!(body["data"][0]["embedding"], json!([1.0, 0.5]));
    assert_eq!(body["data"][1]["embedding"], json!([0.0, 1.0]));
    let sent = &upstream.seen()[0].body;
    assert_eq!(
        (sent["model"].as_str(), sent["dimensions"].as_u64()),
        (Some("text-embedding-3-small"), Some(2))
    );

    let mut ask = ask;
    ask["encoding_format"] = json!("base64");
    let (_, body) = gateway.post("/v1/embeddings", &ask).await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(
            body["data"][0]["embedding"]
                .as_str()
                .expect("base64 string"),
        )
        .expect("decodes");
    let floats: Vec<f32> = bytes
        .chunks(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(floats, [1.0, 0.5]);
}
