//! The backend as the web UI calls it, with bearer tokens: sign-in, sending a chat message,
//! following its stream (server-sent events) and reading a journal page. Every call is checked:
//! an unexpected status is an error naming the call.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use serde_json::{Value, json};
use uuid::Uuid;

/// One event of a chat stream.
#[derive(Debug, Clone)]
pub struct ChatEvent {
    /// `message_chunk`, `tool_call`, …, `done`.
    pub name: String,
    /// The event's JSON data.
    pub data: Value,
}

/// The backend's API, cheap to clone.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// The API at `base` (`http://host:port`).
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(4096)
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            http,
            base: base.to_owned(),
        })
    }

    /// Signs `email` in for tokens; returns the access token and how long the call took.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<(String, Duration)> {
        let body = json!({ "email": email, "password": password, "session_mode": "api", "issuance_policy": "tokens" });
        let began = Instant::now();
        let reply: Value = self
            .checked(
                self.http.post(self.url("/api/auth/login")).json(&body),
                "sign-in",
            )
            .await?
            .json()
            .await?;
        let took = began.elapsed();
        let token = reply["access_token"]
            .as_str()
            .context("the sign-in returned no access_token")?;
        Ok((token.to_owned(), took))
    }

    /// Sends `message` in today's journal; returns the stream id.
    pub async fn send(&self, token: &str, message: &str) -> anyhow::Result<Uuid> {
        let body = json!({ "message": message, "client_message_id": Uuid::new_v4() });
        let request = self
            .http
            .post(self.url("/api/chat/message"))
            .bearer_auth(token)
            .json(&body);
        let reply: Value = self
            .checked(request, "send a message")
            .await?
            .json()
            .await?;
        reply["stream_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .context("the send returned no stream_id")
    }

    /// The events of `stream`, from its start.
    pub async fn follow(
        &self,
        token: &str,
        stream: Uuid,
    ) -> anyhow::Result<impl Stream<Item = anyhow::Result<ChatEvent>> + use<>> {
        let request = self
            .http
            .get(self.url(&format!("/api/chat/stream/{stream}")))
            .bearer_auth(token);
        let response = self.checked(request, "follow a stream").await?;
        Ok(response.bytes_stream().eventsource().map(|event| {
            let event = event.context("the stream broke")?;
            Ok(ChatEvent {
                data: serde_json::from_str(&event.data).unwrap_or(Value::Null),
                name: event.event,
            })
        }))
    }

    /// Today's messages, `limit` at most; returns how many came.
    pub async fn today_messages(&self, token: &str, limit: usize) -> anyhow::Result<usize> {
        let request = self
            .http
            .get(self.url(&format!("/api/journal/today/messages?limit={limit}")))
            .bearer_auth(token);
        let page: Vec<Value> = self
            .checked(request, "read a journal page")
            .await?
            .json()
            .await?;
        Ok(page.len())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn checked(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .with_context(|| format!("{what}: no answer"))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            bail!(
                "{what}: {status} {}",
                body.chars().take(300).collect::<String>()
            );
        }
        Ok(response)
    }
}

/// Follows `stream` to its `done`; returns the time from `began` to its first `message_chunk`.
pub async fn first_chunk_and_done(
    api: &Api,
    token: &str,
    stream: Uuid,
    began: Instant,
) -> anyhow::Result<Duration> {
    let events = api.follow(token, stream).await?;
    let mut events = std::pin::pin!(events);
    let mut first = None;
    while let Some(event) = events.next().await {
        let event = event?;
        match event.name.as_str() {
            "message_chunk" if first.is_none() => first = Some(began.elapsed()),
            "error" => bail!("the turn failed: {}", event.data),
            "done" => return first.context("the turn ended without a message_chunk"),
            _ => {}
        }
    }
    bail!("the stream ended before its done event")
}
