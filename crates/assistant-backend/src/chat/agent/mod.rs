//! The agent loop of one turn (ours, no framework): the context is rebuilt from the journal
//! ([`context`]), the model is streamed through model-provider ([`model`]), each text delta is
//! passed on at once, and when the model asks for tools ([`tools`]) they run concurrently,
//! each within its timeout, their results (errors included, so the model can recover) go back
//! to the model, and the loop repeats up to a cap of tool rounds; the call after the last round
//! is offered no tools and must answer. When the chat alias is served by the offline `local`
//! provider the turn answers from the user's notes instead ([`offline`]). Web search and fetch
//! ([`web`]) are offered when a search API key is configured.

pub mod context;
pub mod model;
pub mod offline;
pub mod tools;
pub mod web;

use futures::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

use self::model::{ChatModel, Frame, ModelToolCall};
use self::tools::{Tools, labels};
use super::emitter::{Emitter, TurnError};
use super::settings::ChatSettings;
use crate::journals::TurnContextMessage;

/// The provider name of model-provider's built-in offline model.
pub const LOCAL_PROVIDER: &str = "local";

/// Runs one turn for `user`, given the journal so far (newest first, the person's new message
/// first of all).
pub async fn run(
    settings: &ChatSettings,
    model: &ChatModel,
    tools: &Tools,
    user: Uuid,
    history: &[TurnContextMessage],
    emitter: &mut Emitter,
) -> Result<(), TurnError> {
    let provider = model
        .provider(user, &settings.model)
        .await
        .map_err(|error| TurnError::Model(error.0))?;
    match provider.as_deref() {
        None => Err(TurnError::Model(format!(
            "The chat model `{}` is not configured in model-provider.",
            settings.model
        ))),
        Some(LOCAL_PROVIDER) => answer_offline(tools, history, emitter).await,
        Some(_) => converse(settings, model, tools, user, history, emitter).await,
    }
}

async fn converse(
    settings: &ChatSettings,
    model: &ChatModel,
    tools: &Tools,
    user: Uuid,
    history: &[TurnContextMessage],
    emitter: &mut Emitter,
) -> Result<(), TurnError> {
    let mut messages = context::build(&settings.system_prompt, history, settings.context_tokens);
    for round in 0..=settings.max_tool_rounds {
        let offer_tools = round < settings.max_tool_rounds;
        let mut body = json!({ "model": settings.model, "messages": messages });
        if offer_tools {
            body["tools"] = Value::Array(tools.definitions());
        }
        let frames = model
            .stream(user, body)
            .await
            .map_err(|error| TurnError::Model(error.0))?;
        let mut frames = std::pin::pin!(frames);
        // Text of a later round starts a new paragraph of the same reply.
        let mut separate = !emitter.text().is_empty();
        let mut round_text = String::new();
        let mut calls: Vec<ModelToolCall> = Vec::new();
        while let Some(frame) = frames.next().await {
            match frame.map_err(|error| TurnError::Model(error.0))? {
                Frame::Text(text) => {
                    if separate && !text.trim().is_empty() {
                        emitter.chunk("\n\n").await?;
                        separate = false;
                    }
                    round_text.push_str(&text);
                    emitter.chunk(&text).await?;
                }
                Frame::ToolCall(call) => calls.push(call),
                Frame::Finished => break,
            }
        }
        if calls.is_empty() || !offer_tools {
            return Ok(());
        }
        let results = run_tools(settings, tools, &calls, emitter).await?;
        let mut asked: Vec<Value> = Vec::new();
        if !round_text.trim().is_empty() {
            asked.push(json!({ "type": "text", "text": round_text }));
        }
        asked.extend(calls.iter().map(|call| {
            json!({ "type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments })
        }));
        messages.push(json!({ "role": "assistant", "content": asked }));
        messages.push(json!({ "role": "user", "content": results }));
    }
    Ok(())
}

/// Announces and runs `calls` at once; returns the `tool_result` blocks, in call order.
async fn run_tools(
    settings: &ChatSettings,
    tools: &Tools,
    calls: &[ModelToolCall],
    emitter: &Emitter,
) -> Result<Vec<Value>, TurnError> {
    for call in calls {
        emitter
            .tool_started(
                &call.id,
                &call.name,
                &call.arguments,
                &labels(&call.name, &call.arguments),
            )
            .await?;
    }
    let timeout = settings.tool_timeout;
    let outcomes = futures::future::join_all(calls.iter().map(|call| async move {
        match tokio::time::timeout(timeout, tools.run(&call.name, &call.arguments)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!(
                "{} took longer than {} s and was stopped",
                call.name,
                timeout.as_secs_f64()
            )),
        }
    }))
    .await;
    let mut results = Vec::with_capacity(calls.len());
    for (call, outcome) in calls.iter().zip(outcomes) {
        let (content, is_error) = emitter.tool_finished(&call.id, &call.name, outcome).await?;
        results.push(json!({
            "type": "tool_result",
            "tool_call_id": call.id,
            "content": content,
            "is_error": is_error,
        }));
    }
    Ok(results)
}

/// The offline answer: one knowledge search for the person's message, shown as a tool call,
/// then the notes it found.
async fn answer_offline(
    tools: &Tools,
    history: &[TurnContextMessage],
    emitter: &mut Emitter,
) -> Result<(), TurnError> {
    let question = history
        .first()
        .map(|message| message.content.trim())
        .unwrap_or_default();
    let call_id = format!("offline-search-{}", Uuid::new_v4().simple());
    let arguments = json!({ "query": question });
    emitter
        .tool_started(
            &call_id,
            tools::SEARCH_KNOWLEDGE,
            &arguments,
            &labels(tools::SEARCH_KNOWLEDGE, &arguments),
        )
        .await?;
    let found = tools.search(question, 8).await;
    let (answer, outcome) = match found {
        Ok(found) => {
            let found = found.relevant();
            (offline::answer(&found), Ok(found.output()))
        }
        Err(error) => (
            format!(
                "I could not search your notes just now ({error}).\n\n{}",
                offline::OFFLINE_NOTE
            ),
            Err(error),
        ),
    };
    emitter
        .tool_finished(&call_id, tools::SEARCH_KNOWLEDGE, outcome)
        .await?;
    for chunk in offline::chunks(&answer) {
        emitter.chunk(chunk).await?;
    }
    Ok(())
}
