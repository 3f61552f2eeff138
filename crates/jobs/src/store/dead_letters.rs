//! Dead letters for their owner: listed newest first, and replayed once each. A replay creates
//! a new job (new id, same type, owner and payload, attempts from zero) through the normal
//! enqueue path, in the same transaction that marks the dead letter as replayed.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::Scope;
use super::page::{Cursor, Page, PageRequest};
use super::{JobStore, RequestError, StoreError};
use crate::domain::{DeadLetterId, JobId, JobType, NewJob, UserId};
use crate::outbox::Outbox;

/// A job (or unreadable message) that failed for good.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The dead letter.
    pub id: DeadLetterId,
    /// The job; `None` when the message could not be read as a job, or the job was deleted.
    pub job_id: Option<JobId>,
    /// The job's type (empty when unknown).
    pub job_type: String,
    /// The job's owner (empty when unknown).
    pub owner: String,
    /// `max-attempts`, `invalid-envelope`, `invalid-payload`, `timeout`, `not-retryable` or
    /// `unpublishable`.
    pub reason: String,
    /// User-facing summary of the last failure.
    pub detail: String,
    /// Attempts made.
    pub attempts: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it was replayed, if it was.
    pub replayed_at: Option<DateTime<Utc>>,
    /// The job its replay created, if it was replayed.
    pub replayed_job_id: Option<JobId>,
}

impl DeadLetter {
    fn from_row(row: &PgRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: DeadLetterId::from(row.try_get::<Uuid, _>("id")?),
            job_id: row.try_get::<Option<Uuid>, _>("job_id")?.map(JobId::from),
            job_type: row.try_get("job_type")?,
            owner: row.try_get("correlation_id")?,
            reason: row.try_get("reason")?,
            detail: row.try_get("detail")?,
            attempts: row.try_get("attempts")?,
            created_at: row.try_get("created_at")?,
            replayed_at: row.try_get("replayed_at")?,
            replayed_job_id: row
                .try_get::<Option<Uuid>, _>("replayed_job_id")?
                .map(JobId::from),
        })
    }

    /// Whether a replay may be attempted: not replayed yet, and its job still exists.
    pub fn check_replayable(&self) -> Result<(), RequestError> {
        if let Some(job_id) = self.replayed_job_id {
            return Err(RequestError::AlreadyReplayed {
                dead_letter_id: self.id.to_string(),
                job_id: job_id.to_string(),
            });
        }
        if self.job_id.is_none() {
            return Err(self.not_replayable("its job no longer exists (or was never readable)"));
        }
        Ok(())
    }

    fn not_replayable(&self, why: &str) -> RequestError {
        RequestError::NotReplayable {
            dead_letter_id: self.id.to_string(),
            why: why.to_owned(),
        }
    }
}

const COLUMNS: &str = "id, job_id, job_type, correlation_id, reason, detail, attempts, created_at,
     replayed_at, replayed_job_id";

impl JobStore {
    /// One page of the dead letters in `scope`, optionally of one job type, newest first.
    pub async fn list_dead_letters(
        &self,
        scope: impl Into<Scope>,
        job_type: Option<&JobType>,
        page: PageRequest,
    ) -> Result<Page<DeadLetter>, StoreError> {
        let scope: Scope = scope.into();
        let after = page.after();
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM orchestrator_dead_letters
             WHERE {owner}
               AND ($2::text IS NULL OR job_type = $2)
               AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
             ORDER BY created_at DESC, id DESC
             LIMIT $5",
            owner = scope.condition(1)
        ))
        .bind(scope.bound())
        .bind(job_type.map(JobType::as_str))
        .bind(after.map(|cursor| cursor.created_at))
        .bind(after.map(|cursor| cursor.id))
        .bind(page.limit())
        .fetch_all(self.pool())
        .await?;
        let letters = rows
            .iter()
            .map(DeadLetter::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page.page(letters, |letter| Cursor {
            created_at: letter.created_at,
            id: letter.id.as_uuid(),
        }))
    }

    /// Dead letter `id`, if it is in `scope`.
    pub async fn find_dead_letter(
        &self,
        id: DeadLetterId,
        scope: impl Into<Scope>,
    ) -> Result<DeadLetter, RequestError> {
        let scope: Scope = scope.into();
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM orchestrator_dead_letters WHERE id = $1"
        ))
        .bind(id.as_uuid())
        .fetch_optional(self.pool())
        .await?;
        in_scope(row, id, &scope)
    }

    /// Replays dead letter `id` (if it is in `scope`) as a new job of the same owner allowed
    /// `max_attempts` attempts, and returns the new job's id. Refused when it was replayed
    /// before, or when its job (and so its payload) no longer exists.
    pub async fn replay_dead_letter(
        &self,
        id: DeadLetterId,
        scope: impl Into<Scope>,
        max_attempts: u32,
    ) -> Result<JobId, RequestError> {
        let scope: Scope = scope.into();
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM orchestrator_dead_letters WHERE id = $1 FOR UPDATE"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let letter = in_scope(row, id, &scope)?;
        letter.check_replayable()?;
        let owner = UserId::parse("user_id", &letter.owner)
            .map_err(|_| letter.not_replayable("its owner is unknown"))?;
        let job = sqlx::query("SELECT job_type, payload FROM orchestrator_jobs WHERE job_id = $1")
            .bind(letter.job_id.map(|job_id| job_id.as_uuid()))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| letter.not_replayable("its job no longer exists"))?;
        let payload: Option<Value> = job.try_get("payload")?;
        let payload = payload
            .filter(|payload| !payload.is_null())
            .ok_or_else(|| letter.not_replayable("its job's payload is absent"))?;
        let job_type = JobType::parse("job_type", &job.try_get::<String, _>("job_type")?)
            .map_err(|_| letter.not_replayable("its job's type is not a valid job type"))?;
        let new_job = NewJob {
            job_type,
            owner,
            payload,
            idempotency_key: None,
            max_attempts,
            trace_context: Default::default(),
        };
        let mut outbox = Outbox::default();
        let accepted = self
            .insert_jobs(&mut tx, &mut outbox, std::slice::from_ref(&new_job), None)
            .await?;
        let job_id = accepted
            .first()
            .map(|accepted| accepted.job_id)
            .ok_or_else(|| StoreError::Corrupt {
                job_id: letter.job_id.map(|id| id.to_string()).unwrap_or_default(),
                what: "replay",
            })?;
        sqlx::query(
            "UPDATE orchestrator_dead_letters SET replayed_at = NOW(), replayed_job_id = $2 WHERE id = $1",
        )
        .bind(id.as_uuid())
        .bind(job_id.as_uuid())
        .execute(&mut *tx)
        .await?;
        self.commit(tx, outbox).await?;
        Ok(job_id)
    }
}

fn in_scope(
    row: Option<PgRow>,
    id: DeadLetterId,
    scope: &Scope,
) -> Result<DeadLetter, RequestError> {
    let letter = DeadLetter::from_row(&row.ok_or_else(|| RequestError::NotFound {
        what: "dead letter",
        id: id.to_string(),
    })?)?;
    if !scope.permits(&letter.owner) {
        return Err(RequestError::NotOwner {
            what: "dead letter",
            id: id.to_string(),
        });
    }
    Ok(letter)
}
