//! `knowledge.update`: the pipeline of `exobrain-knowledge-update`, run as a job. This file
//! only adapts: the attempt's checkpoints and progress become the pipeline's ports, its
//! summary the job's result, its errors a transient or permanent failure with a user-facing
//! detail. The job stops (as interrupted) when its context is cancelled.

use std::collections::HashMap;
use std::sync::Arc;

use exobrain_knowledge_update::ports::{self, CheckpointFailure};
use exobrain_knowledge_update::{Job, Pipeline, UpdateError};
use futures::future::BoxFuture;
use serde_json::Value;

use super::{CheckpointError, Checkpoints, Failure, Handler, HandlerResult, JobContext, Progress};

/// `knowledge.update`.
#[derive(Debug)]
pub struct KnowledgeUpdate {
    pipeline: Arc<Pipeline>,
}

impl KnowledgeUpdate {
    /// The handler running `pipeline`.
    pub fn new(pipeline: Arc<Pipeline>) -> Self {
        Self { pipeline }
    }
}

impl Handler for KnowledgeUpdate {
    fn run(&self, context: JobContext) -> HandlerResult {
        let pipeline = self.pipeline.clone();
        Box::pin(async move {
            let checkpoints = CheckpointPort(context.checkpoints.clone());
            let progress = ProgressPort(context.progress.clone());
            let job = Job {
                id: context.job_id.as_uuid(),
                owner: &context.owner,
                payload: &context.payload,
                checkpoints: &checkpoints,
                progress: &progress,
            };
            let outcome = tokio::select! {
                outcome = pipeline.run(job) => outcome,
                _ = context.cancel.cancelled() => Err(UpdateError::Interrupted),
            };
            match outcome {
                Ok(summary) => Ok(serde_json::to_value(summary).unwrap_or(Value::Null)),
                Err(error) => {
                    tracing::warn!(%error, transient = error.is_transient(), "knowledge update failed");
                    let detail = error.to_string();
                    Err(if error.is_transient() {
                        Failure::transient(detail)
                    } else {
                        Failure::permanent(detail)
                    })
                }
            }
        })
    }
}

struct CheckpointPort(Checkpoints);

impl ports::Checkpoints for CheckpointPort {
    fn all(&self) -> BoxFuture<'_, Result<HashMap<String, Value>, CheckpointFailure>> {
        Box::pin(async move { self.0.all().await.map_err(failure) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a Value,
    ) -> BoxFuture<'a, Result<(), CheckpointFailure>> {
        Box::pin(async move { self.0.put(key, value).await.map_err(failure) })
    }
}

fn failure(error: CheckpointError) -> CheckpointFailure {
    match error {
        CheckpointError::Stale => CheckpointFailure::Stale,
        CheckpointError::Unavailable => {
            CheckpointFailure::Unavailable("the job database".to_owned())
        }
        other => CheckpointFailure::TooLarge(other.to_string()),
    }
}

struct ProgressPort(Progress);

impl ports::Progress for ProgressPort {
    fn report(&self, detail: String) {
        self.0.report(detail);
    }
}
