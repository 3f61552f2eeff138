//! `GET` and `PATCH /api/users/me/configs`: the signed-in user's preferences.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::json::ApiJson;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::configs::{ConfigUpdate, UserConfigError, UserConfigItem};
use crate::error::ApiError;

/// Routes under `/api/users/me/configs`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/users/me/configs", get(list).patch(update))
}

impl From<UserConfigError> for ApiError {
    fn from(error: UserConfigError) -> Self {
        match error {
            UserConfigError::UnknownKey { .. }
            | UserConfigError::WrongType { .. }
            | UserConfigError::InvalidChoice { .. } => {
                ApiError::BadRequest(format!("invalid config update: {error}"))
            }
            UserConfigError::Database { .. } => ApiError::internal("user configs", error),
        }
    }
}

#[derive(Debug, Serialize)]
struct Configs {
    configs: Vec<UserConfigItem>,
}

#[derive(Debug, Deserialize)]
struct PatchBody {
    update: Option<ConfigUpdate>,
    updates: Option<Vec<ConfigUpdate>>,
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Configs>, ApiError> {
    let configs = state.configs.effective(user.id).await?;
    Ok(Json(Configs { configs }))
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Json<Configs>, ApiError> {
    let updates = match (body.updates, body.update) {
        (Some(updates), _) if updates.is_empty() => {
            return Err(ApiError::Validation(
                "updates must hold at least one update".to_owned(),
            ));
        }
        (Some(updates), _) => updates,
        (None, Some(update)) => vec![update],
        (None, None) => {
            return Err(ApiError::Validation(
                "send `update` ({\"key\", \"value\"}) or `updates` (a list of them)".to_owned(),
            ));
        }
    };
    let configs = state.configs.update(user.id, &updates).await?;
    Ok(Json(Configs { configs }))
}
