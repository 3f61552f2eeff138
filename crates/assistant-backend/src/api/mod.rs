//! The `/api` router: each area contributes its routes here (journals, chat, user configs,
//! knowledge and the operator routes live in this module, since their data modules know nothing about HTTP), and the
//! layers every API route shares (the Origin check of cookie sessions) are applied once.
//! [`openapi`] documents them.

mod chat;
mod journals;
mod json;
mod knowledge;
pub mod openapi;
mod ops;
mod query;
mod text;
mod user_configs;

use axum::Router;

pub use json::ApiJson;
pub use query::ApiQuery;
pub use text::{Text, path_text};

use crate::app::AppState;

/// Every API route, nested under `/api`, with its state.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(crate::auth::routes())
        .merge(crate::users::routes())
        .merge(chat::routes())
        .merge(journals::routes())
        .merge(user_configs::routes())
        .merge(openapi::routes())
        .merge(knowledge::routes())
        .merge(ops::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::check_origin,
        ));
    Router::new().nest("/api", api).with_state(state)
}
