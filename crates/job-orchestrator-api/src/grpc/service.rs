//! The `JobOrchestrator` gRPC service: requests are converted to domain values, handed to the
//! job store, and answered; errors go through the one mapping in [`super::error`].
//!
//! Every RPC is scoped by [`CallFor`]: a named user's request sees only that user's records
//! (another user's job, batch or dead letter is refused with PERMISSION_DENIED, a missing one is
//! NOT_FOUND), a service naming no user may read and watch a job by its id, and listing,
//! cancelling or replaying across users needs the operator credential or, for listing and
//! replaying, an explicit `all_users` (the calling service enforces who may ask). Job
//! statistics and the live workers concern no user and are answered to any proved caller.

use std::pin::Pin;

use exobrain_common::error::to_status;
use exobrain_jobs::domain::{BatchId, DeadLetterId, JobId, JobType, Registry, UserId};
use exobrain_jobs::store::{JobStore, RequestError};
use exobrain_proto::job_orchestrator as pb;
use exobrain_proto::job_orchestrator::job_orchestrator_server::JobOrchestrator;
use futures::Stream;
use tonic::{Request, Response, Status};

use super::batch::{batch_status, new_batch};
use super::caller::CallFor;
use super::convert::{EnqueueLimits, new_job, status_reply};
use super::error::ApiError;
use super::listing::{dead_letter_reply, dead_letters_query, jobs_query, next_page_token};
use super::ops::{stats_reply, stats_window, worker_reply};
use super::watch;
use super::watch_batch::{self, BatchWatch};
use super::watchers::{WatchLimits, Watchers};
use crate::admission::Admission;
use crate::intake::Intake;
use crate::workers::{DEFAULT_EXPIRY, LiveWorkers};

type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// The service state: the store, the registry, the enqueue limits and the admission rules.
#[derive(Debug, Clone)]
pub struct JobOrchestratorService {
    store: JobStore,
    registry: Registry,
    limits: EnqueueLimits,
    admission: Admission,
    intake: Intake,
    jetstream: async_nats::jetstream::Context,
    status_stream: String,
    watchers: Watchers,
    workers: LiveWorkers,
}

impl JobOrchestratorService {
    /// A service over `store` accepting the types in `registry` within `limits` and
    /// `admission`, following status events in `status_stream` for at most the watches
    /// `watch_limits` allow. It lists no worker until given the heard ones
    /// ([`JobOrchestratorService::with_workers`]).
    pub fn new(
        store: JobStore,
        registry: Registry,
        limits: EnqueueLimits,
        admission: Admission,
        jetstream: async_nats::jetstream::Context,
        status_stream: String,
        watch_limits: WatchLimits,
    ) -> Self {
        Self {
            intake: Intake::new(store.clone()),
            store,
            registry,
            limits,
            admission,
            jetstream,
            status_stream,
            watchers: Watchers::new(watch_limits),
            workers: LiveWorkers::new(DEFAULT_EXPIRY),
        }
    }

    /// The same service, answering `ListWorkers` from `workers`.
    pub fn with_workers(mut self, workers: LiveWorkers) -> Self {
        self.workers = workers;
        self
    }
}

