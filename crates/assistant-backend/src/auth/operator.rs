//! [`Operator`]: a signed-in user with the operator role. The role is read from the `users`
//! row on every request (never from the request, nor from a token minted before a change), so
//! `users set-role` takes effect at once.

use axum::extract::FromRequestParts;
use http::request::Parts;

use super::CurrentUser;
use crate::app::AppState;
use crate::error::ApiError;
use crate::users::{Role, store};

/// The refusal of a signed-in user without the role.
pub const OPERATOR_REQUIRED: &str = "operator role required";

/// The signed-in user of a request, who is an operator. Use it as a handler argument on
/// operator routes: 401 when not signed in, 403 `operator role required` otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator(pub CurrentUser);

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        match store::role(&state.db, user.id).await? {
            Some(Role::Operator) => Ok(Operator(user)),
            Some(Role::User) => Err(ApiError::Forbidden(OPERATOR_REQUIRED)),
            None => Err(ApiError::Unauthenticated),
        }
    }
}
