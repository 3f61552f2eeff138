//! Progress of a running attempt: its detail replaces the job's (the column snapshots read as
//! `detail`) and a STARTED status event with the next `seq` goes to the outbox, in one commit,
//! so a reader of the job and a watcher of its events see the same step. The update is fenced
//! by the attempt (see [`Fence`]): a stale attempt's progress changes nothing. The outcome of
//! the attempt later replaces the detail as every transition does.

use super::{Fence, JobStore, StoreError};
use crate::domain::{JobState, ProgressDetail};
use crate::outbox::Outbox;

impl JobStore {
    /// Records `detail` as the progress of the attempt `fence` stands for; false (nothing
    /// written) when the attempt is no longer the job's current one held by its worker.
    pub async fn report_progress(
        &self,
        fence: &Fence,
        detail: &ProgressDetail,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "UPDATE orchestrator_jobs
             SET last_error = NULLIF($4, ''), seq = seq + 1, updated_at = NOW()
             WHERE job_id = $1 AND attempt = $2 AND status = 'started' AND lease_owner = $3
             RETURNING seq",
        )
        .bind(fence.job_id.as_uuid())
        .bind(fence.attempt)
        .bind(&fence.worker_id)
        .bind(detail.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else {
            return Ok(false);
        };
        let mut outbox = Outbox::default();
        self.queue_status_event(
            &mut outbox,
            fence.job_id,
            JobState::Started,
            fence.attempt,
            detail.as_str(),
            seq,
        );
        self.commit(tx, outbox).await?;
        Ok(true)
    }
}
