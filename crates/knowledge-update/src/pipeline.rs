//! One run of the pipeline for one job: check the job, load its checkpoints, pick the
//! strategy (a model, or the offline extractor when the extraction alias is served by the
//! built-in `local` provider), build the delta's parts step by step, keep them, write them
//! with one `UpsertGraphDelta`, and report what changed. A run that finds the parts of an
//! earlier attempt only writes them again (the write is idempotent). Building the parts
//! (steps 1-10) and the write (step 11) each run in a span of their own, children of the
//! worker's `job.run`, so a trace shows where a job spent its time.

use std::sync::Arc;
use std::time::Duration;

use exobrain_common::auth::ServiceToken;
use exobrain_jobs::domain::payload::KnowledgeUpdate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Semaphore;
use tonic::transport::Channel;
use tracing::Instrument;
use uuid::Uuid;

use crate::error::UpdateError;
use crate::ids::Minter;
use crate::knowledge::Knowledge;
use crate::memo::Memo;
use crate::model::{Asked, ModelClient};
use crate::ports::{Checkpoints, Progress};
use crate::settings::{Settings, Strategy, StrategySetting};
use crate::steps::merge::{self, Parts, Source};
use crate::steps::{label, modeled, offline};
use crate::transcript;

/// The pipeline, shared by every job a worker runs.
#[derive(Debug, Clone)]
pub struct Pipeline {
    settings: Settings,
    model: ModelClient,
    channel: Channel,
    token: ServiceToken,
    /// Model calls in flight across every job of this worker.
    model_slots: Arc<Semaphore>,
}

/// One job to run.
pub struct Job<'a> {
    /// The job's id (the namespace of every id it mints).
    pub id: Uuid,
    /// The user the job runs for.
    pub owner: &'a str,
    /// The validated `knowledge.update` payload.
    pub payload: &'a Value,
    /// Step outputs of earlier attempts.
    pub checkpoints: &'a dyn Checkpoints,
    /// Where progress goes.
    pub progress: &'a dyn Progress,
}

impl std::fmt::Debug for Job<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What a run did, the job's result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `model` or `offline`.
    pub strategy: String,
    /// Messages read.
    pub messages: usize,
    /// Entities in the delta.
    pub entities: usize,
    /// Blocks in the delta.
    pub blocks: usize,
    /// Relations in the delta.
    pub relations: usize,
    /// Mentions in the delta.
    pub mentions: usize,
    /// Records the write changed.
    pub entities_upserted: u32,
    /// Blocks the write changed.
    pub blocks_upserted: u32,
    /// Edges the write changed.
    pub edges_upserted: u32,
    /// Checkpoints the run started from.
    pub resumed_from: usize,
    /// Model calls this run made.
    pub model_calls: u64,
}

impl Pipeline {
    /// The pipeline calling model-provider through `model` and the knowledge interface on
    /// `channel` with the worker's `token`.
    pub fn new(
        settings: Settings,
        model: ModelClient,
        channel: Channel,
        token: ServiceToken,
    ) -> Self {
        let model_slots = Arc::new(Semaphore::new(settings.worker_model_calls.max(1)));
        Self {
            settings,
            model,
            channel,
            token,
            model_slots,
        }
    }

