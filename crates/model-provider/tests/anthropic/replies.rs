//! Complete replies: blocks in upstream order, stop reasons, usage, and structured output
//! read back from the forced tool as the reply text.

use super::*;

#[tokio::test]
async fn reply_blocks_keep_their_order_and_cached_prompt_tokens_count_as_input() {
    let answer = json_reply(json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-x",
        "content": [
            { "type": "thinking", "thinking": "hmm", "signature": "s" },
            { "type": "text", "text": "Let me check." },
            { "type": "tool_use", "id": "toolu_1", "name": "lookup", "input": { "query": "rust" } },
        ],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": { "input_tokens": 12, "output_tokens": 7, "cache_creation_input_tokens": 3, "cache_read_input_tokens": 5 },
    }));
    let (response, _) = exchange(&hello(), answer).await;
    assert_eq!(response.id, "msg_01");
    assert_eq!(response.model, "claude");
    let call = Block::ToolCall {
        id: "toolu_1".into(),
        name: "lookup".into(),
        arguments: json!({ "query": "rust" }),
    };
    assert_eq!(
        response.message.content,
        vec![
            Block::Text {
                text: "Let me check.".into()
            },
            call
        ]
    );
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.usage, Usage::new(20, 7));
}

#[tokio::test]
async fn stop_reasons_map_to_canonical_finish_reasons() {
    let cases = [
        ("end_turn", FinishReason::Stop),
        ("stop_sequence", FinishReason::Stop),
        ("max_tokens", FinishReason::Length),
        ("tool_use", FinishReason::ToolCalls),
        ("refusal", FinishReason::ContentFilter),
    ];
    for (stop_reason, expected) in cases {
        let (response, _) = exchange(
            &hello(),
            reply(json!([{ "type": "text", "text": "x" }]), stop_reason),
        )
        .await;
        assert_eq!(response.finish_reason, expected, "{stop_reason}");
        assert_eq!(response.usage, Usage::new(12, 7));
    }
}

#[tokio::test]
async fn structured_output_forces_a_tool_and_returns_its_input_as_text() {
    let schema = json!({ "type": "object", "properties": { "name": { "type": "string" } }, "required": ["name"] });
    let mut chat = structured(json!({ "name": "person", "schema": schema }));
    let answer = reply(
        json!([{ "type": "tool_use", "id": "toolu_9", "name": "person", "input": { "name": "Ada" } }]),
        "tool_use",
    );
    let (response, body) = exchange(&chat, answer).await;
    assert_eq!(body["tools"][0]["name"], "person");
    assert_eq!(body["tools"][0]["input_schema"], schema);
    assert_eq!(
        body["tool_choice"],
        json!({ "type": "tool", "name": "person" })
    );
    assert_eq!(
        response.message.content,
        vec![Block::Text {
            text: r#"{"name":"Ada"}"#.into()
        }]
    );
    assert_eq!(response.finish_reason, FinishReason::Stop);

    chat.tools =
        serde_json::from_value(json!([{ "name": "lookup", "parameters": { "type": "object" } }]))
            .expect("tools");
    let choice = sent(&chat, text_reply()).await["tool_choice"].clone();
    assert_eq!(
        choice,
        json!({ "type": "any" }),
        "a real tool may be called first"
    );
}

#[tokio::test]
async fn structured_output_with_a_non_object_schema_is_wrapped_and_unwrapped() {
    let chat = structured(json!({ "schema": { "type": "array", "items": { "type": "string" } } }));
    let answer = reply(
        json!([{ "type": "tool_use", "id": "toolu_9", "name": "structured_output", "input": { "input": ["a", "b"] } }]),
        "tool_use",
    );
    let (response, body) = exchange(&chat, answer).await;
    assert_eq!(
        body["tools"][0]["input_schema"]["required"],
        json!(["input"])
    );
    assert_eq!(
        response.message.content,
        vec![Block::Text {
            text: r#"["a","b"]"#.into()
        }]
    );
}
