//! Deterministic offline chat. The same request always gets the same reply: a structured-output
//! request gets a JSON document that validates against its schema, a request that forces a tool
//! gets one call to it with arguments that validate against the tool's schema, a turn carrying
//! tool results gets a summary of them, and anything else gets an echo of the last user turn.
//! Streams cut the same reply into word-sized events.

use futures::stream;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::instance::instance;
use crate::chat::{
    Block, ChatRequest, ChatResponse, FinishReason, Message, ReplyMessage, StreamEvent, ToolChoice,
    Usage,
};
use crate::providers::EventStream;
use crate::providers::error::ProviderError;

/// Most words of an echoed user turn.
const ECHO_WORDS: usize = 200;

/// The reply to `request`, named `alias`.
pub fn chat(alias: &str, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
    let digest = hex_digest(request);
    let seed = last_user_text(&request.messages);
    let (mut content, mut finish) = reply_blocks(request, &seed, &digest)?;
    if let [Block::Text { text }] = content.as_mut_slice() {
        finish = limit_text(text, request.max_tokens, &request.stop).unwrap_or(finish);
    }
    let output_tokens = content.iter().map(block_tokens).sum();
    let input_tokens = request
        .messages
        .iter()
        .map(|m| m.content().iter().map(block_tokens).sum::<u64>())
        .sum();
    Ok(ChatResponse {
        id: format!("local-{}", &digest[..24]),
        model: alias.to_owned(),
        message: ReplyMessage {
            role: "assistant".into(),
            content,
        },
        finish_reason: finish,
        usage: Usage::new(input_tokens, output_tokens),
    })
}

/// The same reply as a stream of events.
pub fn stream(alias: &str, request: &ChatRequest) -> Result<EventStream, ProviderError> {
    let reply = chat(alias, request)?;
    let mut events = Vec::new();
    let mut calls = 0;
    for block in &reply.message.content {
        match block {
            Block::Text { text } => events.extend(word_chunks(text).map(StreamEvent::Text)),
            Block::ToolCall {
                id,
                name,
                arguments,
            } => {
                let index = calls;
                calls += 1;
                events.push(StreamEvent::ToolCallStart {
                    index,
                    id: id.clone(),
                    name: name.clone(),
                });
                let json = arguments.to_string();
                let middle = json
                    .char_indices()
                    .nth(json.chars().count() / 2)
                    .map_or(0, |(at, _)| at);
                for fragment in [&json[..middle], &json[middle..]] {
                    if !fragment.is_empty() {
                        events.push(StreamEvent::ToolCallArguments {
                            index,
                            fragment: fragment.to_owned(),
                        });
                    }
                }
            }
            Block::ToolResult { .. } => {}
        }
    }
    events.push(StreamEvent::Finish(reply.finish_reason));
    events.push(StreamEvent::Usage(reply.usage));
    Ok(Box::pin(stream::iter(events.into_iter().map(Ok))))
}

fn reply_blocks(
    request: &ChatRequest,
    seed: &str,
    digest: &str,
) -> Result<(Vec<Block>, FinishReason), ProviderError> {
    if let Some(output) = &request.structured_output {
        let document = instance(&output.schema, seed).map_err(|error| {
            ProviderError::Invalid(format!("structured_output.schema: {error}"))
        })?;
        return Ok((
            vec![Block::Text {
                text: document.to_string(),
            }],
            FinishReason::Stop,
        ));
    }
    let forced = match &request.tool_choice {
        Some(ToolChoice::Required) => request.tools.first(),
        Some(ToolChoice::Tool { name }) => request.tools.iter().find(|tool| &tool.name == name),
        _ => None,
    };
    if let Some(tool) = forced {
        let arguments = instance(&tool.parameters, seed).map_err(|error| {
            ProviderError::Invalid(format!("tool {} parameters: {error}", tool.name))
        })?;
        if !arguments.is_object() {
            return Err(ProviderError::Invalid(format!(
                "tool {} parameters: the schema must describe a JSON object (tool arguments are objects)",
                tool.name
            )));
        }
        let call = Block::ToolCall {
            id: format!("call_{}", &digest[..8]),
            name: tool.name.clone(),
            arguments,
        };
        return Ok((vec![call], FinishReason::ToolCalls));
    }
    let text = match request.messages.last() {
        Some(Message::User { content })
            if content
                .iter()
                .any(|b| matches!(b, Block::ToolResult { .. })) =>
        {
            tool_summary(content)
        }
        _ if seed.is_empty() => {
            "(offline local model) Hello. I am the offline model; ask me anything.".to_owned()
        }
        _ => {
            let words: Vec<&str> = seed.split_whitespace().take(ECHO_WORDS).collect();
            format!("(offline local model) You wrote: {}", words.join(" "))
        }
    };
    Ok((vec![Block::Text { text }], FinishReason::Stop))
}

fn tool_summary(content: &[Block]) -> String {
    let mut lines = vec!["(offline local model) The tools returned:".to_owned()];
    for block in content {
        if let Block::ToolResult {
            tool_call_id,
            content,
            is_error,
        } = block
        {
            let text = match content {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let shown: String = text.chars().take(200).collect();
            let marker = if *is_error { " (error)" } else { "" };
            lines.push(format!("- {tool_call_id}{marker}: {shown}"));
        }
    }
    lines.join("\n")
}

/// Cuts `text` at the first stop sequence and at `max_tokens` words; the finish reason when
/// it was cut short by the limit.
fn limit_text(text: &mut String, max_tokens: Option<u32>, stop: &[String]) -> Option<FinishReason> {
    if let Some(at) = stop
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
    {
        text.truncate(at);
    }
    let limit = max_tokens? as usize;
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= limit {
        return None;
    }
    *text = words[..limit].join(" ");
    Some(FinishReason::Length)
}

fn last_user_text(messages: &[Message]) -> String {
    messages
        .iter()
        .rev()
        .find_map(|message| match message {
            Message::User { .. } => Some(message.text()).filter(|text| !text.trim().is_empty()),
            _ => None,
        })
        .unwrap_or_default()
}

fn hex_digest(request: &ChatRequest) -> String {
    let canonical = serde_json::to_string(request).unwrap_or_default();
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn block_tokens(block: &Block) -> u64 {
    let text = match block {
        Block::Text { text } => text.clone(),
        Block::ToolCall { arguments, .. } => arguments.to_string(),
        Block::ToolResult { content, .. } => content.to_string(),
    };
    text.split_whitespace().count() as u64
}

/// `text` cut after each word, keeping the spaces, so the pieces join back to the text.
fn word_chunks(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let start = rest.len() - rest.trim_start().len();
        let end = rest[start..]
            .find(char::is_whitespace)
            .map_or(rest.len(), |at| start + at);
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_chunks_join_back_to_the_text() {
        for text in ["one two  three", "  lead", "trail ", "x", "a\nb"] {
            assert_eq!(word_chunks(text).collect::<String>(), text);
        }
    }

    #[test]
    fn the_limit_and_stop_sequences_cut_the_text() {
        let mut text = "one two three four".to_owned();
        assert_eq!(
            limit_text(&mut text, Some(2), &[]),
            Some(FinishReason::Length)
        );
        assert_eq!(text, "one two");
        let mut text = "hello END world".to_owned();
        assert_eq!(limit_text(&mut text, None, &["END".into()]), None);
        assert_eq!(text, "hello ");
    }
}
