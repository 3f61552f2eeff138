//! Streamed replies: text, tool calls numbered among tool calls, structured output as text,
//! the finish and usage events, upstream errors as error items, and the held concurrency slot.

use super::*;

#[tokio::test]
async fn streams_text_then_tool_calls_numbered_among_tool_calls() {
    let text = [
        message_start(),
        json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "text", "text": "" } }),
        json!({ "type": "ping" }),
        delta(0, "text_delta", "text", "Let me "),
        delta(0, "text_delta", "text", "check."),
        json!({ "type": "content_block_stop", "index": 0 }),
    ];
    let lookup = tool_block(
        1,
        "toolu_1",
        "lookup",
        &["", "{\"query\": \"ru", "st\", \"limit\": 3}"],
    );
    let fetch = tool_block(2, "toolu_2", "fetch", &["{\"url\": \"x\"}"]);
    let events = [
        text.to_vec(),
        lookup,
        fetch,
        finish("tool_use", 34).to_vec(),
    ]
    .concat();
    let fake = answering([sse(&events)]).await;
    let events = streamed_events(&fake, &hello()).await;
    assert_eq!(bodies(&fake)[0]["stream"], true);
    let arguments = |call: usize| -> Value {
        let text: String = events
            .iter()
            .filter_map(|event| match event {
                StreamEvent::ToolCallArguments { index, fragment } if *index == call => {
                    Some(fragment.as_str())
                }
                _ => None,
            })
            .collect();
        serde_json::from_str(&text).expect("valid JSON")
    };
    assert_eq!(arguments(0), json!({ "query": "rust", "limit": 3 }));
    assert_eq!(arguments(1), json!({ "url": "x" }));
    let others: Vec<&StreamEvent> = events
        .iter()
        .filter(|event| !matches!(event, StreamEvent::ToolCallArguments { .. }))
        .collect();
    let start = |index, id: &str, name: &str| StreamEvent::ToolCallStart {
        index,
        id: id.into(),
        name: name.into(),
    };
    assert_eq!(
        others,
        [
            &StreamEvent::Text("Let me ".into()),
            &StreamEvent::Text("check.".into()),
            &start(0, "toolu_1", "lookup"),
            &start(1, "toolu_2", "fetch"),
            &StreamEvent::Finish(FinishReason::ToolCalls),
            &StreamEvent::Usage(Usage::new(21, 34)),
        ]
    );
}

#[tokio::test]
async fn streamed_structured_output_arrives_as_text() {
    let chat = structured(json!({ "name": "person", "schema": { "type": "object" } }));
    let fragments = ["{\"name\"", ": \"Ada\"}"];
    let events = one_tool_stream(&chat, "person", &fragments).await;
    assert_eq!(
        events,
        [
            StreamEvent::Text("{\"name\"".into()),
            StreamEvent::Text(": \"Ada\"}".into()),
            StreamEvent::Finish(FinishReason::Stop),
            StreamEvent::Usage(Usage::new(21, 9)),
        ]
    );
}

#[tokio::test]
async fn a_streamed_non_object_answer_is_unwrapped_when_its_block_ends() {
    let chat = structured(json!({ "schema": { "type": "array", "items": { "type": "string" } } }));
    let fragments = ["{\"input\": [\"a\",", " \"b\"]}"];
    let events = one_tool_stream(&chat, "structured_output", &fragments).await;
    assert_eq!(events[0], StreamEvent::Text(r#"["a","b"]"#.into()));
    assert_eq!(events[1], StreamEvent::Finish(FinishReason::Stop));
}

#[tokio::test]
async fn an_error_event_mid_stream_becomes_an_error_item() {
    let events = [
        message_start(),
        delta(0, "text_delta", "text", "Hel"),
        json!({ "type": "error", "error": { "type": "overloaded_error", "message": "Overloaded" } }),
    ];
    let fake = answering([sse(&events)]).await;
    let items = streamed(&fake, &hello()).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0], Ok(StreamEvent::Text("Hel".into())));
    let error = items[1].clone().expect_err("an error item");
    assert_eq!(
        error,
        ProviderError::Upstream {
            provider: "anthropic",
            message: "overloaded_error: Overloaded".into()
        }
    );
    assert!(error.retryable());
}

#[tokio::test]
async fn a_stream_cut_before_message_stop_ends_with_an_error() {
    let fake = answering([sse(&[
        message_start(),
        delta(0, "text_delta", "text", "Hel"),
    ])])
    .await;
    let items = streamed(&fake, &hello()).await;
    assert!(
        matches!(items.last(), Some(Err(ProviderError::Upstream { .. }))),
        "{items:?}"
    );
}

#[tokio::test]
async fn a_stream_holds_its_concurrency_slot_until_dropped() {
    let events = [
        message_start(),
        finish("end_turn", 1)[0].clone(),
        finish("end_turn", 1)[1].clone(),
    ];
    let fake = answering([sse(&events), text_reply()]).await;
    let provider = anthropic(
        &fake,
        Limits {
            concurrency: 1,
            deadline: Duration::from_millis(300),
            ..limits()
        },
    );
    let stream = provider.stream(&CALL, &hello()).await.expect("a stream");
    let waiting = provider.chat(&CALL, &hello()).await;
    assert!(
        matches!(waiting, Err(ProviderError::Timeout { .. })),
        "{waiting:?}"
    );
    drop(stream);
    provider
        .chat(&CALL, &hello())
        .await
        .expect("the slot is free again");
}
