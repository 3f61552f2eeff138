//! Who is calling: [`CurrentUser`], resolved from a Bearer access token first (scheme matched
//! case-insensitively; claims only, no database read), else from the session cookie (Redis,
//! then the `users` row, so a deleted user loses access at once), else 401.

use axum::extract::FromRequestParts;
use http::request::Parts;
use http::{HeaderMap, header};
use uuid::Uuid;

use super::tokens::Claims;
use crate::app::AppState;
use crate::error::ApiError;
use crate::users::store;

/// The signed-in user of a request. Use it as a handler argument on every protected route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    /// User id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
}

impl From<Claims> for CurrentUser {
    fn from(claims: Claims) -> Self {
        CurrentUser {
            id: claims.sub,
            email: claims.email,
            name: claims.name,
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(claims) = bearer_token(&parts.headers).and_then(|t| state.auth.tokens.decode(t))
        {
            return Ok(claims.into());
        }
        let Some(sid) = cookie(&parts.headers, &state.config.auth.cookie_name) else {
            return Err(ApiError::Unauthenticated);
        };
        let Some(user_id) = state.auth.sessions.session_user(sid).await? else {
            return Err(ApiError::Unauthenticated);
        };
        let user = store::find(&state.db, user_id)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(CurrentUser {
            id: user.id,
            email: user.email,
            name: user.name,
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header (any case of `bearer`).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The value of cookie `name`, from any `Cookie` header.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value)
}
