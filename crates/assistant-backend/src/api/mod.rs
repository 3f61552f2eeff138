//! The `/api` router: each area contributes its routes here, and the layers every API route
//! shares (the Origin check of cookie sessions) are applied once.

mod json;

use axum::Router;

pub use json::ApiJson;

use crate::app::AppState;

/// Every API route, nested under `/api`, with its state.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(crate::auth::routes())
        .merge(crate::users::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::check_origin,
        ));
    Router::new().nest("/api", api).with_state(state)
}
