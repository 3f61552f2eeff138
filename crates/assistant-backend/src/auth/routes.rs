//! `POST /api/auth/login`, `POST /api/auth/token_refresh` and `POST /api/auth/logout`: the
//! request and response shapes, and the order of the sign-in steps (throttle, verify with equal
//! work for unknown accounts, upgrade legacy hashes, issue a session or a token pair).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::client_address::ClientAddress;
use super::password::{self, Password, Verdict};
use super::principal::{bearer_token, cookie};
use super::sessions::Rotation;
use super::tokens::Subject;
use crate::api::{ApiJson, Text};
use crate::app::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::users::{User, store};

/// Routes under `/api/auth`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/token_refresh", post(token_refresh))
        .route("/auth/logout", post(logout))
}

/// The OpenAPI paths of [`routes`].
#[derive(Debug, OpenApi)]
#[openapi(paths(login, token_refresh, logout))]
pub struct AuthApi;

/// `web` (with `issuance_policy: session`) opens a cookie session; `api` returns tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum SessionMode {
    #[default]
    Web,
    Api,
}

/// `tokens` returns a token pair whatever the session mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum IssuancePolicy {
    #[default]
    Session,
    Tokens,
}

#[derive(Debug, Deserialize, ToSchema)]
struct LoginRequest {
    email: Text,
    #[schema(value_type = String, min_length = 8)]
    password: Password,
    #[serde(default)]
    session_mode: SessionMode,
    #[serde(default)]
    issuance_policy: IssuancePolicy,
}

/// A cookie session was opened (see `Set-Cookie`).
#[derive(Debug, Serialize, ToSchema)]
struct SessionResponse {
    session_established: bool,
    user_name: String,
}

/// An access token (JWT) and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
struct TokenPair {
    access_token: String,
    refresh_token: String,
    /// Always `bearer`.
    #[schema(value_type = String)]
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: u64,
}

/// What a sign-in returns: a session for `web` + `session`, a token pair otherwise.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
enum LoginResponse {
    Session(SessionResponse),
    Tokens(TokenPair),
}

/// A refresh token as sent by a client (at least 16 characters).
#[derive(Debug, Deserialize)]
#[serde(try_from = "String")]
struct RefreshToken(String);

impl TryFrom<String> for RefreshToken {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.chars().count() < 16 {
            return Err("refresh_token must be at least 16 characters");
        }
        Ok(RefreshToken(value))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
struct RefreshRequest {
    #[schema(value_type = String, min_length = 16)]
    refresh_token: RefreshToken,
}

#[utoipa::path(
    post, path = "/api/auth/login", operation_id = "login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse, headers(
            ("set-cookie" = String, description = "The session cookie, for `web` + `session`"),
        )),
        (status = 401, description = "Unknown email, wrong password or no password", body = ErrorBody),
        (status = 422, description = "The body is not JSON, lacks a field or breaks a rule", body = ErrorBody),
        (status = 429, description = "Too many sign-in attempts", body = ErrorBody, headers(
            ("retry-after" = u64, description = "Seconds until another attempt is accepted"),
        )),
    ),
)]
async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let limits = &state.auth.limits;
    limits.admit_address(address).await?;
    let email = request.email.as_str();
    limits.admit_email(email).await?;

    let credentials = store::local_credentials(&state.db, email).await?;
    let (user, verdict) = match credentials {
        Some(found) => match found.password_hash {
            Some(hash) => (
                Some(found.user),
                password::verify(request.password.clone(), hash).await?,
            ),
            None => (
                None,
                password::verify_dummy(request.password.clone()).await?,
            ),
        },
        None => (
            None,
            password::verify_dummy(request.password.clone()).await?,
        ),
    };
    let user = match (user, verdict) {
        (Some(user), Verdict::Match | Verdict::MatchNeedsRehash) => user,
        _ => {
            limits.record_failure(email).await?;
            return Err(ApiError::InvalidCredentials);
        }
    };
    limits.clear(email).await?;
    if verdict == Verdict::MatchNeedsRehash {
        upgrade_hash(&state, user.id, request.password).await;
    }

    if request.session_mode == SessionMode::Web
        && request.issuance_policy == IssuancePolicy::Session
    {
        let sid = state.auth.sessions.open_session(user.id).await?;
        let cookie = session_cookie(&state, &sid, state.config.auth.refresh_ttl.as_secs())?;
        let body = SessionResponse {
            session_established: true,
            user_name: user.name,
        };
        let body = LoginResponse::Session(body);
        return Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response());
    }
    let issued = state.auth.sessions.issue_refresh(user.id).await?;
    let pair = token_pair(&state, &user, issued.token, issued.family)?;
    Ok(Json(LoginResponse::Tokens(pair)).into_response())
}

