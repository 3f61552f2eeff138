//! `GET` and `PATCH /api/users/me/configs`: the signed-in user's preferences.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::json::ApiJson;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::configs::{ConfigUpdate, UserConfigError, UserConfigItem};
use crate::error::{ApiError, ErrorBody};

/// Routes under `/api/users/me/configs`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/users/me/configs", get(list).patch(update))
}

/// The OpenAPI paths of [`routes`].
#[derive(Debug, OpenApi)]
#[openapi(paths(list, update))]
pub struct UserConfigsApi;

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

/// Every active config with the user's effective value.
#[derive(Debug, Serialize, ToSchema)]
struct Configs {
    configs: Vec<UserConfigItem>,
}

/// One change (`update`) or several (`updates`, applied together); `updates` wins when both
/// are sent.
#[derive(Debug, Deserialize, ToSchema)]
struct PatchBody {
    update: Option<ConfigUpdate>,
    updates: Option<Vec<ConfigUpdate>>,
}

#[utoipa::path(
    get, path = "/api/users/me/configs", operation_id = "list_user_configs", tag = "users",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The user's configs", body = Configs),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
)]
async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Configs>, ApiError> {
    let configs = state.configs.effective(user.id).await?;
    Ok(Json(Configs { configs }))
}

#[utoipa::path(
    patch, path = "/api/users/me/configs", operation_id = "update_user_configs", tag = "users",
    request_body = PatchBody,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The user's configs after the change", body = Configs),
        (status = 400, description = "Unknown key, wrong value type or unknown choice", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cookie-authenticated write from a foreign `Origin`", body = ErrorBody),
        (status = 422, description = "The body is not JSON or holds no update", body = ErrorBody),
    ),
)]
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
