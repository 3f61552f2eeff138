//! CSRF defence for cookie sessions: a POST/PATCH/PUT/DELETE that carries the session cookie
//! and no valid Bearer token, and names an `Origin`, must come from the request's own host or from
//! `ASSISTANT_ALLOWED_ORIGINS`; otherwise 403 `origin not allowed`. Requests without `Origin`
//! (non-browser clients) and Bearer-authenticated ones are not affected.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{Method, header};

use super::principal::{bearer_token, cookie};
use crate::app::AppState;
use crate::error::ApiError;

/// Axum middleware applying the check to every `/api` route.
pub async fn check_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_refused(&state, &request) {
        tracing::warn!(path = %request.uri().path(), "cookie write from a foreign origin refused");
        return ApiError::OriginNotAllowed.into_response();
    }
    next.run(request).await
}

fn is_refused(state: &AppState, request: &Request) -> bool {
    let unsafe_method = matches!(
        *request.method(),
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    );
    let headers = request.headers();
    if !unsafe_method
        || bearer_token(headers)
            .and_then(|token| state.auth.tokens.decode(token))
            .is_some()
        || cookie(headers, &state.config.auth.cookie_name).is_none()
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    let own_host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .is_some_and(|host| same_host(origin, host));
    !(own_host
        || state
            .config
            .auth
            .allowed_origins
            .iter()
            .any(|o| o == origin))
}

/// Whether `origin` (`scheme://host[:port]`) names `host` (the `Host` header).
fn same_host(origin: &str, host: &str) -> bool {
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}
