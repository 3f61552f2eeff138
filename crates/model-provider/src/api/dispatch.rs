//! Handing a chat request to its alias's provider, shared by both chat routes: resolve the
//! alias (it must be a chat model), apply its defaults, call the backend, and record metrics
//! per alias and provider (requests by outcome, latency, time to first token, tokens).

use std::time::Instant;

use futures::StreamExt;

use super::AppState;
use super::error::ApiError;
use super::extract::RequestId;
use crate::catalog::Mode;
use crate::chat::{ChatRequest, ChatResponse, StreamEvent, Usage};
use crate::gateway::Target;
use crate::providers::{Call, EventStream};

/// A complete reply for `request`.
pub async fn complete(
    state: &AppState,
    request_id: &RequestId,
    request: ChatRequest,
) -> Result<ChatResponse, ApiError> {
    let (target, labels, prepared) = route(state, &request)?;
    let call = Call {
        alias: &request.model,
        request_id: &request_id.0,
    };
    let began = Instant::now();
    let result = target.backend.chat(&call, &prepared).await;
    labels.finished(result.as_ref().err().map(|_| "error"), began);
    let mut response = result?;
    response.model = request.model;
    labels.tokens(&response.usage);
    Ok(response)
}

/// A streamed reply for `request`; failures before the first event are errors, later ones
/// are items of the stream.
pub async fn stream(
    state: &AppState,
    request_id: &RequestId,
    request: ChatRequest,
) -> Result<EventStream, ApiError> {
    let (target, labels, prepared) = route(state, &request)?;
    let call = Call {
        alias: &request.model,
        request_id: &request_id.0,
    };
    let began = Instant::now();
    let events = match target.backend.stream(&call, &prepared).await {
        Ok(events) => events,
        Err(error) => {
            labels.finished(Some("error"), began);
            return Err(error.into());
        }
    };
    let mut first = true;
    let measured = events.map(move |event| {
        if first {
            first = false;
            metrics::histogram!("model_provider_time_to_first_token_seconds", "alias" => labels.alias.clone(), "provider" => labels.provider)
                .record(began.elapsed().as_secs_f64());
        }
        match &event {
            Ok(StreamEvent::Usage(usage)) => {
                labels.tokens(usage);
                labels.finished(None, began);
            }
            Err(_) => labels.finished(Some("error"), began),
            _ => {}
        }
        event
    });
    Ok(Box::pin(measured))
}

/// The chat alias of `request`, its metric labels, and the request as its provider gets it.
fn route<'a>(
    state: &'a AppState,
    request: &ChatRequest,
) -> Result<(&'a Target, Labels, ChatRequest), ApiError> {
    let target = state.gateway.target(&request.model, Mode::Chat)?;
    let labels = Labels::of(&request.model, target.routed.provider().as_str());
    Ok((target, labels, target.prepare(request.clone())))
}

#[derive(Debug, Clone)]
struct Labels {
    alias: String,
    provider: &'static str,
}

impl Labels {
    fn of(alias: &str, provider: &'static str) -> Self {
        Self {
            alias: alias.to_owned(),
            provider,
        }
    }

    fn finished(&self, error: Option<&'static str>, began: Instant) {
        let outcome = error.unwrap_or("ok");
        metrics::counter!("model_provider_requests_total", "alias" => self.alias.clone(), "provider" => self.provider, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("model_provider_request_duration_seconds", "alias" => self.alias.clone(), "provider" => self.provider)
            .record(began.elapsed().as_secs_f64());
    }

    fn tokens(&self, usage: &Usage) {
        for (direction, count) in [("in", usage.input_tokens), ("out", usage.output_tokens)] {
            metrics::counter!("model_provider_tokens_total", "alias" => self.alias.clone(), "provider" => self.provider, "direction" => direction)
                .increment(count);
        }
    }
}
