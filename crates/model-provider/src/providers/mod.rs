//! Model providers: where a request for an alias is actually answered. `local` runs offline
//! in this process; the upstream providers (OpenAI, Anthropic, any OpenAI-compatible server)
//! translate the canonical request to their wire format and back. [`Backend`] is the one
//! dispatch point the routes use.

pub mod anthropic;
pub mod error;
pub mod http;
pub mod local;
pub mod openai;

use std::sync::Arc;

use futures::stream::BoxStream;

use crate::chat::{ChatRequest, ChatResponse, StreamEvent};
use anthropic::Anthropic;
use error::ProviderError;
use local::embed::Embedder;
use openai::OpenAi;

/// A streamed reply.
pub type EventStream = BoxStream<'static, Result<StreamEvent, ProviderError>>;

/// What a provider call carries besides the request.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The alias asked for (replies name it, never the upstream model).
    pub alias: &'a str,
    /// The request id (`x-request-id`), forwarded upstream.
    pub request_id: &'a str,
}

impl Call<'_> {
    /// Headers forwarded upstream: `x-request-id` (the W3C trace context is added by the client
    /// span each attempt runs in).
    pub fn forwarded_headers(&self) -> reqwest::header::HeaderMap {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(value) = reqwest::header::HeaderValue::from_str(self.request_id) {
            headers.insert("x-request-id", value);
        }
        headers
    }
}

/// Vectors with the prompt tokens they cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    /// One vector per input, in order.
    pub vectors: Vec<Vec<f32>>,
    /// Prompt tokens (estimated for local models).
    pub tokens: u64,
}

/// The provider answering one alias.
#[derive(Debug, Clone)]
pub enum Backend {
    /// Offline deterministic chat.
    LocalChat,
    /// Offline embeddings.
    LocalEmbeddings(Arc<dyn Embedder>),
    /// An OpenAI-style upstream.
    OpenAi(OpenAi),
    /// The Anthropic Messages API.
    Anthropic(Anthropic),
}

impl Backend {
    /// A complete reply.
    pub async fn chat(
        &self,
        call: &Call<'_>,
        request: &ChatRequest,
    ) -> Result<ChatResponse, ProviderError> {
        match self {
            Backend::LocalChat => local::chat::chat(call.alias, request),
            Backend::OpenAi(client) => client.chat(call, request).await,
            Backend::Anthropic(client) => client.chat(call, request).await,
            Backend::LocalEmbeddings(_) => Err(not_chat()),
        }
    }

    /// A streamed reply.
    pub async fn stream(
        &self,
        call: &Call<'_>,
        request: &ChatRequest,
    ) -> Result<EventStream, ProviderError> {
        match self {
            Backend::LocalChat => local::chat::stream(call.alias, request),
            Backend::OpenAi(client) => client.stream(call, request).await,
            Backend::Anthropic(client) => client.stream(call, request).await,
            Backend::LocalEmbeddings(_) => Err(not_chat()),
        }
    }

    /// Embeddings of `texts` with `model` (the upstream name).
    pub async fn embed(
        &self,
        call: &Call<'_>,
        model: &str,
        texts: Vec<String>,
        dimensions: Option<u32>,
    ) -> Result<Embedded, ProviderError> {
        match self {
            Backend::LocalEmbeddings(embedder) => {
                local::embed_texts(embedder.clone(), texts, dimensions).await
            }
            Backend::OpenAi(client) => {
                let (vectors, tokens) = client.embed(call, model, &texts, dimensions).await?;
                Ok(Embedded { vectors, tokens })
            }
            Backend::LocalChat | Backend::Anthropic(_) => {
                Err(ProviderError::Invalid("this alias is a chat model".into()))
            }
        }
    }
}

fn not_chat() -> ProviderError {
    ProviderError::Invalid("this alias is an embeddings model".into())
}
