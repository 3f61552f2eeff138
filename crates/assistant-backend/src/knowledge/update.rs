//! `POST /api/knowledge/update` as a domain operation: reconcile the user's unfinished jobs,
//! then, under the user's update lock, cut the pending messages into chunks and enqueue them
//! with ONE `EnqueueJobs` call. The jobs are recorded only after the orchestrator accepted all
//! of them, in the same transaction that held the lock, so a failed call leaves nothing
//! behind, and a retried call finds the same jobs again through their idempotency keys.

use exobrain_proto::job_orchestrator as pb;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::chunks::{Chunk, chunk};
use super::error::{Call, Failure, KnowledgeError};
use super::store::{EnqueuedJob, KnowledgeJobStore};
use crate::upstream::Upstreams;

/// The job type of a knowledge update.
const JOB_TYPE: &str = "knowledge.update";
/// Job states read from the orchestrator at the same time.
const CONCURRENT_REFRESHES: usize = 8;

/// Knowledge update jobs: enqueueing, ownership and state bookkeeping.
#[derive(Debug, Clone)]
pub struct KnowledgeUpdates {
    store: KnowledgeJobStore,
    upstreams: Upstreams,
    max_tokens: usize,
}

/// The jobs one update call enqueued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    /// The orchestrator's batch of the call.
    pub batch_id: Uuid,
    /// One job per chunk, in journal and sequence order.
    pub job_ids: Vec<Uuid>,
}

impl KnowledgeUpdates {
    /// Updates over `store`, enqueueing through `upstreams`, `max_tokens` per job.
    pub fn new(store: KnowledgeJobStore, upstreams: Upstreams, max_tokens: usize) -> Self {
        Self {
            store,
            upstreams,
            max_tokens,
        }
    }

    /// Enqueues the pending messages of `user`, called `user_name` (of one journal, or all).
    pub async fn enqueue(
        &self,
        user: Uuid,
        user_name: &str,
        journal_reference: Option<&str>,
    ) -> Result<Enqueued, KnowledgeError> {
        self.reconcile(Some(user)).await;
        self.introduce(user, user_name).await;
        let mut lock = self.store.lock_for_update(user).await?;
        let chunks = chunk(
            lock.pending_messages(journal_reference).await?,
            self.max_tokens,
        );
        if chunks.is_empty() {
            return Err(KnowledgeError::NothingToUpdate);
        }
        let request = self.upstreams.jobs_request(
            user,
            batch_request(user, &chunks),
            Some(self.upstreams.jobs_timeout()),
        );
        let reply = self
            .upstreams
            .jobs()
            .enqueue_jobs(request)
            .await
            .map_err(KnowledgeError::upstream(Call::Enqueue))?
            .into_inner();
        let enqueued = parse_reply(&reply, chunks.len())?;
        let jobs: Vec<EnqueuedJob> = chunks
            .iter()
            .zip(&enqueued.job_ids)
            .map(|(chunk, job_id)| EnqueuedJob {
                job_id: *job_id,
                batch_id: enqueued.batch_id,
                journal_reference: chunk.journal_reference.clone(),
                message_ids: chunk.message_ids(),
            })
            .collect();
        lock.commit(&jobs).await?;
        tracing::info!(user_id = %user, batch_id = %enqueued.batch_id, jobs = jobs.len(), "knowledge update enqueued");
        Ok(enqueued)
    }

    /// Makes sure the user's starter graph exists under their display name before the first
    /// job writes to the graph (a write by itself would create it named by the user's id, and
    /// the person would appear in the explorer as a UUID). Idempotent: an existing starter
    /// graph is kept as it is. Best effort: when knowledge-interface cannot be reached the
    /// update goes on, and the job retries its own writes.
    async fn introduce(&self, user: Uuid, user_name: &str) {
        let request = self.upstreams.knowledge_request(
            user,
            exobrain_proto::knowledge::GetUserInitGraphRequest {
                user_id: user.to_string(),
                user_name: user_name.to_owned(),
            },
        );
        if let Err(status) = self
            .upstreams
            .knowledge()
            .get_user_init_graph(request)
            .await
        {
            tracing::warn!(user_id = %user, code = ?status.code(), message = status.message(), "the starter graph could not be made before the update");
        }
    }

    pub(super) fn upstreams(&self) -> &Upstreams {
        &self.upstreams
    }

