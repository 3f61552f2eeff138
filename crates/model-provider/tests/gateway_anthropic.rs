//! An `anthropic` alias through the gateway: an OpenAI-shaped request reaches a scripted fake
//! Anthropic API as a Messages request (key, version, upstream model, alias defaults) and the
//! reply comes back in OpenAI's shape under the alias's name.

mod support;

use serde_json::json;
use support::{FakeUpstream, Reply, spawn_gateway};

#[tokio::test]
async fn an_anthropic_alias_answers_in_openai_shape() {
    let upstream = FakeUpstream::start().await;
    let aliases = "aliases:\n  agent:\n    provider: anthropic\n    mode: chat\n    upstream_model: claude-x\n    \
                   defaults: { max_output_tokens: 321, temperature: 0.0 }\n";
    let gateway = spawn_gateway(
        aliases,
        &[
            ("ANTHROPIC_API_KEY", "ak-test"),
            ("ANTHROPIC_BASE_URL", &upstream.base),
        ],
    )
    .await;
    upstream.reply([Reply::Json(
        200,
        json!({ "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
                "content": [{ "type": "text", "text": "Bonjour" },
                            { "type": "tool_use", "id": "toolu_1", "name": "lookup", "input": { "q": "paris" } }],
                "stop_reason": "tool_use", "usage": { "input_tokens": 9, "output_tokens": 4 } }),
    )]);
    let (status, reply) = gateway
        .post("/v1/chat/completions", &json!({ "model": "agent",
            "messages": [{ "role": "system", "content": "be kind" }, { "role": "user", "content": "hello" }],
            "tools": [{ "type": "function", "function": { "name": "lookup", "parameters": { "type": "object" } } }] }))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["model"], "agent");
    assert_eq!(reply["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(reply["choices"][0]["message"]["content"], "Bonjour");
    assert_eq!(
        reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        "{\"q\":\"paris\"}"
    );
    assert_eq!(reply["usage"]["total_tokens"], 13);

    let seen = &upstream.seen()[0];
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(seen.headers["x-api-key"], "ak-test");
    assert!(seen.headers.contains_key("anthropic-version"));
    assert_eq!(
        (
            seen.body["model"].as_str(),
            seen.body["max_tokens"].as_u64()
        ),
        (Some("claude-x"), Some(321))
    );
    assert_eq!(seen.body["temperature"], 0.0);
    assert_eq!(seen.body["system"][0]["text"], "be kind");
}
