//! A turn's context, rebuilt from the journal every turn: the system prompt, then the newest
//! earlier messages that fit the token budget (oldest first), each assistant reply preceded by
//! the tool calls it made and what they returned, exactly as the model saw them. The person's
//! new message is the newest stored message, so it is always included.

use serde_json::{Value, json};

use crate::journals::{Role, TurnContextMessage};

/// Tokens a message costs besides its text (role, framing).
const MESSAGE_OVERHEAD_TOKENS: usize = 4;

/// The native `messages` of a turn: `system`, then `history` (given newest first) within
/// `budget_tokens`, oldest first. The newest message is kept even when it alone exceeds the
/// budget.
pub fn build(system: &str, history: &[TurnContextMessage], budget_tokens: usize) -> Vec<Value> {
    let mut kept: Vec<Vec<Value>> = Vec::new();
    let mut used = 0;
    for message in history {
        let converted = convert(message);
        let cost: usize = converted.iter().map(estimate_tokens).sum();
        if !kept.is_empty() && used + cost > budget_tokens {
            break;
        }
        used += cost;
        kept.push(converted);
    }
    let mut messages = vec![text_message("system", system)];
    messages.extend(kept.into_iter().rev().flatten());
    messages
}

/// The native messages of one stored message.
fn convert(message: &TurnContextMessage) -> Vec<Value> {
    match message.role {
        Role::User => vec![text_message("user", &message.content)],
        Role::Assistant => {
            let replayable: Vec<_> = message
                .tool_calls
                .iter()
                .filter_map(|call| call.name.as_ref().map(|name| (call, name)))
                .collect();
            let mut out = Vec::new();
            if !replayable.is_empty() {
                let calls: Vec<Value> = replayable
                    .iter()
                    .map(|(call, name)| {
                        json!({
                            "type": "tool_call",
                            "id": call.tool_call_id,
                            "name": name,
                            "arguments": call.arguments.clone().unwrap_or_else(|| json!({})),
                        })
                    })
                    .collect();
                let results: Vec<Value> = replayable
                    .iter()
                    .map(|(call, _)| {
                        let (content, is_error) = match (&call.result, &call.error) {
                            (Some(result), error) => (result.clone(), error.is_some()),
                            (None, Some(error)) => (format!("error: {error}"), true),
                            (None, None) => (
                                call.response
                                    .clone()
                                    .unwrap_or_else(|| "no result was recorded".to_owned()),
                                false,
                            ),
                        };
                        json!({
                            "type": "tool_result",
                            "tool_call_id": call.tool_call_id,
                            "content": content,
                            "is_error": is_error,
                        })
                    })
                    .collect();
                out.push(json!({ "role": "assistant", "content": calls }));
                out.push(json!({ "role": "user", "content": results }));
            }
            if !message.content.trim().is_empty() {
                out.push(text_message("assistant", &message.content));
            }
            out
        }
    }
}

/// A message of one text block.
pub fn text_message(role: &str, text: &str) -> Value {
    json!({ "role": role, "content": [{ "type": "text", "text": text }] })
}

/// About four characters a token, plus the framing.
fn estimate_tokens(message: &Value) -> usize {
    let chars: usize = message["content"]
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .map(|block| match block["type"].as_str() {
                    Some("text") => block["text"].as_str().map_or(0, |t| t.chars().count()),
                    _ => block.to_string().chars().count(),
                })
                .sum()
        })
        .unwrap_or_default();
    chars.div_ceil(4) + MESSAGE_OVERHEAD_TOKENS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journals::ContextToolCall;

    fn message(role: Role, content: &str) -> TurnContextMessage {
        TurnContextMessage {
            role,
            content: content.to_owned(),
            tool_calls: Vec::new(),
        }
    }

    #[test]
    fn the_newest_messages_that_fit_are_kept_oldest_first() {
        let history = [
            message(Role::User, "newest question"),
            message(Role::Assistant, &"a".repeat(400)),
            message(Role::User, "oldest"),
        ];
        let all = build("sys", &history, 10_000);
        let texts: Vec<&str> = all
            .iter()
            .map(|m| m["content"][0]["text"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(texts[0], "sys");
        assert_eq!(texts[1], "oldest");
        assert_eq!(texts[3], "newest question");

        // 400 characters are ~100 tokens: a budget of 50 keeps only the newest message.
        let tight = build("sys", &history, 50);
        assert_eq!(tight.len(), 2);
        assert_eq!(tight[1]["content"][0]["text"], "newest question");
        // The newest message is kept even over budget.
        assert_eq!(build("sys", &history[1..], 1).len(), 2);
    }

    #[test]
    fn replies_replay_their_tool_calls_and_results_before_their_text() {
        let mut reply = message(Role::Assistant, "Anna lives in Vienna.");
        reply.tool_calls = vec![ContextToolCall {
            tool_call_id: "c1".into(),
            name: Some("search_knowledge".into()),
            arguments: Some(json!({ "query": "Anna" })),
            result: Some("{\"blocks\":[]}".into()),
            response: Some("Found 1 note".into()),
            error: None,
        }];
        let messages = build("sys", &[reply], 10_000);
        assert_eq!(messages.len(), 4);
        assert_eq!(messages[1]["content"][0]["type"], "tool_call");
        assert_eq!(messages[1]["content"][0]["arguments"]["query"], "Anna");
        assert_eq!(messages[2]["role"], "user");
        assert_eq!(messages[2]["content"][0]["content"], "{\"blocks\":[]}");
        assert_eq!(messages[3]["content"][0]["text"], "Anna lives in Vienna.");
    }
}
