//! What the provider sends: the Messages body translated from the canonical request, tool
//! schemas normalised (or refused before anything is sent), and the request headers.

use super::*;

#[tokio::test]
async fn system_is_hoisted_roles_merge_and_tool_blocks_are_translated() {
    let conversation = request(json!({ "model": "claude-x", "messages": [
        { "role": "system", "content": [{ "type": "text", "text": "You are terse." }] },
        { "role": "user", "content": [{ "type": "text", "text": "Hi" }] },
        { "role": "user", "content": [{ "type": "text", "text": "Find rust" }] },
        { "role": "assistant", "content": [
            { "type": "text", "text": "Looking." },
            { "type": "tool_call", "id": "toolu_1", "name": "lookup", "arguments": { "query": "rust" } },
            { "type": "tool_call", "id": "toolu_2", "name": "fetch", "arguments": { "url": "x" } },
        ] },
        { "role": "user", "content": [{ "type": "tool_result", "tool_call_id": "toolu_1", "content": { "hits": 3 } }] },
        { "role": "system", "content": [{ "type": "text", "text": "Reply in English." }] },
        { "role": "user", "content": [{ "type": "tool_result", "tool_call_id": "toolu_2", "content": "no such page", "is_error": true }] },
        { "role": "assistant", "content": [] },
        { "role": "user", "content": [{ "type": "text", "text": "Thanks" }] },
    ] }));
    let body = sent(&conversation, text_reply()).await;
    assert_eq!(body["model"], "claude-x");
    assert_eq!(
        body["system"],
        json!([{ "type": "text", "text": "You are terse." }, { "type": "text", "text": "Reply in English." }])
    );
    assert_eq!(
        body["messages"],
        json!([
            { "role": "user", "content": [{ "type": "text", "text": "Hi" }, { "type": "text", "text": "Find rust" }] },
            { "role": "assistant", "content": [
                { "type": "text", "text": "Looking." },
                { "type": "tool_use", "id": "toolu_1", "name": "lookup", "input": { "query": "rust" } },
                { "type": "tool_use", "id": "toolu_2", "name": "fetch", "input": { "url": "x" } },
            ] },
            { "role": "user", "content": [
                { "type": "tool_result", "tool_use_id": "toolu_1", "content": "{\"hits\":3}", "is_error": false },
                { "type": "tool_result", "tool_use_id": "toolu_2", "content": "no such page", "is_error": true },
                { "type": "text", "text": "Thanks" },
            ] },
        ])
    );
}

#[tokio::test]
async fn tools_are_sent_with_normalised_schemas() {
    let tools = request(
        json!({ "model": "claude-x", "messages": [{ "role": "user", "content": [{ "type": "text", "text": "Hi" }] }],
        "tools": [
            { "type": "function", "name": "lookup", "description": "Search.", "parameters": {
                "type": "json_schema", "json_schema": { "name": "lookup", "schema": {
                    "type": "object",
                    "properties": {
                        "example": { "type": "string", "example": "rust", "nullable": true },
                        "filter": { "$ref": "#/definitions/Filter" },
                    },
                    "definitions": { "Filter": { "type": "object", "deprecated": true, "properties": { "tag": { "type": "string" } } } },
                } } } },
            { "type": "function", "name": "ping", "parameters": {} },
            { "type": "function", "name": "tags", "parameters": { "type": "array", "items": { "$ref": "#/$defs/Tag" }, "$defs": { "Tag": { "type": "string" } } } },
        ] }),
    );
    let body = sent(&tools, text_reply()).await;
    assert_eq!(
        body["tools"],
        json!([
            { "name": "lookup", "description": "Search.", "input_schema": {
                "type": "object",
                "properties": { "example": { "type": ["string", "null"] }, "filter": { "$ref": "#/$defs/Filter" } },
                "$defs": { "Filter": { "type": "object", "properties": { "tag": { "type": "string" } } } },
            } },
            { "name": "ping", "description": "", "input_schema": { "type": "object" } },
            { "name": "tags", "description": "", "input_schema": {
                "type": "object", "required": ["input"],
                "properties": { "input": { "type": "array", "items": { "$ref": "#/$defs/Tag" } } },
                "$defs": { "Tag": { "type": "string" } },
            } },
        ])
    );
}

