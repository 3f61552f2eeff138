//! The `anthropic` provider: chat over Anthropic's Messages API, plain and streamed, with
//! tools, and structured output through a tool the model is made to call (the stable API has
//! no JSON-schema response format). Retries, limits and the deadline are [`Upstream`]'s; a
//! stream holds its concurrency slot until it is dropped.

pub mod events;
pub mod reply;
pub mod request;
pub mod schema;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::future::ready;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use super::error::ProviderError;
use super::http::{Admitted, Upstream};
use super::{Call, EventStream};
use crate::chat::{ChatRequest, ChatResponse};
use request::{OutputTool, Prepared};

/// The Messages API version every request names.
pub const API_VERSION: &str = "2023-06-01";

/// A client of the Anthropic API.
#[derive(Debug, Clone)]
pub struct Anthropic {
    upstream: Upstream,
    base_url: String,
    api_key: Option<SecretString>,
}

impl Anthropic {
    /// A client of `base_url` (the API root, such as `https://api.anthropic.com`, without `/v1`).
    pub fn new(upstream: Upstream, base_url: String, api_key: Option<SecretString>) -> Self {
        Self {
            upstream,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
        }
    }

    /// A complete reply to `request` (whose model is the upstream name); the reply's `model`
    /// is `call.alias`.
    pub async fn chat(
        &self,
        call: &Call<'_>,
        request: &ChatRequest,
    ) -> Result<ChatResponse, ProviderError> {
        let (admitted, output) = self.send(call, request, false).await?;
        let text = admitted
            .response
            .text()
            .await
            .map_err(|error| ProviderError::Upstream {
                provider: self.upstream.name,
                message: format!("reply broke off: {}", error.without_url()),
            })?;
        reply::message(self.upstream.name, call.alias, output.as_ref(), &text)
    }

    /// The reply to `request` as a stream of events; it ends after the usage event, or with
    /// an error item when the upstream reports one or breaks off.
    pub async fn stream(
        &self,
        call: &Call<'_>,
        request: &ChatRequest,
    ) -> Result<EventStream, ProviderError> {
        let (admitted, output) = self.send(call, request, true).await?;
        let permit = admitted.permit;
        let mut decoder = events::Decoder::new(self.upstream.name, output);
        let events = admitted
            .response
            .bytes_stream()
            .eventsource()
            .map(Some)
            .chain(futures::stream::once(ready(None)))
            .flat_map(move |event| {
                let _held = &permit;
                futures::stream::iter(decoder.step(event))
            })
            .take_while(|step| ready(step.is_some()))
            .filter_map(ready);
        Ok(Box::pin(events))
    }

    /// Translates `request` and sends it; the reply is read with the returned output tool.
    async fn send(
        &self,
        call: &Call<'_>,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<(Admitted, Option<OutputTool>), ProviderError> {
        let Prepared { body, output } = request::body(request, stream)?;
        let admitted = self
            .upstream
            .send(|client| self.post(client, call, &body))
            .await?;
        Ok((admitted, output))
    }

    fn post(
        &self,
        client: &reqwest::Client,
        call: &Call<'_>,
        body: &serde_json::Value,
    ) -> reqwest::RequestBuilder {
        let mut builder = client
            .post(format!("{}/v1/messages", self.base_url))
            .headers(call.forwarded_headers())
            .header("anthropic-version", API_VERSION)
            .json(body);
        // A key that is not a valid header value is not sent; the upstream's 401 then says so.
        if let Some(Ok(mut key)) = self
            .api_key
            .as_ref()
            .map(|key| HeaderValue::from_str(key.expose_secret()))
        {
            key.set_sensitive(true);
            builder = builder.header("x-api-key", key);
        }
        builder
    }
}
