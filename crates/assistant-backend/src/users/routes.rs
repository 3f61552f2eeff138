//! `GET /api/users/me`: the signed-in user's name, email and role, from the `users` row.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::Role;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};

/// Routes under `/api/users`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/users/me", get(me))
}

/// The OpenAPI paths of [`routes`].
#[derive(Debug, OpenApi)]
#[openapi(paths(me))]
pub struct UsersApi;

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
struct Me {
    name: String,
    email: String,
    /// `operator` may open the operations view (`/api/ops`).
    role: Role,
}

#[utoipa::path(
    get, path = "/api/users/me", operation_id = "get_me", tag = "users",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "A valid token whose user was deleted", body = ErrorBody),
    ),
)]
async fn me(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Me>, ApiError> {
    let user = super::store::find(&state.db, user.id)
        .await?
        .ok_or(ApiError::NotFound { what: "user" })?;
    Ok(Json(Me {
        name: user.name,
        email: user.email,
        role: user.role,
    }))
}
