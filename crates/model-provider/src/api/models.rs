//! `GET /v1/models`: every alias in file order, with the provider that actually answers it,
//! the model behind it, its kind, embedding dimensions, and why it fell back to `local`.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::AppState;

/// The alias list in OpenAI's `list` shape with extra fields.
pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let data: Vec<Value> = state
        .gateway
        .targets()
        .iter()
        .map(|target| {
            let alias = &target.routed.alias;
            json!({
                "id": alias.name,
                "object": "model",
                "created": 0,
                "owned_by": "model-provider",
                "provider": target.routed.provider().as_str(),
                "configured_provider": alias.provider.as_str(),
                "upstream_model": target.model,
                "kind": alias.mode.kind(),
                "dimensions": target.dimensions,
                "fallback_reason": target.routed.fallback,
                "embedder_note": target.embedder_note,
            })
        })
        .collect();
    Json(json!({ "object": "list", "data": data }))
}
