//! Chat routes: `POST /api/chat/message` starts a turn and returns its stream id;
//! `GET /api/chat/stream/{stream_id}` serves the turn's events as server-sent events (from the
//! start, or after the `Last-Event-ID` header or `last_event_id` query parameter), live until
//! `done`; `POST /api/chat/stream/{stream_id}/cancel` stops the turn. A stream is visible only
//! to the user who started it: another user's or an unknown or expired stream is 404.
//! [`ChatApi`] documents the three routes.

use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::journals::today_of;
use super::openapi::EventStream;
use super::{ApiJson, ApiQuery, Text};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::chat::StartError;
use crate::chat::log::StreamMeta;
use crate::error::{ApiError, ErrorBody};

/// Routes under `/api/chat`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chat/message", post(send))
        .route("/chat/stream/{stream_id}", get(stream))
        .route("/chat/stream/{stream_id}/cancel", post(cancel))
}

/// The OpenAPI paths of [`routes`].
#[derive(Debug, OpenApi)]
#[openapi(paths(send, stream, cancel), modifiers(&CHAT_EVENTS))]
pub struct ChatApi;

const CHAT_EVENTS: EventStream = EventStream {
    path: "/api/chat/stream/{stream_id}",
    events: &[
        "message_chunk",
        "tool_call",
        "tool_response",
        "error",
        "done",
    ],
};

/// The events of a chat stream, as the SSE route documents them.
const STREAM_EVENTS: &str = "The turn's events as server-sent events (`text/event-stream`), \
each with an `id` (a Redis stream entry id such as `1733540000000-0`), an `event` name and JSON \
`data`:\n\
- `message_chunk` `{\"text\"}`: the next piece of the answer;\n\
- `tool_call` `{\"tool_call_id\", \"title\", \"description\"}`: a tool starts;\n\
- `tool_response` `{\"tool_call_id\", \"message\"}`: the tool's result, in short;\n\
- `error` `{\"tool_call_id\": string|null, \"message\"}`: a tool or the turn failed;\n\
- `done` `{\"reason\": \"complete\"|\"error\"|\"cancelled\"}`: the last event; the response ends.\n\n\
Lines starting with `:` are keep-alive comments. To resume after a disconnect, send the last \
received id as the `Last-Event-ID` header (or the `last_event_id` query parameter): the stream \
continues after it.";

/// `POST /api/chat/message` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendMessage {
    /// The person's message (not blank, without NUL characters).
    pub message: Text,
    /// The client's id of the message: sending it again returns the original stream.
    pub client_message_id: Uuid,
}

/// The stream of a turn.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamStarted {
    /// Follow it at `/api/chat/stream/{stream_id}`.
    pub stream_id: Uuid,
}

/// `POST /api/chat/message`: starts a turn in today's journal.
#[utoipa::path(
    post, path = "/api/chat/message", operation_id = "send_chat_message", tag = "chat",
    request_body = SendMessage,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The turn started (or, for a repeated `client_message_id`, the original turn's stream)", body = StreamStarted),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cookie-authenticated write from a foreign `Origin`", body = ErrorBody),
        (status = 409, description = "A turn of today's journal is still running, or the message was already answered", body = ErrorBody),
        (status = 422, description = "The body is not JSON, or the message is blank, too long or holds a NUL character", body = ErrorBody),
    ),
)]
async fn send(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<SendMessage>,
) -> Result<Json<StreamStarted>, ApiError> {
    let reference = today_of(&state, user.id).await?;
    let stream_id = state
        .chat
        .start(
            user.id,
            &reference,
            body.message.as_str(),
            body.client_message_id,
        )
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
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Resume after this event id (when the client cannot send `Last-Event-ID`; the header
    /// wins when both are sent).
    #[param(pattern = "^[0-9]{1,20}-[0-9]{1,20}$", example = "1733540000000-0")]
    pub last_event_id: Option<String>,
}

/// `GET /api/chat/stream/{stream_id}`: the turn's events, replayed then live until `done`.
#[utoipa::path(
    get, path = "/api/chat/stream/{stream_id}", operation_id = "follow_chat_stream", tag = "chat",
    description = STREAM_EVENTS,
    params(
        ("stream_id" = Uuid, Path, description = "The `stream_id` of `POST /api/chat/message`"),
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id"),
        StreamQuery,
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No stream with that id for this user (unknown, expired or another user's)", body = ErrorBody),
        (status = 422, description = "`Last-Event-ID` or `last_event_id` is not an event id (e.g. 1733540000000-0)", body = ErrorBody),
    ),
)]
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
#[derive(Debug, Serialize, ToSchema)]
pub struct Cancelling {
    /// The stream whose turn is asked to stop.
    pub stream_id: Uuid,
    /// Always `cancelling`: the stream's `done` says when it stopped.
    #[schema(value_type = String, pattern = "^cancelling$")]
    pub status: &'static str,
}

/// `POST /api/chat/stream/{stream_id}/cancel`: asks the turn to stop.
#[utoipa::path(
    post, path = "/api/chat/stream/{stream_id}/cancel", operation_id = "cancel_chat_turn", tag = "chat",
    params(("stream_id" = Uuid, Path, description = "The `stream_id` of `POST /api/chat/message`")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 202, description = "The turn is asked to stop; its stream ends with `done` (`cancelled`, or `complete` if it had finished)", body = Cancelling),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cookie-authenticated write from a foreign `Origin`", body = ErrorBody),
        (status = 404, description = "No stream with that id for this user (unknown, expired or another user's)", body = ErrorBody),
    ),
)]
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