    /// Runs `job` to its write.
    pub async fn run(&self, job: Job<'_>) -> Result<Summary, UpdateError> {
        let payload: KnowledgeUpdate =
            serde_json::from_value(job.payload.clone()).map_err(|error| {
                UpdateError::Refused(format!(
                    "the payload is not a knowledge.update payload: {error}"
                ))
            })?;
        if payload.requested_by_user_id != job.owner {
            return Err(UpdateError::Refused(
                "requested_by_user_id is not the job's owner; the job may only write its owner's graph"
                    .to_owned(),
            ));
        }
        let messages = transcript::messages(&payload);
        let memo = Memo::load(job.checkpoints).await?;
        let knowledge = Knowledge::new(
            self.channel.clone(),
            self.token.clone(),
            job.owner,
            self.settings.knowledge_timeout,
        );
        let strategy: Strategy = memo.remember("strategy", || self.strategy()).await?;
        let asked = Asked::default();
        let parts: Parts = match memo.get("parts") {
            Some(parts) => parts,
            None => {
                let parts = self
                    .parts(
                        strategy, &job, &payload, &messages, &knowledge, &memo, &asked,
                    )
                    .instrument(tracing::info_span!(
                        "knowledge_update.parts",
                        strategy = strategy.as_str()
                    ))
                    .await?;
                memo.keep("parts", &parts).await?;
                parts
            }
        };
        job.progress
            .report(label(11, "writing to the knowledge graph"));
        let source = Source {
            job_id: job.id.to_string(),
            journal_reference: payload.journal_reference.clone(),
            extractor: strategy.extractor(&self.settings),
        };
        let delta = merge::delta(&parts, job.owner, &source);
        let summary = Summary {
            strategy: strategy.as_str().to_owned(),
            messages: messages.len(),
            entities: delta.entities.len(),
            blocks: delta.blocks.len(),
            relations: parts.relations.len(),
            mentions: parts.mentions.len(),
            resumed_from: memo.resumed(),
            model_calls: asked.calls(),
            ..Summary::default()
        };
        let written = knowledge
            .upsert(delta)
            .instrument(tracing::info_span!(
                "knowledge_update.write",
                entities = summary.entities,
                blocks = summary.blocks
            ))
            .await
            .map_err(UpdateError::knowledge("step 11 write"))?;
        Ok(Summary {
            entities_upserted: written.entities_upserted,
            blocks_upserted: written.blocks_upserted,
            edges_upserted: written.edges_upserted,
            ..summary
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn parts(
        &self,
        strategy: Strategy,
        job: &Job<'_>,
        payload: &KnowledgeUpdate,
        messages: &[transcript::Message],
        knowledge: &Knowledge,
        memo: &Memo<'_>,
        asked: &Asked,
    ) -> Result<Parts, UpdateError> {
        if messages.is_empty() {
            return Ok(Parts::default());
        }
        job.progress.report(label(1, "reading the conversation"));
        let schema = knowledge
            .extraction_schema()
            .await
            .map_err(UpdateError::knowledge("step 2 entity extraction"))?;
        match strategy {
            Strategy::Offline => {
                let cx = offline::Context {
                    knowledge,
                    memo,
                    progress: job.progress,
                    minter: Minter::new(job.id),
                    journal: &payload.journal_reference,
                    bound: self.settings.job_concurrency,
                };
                offline::parts(&cx, messages, &schema).await
            }
            Strategy::Model => {
                let cx = modeled::Context {
                    knowledge,
                    memo,
                    progress: job.progress,
                    minter: Minter::new(job.id),
                    model: &self.model,
                    slots: &self.model_slots,
                    aliases: &self.settings.aliases,
                    asked,
                    bound: self.settings.job_concurrency,
                    document: transcript::document(&payload.journal_reference, job.owner, messages),
                    sequences: messages.iter().map(|m| m.sequence).collect(),
                    chains: schema
                        .entity_types
                        .iter()
                        .map(|t| (t.type_id.clone(), t.inheritance_chain.clone()))
                        .collect(),
                };
                modeled::parts(&cx, &schema).await
            }
        }
    }

    /// The strategy of a new job: as configured, or for `auto` the offline extractor when
    /// the extraction alias is served by the `local` provider (or no provider serves it).
    /// Until model-provider can say, the job waits (a transient failure).
    async fn strategy(&self) -> Result<Strategy, UpdateError> {
        Ok(match self.settings.strategy {
            StrategySetting::Model => Strategy::Model,
            StrategySetting::Heuristic => Strategy::Offline,
            StrategySetting::Auto => {
                let providers =
                    self.model.providers().await.map_err(|error| {
                        UpdateError::model("choosing the strategy")(error.into())
                    })?;
                match providers.get(&self.settings.aliases.extraction) {
                    Some(provider) if provider != "local" => Strategy::Model,
                    _ => Strategy::Offline,
                }
            }
        })
    }

    /// Model calls in flight across jobs.
    pub fn model_slots(&self) -> &Arc<Semaphore> {
        &self.model_slots
    }
}

/// Longest a knowledge-interface call may take by default.
pub const DEFAULT_KNOWLEDGE_TIMEOUT: Duration = Duration::from_secs(30);