#[tokio::test]
async fn each_tool_choice_is_translated() {
    let cases = [
        (json!({ "type": "auto" }), json!({ "type": "auto" })),
        (json!({ "type": "none" }), json!({ "type": "none" })),
        (json!({ "type": "required" }), json!({ "type": "any" })),
        (
            json!({ "type": "tool", "name": "lookup" }),
            json!({ "type": "tool", "name": "lookup" }),
        ),
    ];
    for (choice, expected) in cases {
        let mut chat = hello();
        chat.tools = serde_json::from_value(
            json!([{ "name": "lookup", "parameters": { "type": "object" } }]),
        )
        .expect("tools");
        chat.tool_choice = Some(serde_json::from_value(choice).expect("a tool choice"));
        assert_eq!(sent(&chat, text_reply()).await["tool_choice"], expected);
    }
}

#[tokio::test]
async fn max_tokens_defaults_to_4096_and_is_passed_through() {
    assert_eq!(sent(&hello(), text_reply()).await["max_tokens"], 4096);
    let mut chat = hello();
    chat.max_tokens = Some(100);
    assert_eq!(sent(&chat, text_reply()).await["max_tokens"], 100);
}

#[tokio::test]
async fn temperature_is_sent_only_when_set_and_stop_becomes_stop_sequences() {
    let body = sent(&hello(), text_reply()).await;
    for absent in [
        "temperature",
        "stop_sequences",
        "stop",
        "tools",
        "tool_choice",
        "stream",
    ] {
        assert!(body.get(absent).is_none(), "{absent} in {body}");
    }
    let mut chat = hello();
    chat.temperature = Some(0.25);
    chat.stop = vec!["END".into()];
    let body = sent(&chat, text_reply()).await;
    assert_eq!(body["temperature"], 0.25);
    assert_eq!(body["stop_sequences"], json!(["END"]));
}

#[tokio::test]
async fn sends_the_key_and_version_and_forwards_the_request_id() {
    let fake = answering([text_reply()]).await;
    anthropic(&fake, limits())
        .chat(&CALL, &hello())
        .await
        .expect("a reply");
    let headers = fake.seen().remove(0).headers;
    assert_eq!(headers["x-api-key"], "sk-ant-test");
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-request-id"], "req-123");
    assert!(!headers.contains_key("authorization"));
}

#[tokio::test]
async fn a_tool_schema_with_an_external_ref_is_invalid_and_names_the_tool() {
    let mut chat = hello();
    chat.tools = serde_json::from_value(json!([
        { "name": "ok", "parameters": { "type": "object" } },
        { "name": "lookup", "parameters": { "type": "object", "properties": { "a": { "$ref": "https://example.com/a.json" } } } },
    ]))
    .expect("tools");
    let fake = answering([text_reply()]).await;
    let error = anthropic(&fake, limits())
        .chat(&CALL, &chat)
        .await
        .expect_err("invalid");
    let ProviderError::Invalid(message) = error else {
        panic!("not Invalid: {error:?}")
    };
    assert!(
        message.starts_with("tools[1] (lookup): external $ref"),
        "{message}"
    );
    assert!(bodies(&fake).is_empty(), "nothing is sent");
}

fn schema_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!({ "type": "string", "nullable": true })),
        Just(json!({ "type": "integer", "example": 3 })),
        Just(json!({ "$ref": "#/definitions/d" })),
        Just(json!({ "enum": ["a", 1], "nullable": true })),
        Just(json!(true)),
        Just(json!("not a schema")),
    ];
    leaf.prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(|all| json!({ "anyOf": all })),
            (inner.clone(), inner.clone()).prop_map(|(a, example)| json!({ "type": "object", "properties": { "a": a, "example": example } })),
            inner.clone().prop_map(|items| json!({ "type": "array", "items": items, "definitions": { "d": { "type": "string" } } })),
            inner.prop_map(|schema| json!({ "type": "json_schema", "json_schema": { "schema": schema } })),
        ]
    })
}

proptest! {
    #[test]
    fn normalised_schemas_are_object_schemas_and_normalising_again_changes_nothing(schema in schema_like()) {
        if let Ok(normalised) = schema::normalise(&schema) {
            prop_assert_eq!(&normalised.schema["type"], "object");
            let again = schema::normalise(&normalised.schema).expect("still usable");
            prop_assert_eq!(again.schema, normalised.schema);
            prop_assert!(!again.wrapped);
        }
    }
}
