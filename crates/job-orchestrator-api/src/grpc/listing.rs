//! ListJobs and ListDeadLetters on the wire: the requests become filters and a page (every
//! problem reported together; whose records is the caller's [`super::caller`] scope), and dead
//! letters go back as `DeadLetter` messages.

use exobrain_jobs::domain::{InvalidField, JobState, JobType};
use exobrain_jobs::store::{Cursor, DeadLetter, JobFilter, PageRequest};
use exobrain_proto::job_orchestrator as pb;

use super::error::ApiError;

/// A validated ListJobs request.
#[derive(Debug, Clone)]
pub struct JobsQuery {
    /// Which of them.
    pub filter: JobFilter,
    /// Which page.
    pub page: PageRequest,
}

/// A validated ListDeadLetters request.
#[derive(Debug, Clone)]
pub struct DeadLettersQuery {
    /// Only this job type, when set.
    pub job_type: Option<JobType>,
    /// Which page.
    pub page: PageRequest,
}

/// Validates a ListJobs request.
pub fn jobs_query(request: pb::ListJobsRequest) -> Result<JobsQuery, ApiError> {
    let mut problems = Vec::new();
    let state = request
        .state
        .map(|raw| {
            JobState::ALL
                .into_iter()
                .find(|state| state.to_proto() == raw)
                .ok_or_else(|| {
                    problems.push(InvalidField::new(
                        "state",
                        format!("{raw} is not a JobLifecycleState"),
                    ))
                })
        })
        .transpose();
    let job_type = optional_job_type(&request.job_type, &mut problems);
    let page = page(request.page_size, &request.page_token, &mut problems);
    match (state, job_type, page) {
        (Ok(state), Ok(job_type), Ok(page)) => Ok(JobsQuery {
            filter: JobFilter { state, job_type },
            page,
        }),
        _ => Err(ApiError::Invalid(problems)),
    }
}

/// Validates a ListDeadLetters request.
pub fn dead_letters_query(
    request: pb::ListDeadLettersRequest,
) -> Result<DeadLettersQuery, ApiError> {
    let mut problems = Vec::new();
    let job_type = optional_job_type(&request.job_type, &mut problems);
    let page = page(request.page_size, &request.page_token, &mut problems);
    match (job_type, page) {
        (Ok(job_type), Ok(page)) => Ok(DeadLettersQuery { job_type, page }),
        _ => Err(ApiError::Invalid(problems)),
    }
}

fn optional_job_type(raw: &str, problems: &mut Vec<InvalidField>) -> Result<Option<JobType>, ()> {
    if raw.is_empty() {
        return Ok(None);
    }
    JobType::parse("job_type", raw)
        .map(Some)
        .map_err(|p| problems.push(p))
}

fn page(size: u32, token: &str, problems: &mut Vec<InvalidField>) -> Result<PageRequest, ()> {
    Cursor::parse_token("page_token", token)
        .map(|after| PageRequest::new(size, after))
        .map_err(|p| problems.push(p))
}

/// The token of the page after `next`; empty on the last page.
pub fn next_page_token(next: Option<Cursor>) -> String {
    next.map(|cursor| cursor.to_token()).unwrap_or_default()
}

/// A dead letter as its wire message.
pub fn dead_letter_reply(letter: DeadLetter) -> pb::DeadLetter {
    pb::DeadLetter {
        id: letter.id.to_string(),
        job_id: letter
            .job_id
            .map(|job_id| job_id.to_string())
            .unwrap_or_default(),
        job_type: letter.job_type,
        user_id: letter.owner,
        reason: letter.reason,
        detail: letter.detail,
        attempts: letter.attempts,
        created_at: letter.created_at.to_rfc3339(),
        replayed_at: letter
            .replayed_at
            .map(|at| at.to_rfc3339())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Invalid(problems) => problems.into_iter().map(|p| p.field).collect(),
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    #[test]
    fn a_list_request_reports_every_problem() {
        let request = pb::ListJobsRequest {
            user_id: String::new(),
            state: Some(42),
            job_type: "Not A Type".into(),
            page_size: 10,
            page_token: "garbage".into(),
            all_users: false,
        };
        assert_eq!(
            fields(jobs_query(request).expect_err("invalid")),
            ["state", "job_type", "page_token"]
        );
    }

    #[test]
    fn filters_are_optional() {
        let query = jobs_query(pb::ListJobsRequest {
            user_id: "alice".into(),
            state: Some(pb::JobLifecycleState::Cancelled as i32),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(query.filter.state, Some(JobState::Cancelled));
        assert_eq!(query.filter.job_type, None);
        assert_eq!(query.page, PageRequest::new(0, None));
    }
}
