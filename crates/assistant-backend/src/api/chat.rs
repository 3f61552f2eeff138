//! Chat routes: `POST /api/chat/message` starts a turn and returns its stream id;
//! `GET /api/chat/stream/{stream_id}` serves the turn's events as server-sent events (from the
//! start, or after the `Last-Event-ID` header or `last_event_id` query parameter), live until
//! `done`; `POST /api/chat/stream/{stream_id}/cancel` stops the turn. A stream is visible only
//! to the user who started it: another user's or an unknown or expired stream is 404.

use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::journals::today_of;
use super::{ApiJson, ApiQuery};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::chat::StartError;
use crate::chat::log::StreamMeta;
use crate::error::ApiError;

/// Routes under `/api/chat`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chat/message", post(send))
        .route("/chat/stream/{stream_id}", get(stream))
        .route("/chat/stream/{stream_id}/cancel", post(cancel))
}

/// `POST /api/chat/message` body.
#[derive(Debug, Deserialize)]
pub struct SendMessage {
    /// The person's message.
    pub message: String,
    /// The client's id of the message: sending it again returns the original stream.
    pub client_message_id: Uuid,
}

/// The stream of a turn.
#[derive(Debug, Serialize)]
pub struct StreamStarted {
    /// Follow it at `/api/chat/stream/{stream_id}`.
    pub stream_id: Uuid,
}

async fn send(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<SendMessage>,
) -> Result<Json<StreamStarted>, ApiError> {
    let reference = today_of(&state, user.id).await?;
    let stream_id = state
        .chat
        .start(user.id, &reference, &body.message, body.client_message_id)
        .await
        .map_err(|error| match error {
            StartError::Invalid(message) => ApiError::Validation(message),
            StartError::Busy | StartError::AlreadySent => ApiError::Conflict(error.to_string()),
            StartError::Journal(error) => ApiError::internal("start a chat turn", error),
            StartError::Log(error) => ApiError::internal("record a chat stream", error),
        })?;
    Ok(Json(StreamStarted { stream_id }))
}

/// `GET /api/chat/stream/{stream_id}` query.
#[derive(Debug, Default, Deserialize)]
pub struct StreamQuery {
    /// Resume after this event id (when the client cannot send `Last-Event-ID`).
    pub last_event_id: Option<String>,
}

async fn stream(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(stream_id): Path<String>,
    ApiQuery(query): ApiQuery<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (stream_id, meta) = owned_stream(&state, &user, &stream_id).await?;
    let header_id = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty());
    let after = match header_id.or(query.last_event_id.as_deref()) {
        Some(id) if is_event_id(id) => Some(id.to_owned()),
        Some(id) => {
            return Err(ApiError::Validation(format!(
                "`{id}` is not an event id of this stream (expected e.g. 1733540000000-0)"
            )));
        }
        None => None,
    };
    let events = state
        .chat
        .log()
        .follow(stream_id, meta, after)
        .map(|entry| {
            Ok::<_, Infallible>(
                Event::default()
                    .id(entry.id)
                    .event(entry.event)
                    .data(entry.data),
            )
        });
    let keep_alive = KeepAlive::new()
        .interval(state.chat.settings().keep_alive)
        .text("keep-alive");
    let mut response = Sse::new(events).keep_alive(keep_alive).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// The reply to a cancel request.
#[derive(Debug, Serialize)]
pub struct Cancelling {
    /// The stream whose turn is asked to stop.
    pub stream_id: Uuid,
    /// Always `cancelling`: the stream's `done` says when it stopped.
    pub status: &'static str,
}

async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(stream_id): Path<String>,
) -> Result<Response, ApiError> {
    let (stream_id, _) = owned_stream(&state, &user, &stream_id).await?;
    state
        .chat
        .cancel(stream_id)
        .await
        .map_err(|error| ApiError::internal("cancel a chat turn", error))?;
    let body = Cancelling {
        stream_id,
        status: "cancelling",
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// The stream `raw` if it exists and belongs to `user`; 404 otherwise (whoever owns it).
async fn owned_stream(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<(Uuid, StreamMeta), ApiError> {
    let not_found = || ApiError::NotFound {
        what: "chat stream",
    };
    let stream_id: Uuid = raw.parse().map_err(|_| not_found())?;
    let meta = state
        .chat
        .log()
        .meta(stream_id)
        .await
        .map_err(|error| ApiError::internal("read a chat stream", error))?
        .filter(|meta| meta.user == user.id)
        .ok_or_else(not_found)?;
    Ok((stream_id, meta))
}

/// Redis stream entry ids: `<milliseconds>-<sequence>`.
fn is_event_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(ms, seq)| {
        !ms.is_empty()
            && !seq.is_empty()
            && ms.len() <= 20
            && seq.len() <= 20
            && ms.bytes().all(|b| b.is_ascii_digit())
            && seq.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_redis_entry_ids_are_resumable_positions() {
        assert!(is_event_id("1733540000000-0"));
        assert!(is_event_id("0-0"));
        assert!(!is_event_id("1733540000000"));
        assert!(!is_event_id("-1"));
        assert!(!is_event_id("1-x"));
        assert!(!is_event_id("1-2-3"));
    }
}
