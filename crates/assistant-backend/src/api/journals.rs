//! Journal routes under `/api/journal`: the list, today's entry and messages, search, and one
//! entry or its messages by reference.
//!
//! References contain slashes (`2026/12/06`), and axum allows one wildcard only at the end of a
//! path, so everything below `/journal/` goes to one catch-all route that dispatches in the
//! order of the original service: `search`, `today`, `today/messages`, then `<ref>/messages`,
//! else the entry `<ref>`. Every read is scoped to the signed-in user. [`JournalsApi`] documents
//! each of those logical routes on the function that serves it.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use chrono_tz::Tz;
use http::Uri;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use uuid::Uuid;

use super::query::{ApiQuery, check_range, parse_query};
use super::text::{Text, path_text};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::configs::{ConfigValue, UserConfigError};
use crate::error::{ApiError, ErrorBody};
use crate::journals::{
    JournalEntry, JournalError, JournalMessage, MAX_ENTRIES_PAGE, MAX_MESSAGES_PAGE, TIME_ZONE_KEY,
    parse_zone, today_reference,
};

const DEFAULT_ENTRIES_PAGE: i64 = 20;
const DEFAULT_MESSAGES_PAGE: i64 = 100;

/// Routes under `/api/journal`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/journal", get(list))
        .route("/journal/{*rest}", get(dispatch))
}

/// The OpenAPI paths of [`routes`], one per logical route of the catch-all.
#[derive(Debug, OpenApi)]
#[openapi(paths(list, search, today, today_messages, entry, messages))]
pub struct JournalsApi;

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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Entries per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The `reference` of the last entry of the previous page.
    cursor: Option<Text>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TodayQuery {
    /// Create today's entry when it does not exist yet (otherwise 404).
    #[serde(default)]
    create: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MessagesQuery {
    /// Messages per page, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `sequence` of the last message of the previous page.
    cursor: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Text to look for in messages (not empty).
    #[param(value_type = String, min_length = 1, pattern = "^[^\\u0000]*$")]
    q: Text,
    /// Entries to return, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// `GET /api/journal?limit&cursor`: entries newest reference first.
#[utoipa::path(
    get, path = "/api/journal", operation_id = "list_journal_entries", tag = "journal",
    params(ListQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Entries, newest reference first", body = Vec<JournalEntry>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A query parameter is invalid", body = ErrorBody),
    ),
)]
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
        .list(user.id, limit, query.cursor.as_ref().map(Text::as_str))
        .await?;
    Ok(Json(entries).into_response())
}

/// `GET /api/journal/{*rest}`: see the module documentation for the dispatch order.
async fn dispatch(
    State(state): State<AppState>,
    user: CurrentUser,
    rest: Result<Path<Text>, PathRejection>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let rest = path_text(rest, "journal reference")?;
    let rest = rest.as_str();
    match rest {
        "search" => search(&state, user.id, parse_query(&uri)?).await,
        "today" => today(&state, user.id, parse_query(&uri)?).await,
        "today/messages" => today_messages(&state, user.id, parse_query(&uri)?).await,
        _ => match rest.strip_suffix("/messages") {
            Some(reference) if !reference.is_empty() => {
                messages(&state, user.id, reference, parse_query(&uri)?).await
            }
            _ => entry(&state, user.id, rest).await,
        },
    }
}

/// `GET /api/journal/search?q&limit`: entries whose reference or a message contains `q`.
#[utoipa::path(
    get, path = "/api/journal/search", operation_id = "search_journal", tag = "journal",
    params(SearchQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Matching entries", body = Vec<JournalEntry>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "`q` is missing or empty, or `limit` is out of range", body = ErrorBody),
    ),
)]
async fn search(state: &AppState, user: Uuid, query: SearchQuery) -> Result<Response, ApiError> {
    let q = query.q.as_str();
    if q.is_empty() {
        return Err(ApiError::Validation("q must not be empty".to_owned()));
    }
    let limit = check_range(
        "limit",
        query.limit.unwrap_or(DEFAULT_ENTRIES_PAGE),
        MAX_ENTRIES_PAGE,
    )?;
    let entries = state.journals.search(user, q, limit).await?;
    Ok(Json(entries).into_response())
}

/// `GET /api/journal/today?create`: the entry of today in the user's time zone.
#[utoipa::path(
    get, path = "/api/journal/today", operation_id = "get_today_entry", tag = "journal",
    params(TodayQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Today's entry", body = JournalEntry),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No entry today and `create` is not set", body = ErrorBody),
        (status = 422, description = "A query parameter is invalid", body = ErrorBody),
    ),
)]
async fn today(state: &AppState, user: Uuid, query: TodayQuery) -> Result<Response, ApiError> {
    let reference = today_of(state, user).await?;
    let entry = if query.create {
        Some(state.journals.ensure(user, &reference).await?)
    } else {
        state.journals.get(user, &reference).await?
    };
    Ok(Json(entry.ok_or_else(entry_not_found)?).into_response())
}

/// `GET /api/journal/today/messages?limit&cursor`: the messages of today's entry.
#[utoipa::path(
    get, path = "/api/journal/today/messages", operation_id = "list_today_messages", tag = "journal",
    params(MessagesQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Messages in sequence order (empty when there is no entry today)", body = Vec<JournalMessage>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A query parameter is invalid", body = ErrorBody),
    ),
)]
async fn today_messages(
    state: &AppState,
    user: Uuid,
    query: MessagesQuery,
) -> Result<Response, ApiError> {
    let reference = today_of(state, user).await?;
    messages(state, user, &reference, query).await
}

/// `GET /api/journal/{reference}/messages?limit&cursor`: the messages of one entry.
#[utoipa::path(
    get, path = "/api/journal/{reference}/messages", operation_id = "list_journal_messages", tag = "journal",
    params(
        ("reference" = Text, Path, description = "`YYYY/MM/DD`, slashes percent-encoded or not"),
        MessagesQuery,
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Messages in sequence order (empty for an unknown reference)", body = Vec<JournalMessage>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "The reference or a query parameter is invalid", body = ErrorBody),
    ),
)]
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

/// `GET /api/journal/{reference}`: one entry.
#[utoipa::path(
    get, path = "/api/journal/{reference}", operation_id = "get_journal_entry", tag = "journal",
    params(("reference" = Text, Path, description = "`YYYY/MM/DD`, slashes percent-encoded or not")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The entry", body = JournalEntry),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No entry with that reference", body = ErrorBody),
        (status = 422, description = "The reference is not UTF-8 or holds a NUL character", body = ErrorBody),
    ),
)]
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
