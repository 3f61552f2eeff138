//! The frontend running in-process on port 0 over a UI build written for the test, and a
//! backend stand-in: a small axum server on 127.0.0.1 that echoes what it received, answers
//! with the status a test asks for, and serves one SSE stream whose events the test sends and
//! whose end (the proxy hanging up) the test can observe.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assistant_frontend::Config;
use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{TestServer, bind_ephemeral, unique_suffix, wait_until_ok};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

/// A UI build in a temporary directory, removed on drop.
pub struct Dist {
    pub path: PathBuf,
}

impl Dist {
    /// `index.html`, a hashed script and stylesheet under `assets/`, a favicon, and a
    /// precompressed (`.br`) sibling of one more script.
    pub fn write() -> Self {
        let path = std::env::temp_dir().join(format!("exobrain-ui-{}", unique_suffix()));
        let assets = path.join("assets");
        std::fs::create_dir_all(&assets).expect("dist dir");
        let files: &[(&Path, &str)] = &[
            (&path.join("index.html"), INDEX),
            (
                &assets.join("index-4f2a9c1e.js"),
                &"export const answer = 'from your notes';\n".repeat(40),
            ),
            (
                &assets.join("index-8b7d3e0a.css"),
                "body { color: #ebdbb2; }\n",
            ),
            (&assets.join("vendor-1a2b3c4d.js"), "console.log('plain');"),
            (&assets.join("vendor-1a2b3c4d.js.br"), "BROTLI-BYTES"),
            (
                &path.join("favicon.svg"),
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            ),
        ];
        for (file, text) in files {
            std::fs::write(file, text).expect("dist file");
        }
        Self { path }
    }

    /// A directory that holds no build.
    pub fn empty() -> Self {
        let path = std::env::temp_dir().join(format!("exobrain-ui-{}", unique_suffix()));
        std::fs::create_dir_all(&path).expect("dist dir");
        Self { path }
    }
}

impl Drop for Dist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

pub const INDEX: &str = "<!doctype html><html><head><title>Exobrain</title>\
    <script type=\"module\" src=\"/assets/index-4f2a9c1e.js\"></script></head>\
    <body><div id=\"app\"></div></body></html>";

/// The frontend under test.
pub struct Frontend {
    pub base: String,
    pub server: TestServer<RunError>,
    pub client: reqwest::Client,
    _dist: Dist,
}

