//! One logical call to model-provider over HTTP: bearer token, the W3C trace context, a
//! timeout per attempt, and retries with jittered exponential backoff on what may pass
//! (connect errors, timeouts, 408, 429 honouring `Retry-After`, 5xx) for as long as the retry
//! budget allows. Anything else fails at once with the provider's own message. Knows nothing
//! about embeddings.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{AUTHORIZATION, HeaderMap, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::settings::check_base_url;
use super::{EmbeddingError, EmbeddingSettings, metrics};

/// First retry delay; doubles per attempt up to [`MAX_DELAY`], with jitter.
const MIN_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(2);

/// The HTTP side of the client.
#[derive(Debug)]
pub(super) struct Transport {
    http: reqwest::Client,
    /// The base URL without a trailing slash.
    base: String,
    timeout: Duration,
    retry_budget: Duration,
}

/// Why one attempt failed.
#[derive(Debug)]
enum Failure {
    /// May pass if tried again.
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Will fail the same way again.
    Final(EmbeddingError),
}

impl Transport {
    /// A transport for `settings`; fails on a bad base URL or token.
    pub(super) fn new(settings: &EmbeddingSettings) -> Result<Self, EmbeddingError> {
        let base = check_base_url(&settings.base_url).map_err(|problem| {
            EmbeddingError::Misconfigured(format!("MODEL_PROVIDER_BASE_URL: {problem}"))
        })?;
        let mut headers = HeaderMap::new();
        if let Some(value) = settings.token.header() {
            headers.insert(AUTHORIZATION, value.clone());
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .map_err(|error| {
                EmbeddingError::Misconfigured(format!("cannot build the HTTP client: {error}"))
            })?;
        Ok(Self {
            http,
            base: base.as_str().trim_end_matches('/').to_owned(),
            timeout: settings.timeout,
            retry_budget: settings.retry_budget,
        })
    }

    /// The base URL, for messages.
    pub(super) fn base(&self) -> &str {
        &self.base
    }

    /// `GET {base}{path}`, answered with JSON.
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
    ) -> Result<T, EmbeddingError> {
        let url = format!("{}{path}", self.base);
        self.call(operation, &format!("GET {path}"), || self.http.get(&url))
            .await
    }

    /// `POST {base}{path}` with a JSON body, answered with JSON.
    pub(super) async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        body: &B,
    ) -> Result<T, EmbeddingError> {
        let url = format!("{}{path}", self.base);
        self.call(operation, &format!("POST {path}"), || {
            self.http.post(&url).json(body)
        })
        .await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        what: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, EmbeddingError> {
        let started = Instant::now();
        let deadline = started + self.retry_budget;
        let attempts = AtomicU32::new(0);
        let attempt = || {
            attempts.fetch_add(1, Ordering::Relaxed);
            // Each attempt is a client span of the trace of the request that needs the vectors.
            self.attempt(build().timeout(self.timeout), what)
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(MIN_DELAY)
            .with_max_delay(MAX_DELAY)
            .with_jitter()
            .without_max_times();
        let result = attempt
            .retry(backoff)
            .when(|failure| matches!(failure, Failure::Transient { .. }))
            // Retry-After only lengthens a planned wait; no attempt starts after the budget.
            .adjust(|failure, delay| {
                let delay = match (failure, delay) {
                    (
                        Failure::Transient {
                            retry_after: Some(after),
                            ..
                        },
                        Some(delay),
                    ) => delay.max(*after),
                    (_, delay) => delay?,
                };
                (Instant::now() + delay < deadline).then_some(delay)
            })
            .notify(|failure, delay| {
                metrics::retried(operation);
                if let Failure::Transient { reason, .. } = failure {
                    tracing::info!(%reason, delay_ms = delay.as_millis() as u64, "retrying model-provider call");
                }
            })
            .await
            .map_err(|failure| match failure {
                Failure::Final(error) => error,
                Failure::Transient { reason, .. } => EmbeddingError::Unavailable(format!(
                    "model-provider at {} did not answer {what} in {} attempt(s) within the \
                     retry budget of {:?} (KNOWLEDGE_EMBEDDING_RETRY_BUDGET_SECONDS); last \
                     failure: {reason}",
                    self.base,
                    attempts.load(Ordering::Relaxed),
                    self.retry_budget,
                )),
            });
        metrics::call_finished(operation, result.as_ref().map(|_| ()), started.elapsed());
        result
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, Failure> {
        let response = exobrain_common::telemetry::http_client::send(request)
            .await
            .map_err(|error| self.transport(&error))?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.refusal(response, what).await);
        }
        let body = response
            .bytes()
            .await
            .map_err(|error| self.transport(&error))?;
        serde_json::from_slice(&body).map_err(|error| {
            Failure::Final(EmbeddingError::Rejected(format!(
                "model-provider answered {what} with an unexpected body ({error}): {}",
                excerpt(&String::from_utf8_lossy(&body)),
            )))
        })
    }

    fn transport(&self, error: &reqwest::Error) -> Failure {
        let reason = if error.is_timeout() {
            format!(
                "no complete answer within {:?} (KNOWLEDGE_EMBEDDING_TIMEOUT_SECONDS)",
                self.timeout
            )
        } else if error.is_connect() {
            format!(
                "cannot connect (is model-provider running?): {}",
                chain(error)
            )
        } else {
            chain(error)
        };
        Failure::Transient {
            reason,
            retry_after: None,
        }
    }

    async fn refusal(&self, response: reqwest::Response, what: &str) -> Failure {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok())
            .map(Duration::from_secs);
        let message = provider_message(&response.text().await.unwrap_or_default());
        let refused = format!("model-provider refused {what} with status {status}: {message}");
        match status {
            408 | 429 | 500..=599 => Failure::Transient {
                reason: format!("status {status}: {message}"),
                retry_after,
            },
            401 | 403 => Failure::Final(EmbeddingError::Misconfigured(format!(
                "{refused} (check MODEL_PROVIDER_API_TOKEN or EXOBRAIN_SERVICE_TOKEN)"
            ))),
            404 => Failure::Final(EmbeddingError::Misconfigured(format!(
                "{refused} (is MODEL_PROVIDER_BASE_URL={} model-provider's /v1 URL?)",
                self.base
            ))),
            _ => Failure::Final(EmbeddingError::Rejected(refused)),
        }
    }
}

/// The message of an OpenAI-shaped error body (`{"error":{"message":…}}`), or the start of
/// the body.
fn provider_message(body: &str) -> String {
    if body.trim().is_empty() {
        return "(empty body)".to_owned();
    }
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value
                .pointer("/error/message")
                .and_then(|message| message.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| excerpt(body))
}

/// At most 300 characters of `text`.
fn excerpt(text: &str) -> String {
    const LIMIT: usize = 300;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// An error with its causes, which name the real problem (refused, DNS, TLS).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
