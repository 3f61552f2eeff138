//! Checks of a chat request that its shape alone cannot express: which blocks each role may
//! carry, that tool calls and their results pair up in order, and that the tools named by
//! `tool_choice` exist. Every problem is reported, each naming the message it is in.

use std::collections::BTreeSet;

use super::{Block, ChatRequest, Message, ToolChoice};

/// Every problem of `request`; empty when it is valid.
pub fn problems(request: &ChatRequest) -> Vec<String> {
    let mut problems = Vec::new();
    if request.messages.is_empty() {
        problems.push("messages: at least one message is required".to_owned());
    }
    let mut open: BTreeSet<&str> = BTreeSet::new();
    for (index, message) in request.messages.iter().enumerate() {
        let at = |what: String| format!("messages[{index}] ({}): {what}", message.role());
        for block in message.content() {
            let allowed = matches!(
                (message, block),
                (_, Block::Text { .. })
                    | (Message::User { .. }, Block::ToolResult { .. })
                    | (Message::Assistant { .. }, Block::ToolCall { .. })
            );
            if !allowed {
                problems.push(at(format!(
                    "a {} block is not allowed here",
                    block_name(block)
                )));
            }
        }
        match message {
            Message::Assistant { content } => {
                let calls: Vec<&str> = content
                    .iter()
                    .filter_map(|block| match block {
                        Block::ToolCall { id, arguments, .. } => {
                            if !arguments.is_object() {
                                problems.push(at(format!(
                                    "tool call {id}: arguments must be a JSON object"
                                )));
                            }
                            Some(id.as_str())
                        }
                        _ => None,
                    })
                    .collect();
                if !calls.is_empty() && !open.is_empty() {
                    problems.push(at(format!(
                        "new tool calls before the results of {} were given",
                        open.iter().copied().collect::<Vec<_>>().join(", ")
                    )));
                }
                open.extend(calls);
            }
            Message::User { content } | Message::System { content } => {
                for block in content {
                    match block {
                        Block::ToolResult { tool_call_id, .. }
                            if !open.remove(tool_call_id.as_str()) =>
                        {
                            problems.push(at(format!(
                                "tool result for unknown or answered call {tool_call_id}"
                            )));
                        }
                        Block::Text { .. } if !open.is_empty() => problems.push(at(format!(
                            "text while tool calls {} still wait for results",
                            open.iter().copied().collect::<Vec<_>>().join(", ")
                        ))),
                        _ => {}
                    }
                }
            }
        }
    }
    if !open.is_empty() {
        problems.push(format!(
            "messages: tool calls {} have no matching tool_result",
            open.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    for (index, tool) in request.tools.iter().enumerate() {
        if tool.name.trim().is_empty() {
            problems.push(format!("tools[{index}].name: must not be empty"));
        }
        if !tool.parameters.is_object() {
            problems.push(format!(
                "tools[{index}].parameters: must be a JSON schema object"
            ));
        }
    }
    match &request.tool_choice {
        Some(ToolChoice::Tool { name }) if !request.tools.iter().any(|tool| &tool.name == name) => {
            problems.push(format!("tool_choice: no tool named {name} is offered"));
        }
        Some(ToolChoice::Required) if request.tools.is_empty() => {
            problems.push("tool_choice: required, but no tools are offered".to_owned());
        }
        _ => {}
    }
    if let Some(output) = &request.structured_output
        && !output.schema.is_object()
    {
        problems.push("structured_output.schema: must be a JSON schema object".to_owned());
    }
    problems
}

fn block_name(block: &Block) -> &'static str {
    match block {
        Block::Text { .. } => "text",
        Block::ToolCall { .. } => "tool_call",
        Block::ToolResult { .. } => "tool_result",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(messages: serde_json::Value) -> ChatRequest {
        serde_json::from_value(json!({ "model": "agent", "messages": messages })).expect("shape")
    }

    #[test]
    fn calls_and_results_must_pair_up_in_order() {
        let ok = request(json!([
            {"role": "user", "content": [{"type": "text", "text": "weather?"}]},
            {"role": "assistant", "content": [{"type": "tool_call", "id": "c1", "name": "w", "arguments": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_call_id": "c1", "content": "sunny"}]},
        ]));
        assert!(problems(&ok).is_empty(), "{:?}", problems(&ok));

        let dangling = request(json!([
            {"role": "assistant", "content": [{"type": "tool_call", "id": "c1", "name": "w"}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_call_id": "c9", "content": 1}]},
        ]));
        let found = problems(&dangling).join("\n");
        assert!(
            found.contains("messages[1] (user): tool result for unknown or answered call c9"),
            "{found}"
        );
        assert!(
            found.contains("tool calls c1 have no matching tool_result"),
            "{found}"
        );
    }

    #[test]
    fn blocks_must_fit_their_role() {
        let wrong = request(json!([
            {"role": "system", "content": [{"type": "tool_call", "id": "x", "name": "n"}]},
        ]));
        assert!(
            problems(&wrong)
                .join("\n")
                .contains("messages[0] (system): a tool_call block is not allowed here")
        );
    }
}
