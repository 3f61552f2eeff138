//! EnqueueJobs and batch status on the wire: the batch request checked as a whole and job by
//! job (each problem named with its job's index, e.g. `jobs[3].knowledge_update.messages`),
//! and batch progress back as `BatchStatus`.

use std::collections::HashMap;

use exobrain_jobs::domain::Registry;
use exobrain_jobs::domain::{BatchCounts, BatchId, IdempotencyKey, InvalidField, NewJob, UserId};
use exobrain_proto::job_orchestrator::{BatchStatus, EnqueueJobsRequest};

use super::convert::{EnqueueLimits, check_job};
use super::error::ApiError;

/// Most jobs accepted in one batch.
pub const MAX_BATCH_JOBS: usize = 1000;

/// A validated EnqueueJobs request.
#[derive(Debug, Clone)]
pub struct NewBatch {
    /// The owner of the batch and of every job in it.
    pub owner: UserId,
    /// The batch's deduplication key, if any.
    pub idempotency_key: Option<IdempotencyKey>,
    /// The jobs, in request order.
    pub jobs: Vec<NewJob>,
}

/// Validates an EnqueueJobs request, reporting every problem of every job together.
pub fn new_batch(
    request: EnqueueJobsRequest,
    registry: &Registry,
    limits: &EnqueueLimits,
) -> Result<NewBatch, ApiError> {
    let mut problems = Vec::new();
    let owner = UserId::parse("user_id", &request.user_id)
        .map_err(|p| problems.push(p))
        .ok();
    let idempotency_key =
        IdempotencyKey::parse_optional("idempotency_key", &request.idempotency_key)
            .map_err(|p| problems.push(p))
            .ok()
            .flatten();
    if request.jobs.is_empty() {
        problems.push(InvalidField::new("jobs", "needs at least one job"));
    }
    if request.jobs.len() > MAX_BATCH_JOBS {
        problems.push(InvalidField::new(
            "jobs",
            format!(
                "has {} jobs; at most {MAX_BATCH_JOBS} are allowed per batch",
                request.jobs.len()
            ),
        ));
    }
    // Without a valid owner or within the size limit, per-job problems would only be noise.
    let Some(owner) = owner.filter(|_| request.jobs.len() <= MAX_BATCH_JOBS) else {
        return Err(ApiError::Invalid(problems));
    };

    let mut jobs = Vec::with_capacity(request.jobs.len());
    let mut first_with_key: HashMap<String, usize> = HashMap::new();
    for (index, mut job) in request.jobs.into_iter().enumerate() {
        let at = |field: &str| format!("jobs[{index}].{field}");
        if job.user_id.is_empty() {
            job.user_id = owner.as_str().to_owned();
        } else if job.user_id != owner.as_str() {
            problems.push(InvalidField::new(
                at("user_id"),
                "must be empty or equal to the batch's user_id",
            ));
            continue;
        }
        if !job.idempotency_key.is_empty() {
            let first = *first_with_key
                .entry(job.idempotency_key.clone())
                .or_insert(index);
            if first != index {
                problems.push(InvalidField::new(
                    at("idempotency_key"),
                    format!("repeats the key of jobs[{first}]"),
                ));
            }
        }
        match check_job(job, registry, limits) {
            Ok(job) => jobs.push(job),
            Err(found) => problems.extend(
                found
                    .into_iter()
                    .map(|problem| InvalidField::new(at(&problem.field), problem.problem)),
            ),
        }
    }
    if problems.is_empty() {
        Ok(NewBatch {
            owner,
            idempotency_key,
            jobs,
        })
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// The counts of a batch as `BatchStatus`, without the per-job list.
pub fn batch_status(batch_id: BatchId, counts: BatchCounts) -> BatchStatus {
    BatchStatus {
        batch_id: batch_id.to_string(),
        total: counts.total,
        pending: counts.pending,
        running: counts.running,
        succeeded: counts.succeeded,
        failed: counts.failed,
        cancelled: counts.cancelled,
        terminal: counts.is_terminal(),
        jobs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use exobrain_proto::job_orchestrator::EnqueueJobRequest;
    use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;

    use super::*;

    fn echo(user_id: &str, key: &str) -> EnqueueJobRequest {
        EnqueueJobRequest {
            job_type: "diagnostics.echo".into(),
            user_id: user_id.into(),
            payload: Some(Payload::PayloadJson("{}".into())),
            idempotency_key: key.into(),
        }
    }

    fn batch(jobs: Vec<EnqueueJobRequest>) -> EnqueueJobsRequest {
        EnqueueJobsRequest {
            user_id: "alice".into(),
            jobs,
            idempotency_key: String::new(),
        }
    }

    fn fields(request: EnqueueJobsRequest) -> Vec<String> {
        let registry = Registry::standard(3, true);
        match new_batch(request, &registry, &Default::default()) {
            Err(ApiError::Invalid(problems)) => problems.into_iter().map(|p| p.field).collect(),
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    #[test]
    fn jobs_inherit_the_batch_owner() {
        let registry = Registry::standard(3, true);
        let batch = new_batch(
            batch(vec![echo("", ""), echo("alice", "")]),
            &registry,
            &Default::default(),
        )
        .expect("valid");
        assert_eq!(batch.jobs.len(), 2);
        assert!(batch.jobs.iter().all(|job| job.owner.as_str() == "alice"));
    }

    #[test]
    fn every_problem_names_its_job() {
        let mut bad_payload = echo("", "");
        bad_payload.payload = Some(Payload::PayloadJson("[]".into()));
        let mut unknown = echo("", "");
        unknown.job_type = "mail.send".into();
        let request = batch(vec![
            echo("", "k"),
            echo("bob", ""),
            bad_payload,
            echo("", "k"),
            unknown,
        ]);
        assert_eq!(
            fields(request),
            [
                "jobs[1].user_id",
                "jobs[2].payload_json",
                "jobs[3].idempotency_key",
                "jobs[4].job_type",
            ]
        );
    }

    #[test]
    fn empty_and_oversized_batches_are_refused() {
        assert_eq!(fields(batch(vec![])), ["jobs"]);
        let too_many = batch((0..=MAX_BATCH_JOBS).map(|_| echo("", "")).collect());
        let registry = Registry::standard(3, true);
        let error = new_batch(too_many, &registry, &Default::default()).expect_err("too many");
        assert!(error.to_string().contains("at most 1000"), "{error}");
    }
}
