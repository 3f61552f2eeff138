//! The `JobOrchestrator` gRPC service: requests are converted to domain values, handed to the
//! job store, and answered; errors go through the one mapping in [`super::error`].
//!
//! EnqueueJob, GetJobStatus and WatchJobStatus are served; the other RPCs answer UNIMPLEMENTED until the
//! worker side that gives them meaning exists.

use std::pin::Pin;

use exobrain_common::error::to_status;
use exobrain_jobs::domain::{JobId, Registry, UserId};
use exobrain_jobs::store::{JobSnapshot, JobStore};
use exobrain_proto::job_orchestrator as pb;
use exobrain_proto::job_orchestrator::job_orchestrator_server::JobOrchestrator;
use futures::Stream;
use tonic::{Request, Response, Status};

use super::convert::{EnqueueLimits, new_job};
use super::error::ApiError;
use super::watch;

type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// The service state: the store, the registry and the enqueue limits.
#[derive(Debug, Clone)]
pub struct JobOrchestratorService {
    store: JobStore,
    registry: Registry,
    limits: EnqueueLimits,
    jetstream: async_nats::jetstream::Context,
    status_stream: String,
}

impl JobOrchestratorService {
    /// A service over `store` accepting the types in `registry`, following status events in
    /// `status_stream`.
    pub fn new(
        store: JobStore,
        registry: Registry,
        limits: EnqueueLimits,
        jetstream: async_nats::jetstream::Context,
        status_stream: String,
    ) -> Self {
        Self {
            store,
            registry,
            limits,
            jetstream,
            status_stream,
        }
    }
}

fn status_reply(snapshot: JobSnapshot) -> pb::GetJobStatusReply {
    pb::GetJobStatusReply {
        job_id: snapshot.job_id.to_string(),
        state: snapshot.state.to_proto(),
        attempt: snapshot.attempt,
        detail: snapshot.detail,
        terminal: snapshot.state.is_terminal(),
        updated_at: snapshot.updated_at.to_rfc3339(),
        seq: snapshot.seq,
        job_type: snapshot.job_type,
        created_at: snapshot.created_at.to_rfc3339(),
    }
}

fn not_yet(rpc: &str) -> Status {
    Status::unimplemented(format!("{rpc} is not available yet"))
}

#[tonic::async_trait]
impl JobOrchestrator for JobOrchestratorService {
    async fn enqueue_job(
        &self,
        request: Request<pb::EnqueueJobRequest>,
    ) -> Result<Response<pb::EnqueueJobReply>, Status> {
        let job = new_job(request.into_inner(), &self.registry, &self.limits)?;
        let accepted = self
            .store
            .enqueue(std::slice::from_ref(&job), None)
            .await
            .map_err(|error| to_status(&error))?;
        let first = accepted
            .first()
            .ok_or_else(|| Status::internal("internal error"))?;
        tracing::info!(job_id = %first.job_id, job_type = %job.job_type, deduplicated = first.deduplicated, "job accepted");
        Ok(Response::new(pb::EnqueueJobReply {
            job_id: first.job_id.to_string(),
            deduplicated: first.deduplicated,
        }))
    }

    async fn get_job_status(
        &self,
        request: Request<pb::GetJobStatusRequest>,
    ) -> Result<Response<pb::GetJobStatusReply>, Status> {
        let request = request.into_inner();
        let job_id = JobId::parse("job_id", &request.job_id).map_err(ApiError::from)?;
        let owner = UserId::parse("user_id", &request.user_id).map_err(ApiError::from)?;
        let snapshot = self
            .store
            .snapshot(job_id, &owner)
            .await
            .map_err(|error| to_status(&error))?;
        Ok(Response::new(status_reply(snapshot)))
    }

    type WatchJobStatusStream = EventStream<pb::JobStatusEvent>;

    async fn watch_job_status(
        &self,
        request: Request<pb::WatchJobStatusRequest>,
    ) -> Result<Response<Self::WatchJobStatusStream>, Status> {
        let request = request.into_inner();
        let job_id = JobId::parse("job_id", &request.job_id).map_err(ApiError::from)?;
        let owner = UserId::parse("user_id", &request.user_id).map_err(ApiError::from)?;
        let snapshot = self
            .store
            .snapshot(job_id, &owner)
            .await
            .map_err(|error| to_status(&error))?;
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
            ));
        }
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(receiver),
        )))
    }

    async fn enqueue_jobs(
        &self,
        _request: Request<pb::EnqueueJobsRequest>,
    ) -> Result<Response<pb::EnqueueJobsReply>, Status> {
        Err(not_yet("EnqueueJobs"))
    }

    async fn get_batch_status(
        &self,
        _request: Request<pb::GetBatchStatusRequest>,
    ) -> Result<Response<pb::GetBatchStatusReply>, Status> {
        Err(not_yet("GetBatchStatus"))
    }

    type WatchBatchStatusStream = EventStream<pb::BatchStatusEvent>;

    async fn watch_batch_status(
        &self,
        _request: Request<pb::WatchBatchStatusRequest>,
    ) -> Result<Response<Self::WatchBatchStatusStream>, Status> {
        Err(not_yet("WatchBatchStatus"))
    }

    async fn list_jobs(
        &self,
        _request: Request<pb::ListJobsRequest>,
    ) -> Result<Response<pb::ListJobsReply>, Status> {
        Err(not_yet("ListJobs"))
    }

    async fn cancel_job(
        &self,
        _request: Request<pb::CancelJobRequest>,
    ) -> Result<Response<pb::CancelJobReply>, Status> {
        Err(not_yet("CancelJob"))
    }

    async fn list_dead_letters(
        &self,
        _request: Request<pb::ListDeadLettersRequest>,
    ) -> Result<Response<pb::ListDeadLettersReply>, Status> {
        Err(not_yet("ListDeadLetters"))
    }

    async fn replay_dead_letter(
        &self,
        _request: Request<pb::ReplayDeadLetterRequest>,
    ) -> Result<Response<pb::ReplayDeadLetterReply>, Status> {
        Err(not_yet("ReplayDeadLetter"))
    }
}
