//! `POST /v1/embeddings`: OpenAI's embeddings route. `input` is a string or an array of
//! strings; vectors come back in input order as floats or, with `encoding_format: "base64"`,
//! as base64 of little-endian f32s; `model` in the reply is the alias asked for.

use axum::extract::State;
use axum::{Extension, Json};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, RequestId};
use crate::catalog::Mode;
use crate::providers::Call;

/// Most inputs in one request.
pub const MAX_INPUTS: usize = 4096;

/// The request as OpenAI clients send it.
#[derive(Debug, Deserialize)]
pub struct EmbeddingsRequest {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    dimensions: Option<u32>,
    #[serde(default)]
    encoding_format: Option<String>,
}

/// Answers one embeddings request.
pub async fn create(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    ApiJson(request): ApiJson<EmbeddingsRequest>,
) -> Result<Json<Value>, ApiError> {
    let alias = request
        .model
        .clone()
        .filter(|model| !model.trim().is_empty())
        .ok_or_else(|| ApiError::bad("model", "is required"))?;
    let texts = inputs(request.input.as_ref())?;
    let base64 = match request.encoding_format.as_deref() {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return Err(ApiError::bad(
                "encoding_format",
                format!("`{other}` is not float or base64"),
            ));
        }
    };
    let target = state.gateway.target(&alias, Mode::Embeddings)?;
    let call = Call {
        alias: &alias,
        request_id: &request_id.0,
    };
    let provider = target.routed.provider().as_str();
    let embedded = target
        .backend
        .embed(&call, &target.model, texts, request.dimensions)
        .await
        .inspect_err(|_| {
            metrics::counter!("model_provider_requests_total", "alias" => alias.clone(), "provider" => provider, "outcome" => "error")
                .increment(1);
        })?;
    metrics::counter!("model_provider_requests_total", "alias" => alias.clone(), "provider" => provider, "outcome" => "ok").increment(1);
    metrics::counter!("model_provider_tokens_total", "alias" => alias.clone(), "provider" => provider, "direction" => "in")
        .increment(embedded.tokens);
    let data: Vec<Value> = embedded
        .vectors
        .iter()
        .enumerate()
        .map(|(index, vector)| {
            let embedding = if base64 {
                json!(encode(vector))
            } else {
                json!(vector)
            };
            json!({ "object": "embedding", "index": index, "embedding": embedding })
        })
        .collect();
    Ok(Json(json!({
        "object": "list", "data": data, "model": alias,
        "usage": { "prompt_tokens": embedded.tokens, "total_tokens": embedded.tokens },
    })))
}

fn inputs(input: Option<&Value>) -> Result<Vec<String>, ApiError> {
    let texts = match input {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                item.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::bad(
                        format!("input[{index}]"),
                        "must be a string (token arrays are not supported)",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        None | Some(Value::Null) => return Err(ApiError::bad("input", "is required")),
        Some(_) => {
            return Err(ApiError::bad(
                "input",
                "must be a string or an array of strings",
            ));
        }
    };
    if texts.is_empty() {
        return Err(ApiError::bad("input", "must not be empty"));
    }
    if texts.len() > MAX_INPUTS {
        return Err(ApiError::bad(
            "input",
            format!(
                "has {} items; at most {MAX_INPUTS} are allowed",
                texts.len()
            ),
        ));
    }
    if let Some(index) = texts.iter().position(|text| text.is_empty()) {
        return Err(ApiError::bad(
            format!("input[{index}]"),
            "must not be empty",
        ));
    }
    Ok(texts)
}

/// A vector as OpenAI's base64: little-endian f32 bytes.
fn encode(vector: &[f32]) -> String {
    let bytes: Vec<u8> = vector
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
