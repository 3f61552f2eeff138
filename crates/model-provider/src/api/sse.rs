//! Server-sent events for both chat routes: each frame one `data: <json>` event, keep-alive
//! comments every 15 s, `data: [DONE]` at the end, and the error frame used when a stream fails
//! after its 200 was sent.

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use serde_json::Value;

use super::error::ApiError;

/// Streams `frames` followed by `[DONE]`.
pub fn respond(frames: impl Stream<Item = Value> + Send + 'static) -> Response {
    let events = frames
        .map(|frame| Event::default().data(frame.to_string()))
        .chain(futures::stream::once(async {
            Event::default().data("[DONE]")
        }))
        .map(Ok::<_, std::convert::Infallible>);
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    response.headers_mut().insert(
        "cache-control",
        axum::http::HeaderValue::from_static("no-cache"),
    );
    response
}

/// The frame for an error inside a stream: OpenAI's `{"error":{…}}`, plus for the native
/// contract `type: "error"` with `code`, `message` and `retryable` at the top.
pub fn error_frame(error: &ApiError, native: bool) -> Value {
    let mut frame = error.body();
    if native {
        let (status, _, _) = error.parts();
        let retryable = matches!(error, ApiError::Provider(inner) if inner.retryable());
        frame["type"] = "error".into();
        frame["code"] = status.as_u16().into();
        frame["message"] = error.to_string().into();
        frame["retryable"] = retryable.into();
    }
    frame
}
