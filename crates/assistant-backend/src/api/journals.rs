//! Journal routes under `/api/journal`: the list, today's entry and messages, search, and one
//! entry or its messages by reference.
//!
//! References contain slashes (`2026/12/06`), and axum allows one wildcard only at the end of a
//! path, so everything below `/journal/` goes to one catch-all route that dispatches in the
//! order of the original service: `search`, `today`, `today/messages`, then `<ref>/messages`,
//! else the entry `<ref>`. Every read is scoped to the signed-in user.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use chrono_tz::Tz;
use http::Uri;
use serde::Deserialize;
use uuid::Uuid;

use super::query::{ApiQuery, check_range, parse_query};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::configs::{ConfigValue, UserConfigError};
use crate::error::ApiError;
use crate::journals::{
    JournalError, MAX_ENTRIES_PAGE, MAX_MESSAGES_PAGE, TIME_ZONE_KEY, parse_zone, today_reference,
};

const DEFAULT_ENTRIES_PAGE: i64 = 20;
const DEFAULT_MESSAGES_PAGE: i64 = 100;

/// Routes under `/api/journal`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/journal", get(list))
        .route("/journal/{*rest}", get(dispatch))
}

impl From<JournalError> for ApiError {
    fn from(error: JournalError) -> Self {
        match error {
            JournalError::InvalidLimit { .. } => ApiError::Validation(error.to_string()),
            other => ApiError::internal("journal", other),
        }
    }
}

fn entry_not_found() -> ApiError {
    ApiError::NotFound {
        what: "journal entry",
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TodayQuery {
    #[serde(default)]
    create: bool,
}

#[derive(Debug, Deserialize)]
struct MessagesQuery {
    limit: Option<i64>,
    cursor: Option<i32>,
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: String,
    limit: Option<i64>,
}

/// `GET /api/journal?limit&cursor`: entries newest reference first.
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let limit = check_range(
        "limit",
        query.limit.unwrap_or(DEFAULT_ENTRIES_PAGE),
        MAX_ENTRIES_PAGE,
    )?;
    let entries = state
        .journals
        .list(user.id, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(entries).into_response())
}

/// `GET /api/journal/{*rest}`: see the module documentation for the dispatch order.
async fn dispatch(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(rest): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    match rest.as_str() {
        "search" => search(&state, user.id, parse_query(&uri)?).await,
        "today" => today(&state, user.id, parse_query(&uri)?).await,
        "today/messages" => {
            let query = parse_query(&uri)?;
            let reference = today_of(&state, user.id).await?;
            messages(&state, user.id, &reference, query).await
        }
        _ => match rest.strip_suffix("/messages") {
            Some(reference) if !reference.is_empty() => {
                messages(&state, user.id, reference, parse_query(&uri)?).await
            }
            _ => entry(&state, user.id, &rest).await,
        },
    }
}

async fn search(state: &AppState, user: Uuid, query: SearchQuery) -> Result<Response, ApiError> {
    if query.q.is_empty() {
        return Err(ApiError::Validation("q must not be empty".to_owned()));
    }
    let limit = check_range(
        "limit",
        query.limit.unwrap_or(DEFAULT_ENTRIES_PAGE),
        MAX_ENTRIES_PAGE,
    )?;
    let entries = state.journals.search(user, &query.q, limit).await?;
    Ok(Json(entries).into_response())
}

async fn today(state: &AppState, user: Uuid, query: TodayQuery) -> Result<Response, ApiError> {
    let reference = today_of(state, user).await?;
    let entry = if query.create {
        Some(state.journals.ensure(user, &reference).await?)
    } else {
        state.journals.get(user, &reference).await?
    };
    Ok(Json(entry.ok_or_else(entry_not_found)?).into_response())
}

async fn messages(
    state: &AppState,
    user: Uuid,
    reference: &str,
    query: MessagesQuery,
) -> Result<Response, ApiError> {
    let limit = check_range(
        "limit",
        query.limit.unwrap_or(DEFAULT_MESSAGES_PAGE),
        MAX_MESSAGES_PAGE,
    )?;
    let messages = state
        .journals
        .messages(user, reference, limit, query.cursor)
        .await?;
    Ok(Json(messages).into_response())
}

async fn entry(state: &AppState, user: Uuid, reference: &str) -> Result<Response, ApiError> {
    let entry = state
        .journals
        .get(user, reference)
        .await?
        .ok_or_else(entry_not_found)?;
    Ok(Json(entry).into_response())
}

/// Today's reference in the user's `journal.time_zone` (UTC by default).
pub(super) async fn today_of(state: &AppState, user: Uuid) -> Result<String, ApiError> {
    let zone = state
        .configs
        .value(user, TIME_ZONE_KEY)
        .await
        .map_err(|error: UserConfigError| ApiError::internal("read the time zone", error))?;
    let zone = zone
        .as_ref()
        .and_then(ConfigValue::as_choice)
        .map_or(Tz::UTC, parse_zone);
    Ok(today_reference(Utc::now(), zone))
}
