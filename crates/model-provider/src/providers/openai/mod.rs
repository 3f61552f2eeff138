//! The `openai` and `openai_compatible` providers: chat completions (plain and streamed) and
//! embeddings over the OpenAI HTTP API, at api.openai.com or any server that speaks it
//! (Ollama, vLLM, LM Studio).

pub mod reply;
pub mod request;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::error::ProviderError;
use super::http::{Admitted, Upstream};
use super::{Call, EventStream};
use crate::chat::{ChatRequest, ChatResponse};
pub use request::TokenLimitField;

/// Most inputs per upstream embeddings request (OpenAI's limit).
const EMBEDDING_BATCH: usize = 2048;

/// A client of one OpenAI-style upstream.
#[derive(Debug, Clone)]
pub struct OpenAi {
    upstream: Upstream,
    base_url: String,
    api_key: Option<SecretString>,
    limit_field: TokenLimitField,
}

impl OpenAi {
    /// A client of `base_url` (ending in `/v1` or the server's equivalent).
    pub fn new(
        upstream: Upstream,
        base_url: String,
        api_key: Option<SecretString>,
        limit_field: TokenLimitField,
    ) -> Self {
        Self {
            upstream,
            base_url,
            api_key,
            limit_field,
        }
    }

    /// A complete reply to `request` (whose model is the upstream name).
    pub async fn chat(
        &self,
        call: &Call<'_>,
        request: &ChatRequest,
    ) -> Result<ChatResponse, ProviderError> {
        let admitted = self.send_chat(call, request).await?;
        let text = admitted
            .response
            .text()
            .await
            .map_err(|error| self.failed(error))?;
        reply::completion(self.upstream.name, call.alias, &text)
    }

    /// The reply to `request` as a stream of events.
    pub async fn stream(
        &self,
        call: &Call<'_>,
        request: &ChatRequest,
    ) -> Result<EventStream, ProviderError> {
        let admitted = self.send_chat(call, request).await?;
        let provider = self.upstream.name;
        let permit = admitted.permit;
        let events = admitted
            .response
            .bytes_stream()
            .eventsource()
            .take_while(|event| {
                futures::future::ready(!matches!(event, Ok(event) if event.data.trim() == "[DONE]"))
            })
            .map(move |event| {
                let _held = &permit;
                match event {
                    Ok(event) => reply::chunk_events(provider, &event.data),
                    Err(error) => Err(ProviderError::Upstream {
                        provider,
                        message: format!("stream broke: {error}"),
                    }),
                }
            })
            .flat_map(|events| match events {
                Ok(events) => futures::stream::iter(events.into_iter().map(Ok).collect::<Vec<_>>()),
                Err(error) => futures::stream::iter(vec![Err(error)]),
            });
        Ok(Box::pin(events))
    }

    /// One vector per text, in order, with the prompt tokens used; `dimensions` is passed on.
    pub async fn embed(
        &self,
        call: &Call<'_>,
        model: &str,
        texts: &[String],
        dimensions: Option<u32>,
    ) -> Result<(Vec<Vec<f32>>, u64), ProviderError> {
        let batches = texts.chunks(EMBEDDING_BATCH).map(|batch| async move {
            let mut body = json!({ "model": model, "input": batch, "encoding_format": "float" });
            if let Some(dimensions) = dimensions {
                body["dimensions"] = json!(dimensions);
            }
            let admitted = self
                .upstream
                .send(|client| self.post(client, call, "/embeddings", &body))
                .await?;
            let text = admitted
                .response
                .text()
                .await
                .map_err(|error| self.failed(error))?;
            self.embeddings(&text, batch.len())
        });
        let mut vectors = Vec::with_capacity(texts.len());
        let mut tokens = 0;
        for batch in futures::future::try_join_all(batches).await? {
            vectors.extend(batch.0);
            tokens += batch.1;
        }
        Ok((vectors, tokens))
    }

    async fn send_chat(
        &self,
        call: &Call<'_>,
        request: &ChatRequest,
    ) -> Result<Admitted, ProviderError> {
        let body = request::body(request, self.limit_field);
        self.upstream
            .send(|client| self.post(client, call, "/chat/completions", &body))
            .await
    }

    fn embeddings(
        &self,
        body: &str,
        expected: usize,
    ) -> Result<(Vec<Vec<f32>>, u64), ProviderError> {
        #[derive(Deserialize)]
        struct Reply {
            data: Vec<Item>,
            #[serde(default)]
            usage: Option<Tokens>,
        }
        #[derive(Deserialize)]
        struct Item {
            index: usize,
            embedding: Vec<f32>,
        }
        #[derive(Deserialize)]
        struct Tokens {
            #[serde(default)]
            prompt_tokens: u64,
        }
        let mut reply: Reply =
            serde_json::from_str(body).map_err(|error| ProviderError::Upstream {
                provider: self.upstream.name,
                message: format!("unreadable embeddings reply: {error}"),
            })?;
        reply.data.sort_by_key(|item| item.index);
        if reply.data.len() != expected {
            return Err(ProviderError::Upstream {
                provider: self.upstream.name,
                message: format!("asked for {expected} embeddings, got {}", reply.data.len()),
            });
        }
        let tokens = reply.usage.map_or(0, |usage| usage.prompt_tokens);
        Ok((
            reply.data.into_iter().map(|item| item.embedding).collect(),
            tokens,
        ))
    }

    fn post(
        &self,
        client: &reqwest::Client,
        call: &Call<'_>,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::RequestBuilder {
        let mut builder = client
            .post(format!("{}{path}", self.base_url))
            .headers(call.forwarded_headers())
            .json(body);
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key.expose_secret());
        }
        builder
    }

    fn failed(&self, error: reqwest::Error) -> ProviderError {
        ProviderError::Upstream {
            provider: self.upstream.name,
            message: format!("reply broke off: {}", error.without_url()),
        }
    }
}
