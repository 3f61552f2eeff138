//! Failing jobs whose request can never be published: the relay parked the outbox row that
//! carried it. Only jobs still waiting for that request (pending or retrying) change; each
//! becomes FAILED_FINAL with a dead letter of reason [`UNPUBLISHABLE`] (and the checkpoints an
//! earlier attempt left deleted), and its status event, failure event and dead letter are
//! queued in the caller's transaction. A job that meanwhile started (an earlier copy of its
//! request was delivered) or finished is left alone.

use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use super::letters::NewLetter;
use super::messages::FinalFailure;
use super::transitions::db_states;
use super::{JobStore, StoreError};
use crate::domain::{JobId, JobState};
use crate::outbox::Outbox;

/// Dead-letter reason and terminal reason of a job whose request could not be published.
pub const UNPUBLISHABLE: &str = "unpublishable";

impl JobStore {
    /// Fails `job_ids` for good with `detail` where they still wait for their request,
    /// inside `tx`; returns how many were failed.
    pub(crate) async fn fail_unpublishable(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        outbox: &mut Outbox,
        job_ids: &[JobId],
        detail: &str,
    ) -> Result<usize, StoreError> {
        if job_ids.is_empty() {
            return Ok(0);
        }
        let waiting = [JobState::Pending, JobState::Retrying];
        let rows = sqlx::query(
            "UPDATE orchestrator_jobs
             SET status = 'failed_final', is_terminal = TRUE, terminal_reason = $3,
                 last_error = $2, seq = seq + 1, completed_at = NOW(), lease_owner = NULL,
                 lease_expires_at = NULL, updated_at = NOW()
             WHERE job_id = ANY($1) AND status = ANY($4)
             RETURNING job_id, job_type, correlation_id, attempt, seq",
        )
        .bind(job_ids.iter().map(JobId::as_uuid).collect::<Vec<_>>())
        .bind(detail)
        .bind(UNPUBLISHABLE)
        .bind(db_states(&waiting))
        .fetch_all(&mut **tx)
        .await?;
        struct Failed {
            job_id: JobId,
            job_type: String,
            owner: String,
            attempt: i32,
            seq: i64,
        }
        let mut failed = Vec::with_capacity(rows.len());
        for row in &rows {
            failed.push(Failed {
                job_id: JobId::from(row.try_get::<Uuid, _>("job_id")?),
                job_type: row.try_get("job_type")?,
                owner: row.try_get("correlation_id")?,
                attempt: row.try_get("attempt")?,
                seq: row.try_get("seq")?,
            });
        }
        let letters: Vec<NewLetter<'_>> = failed
            .iter()
            .map(|f| {
                NewLetter::for_job(
                    f.job_id,
                    &f.job_type,
                    &f.owner,
                    UNPUBLISHABLE,
                    detail,
                    f.attempt,
                )
            })
            .collect();
        let letters = self.insert_dead_letters(tx, &letters).await?;
        let ended: Vec<JobId> = failed.iter().map(|f| f.job_id).collect();
        self.delete_checkpoints(tx, &ended).await?;
        for f in &failed {
            let state = JobState::FailedFinal;
            self.queue_status_event(outbox, f.job_id, state, f.attempt, detail, f.seq);
            if let Some(letter) = letters.get(&Some(f.job_id)) {
                self.queue_final_failure(
                    outbox,
                    &FinalFailure {
                        job_id: f.job_id,
                        job_type: &f.job_type,
                        owner: &f.owner,
                        attempt: f.attempt,
                        reason: UNPUBLISHABLE,
                        detail,
                        dead_letter_id: *letter,
                    },
                );
            }
        }
        Ok(failed.len())
    }
}
