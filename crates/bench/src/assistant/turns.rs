//! Scenario 1, the time to the first chunk that the backend adds. The same open-loop rate of
//! turns runs twice: (a) straight to model-provider's native streaming endpoint, timed to the
//! first `text_delta` frame, with the request a turn sends (system prompt, the message, the
//! knowledge tools); (b) through the backend, `POST /api/chat/message` then
//! `GET /api/chat/stream/{id}` at once, timed from the POST to the first `message_chunk`. The
//! turns of (b) rotate over many users, since a journal answers one turn at a time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use assistant_backend::chat::ChatSettings;
use assistant_backend::chat::agent::{context, tools};
use eventsource_stream::Eventsource;
use exobrain_common::config::Env;
use futures::StreamExt;
use serde_json::{Value, json};

use super::client::{Api, first_chunk_and_done};

/// First-chunk latencies of the turns that succeeded, and the first failure of the others.
#[derive(Debug, Default)]
pub struct Outcome {
    pub latencies: Vec<Duration>,
    pub errors: usize,
    pub first_error: Option<String>,
}

/// Runs `turn(n)` at `rate` per second for `seconds`, whatever the earlier ones are doing.
pub(super) async fn open_loop<F, Fut>(rate: f64, seconds: f64, turn: F) -> Outcome
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Duration>> + Send + 'static,
{
    let total = (rate * seconds) as usize;
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        tokio::time::sleep_until(start + period * n as u32).await;
        tasks.push(tokio::spawn(turn(n)));
    }
    let mut outcome = Outcome::default();
    for task in tasks {
        match task.await.map_err(anyhow::Error::from).and_then(|r| r) {
            Ok(latency) => outcome.latencies.push(latency),
            Err(error) => {
                outcome.errors += 1;
                outcome
                    .first_error
                    .get_or_insert_with(|| format!("{error:#}"));
            }
        }
    }
    outcome
}

/// (a): turns straight to model-provider at `model_url` (ending in `/v1`).
pub async fn direct(model_url: &str, rate: f64, seconds: f64) -> anyhow::Result<Outcome> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .tcp_nodelay(true)
        .build()?;
    let url = format!("{model_url}/internal/chat/messages");
    let body = Arc::new(json!({
        "model": "agent",
        "stream": true,
        "messages": [
            context::text_message("system", &system_prompt()),
            context::text_message("user", "What did I do last week?"),
        ],
        "tools": tools::knowledge_definitions(),
    }));
    Ok(open_loop(rate, seconds, |_| {
        let (http, url, body) = (http.clone(), url.clone(), body.clone());
        async move { first_text_delta(&http, &url, &body).await }
    })
    .await)
}

/// The system prompt a turn sends by default.
fn system_prompt() -> String {
    let mut env = Env::from_map([("MAIN_AGENT_MODEL", "agent")]);
    ChatSettings::from_env(&mut env).system_prompt
}

async fn first_text_delta(
    http: &reqwest::Client,
    url: &str,
    body: &Value,
) -> anyhow::Result<Duration> {
    let began = Instant::now();
    let response = http.post(url).json(body).send().await?;
    if !response.status().is_success() {
        let status = response.status();
        bail!(
            "model-provider answered {status}: {}",
            response.text().await.unwrap_or_default()
        );
    }
    let mut frames = response.bytes_stream().eventsource();
    let mut first = None;
    while let Some(frame) = frames.next().await {
        let frame = frame.context("the reply broke")?;
        if first.is_none() && frame.data.contains("\"text_delta\"") {
            first = Some(began.elapsed());
        }
    }
    first.context("the reply had no text_delta frame")
}

/// (b): turns through the backend, turn `n` by the user holding `tokens[n % tokens.len()]`.
pub async fn through_backend(api: &Api, tokens: &[String], rate: f64, seconds: f64) -> Outcome {
    let tokens: Arc<[String]> = tokens.into();
    open_loop(rate, seconds, |n| {
        let (api, tokens) = (api.clone(), tokens.clone());
        async move {
            let token = &tokens[n % tokens.len()];
            let began = Instant::now();
            let stream = api.send(token, "What did I do last week?").await?;
            first_chunk_and_done(&api, token, stream, began).await
        }
    })
    .await
}
