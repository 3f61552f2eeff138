//! Calling an upstream HTTP API: per provider a concurrency limit and an optional request-rate
//! limit, retries with jittered exponential backoff on 408, 409, 429, 5xx and connection
//! errors (honouring `Retry-After`), all within one deadline per request. A response is handed
//! back with its concurrency permit, so a stream holds its slot until it ends; dropping the
//! future (the caller went away) cancels the upstream call.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::{ProviderError, excerpt};

/// Limits and retry policy of one provider.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests started per second (none: unlimited).
    pub per_second: Option<NonZeroU32>,
    /// Attempts per request, the first included.
    pub attempts: usize,
    /// Whole-request deadline (waiting, retries and the reply headers).
    pub deadline: Duration,
    /// First retry delay.
    pub backoff: Duration,
}

/// One provider's connection to its upstream.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Provider name (logs, errors, metrics).
    pub name: &'static str,
    client: reqwest::Client,
    permits: Arc<Semaphore>,
    rate: Option<Arc<DefaultDirectRateLimiter>>,
    limits: Limits,
}

/// A successful upstream response with the slot it occupies.
#[derive(Debug)]
pub struct Admitted {
    /// The 2xx response (body not read yet).
    pub response: reqwest::Response,
    /// Released when dropped.
    pub permit: OwnedSemaphorePermit,
}

impl Upstream {
    /// A connection for provider `name` using `client`.
    pub fn new(name: &'static str, client: reqwest::Client, limits: Limits) -> Self {
        Self {
            name,
            client,
            permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            rate: limits
                .per_second
                .map(|rate| Arc::new(RateLimiter::direct(Quota::per_second(rate)))),
            limits,
        }
    }

    /// Sends the request `build` makes (once per attempt) and returns the first 2xx reply,
    /// retrying what may succeed later, within the deadline.
    pub async fn send<F>(&self, build: F) -> Result<Admitted, ProviderError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let attempt = || async {
            let permit = self.permits.clone().acquire_owned().await.map_err(|_| {
                ProviderError::Upstream {
                    provider: self.name,
                    message: "the gateway is shutting down".into(),
                }
            })?;
            if let Some(rate) = &self.rate {
                rate.until_ready().await;
            }
            let response = exobrain_common::telemetry::http_client::send(build(&self.client))
                .await
                .map_err(|error| self.transport(&error))?;
            if response.status().is_success() {
                return Ok(Admitted { response, permit });
            }
            Err(self.refusal(response).await)
        };
        let retries = ExponentialBuilder::default()
            .with_min_delay(self.limits.backoff)
            .with_max_delay(Duration::from_secs(20))
            .with_max_times(self.limits.attempts.saturating_sub(1))
            .with_jitter();
        let retried = attempt
            .retry(retries)
            .when(ProviderError::retryable)
            // `None` means the retries are spent; Retry-After only lengthens a planned wait.
            .adjust(|error, delay| match (error, delay) {
                (ProviderError::RateLimited { retry_after: Some(seconds), .. }, Some(delay)) => {
                    Some(Duration::from_secs(*seconds).max(delay))
                }
                _ => delay,
            })
            .notify(|error, delay| {
                metrics::counter!("model_provider_upstream_retries_total", "provider" => self.name).increment(1);
                tracing::info!(provider = self.name, %error, delay_ms = delay.as_millis() as u64, "retrying upstream call");
            });
        tokio::time::timeout(self.limits.deadline, retried)
            .await
            .unwrap_or(Err(ProviderError::Timeout {
                provider: self.name,
                seconds: self.limits.deadline.as_secs(),
            }))
    }

    fn transport(&self, error: &reqwest::Error) -> ProviderError {
        if error.is_timeout() {
            ProviderError::Timeout {
                provider: self.name,
                seconds: self.limits.deadline.as_secs(),
            }
        } else {
            // reqwest errors name the URL but never headers, so no key can leak here.
            ProviderError::Upstream {
                provider: self.name,
                message: format!("cannot reach the upstream: {}", without_url(error)),
            }
        }
    }

    async fn refusal(&self, response: reqwest::Response) -> ProviderError {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        let body = response.text().await.unwrap_or_default();
        let message = upstream_message(&body);
        match status {
            401 | 403 => ProviderError::Auth {
                provider: self.name,
                status,
            },
            429 => ProviderError::RateLimited {
                provider: self.name,
                retry_after,
            },
            408 | 409 | 500..=599 => ProviderError::Upstream {
                provider: self.name,
                message: format!("status {status}: {message}"),
            },
            _ => ProviderError::Rejected {
                provider: self.name,
                status,
                message,
            },
        }
    }
}

/// The message of an upstream error body (`{"error":{"message":…}}` for OpenAI and Anthropic),
/// or the start of the body.
pub fn upstream_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value
                .pointer("/error/message")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| excerpt(body, 300))
}

fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "<upstream>");
    }
    text
}
