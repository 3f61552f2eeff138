//! `GET /api/users/me`: the signed-in user's name and email, from the `users` row.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;

/// Routes under `/api/users`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/users/me", get(me))
}

#[derive(Debug, Serialize)]
struct Me {
    name: String,
    email: String,
}

async fn me(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Me>, ApiError> {
    let user = super::store::find(&state.db, user.id)
        .await?
        .ok_or(ApiError::NotFound { what: "user" })?;
    Ok(Json(Me {
        name: user.name,
        email: user.email,
    }))
}
