//! Helpers shared by the model-provider tests: the gateway running in-process on port 0 with
//! an alias file written for the test, and a scripted fake upstream (real HTTP on 127.0.0.1)
//! that records every request and answers from a queue of canned replies. Each test binary
//! uses a subset.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{TestServer, bind_ephemeral, unique_suffix, wait_until_ok};
use futures::StreamExt;
use model_provider::Config;
use serde_json::Value;
use tokio::sync::mpsc;

/// The gateway under test.
pub struct Gateway {
    pub base: String,
    pub server: TestServer<RunError>,
    pub client: reqwest::Client,
    _file: TempFile,
}

impl Gateway {
    /// POSTs `body` to `path` and returns status and JSON.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// POSTs `body` and returns the `data:` payloads of the SSE reply (without `[DONE]`).
    pub async fn stream(&self, path: &str, body: &Value) -> Vec<Value> {
        let text = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body");
        let mut frames = Vec::new();
        for line in text.lines() {
            if let Some(data) = line.strip_prefix("data: ") {
                if data == "[DONE]" {
                    return frames;
                }
                frames.push(serde_json::from_str(data).expect("frame json"));
            }
        }
        panic!("stream ended without [DONE]: {text}");
    }

    /// GETs `path` as JSON.
    pub async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }
}

/// Starts the gateway with alias file `yaml` and extra variables `vars`.
pub async fn spawn_gateway(yaml: &str, vars: &[(&str, &str)]) -> Gateway {
    let file = TempFile::with(yaml);
    let mut env = base_env();
    env.insert("MODEL_PROVIDER_CONFIG_PATH".into(), file.path().to_owned());
    env.insert(
        "MODEL_PROVIDER_EMBEDDING_MODEL_DIR".into(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/all-minilm-l6-v2").into(),
    );
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let config = Config::from_env(Env::from_map(env)).expect("config");
    let listener = bind_ephemeral().await;
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| model_provider::run(config, listener, token));
    assert!(
        wait_until_ok(&format!("{base}/readyz"), Duration::from_secs(30)).await,
        "gateway ready"
    );
    Gateway {
        base,
        server,
        client: reqwest::Client::new(),
        _file: file,
    }
}

/// The repository's alias file.
pub fn shipped_aliases() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/models.yaml"
    ))
    .expect("models.yaml")
}

/// A canned upstream reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status and JSON body.
    Json(u16, Value),
    /// Status, JSON body and extra headers.
    JsonWith(u16, Value, Vec<(&'static str, String)>),
    /// An SSE body of these `data:` payloads, `pause` apart.
    Sse(Vec<String>, Duration),
    /// Never answers.
    Hang,
}

/// A request the fake upstream received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    dropped: Option<mpsc::UnboundedSender<()>>,
}

/// A scripted upstream server.
pub struct FakeUpstream {
    pub base: String,
    script: Script,
    pub dropped: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<()>>>,
}

impl FakeUpstream {
    /// Starts a fake upstream answering any POST from the queue.
    pub async fn start() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let script = Script {
            dropped: Some(sender),
            ..Script::default()
        };
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(script.clone());
        let listener = bind_ephemeral().await;
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base,
            script,
            dropped: Arc::new(tokio::sync::Mutex::new(receiver)),
        }
    }

    /// Queues replies, answered in order.
    pub fn reply(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.replies.lock().expect("lock").extend(replies);
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().expect("lock").clone()
    }
}

async fn answer(
    State(script): State<Script>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let headers = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    script.seen.lock().expect("lock").push(Seen {
        path: uri.path().to_owned(),
        headers,
        body,
    });
    let reply = script.replies.lock().expect("lock").pop_front();
    match reply {
        None => (StatusCode::INTERNAL_SERVER_ERROR, "no scripted reply").into_response(),
        Some(Reply::Json(status, body)) => json_reply(status, body, Vec::new()),
        Some(Reply::JsonWith(status, body, headers)) => json_reply(status, body, headers),
        Some(Reply::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
        Some(Reply::Sse(events, pause)) => {
            let guard = DropSignal(script.dropped.clone());
            let stream = futures::stream::iter(events).then(move |data| {
                let _held = &guard;
                async move {
                    tokio::time::sleep(pause).await;
                    Ok::<_, Infallible>(Bytes::from(format!("data: {data}\n\n")))
                }
            });
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .expect("response")
        }
    }
}

fn json_reply(status: u16, body: Value, headers: Vec<(&'static str, String)>) -> Response {
    let mut response = (
        StatusCode::from_u16(status).expect("status"),
        axum::Json(body),
    )
        .into_response();
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(name, value.parse().expect("header"));
    }
    response
}

/// Signals when an SSE body is dropped (the client went away).
struct DropSignal(Option<mpsc::UnboundedSender<()>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(sender) = &self.0 {
            let _ = sender.send(());
        }
    }
}

/// A file removed when dropped.
pub struct TempFile(std::path::PathBuf);

impl TempFile {
    pub fn with(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("models-{}.yaml", unique_suffix()));
        std::fs::write(&path, text).expect("write");
        Self(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("utf-8")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
