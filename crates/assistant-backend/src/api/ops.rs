//! Operator routes under `/api/ops`: the overview (jobs by type and state, throughput,
//! backlog, live workers), every user's jobs and dead letters, and replaying a dead letter.
//! Every handler takes [`Operator`], so a signed-out caller gets 401 and a signed-in user
//! without the operator role 403 before anything is asked of job-orchestrator. [`OpsApi`]
//! documents the routes.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::query::check_range;
use super::{ApiQuery, Text};
use crate::app::AppState;
use crate::auth::Operator;
use crate::error::{ApiError, ErrorBody};
use crate::operations::{DeadLetterPage, DeadLettersQuery, JobPage, JobsQuery, OpsError, Overview};
use exobrain_proto::job_orchestrator::JobLifecycleState;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

/// Routes under `/api/ops`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ops/overview", get(overview))
        .route("/ops/jobs", get(jobs))
        .route("/ops/dead-letters", get(dead_letters))
        .route("/ops/dead-letters/{id}/replay", post(replay))
}

/// The OpenAPI paths of [`routes`].
#[derive(Debug, OpenApi)]
#[openapi(paths(overview, jobs, dead_letters, replay))]
pub struct OpsApi;

impl From<OpsError> for ApiError {
    fn from(error: OpsError) -> Self {
        match error {
            OpsError::Invalid(text) => ApiError::Validation(text),
            OpsError::DeadLetterNotFound => ApiError::NotFound {
                what: "dead letter",
            },
            OpsError::NotReplayable => ApiError::Conflict(error.to_string()),
            OpsError::Upstream { .. } if error.is_unavailable() => {
                tracing::warn!(%error, "job service unreachable");
                ApiError::Unavailable("the job service is unreachable")
            }
            OpsError::Upstream { .. } => {
                tracing::warn!(%error, "job service call failed");
                ApiError::BadGateway("the job service failed")
            }
        }
    }
}

/// `GET /api/ops/overview`.
#[utoipa::path(
    get, path = "/api/ops/overview", operation_id = "get_ops_overview", tag = "ops",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Every user's jobs by type and state over the last five minutes, and the workers heard from recently", body = Overview),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "`operator role required`", body = ErrorBody),
        (status = 502, description = "The job service failed", body = ErrorBody),
        (status = 503, description = "The job service is unreachable", body = ErrorBody),
    ),
)]
async fn overview(State(state): State<AppState>, _: Operator) -> Result<Json<Overview>, ApiError> {
    Ok(Json(state.operations.overview().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct JobsParams {
    /// Only jobs in this state: `ENQUEUED_OR_PENDING`, `STARTED`, `RETRYING`, `SUCCEEDED`,
    /// `FAILED_FINAL` or `CANCELLED`.
    #[param(value_type = Option<String>)]
    state: Option<Text>,
    /// Only jobs of this type (e.g. `knowledge.update`).
    #[param(value_type = Option<String>)]
    job_type: Option<Text>,
    /// Jobs per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<String>)]
    cursor: Option<Text>,
}

/// `GET /api/ops/jobs?state&job_type&limit&cursor`.
#[utoipa::path(
    get, path = "/api/ops/jobs", operation_id = "list_ops_jobs", tag = "ops",
    params(JobsParams),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Every user's jobs, newest first", body = JobPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "`operator role required`", body = ErrorBody),
        (status = 422, description = "An unknown state, a limit out of range, or a cursor or job type the job service refused", body = ErrorBody),
        (status = 502, description = "The job service failed", body = ErrorBody),
        (status = 503, description = "The job service is unreachable", body = ErrorBody),
    ),
)]
async fn jobs(
    State(state): State<AppState>,
    _: Operator,
    ApiQuery(params): ApiQuery<JobsParams>,
) -> Result<Json<JobPage>, ApiError> {
    let job_state = params
        .state
        .map(|name| {
            JobLifecycleState::from_str_name(name.as_str()).ok_or_else(|| {
                ApiError::Validation(format!(
                    "state must be one of ENQUEUED_OR_PENDING, STARTED, RETRYING, SUCCEEDED, \
                     FAILED_FINAL, CANCELLED; got `{}`",
                    name.as_str()
                ))
            })
        })
        .transpose()?;
    let query = JobsQuery {
        state: job_state,
        job_type: nonempty(params.job_type),
        limit: limit(params.limit)?,
        cursor: nonempty(params.cursor),
    };
    Ok(Json(state.operations.jobs(query).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeadLettersParams {
    /// Only dead letters of this job type.
    #[param(value_type = Option<String>)]
    job_type: Option<Text>,
    /// Dead letters per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<String>)]
    cursor: Option<Text>,
}

/// `GET /api/ops/dead-letters?job_type&limit&cursor`.
#[utoipa::path(
    get, path = "/api/ops/dead-letters", operation_id = "list_ops_dead_letters", tag = "ops",
    params(DeadLettersParams),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Every user's dead letters, newest first", body = DeadLetterPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "`operator role required`", body = ErrorBody),
        (status = 422, description = "A limit out of range, or a cursor or job type the job service refused", body = ErrorBody),
        (status = 502, description = "The job service failed", body = ErrorBody),
        (status = 503, description = "The job service is unreachable", body = ErrorBody),
    ),
)]
async fn dead_letters(
    State(state): State<AppState>,
    _: Operator,
    ApiQuery(params): ApiQuery<DeadLettersParams>,
) -> Result<Json<DeadLetterPage>, ApiError> {
    let query = DeadLettersQuery {
        job_type: nonempty(params.job_type),
        limit: limit(params.limit)?,
        cursor: nonempty(params.cursor),
    };
    Ok(Json(state.operations.dead_letters(query).await?))
}

/// The job a replay created.
#[derive(Debug, Serialize, ToSchema)]
struct Replayed {
    /// The new job (the dead letter's job type and payload, for the same user).
    job_id: String,
}

/// `POST /api/ops/dead-letters/{id}/replay`.
#[utoipa::path(
    post, path = "/api/ops/dead-letters/{id}/replay", operation_id = "replay_ops_dead_letter", tag = "ops",
    params(("id" = Uuid, Path, description = "An `id` of the dead letter listing")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 202, description = "The dead letter's job was enqueued again as a new job", body = Replayed),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "`operator role required`, or a cookie-authenticated write from a foreign `Origin`", body = ErrorBody),
        (status = 404, description = "No dead letter with that id", body = ErrorBody),
        (status = 409, description = "The dead letter was replayed already, or its job no longer exists", body = ErrorBody),
        (status = 502, description = "The job service failed", body = ErrorBody),
        (status = 503, description = "The job service is unreachable", body = ErrorBody),
    ),
)]
async fn replay(
    State(state): State<AppState>,
    _: Operator,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Replayed>), ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound {
        what: "dead letter",
    })?;
    let job_id = state.operations.replay(id).await?;
    Ok((StatusCode::ACCEPTED, Json(Replayed { job_id })))
}

fn limit(limit: Option<i64>) -> Result<u32, ApiError> {
    let limit = check_range("limit", limit.unwrap_or(DEFAULT_LIMIT), MAX_LIMIT)?;
    Ok(u32::try_from(limit).unwrap_or(MAX_LIMIT as u32))
}

fn nonempty(text: Option<Text>) -> Option<String> {
    text.map(|text| text.as_str().trim().to_owned())
        .filter(|text| !text.is_empty())
}
