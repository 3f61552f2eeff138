//! The suite's fake upstream model: an OpenAI-compatible `POST /v1/chat/completions` that
//! streams every chat request, so what the suite measures is model-provider and the backend.
//!
//! - A request is answered after a fixed latency with a short text in a few chunks.
//! - A request whose last user message is [`HOLD`] is a held stream: after the same latency it
//!   sends a token at once and then one every interval until [`FakeModel::release`], and only
//!   then finishes. Each token is `t<µs> `, the microseconds since [`FakeModel::epoch`] at
//!   which it was sent, so a client in this process can tell how long its delivery took.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use exobrain_testkit::ScriptedModel;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::gateway::fake::chunk;

/// The user message that asks for a held stream.
pub const HOLD: &str = "hold this stream open";

/// The short reply, in the chunks it is streamed in.
const REPLY: [&str; 5] = ["Hello", " from", " the", " fake", " model."];

/// The running fake; stops with the suite's runtime.
#[derive(Debug, Clone)]
pub struct FakeModel {
    /// Its base URL, ending in `/v1`.
    pub base_url: String,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    latency: Duration,
    interval: Duration,
    epoch: Instant,
    released: watch::Sender<bool>,
}

impl FakeModel {
    /// Starts the fake on an ephemeral port: every reply starts after `latency`, held streams
    /// send a token every `interval`.
    pub async fn start(latency: Duration, interval: Duration) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}/v1", listener.local_addr()?);
        let shared = Arc::new(Shared {
            latency,
            interval,
            epoch: Instant::now(),
            released: watch::channel(false).0,
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { base_url, shared })
    }

    /// When token stamps count from.
    pub fn epoch(&self) -> Instant {
        self.shared.epoch
    }

    /// Lets every held stream finish with its next token (sent at once).
    pub fn release(&self) {
        self.shared.released.send_replace(true);
    }
}

/// When the token `text` (`t<µs> `) was sent, as time since the epoch; `None` for other text.
pub fn stamp_of(text: &str) -> Option<Duration> {
    text.trim()
        .strip_prefix('t')
        .and_then(|micros| micros.parse().ok())
        .map(Duration::from_micros)
}

async fn complete(
    State(shared): State<Arc<Shared>>,
    axum::Json(request): axum::Json<Value>,
) -> Response {
    let held = ScriptedModel::input(&request).as_str() == Some(HOLD);
    tokio::time::sleep(shared.latency).await;
    let body = if held {
        Body::from_stream(held_stream(shared))
    } else {
        let mut text: String = REPLY
            .iter()
            .map(|word| chunk(json!({ "content": word }), Value::Null))
            .collect();
        text.push_str(&chunk(json!({}), json!("stop")));
        text.push_str("data: [DONE]\n\n");
        Body::from(text)
    };
    ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}

/// Stamped tokens, one now and one per interval, until released; then the end of the reply.
fn held_stream(
    shared: Arc<Shared>,
) -> impl futures::Stream<Item = Result<String, std::convert::Infallible>> {
    let released = shared.released.subscribe();
    // State: the fake, the release signal, and what to do next (`None` once finished).
    futures::stream::unfold(
        (shared, released, Some(false)),
        |(shared, mut released, next)| async move {
            let waits = next?;
            if waits {
                let _ =
                    tokio::time::timeout(shared.interval, released.wait_for(|done| *done)).await;
            }
            let stamp = shared.epoch.elapsed().as_micros();
            let mut frame = chunk(json!({ "content": format!("t{stamp} ") }), Value::Null);
            let finished = *released.borrow();
            if finished {
                frame.push_str(&chunk(json!({}), json!("stop")));
                frame.push_str("data: [DONE]\n\n");
            }
            let next = (!finished).then_some(true);
            Some((Ok(frame), (shared, released, next)))
        },
    )
}