/// Stores an Argon2id hash in place of a legacy one; a failure is logged, not fatal.
async fn upgrade_hash(state: &AppState, user_id: Uuid, password: Password) {
    let stored = match password::hash(password).await {
        Ok(hash) => store::set_password_hash(&state.db, user_id, &hash).await,
        Err(error) => Err(error),
    };
    match stored {
        Ok(()) => tracing::info!(%user_id, "legacy password hash upgraded to argon2id"),
        Err(error) => tracing::warn!(%user_id, %error, "cannot upgrade a legacy password hash"),
    }
}

#[utoipa::path(
    post, path = "/api/auth/token_refresh", operation_id = "token_refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the one presented is spent", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = ErrorBody),
        (status = 422, description = "The body is not JSON or the token is too short", body = ErrorBody),
    ),
)]
async fn token_refresh(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let sessions = &state.auth.sessions;
    let Rotation::Rotated { user_id, issued } =
        sessions.rotate_refresh(&request.refresh_token.0).await?
    else {
        return Err(ApiError::InvalidRefreshToken);
    };
    let Some(user) = store::find(&state.db, user_id).await? else {
        sessions.revoke_family(issued.family).await?;
        return Err(ApiError::InvalidRefreshToken);
    };
    Ok(Json(token_pair(
        &state,
        &user,
        issued.token,
        issued.family,
    )?))
}

/// Always 204 with the cookie deleted; revokes whatever the request proves it holds: the
/// cookie session, the refresh family of a Bearer token, and the family of a refresh token
/// given in the body (`{"refresh_token": "…"}`, optional).
#[utoipa::path(
    post, path = "/api/auth/logout", operation_id = "logout", tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "Optional: a refresh token whose family to revoke"),
    security((), ("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Signed out; the session cookie is deleted", headers(
            ("set-cookie" = String, description = "Deletes the session cookie"),
        )),
        (status = 403, description = "Cookie-authenticated write from a foreign `Origin`", body = ErrorBody),
    ),
)]
async fn logout(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(error) = revoke(&state, &headers, &body).await {
        tracing::warn!(%error, "logout could not revoke everything");
    }
    match session_cookie(&state, "", 0) {
        Ok(cookie) => (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn revoke(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    let sessions = &state.auth.sessions;
    if let Some(sid) = cookie(headers, &state.config.auth.cookie_name) {
        sessions.close_session(sid).await?;
    }
    let bearer = bearer_token(headers).and_then(|token| state.auth.tokens.decode(token));
    if let Some(family) = bearer.and_then(|claims| claims.fam) {
        sessions.revoke_family(family).await?;
    }
    if let Ok(RefreshRequest { refresh_token }) = serde_json::from_slice(body)
        && let Some(record) = sessions.refresh_record(&refresh_token.0).await?
    {
        sessions.revoke_family(record.family).await?;
    }
    Ok(())
}

fn token_pair(
    state: &AppState,
    user: &User,
    refresh_token: String,
    family: Uuid,
) -> Result<TokenPair, ApiError> {
    let tokens = &state.auth.tokens;
    let subject = Subject {
        id: user.id,
        email: &user.email,
        name: &user.name,
    };
    Ok(TokenPair {
        access_token: tokens.mint(subject, Some(family))?,
        refresh_token,
        token_type: "bearer",
        expires_in: tokens.ttl().as_secs(),
    })
}

/// `Set-Cookie` for the session cookie (`max_age` 0 deletes it).
fn session_cookie(state: &AppState, value: &str, max_age: u64) -> Result<HeaderValue, ApiError> {
    let auth = &state.config.auth;
    let secure = if auth.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}",
        auth.cookie_name
    ))
    .map_err(|error| ApiError::internal("building the session cookie", error))
}
