//! [`EmbeddingClient`]: embeds texts through model-provider's embeddings alias, in batches
//! with bounded concurrency, returning vectors in input order, and reports which model stands
//! behind the alias. The HTTP policy (token, timeout, retries) lives in `transport`; the
//! reply checks in `reply`.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use tracing::Instrument;

use super::model::{ModelInfo, ModelList};
use super::reply::{EmbeddingsReply, EmbeddingsRequest, check_vectors};
use super::transport::Transport;
use super::{EmbeddingError, EmbeddingSettings, metrics};

/// A client of model-provider's embeddings; cloning is cheap and clones share connections.
#[derive(Debug, Clone)]
pub struct EmbeddingClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    alias: String,
    batch_size: usize,
    concurrency: usize,
}

impl EmbeddingClient {
    /// A client for `settings`. Does not contact model-provider; fails only when the
    /// settings cannot work (bad base URL or token).
    pub fn new(settings: EmbeddingSettings) -> Result<Self, EmbeddingError> {
        let transport = Transport::new(&settings)?;
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                alias: settings.alias,
                batch_size: settings.batch_size.max(1),
                concurrency: settings.concurrency.max(1),
            }),
        })
    }

    /// The alias sent as `model`.
    pub fn alias(&self) -> &str {
        &self.inner.alias
    }

    /// The model behind the alias, from `GET {base}/models`: an error when the alias is
    /// missing (naming the embeddings aliases there are), is not an embeddings alias, or has
    /// no positive vector length; `Unavailable` when model-provider does not answer within
    /// the retry budget.
    #[tracing::instrument(name = "embedding.model_info", skip_all, fields(alias = %self.inner.alias))]
    pub async fn model_info(&self) -> Result<ModelInfo, EmbeddingError> {
        let list: ModelList = self.inner.transport.get("models", "/models").await?;
        let info = list.select(&self.inner.alias, self.inner.transport.base())?;
        tracing::debug!(identity = %info.identity(), "embedding model resolved");
        Ok(info)
    }

    /// One vector per text, in input order, all of one length (compare it with
    /// [`ModelInfo::dims`]). Empty input makes no request; an empty text fails before any
    /// request. Texts go in batches of `batch_size`, at most `concurrency` at once; the first
    /// failing batch fails the call and cancels the others.
    #[tracing::instrument(
        name = "embedding.embed",
        skip_all,
        fields(alias = %self.inner.alias, texts = texts.len(), batches = tracing::field::Empty)
    )]
    pub async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(index) = texts.iter().position(|text| text.is_empty()) {
            return Err(EmbeddingError::EmptyText { index });
        }
        // Owned batches: a stream of borrowed slices is not `Send` for every lifetime, which
        // callers running this in a spawned task need.
        let batches: Vec<Vec<String>> = texts
            .chunks(self.inner.batch_size)
            .map(<[String]>::to_vec)
            .collect();
        tracing::Span::current().record("batches", batches.len());
        let answered: Vec<Vec<Vec<f32>>> = futures::stream::iter(batches.into_iter().enumerate())
            .map(|(number, batch)| {
                let span =
                    tracing::debug_span!("embedding.batch", batch = number, texts = batch.len());
                let client = self.clone();
                async move { client.embed_batch(&batch).await }.instrument(span)
            })
            .buffered(self.inner.concurrency)
            .try_collect()
            .await?;
        let vectors: Vec<Vec<f32>> = answered.into_iter().flatten().collect();
        // Each batch is consistent on its own; batches must also agree with each other.
        check_vectors(&vectors).map_err(|problem| bad_reply(&problem))?;
        metrics::texts_embedded(vectors.len());
        Ok(vectors)
    }

    async fn embed_batch(&self, batch: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        let request = EmbeddingsRequest {
            model: &self.inner.alias,
            input: batch,
        };
        let reply: EmbeddingsReply = self
            .inner
            .transport
            .post("embeddings", "/embeddings", &request)
            .await?;
        reply
            .into_vectors(batch.len())
            .map_err(|problem| bad_reply(&problem))
    }
}

fn bad_reply(problem: &str) -> EmbeddingError {
    EmbeddingError::Rejected(format!(
        "model-provider sent an invalid embeddings reply: {problem}"
    ))
}