    /// `Ok` when `job_id` is a knowledge update job of `user`; another user's job is as
    /// unknown as a job that does not exist.
    pub async fn check_owner(&self, user: Uuid, job_id: Uuid) -> Result<(), KnowledgeError> {
        if self.store.owns(user, job_id).await? {
            Ok(())
        } else {
            Err(KnowledgeError::JobNotFound)
        }
    }

    /// Records a state of `job_id` seen upstream (a terminal one settles its messages).
    pub async fn record(
        &self,
        job_id: Uuid,
        state: pb::JobLifecycleState,
    ) -> Result<(), KnowledgeError> {
        self.store.record_state(job_id, state).await
    }

    /// Reads the state of each unfinished job of `user` (or of everyone) from the orchestrator
    /// and records it. Best effort: a job that cannot be read now stays unfinished and is read
    /// next time.
    pub async fn reconcile(&self, user: Option<Uuid>) {
        let unfinished = match self.store.unfinished(user).await {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::warn!(?user, %error, "knowledge jobs not reconciled");
                return;
            }
        };
        futures::stream::iter(unfinished)
            .for_each_concurrent(CONCURRENT_REFRESHES, |job| async move {
                if let Err(error) = self.refresh(job.user_id, job.job_id).await {
                    tracing::warn!(job_id = %job.job_id, %error, "knowledge job state not refreshed");
                }
            })
            .await;
    }

    async fn refresh(&self, user: Uuid, job_id: Uuid) -> Result<(), KnowledgeError> {
        let request = self.upstreams.jobs_request(
            user,
            pb::GetJobStatusRequest {
                job_id: job_id.to_string(),
                user_id: user.to_string(),
            },
            Some(self.upstreams.jobs_timeout()),
        );
        let reply = self
            .upstreams
            .jobs()
            .get_job_status(request)
            .await
            .map_err(KnowledgeError::upstream(Call::Enqueue))?
            .into_inner();
        match pb::JobLifecycleState::try_from(reply.state) {
            Ok(state) => self.record(job_id, state).await,
            Err(_) => Ok(()),
        }
    }
}

/// The `EnqueueJobs` request of `chunks`: one job per chunk, keyed by its messages.
fn batch_request(user: Uuid, chunks: &[Chunk]) -> pb::EnqueueJobsRequest {
    let user_id = user.to_string();
    let jobs: Vec<pb::EnqueueJobRequest> = chunks
        .iter()
        .map(|chunk| pb::EnqueueJobRequest {
            job_type: JOB_TYPE.to_owned(),
            user_id: user_id.clone(),
            payload: Some(pb::enqueue_job_request::Payload::KnowledgeUpdate(
                pb::KnowledgeUpdatePayload {
                    journal_reference: chunk.journal_reference.clone(),
                    messages: chunk
                        .messages
                        .iter()
                        .map(|message| pb::KnowledgeUpdateMessage {
                            role: message.role.clone(),
                            content: message.content.clone(),
                            sequence: message.sequence,
                            created_at: message.created_at.to_rfc3339(),
                        })
                        .collect(),
                    requested_by_user_id: user_id.clone(),
                },
            )),
            idempotency_key: chunk.idempotency_key(),
        })
        .collect();
    let mut digest = Sha256::new();
    for job in &jobs {
        digest.update(job.idempotency_key.as_bytes());
    }
    pb::EnqueueJobsRequest {
        user_id,
        jobs,
        idempotency_key: format!("knowledge.update.batch:{}", hex::encode(digest.finalize())),
    }
}

/// The batch and job ids of `reply`, which must name one job per chunk.
fn parse_reply(reply: &pb::EnqueueJobsReply, chunks: usize) -> Result<Enqueued, KnowledgeError> {
    let malformed = |what: String| KnowledgeError::Upstream {
        call: Call::Enqueue,
        failure: Failure::Failed,
        detail: what,
    };
    let batch_id = Uuid::parse_str(&reply.batch_id)
        .map_err(|_| malformed(format!("batch id `{}` is not a UUID", reply.batch_id)))?;
    let job_ids = reply
        .job_ids
        .iter()
        .map(|id| {
            Uuid::parse_str(id).map_err(|_| malformed(format!("job id `{id}` is not a UUID")))
        })
        .collect::<Result<Vec<Uuid>, _>>()?;
    if job_ids.len() != chunks {
        return Err(malformed(format!(
            "{} job ids for {chunks} jobs",
            job_ids.len()
        )));
    }
    Ok(Enqueued { batch_id, job_ids })
}