impl Frontend {
    /// Starts the frontend serving `dist` and proxying to `backend_url`; waits for `/healthz`.
    pub async fn start(dist: Dist, backend_url: &str) -> Self {
        let mut env = base_env();
        env.insert("ASSISTANT_BACKEND_URL".into(), backend_url.into());
        env.insert(
            "ASSISTANT_FRONTEND_DIST".into(),
            dist.path.display().to_string(),
        );
        env.insert(
            "ASSISTANT_FRONTEND_CONNECT_TIMEOUT_SECONDS".into(),
            "1".into(),
        );
        let config = Config::from_env(Env::from_map(env)).expect("config");
        let listener = bind_ephemeral().await;
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server = TestServer::spawn(|token| assistant_frontend::run(config, listener, token));
        assert!(wait_until_ok(&format!("{base}/healthz"), Duration::from_secs(10)).await);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base,
            server,
            client,
            _dist: dist,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` with extra headers.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request")
    }
}

/// Frames of one SSE stream, sent by the test.
pub type Events = mpsc::Sender<Result<Bytes, Infallible>>;

/// The backend stand-in.
pub struct Backend {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Sends the next frame of `GET /api/stream` (closing it ends the stream).
    pub events: Events,
    /// Fires when the backend's stream body is dropped, i.e. its client hung up.
    pub stream_dropped: oneshot::Receiver<()>,
    /// Keeps the stand-in serving.
    pub server: TestServer<std::io::Error>,
}

/// The stream's frames and the signal its end sends, until `GET /api/stream` takes them.
struct PendingStream {
    frames: mpsc::Receiver<Result<Bytes, Infallible>>,
    dropped: oneshot::Sender<()>,
}

#[derive(Clone)]
struct StandIn {
    stream: Arc<Mutex<Option<PendingStream>>>,
}

impl Backend {
    pub async fn start() -> Self {
        let (events, receiver) = mpsc::channel(16);
        let (dropped_tx, stream_dropped) = oneshot::channel();
        let state = StandIn {
            stream: Arc::new(Mutex::new(Some(PendingStream {
                frames: receiver,
                dropped: dropped_tx,
            }))),
        };
        let router = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/api/stream", get(stream))
            .route("/api/{*path}", any(echo))
            .with_state(state);
        let listener = bind_ephemeral().await;
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let server = TestServer::spawn(|token| async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(token.cancelled_owned())
                .await
        });
        Self {
            url,
            events,
            stream_dropped,
            server,
        }
    }

    /// Sends one SSE event with `id`.
    pub async fn send_event(&self, id: u32, text: &str) -> bool {
        let frame = format!(
            "id: {id}\nevent: message_chunk\ndata: {}\n\n",
            json!({ "text": text })
        );
        self.events.send(Ok(Bytes::from(frame))).await.is_ok()
    }
}

/// A URL where nothing listens.
pub async fn closed_port_url() -> String {
    let listener = bind_ephemeral().await;
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    url
}

/// Echoes the request as JSON: method, path, query, headers (repeated ones joined by `\n`)
/// and body; answers with `?status=` (default 200), and sets two cookies.
async fn echo(Query(query): Query<BTreeMap<String, String>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20).await.expect("body");
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &parts.headers {
        let value = value.to_str().unwrap_or("<binary>").to_owned();
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|earlier| {
                earlier.push('\n');
                earlier.push_str(&value);
            })
            .or_insert(value);
    }
    let status = query
        .get("status")
        .and_then(|status| status.parse().ok())
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::OK);
    let mut response_headers = HeaderMap::new();
    response_headers.append(
        header::SET_COOKIE,
        "exobrain_session=s2; HttpOnly; SameSite=Lax; Path=/"
            .parse()
            .expect("cookie"),
    );
    response_headers.append(
        header::SET_COOKIE,
        "exobrain_refresh=r2; HttpOnly; Path=/api/auth"
            .parse()
            .expect("cookie"),
    );
    let echoed: Value = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body_len": body.len(),
        "body_start": String::from_utf8_lossy(&body[..body.len().min(64)]),
    });
    (status, response_headers, Json(echoed)).into_response()
}

/// The one SSE stream: frames as the test sends them; dropping the body tells the test.
async fn stream(State(state): State<StandIn>) -> Response {
    let Some(PendingStream {
        frames: receiver,
        dropped,
    }) = state.stream.lock().expect("lock").take()
    else {
        return StatusCode::CONFLICT.into_response();
    };
    let guard = DropSignal(Some(dropped));
    let frames = futures::stream::unfold((receiver, guard), |(mut receiver, guard)| async move {
        let frame = receiver.recv().await?;
        Some((frame, (receiver, guard)))
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(frames),
    )
        .into_response()
}

struct DropSignal(Option<oneshot::Sender<()>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(signal) = self.0.take() {
            let _ = signal.send(());
        }
    }
}

/// Reads one SSE frame (up to the blank line) from `body`, within `limit`.
pub async fn next_frame(
    body: &mut (impl futures::Stream<Item = reqwest::Result<Bytes>> + Unpin),
    buffer: &mut String,
    limit: Duration,
) -> Option<String> {
    use futures::StreamExt;
    tokio::time::timeout(limit, async {
        loop {
            if let Some(end) = buffer.find("\n\n") {
                let frame = buffer[..end].to_owned();
                buffer.drain(..end + 2);
                return Some(frame);
            }
            let chunk = body.next().await?.ok()?;
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .ok()
    .flatten()
}