#[tonic::async_trait]
impl JobOrchestrator for JobOrchestratorService {
    async fn enqueue_job(
        &self,
        request: Request<pb::EnqueueJobRequest>,
    ) -> Result<Response<pb::EnqueueJobReply>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let mut body = request.into_inner();
        body.user_id = call.user_id();
        let job = new_job(body, &self.registry, &self.limits)?;
        self.admission
            .admit(&self.store, &job.owner, [&job.job_type], 1)
            .await?;
        let (owner, job_type) = (job.owner.clone(), job.job_type.clone());
        let accepted = self.intake.enqueue(job).await?;
        self.admission
            .accepted(&owner, usize::from(!accepted.deduplicated));
        record_enqueued(&job_type, 1, accepted.deduplicated);
        tracing::info!(job_id = %accepted.job_id, %job_type, deduplicated = accepted.deduplicated, "job accepted");
        Ok(Response::new(pb::EnqueueJobReply {
            job_id: accepted.job_id.to_string(),
            deduplicated: accepted.deduplicated,
        }))
    }

    async fn get_job_status(
        &self,
        request: Request<pb::GetJobStatusRequest>,
    ) -> Result<Response<pb::GetJobStatusReply>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let job_id = JobId::parse("job_id", &request.get_ref().job_id).map_err(ApiError::from)?;
        let snapshot = self
            .store
            .snapshot(job_id, call.reader())
            .await
            .map_err(|error| to_status(&error))?;
        Ok(Response::new(status_reply(snapshot)))
    }

    type WatchJobStatusStream = EventStream<pb::JobStatusEvent>;

    async fn watch_job_status(
        &self,
        request: Request<pb::WatchJobStatusRequest>,
    ) -> Result<Response<Self::WatchJobStatusStream>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let request = request.into_inner();
        let job_id = JobId::parse("job_id", &request.job_id).map_err(ApiError::from)?;
        let snapshot = self
            .store
            .snapshot(job_id, call.reader())
            .await
            .map_err(|error| to_status(&error))?;
        // Counted against the job's owner, whether or not the call named them.
        let owner = UserId::parse("user_id", &snapshot.owner).map_err(ApiError::from)?;
        let permit = self.watchers.admit(&owner)?;
        let (sender, receiver) = tokio::sync::mpsc::channel(16);
        if request.include_current {
            let _ = sender.send(Ok(watch::snapshot_event(&snapshot))).await;
        }
        if !snapshot.state.is_terminal() {
            let subject = self.store.status_subject(&job_id.to_string());
            tokio::spawn(watch::follow(
                self.jetstream.clone(),
                self.status_stream.clone(),
                subject,
                snapshot,
                sender,
                permit,
            ));
        }
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(receiver),
        )))
    }

    async fn enqueue_jobs(
        &self,
        request: Request<pb::EnqueueJobsRequest>,
    ) -> Result<Response<pb::EnqueueJobsReply>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let mut body = request.into_inner();
        body.user_id = call.user_id();
        let batch = new_batch(body, &self.registry, &self.limits)?;
        let job_types = batch.jobs.iter().map(|job| &job.job_type);
        self.admission
            .admit(&self.store, &batch.owner, job_types, batch.jobs.len())
            .await?;
        let accepted = self
            .store
            .enqueue_batch(&batch.jobs, &batch.owner, batch.idempotency_key.as_ref())
            .await
            .map_err(|error| to_status(&error))?;
        let new_jobs = accepted.jobs.iter().filter(|job| !job.deduplicated).count();
        self.admission.accepted(&batch.owner, new_jobs);
        for (job, outcome) in batch.jobs.iter().zip(&accepted.jobs) {
            record_enqueued(&job.job_type, 1, outcome.deduplicated);
        }
        tracing::info!(batch_id = %accepted.batch_id, jobs = accepted.jobs.len(), deduplicated = accepted.deduplicated, "batch accepted");
        Ok(Response::new(pb::EnqueueJobsReply {
            batch_id: accepted.batch_id.to_string(),
            job_ids: accepted
                .jobs
                .iter()
                .map(|job| job.job_id.to_string())
                .collect(),
            deduplicated: accepted.deduplicated,
        }))
    }

    async fn get_batch_status(
        &self,
        request: Request<pb::GetBatchStatusRequest>,
    ) -> Result<Response<pb::GetBatchStatusReply>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let owner = call.user()?;
        let batch_id =
            BatchId::parse("batch_id", &request.get_ref().batch_id).map_err(ApiError::from)?;
        let snapshot = self
            .store
            .batch(batch_id, owner)
            .await
            .map_err(|error| to_status(&error))?;
        let mut status = batch_status(batch_id, snapshot.counts());
        status.jobs = snapshot.jobs.into_iter().map(status_reply).collect();
        Ok(Response::new(pb::GetBatchStatusReply {
            status: Some(status),
        }))
    }

    type WatchBatchStatusStream = EventStream<pb::BatchStatusEvent>;

    async fn watch_batch_status(
        &self,
        request: Request<pb::WatchBatchStatusRequest>,
    ) -> Result<Response<Self::WatchBatchStatusStream>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let owner = call.user()?.clone();
        let batch_id =
            BatchId::parse("batch_id", &request.get_ref().batch_id).map_err(ApiError::from)?;
        let permit = self.watchers.admit(&owner)?;
        // Subscribed before the snapshot is read, so no transition falls in between.
        let every_job = self.store.status_subject("*");
        let events = watch_batch::subscribe(&self.jetstream.client(), every_job).await?;
        let snapshot = self
            .store
            .batch(batch_id, &owner)
            .await
            .map_err(|error| to_status(&error))?;
        let counts = snapshot.counts();
        let (sender, receiver) = tokio::sync::mpsc::channel(16);
        let current = pb::BatchStatusEvent {
            status: Some(batch_status(batch_id, counts)),
            job_event: None,
        };
        let _ = sender.send(Ok(current)).await;
        if !counts.is_terminal() {
            let watch = BatchWatch::new(self.store.clone(), owner, &snapshot);
            tokio::spawn(watch_batch::follow(watch, events, sender, permit));
        }
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(receiver),
        )))
    }

    async fn list_jobs(
        &self,
        request: Request<pb::ListJobsRequest>,
    ) -> Result<Response<pb::ListJobsReply>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let scope = call.scope(request.get_ref().all_users, "listing every user's jobs")?;
        let query = jobs_query(request.into_inner())?;
        let page = self
            .store
            .list_jobs(scope, &query.filter, query.page)
            .await
            .map_err(|error| to_status(&error))?;
        Ok(Response::new(pb::ListJobsReply {
            jobs: page.items.into_iter().map(status_reply).collect(),
            next_page_token: next_page_token(page.next),
        }))
    }

    async fn cancel_job(
        &self,
        request: Request<pb::CancelJobRequest>,
    ) -> Result<Response<pb::CancelJobReply>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let scope = call.actor("cancelling a job without naming its user")?;
        let job_id = JobId::parse("job_id", &request.get_ref().job_id).map_err(ApiError::from)?;
        let snapshot = self
            .store
            .cancel(job_id, scope)
            .await
            .map_err(|error| to_status(&error))?;
        if let Ok(owner) = UserId::parse("user_id", &snapshot.owner) {
            self.admission.finished(&owner, 1);
        }
        tracing::info!(job_id = %job_id, seq = snapshot.seq, "job cancelled");
        Ok(Response::new(pb::CancelJobReply {
            job: Some(status_reply(snapshot)),
        }))
    }

    async fn list_dead_letters(
        &self,
        request: Request<pb::ListDeadLettersRequest>,
    ) -> Result<Response<pb::ListDeadLettersReply>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let scope = call.scope(
            request.get_ref().all_users,
            "listing every user's dead letters",
        )?;
        let query = dead_letters_query(request.into_inner())?;
        let page = self
            .store
            .list_dead_letters(scope, query.job_type.as_ref(), query.page)
            .await
            .map_err(|error| to_status(&error))?;
        Ok(Response::new(pb::ListDeadLettersReply {
            dead_letters: page.items.into_iter().map(dead_letter_reply).collect(),
            next_page_token: next_page_token(page.next),
        }))
    }

    async fn replay_dead_letter(
        &self,
        request: Request<pb::ReplayDeadLetterRequest>,
    ) -> Result<Response<pb::ReplayDeadLetterReply>, Status> {
        let call = CallFor::of(&request, &request.get_ref().user_id)?;
        let scope = call.scope(
            request.get_ref().all_users,
            "replaying another user's dead letter",
        )?;
        let id = DeadLetterId::parse("dead_letter_id", &request.get_ref().dead_letter_id)
            .map_err(ApiError::from)?;
        let letter = self
            .store
            .find_dead_letter(id, &scope)
            .await
            .map_err(|error| to_status(&error))?;
        letter
            .check_replayable()
            .map_err(|error| to_status(&error))?;
        // The job type must still be served here, or the new job could never be published.
        let not_accepted = || {
            to_status(&RequestError::NotReplayable {
                dead_letter_id: id.to_string(),
                why: format!("job type `{}` is not accepted here", letter.job_type),
            })
        };
        let job_type = JobType::parse("job_type", &letter.job_type).map_err(|_| not_accepted())?;
        let owner = UserId::parse("user_id", &letter.owner).map_err(ApiError::from)?;
        let spec = self.registry.spec(&job_type).map_err(|_| not_accepted())?;
        self.admission
            .admit(&self.store, &owner, [&job_type], 1)
            .await?;
        let job_id = self
            .store
            .replay_dead_letter(id, &scope, spec.max_attempts)
            .await
            .map_err(|error| to_status(&error))?;
        tracing::info!(dead_letter_id = %id, job_id = %job_id, "dead letter replayed");
        Ok(Response::new(pb::ReplayDeadLetterReply {
            job_id: job_id.to_string(),
        }))
    }

    async fn get_job_stats(
        &self,
        request: Request<pb::GetJobStatsRequest>,
    ) -> Result<Response<pb::GetJobStatsReply>, Status> {
        let window = stats_window(request.get_ref())?;
        let stats = self
            .store
            .job_stats(window)
            .await
            .map_err(|error| to_status(&error))?;
        Ok(Response::new(stats_reply(stats, window)))
    }

    async fn list_workers(
        &self,
        _request: Request<pb::ListWorkersRequest>,
    ) -> Result<Response<pb::ListWorkersReply>, Status> {
        Ok(Response::new(pb::ListWorkersReply {
            workers: self.workers.live().into_iter().map(worker_reply).collect(),
        }))
    }
}

/// Counts accepted jobs as `jobs_enqueued_total{job_type, deduplicated}`.
fn record_enqueued(job_type: &JobType, count: usize, deduplicated: bool) {
    metrics::counter!(
        "jobs_enqueued_total",
        "job_type" => job_type.to_string(),
        "deduplicated" => if deduplicated { "true" } else { "false" },
    )
    .increment(count as u64);
}
