//! The SQL of attempt transitions, inside a caller's transaction. Starting is one
//! conditional `UPDATE … FROM UNNEST` (a job starts only from a state that may start) plus the
//! attempt history rows; finishing is one conditional `UPDATE` (only the current attempt of the
//! lease holder counts) plus the history, dead letters, the checkpoints of jobs that ended,
//! and every message in the outbox.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use super::letters::NewLetter;
use super::messages::FinalFailure;
use super::{Attempt, JobStore, Outcome, StoreError};
use crate::domain::{JobId, JobState};
use crate::outbox::Outbox;

/// What an outcome does to a job, decided before the update.
struct Transition {
    state: JobState,
    detail: String,
    result: Option<Value>,
    attempt_outcome: &'static str,
    terminal_reason: Option<&'static str>,
}

impl Transition {
    fn of(attempt: &Attempt, outcome: &Outcome) -> Self {
        let last = attempt.attempt >= attempt.max_attempts;
        let failed = |detail: &str, retry: bool, attempt_outcome, reason| {
            let state = if retry && !last {
                JobState::Retrying
            } else {
                JobState::FailedFinal
            };
            Transition {
                state,
                detail: detail.to_owned(),
                result: None,
                attempt_outcome,
                terminal_reason: (state == JobState::FailedFinal).then_some(reason),
            }
        };
        match outcome {
            Outcome::Succeeded(result) => Transition {
                state: JobState::Succeeded,
                detail: String::new(),
                result: Some(result.clone()),
                attempt_outcome: "succeeded",
                terminal_reason: None,
            },
            Outcome::Failed { detail, retry } => failed(
                detail,
                *retry,
                "failed",
                if *retry {
                    "max-attempts"
                } else {
                    "not-retryable"
                },
            ),
            Outcome::TimedOut(detail) => failed(detail, true, "timed_out", "timeout"),
            Outcome::InvalidPayload(detail) => failed(detail, false, "failed", "invalid-payload"),
        }
    }
}

impl JobStore {
    /// Starts attempts inside `tx`, queueing their status events in `outbox`; see
    /// [`JobStore::start_attempts`].
    pub(super) async fn start_in(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        outbox: &mut Outbox,
        worker_id: &str,
        lease_until: DateTime<Utc>,
        job_ids: &[JobId],
    ) -> Result<Vec<Option<Attempt>>, StoreError> {
        if job_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "UPDATE orchestrator_jobs AS j
             SET status = 'started', attempt = j.attempt + 1, seq = j.seq + 1, lease_owner = $2,
                 lease_expires_at = $3, started_at = COALESCE(j.started_at, NOW()), updated_at = NOW()
             FROM (SELECT DISTINCT id FROM UNNEST($1::uuid[]) AS r(id)) AS r
             WHERE j.job_id = r.id AND j.status = ANY($4)
             RETURNING j.job_id, j.job_type, j.correlation_id, j.attempt, j.max_attempts, j.payload, j.seq",
        )
        .bind(job_ids.iter().map(JobId::as_uuid).collect::<Vec<_>>())
        .bind(worker_id)
        .bind(lease_until)
        .bind(db_states(&JobState::predecessors(JobState::Started)))
        .fetch_all(&mut **tx)
        .await?;
        let mut started = HashMap::with_capacity(rows.len());
        for row in &rows {
            let attempt = Attempt {
                job_id: JobId::from(row.try_get::<Uuid, _>("job_id")?),
                job_type: row.try_get("job_type")?,
                owner: row.try_get("correlation_id")?,
                attempt: row.try_get("attempt")?,
                max_attempts: row.try_get("max_attempts")?,
                payload: row.try_get("payload")?,
            };
            let seq: i64 = row.try_get("seq")?;
            self.queue_status_event(
                outbox,
                attempt.job_id,
                JobState::Started,
                attempt.attempt,
                "",
                seq,
            );
            started.insert(attempt.job_id, attempt);
        }
        if !started.is_empty() {
            sqlx::query(
                "INSERT INTO orchestrator_job_attempts (job_id, attempt, worker_id)
                 SELECT job_id, attempt, $3 FROM UNNEST($1::uuid[], $2::int[]) AS t(job_id, attempt)",
            )
            .bind(started.keys().map(JobId::as_uuid).collect::<Vec<_>>())
            .bind(started.values().map(|attempt| attempt.attempt).collect::<Vec<_>>())
            .bind(worker_id)
            .execute(&mut **tx)
            .await?;
        }
        // A job named twice starts once: the first mention gets the attempt.
        Ok(job_ids
            .iter()
            .map(|job_id| started.remove(job_id))
            .collect())
    }

    /// Records outcomes inside `tx`, queueing their messages in `outbox`; see
    /// [`JobStore::finish_attempts`].
    pub(super) async fn finish_in(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        outbox: &mut Outbox,
        worker_id: &str,
        finished: &[(Attempt, Outcome)],
    ) -> Result<Vec<Option<JobState>>, StoreError> {
        if finished.is_empty() {
            return Ok(Vec::new());
        }
        let transitions: Vec<Transition> = finished
            .iter()
            .map(|(attempt, outcome)| Transition::of(attempt, outcome))
            .collect();
        let applied: HashMap<Uuid, i64> = sqlx::query_as(
            "UPDATE orchestrator_jobs AS j
             SET status = t.status, is_terminal = t.terminal, seq = j.seq + 1, result = t.result,
                 last_error = NULLIF(t.detail, ''), terminal_reason = t.reason,
                 completed_at = CASE WHEN t.terminal THEN NOW() END,
                 lease_owner = NULL, lease_expires_at = NULL, updated_at = NOW()
             FROM UNNEST($1::uuid[], $2::int[], $3::text[], $4::bool[], $5::jsonb[], $6::text[], $7::text[])
                  AS t(job_id, attempt, status, terminal, result, detail, reason)
             WHERE j.job_id = t.job_id AND j.status = 'started' AND j.attempt = t.attempt
               AND j.lease_owner = $8
             RETURNING j.job_id, j.seq",
        )
        .bind(finished.iter().map(|(a, _)| a.job_id.as_uuid()).collect::<Vec<_>>())
        .bind(finished.iter().map(|(a, _)| a.attempt).collect::<Vec<_>>())
        .bind(transitions.iter().map(|t| t.state.as_db()).collect::<Vec<_>>())
        .bind(transitions.iter().map(|t| t.state.is_terminal()).collect::<Vec<_>>())
        .bind(transitions.iter().map(|t| t.result.clone()).collect::<Vec<_>>())
        .bind(transitions.iter().map(|t| t.detail.as_str()).collect::<Vec<_>>())
        .bind(transitions.iter().map(|t| t.terminal_reason).collect::<Vec<_>>())
        .bind(worker_id)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
        let done: Vec<(&Attempt, &Transition, i64)> = finished
            .iter()
            .zip(&transitions)
            .filter_map(|((attempt, _), t)| {
                Some((attempt, t, *applied.get(&attempt.job_id.as_uuid())?))
            })
            .collect();
        self.close_attempts(
            tx,
            done.iter()
                .map(|(a, t, _)| (a.job_id, a.attempt, t.attempt_outcome, t.detail.as_str())),
        )
        .await?;
        let failures: Vec<NewLetter<'_>> = done
            .iter()
            .filter_map(|(a, t, _)| {
                Some(NewLetter::for_job(
                    a.job_id,
                    &a.job_type,
                    &a.owner,
                    t.terminal_reason?,
                    &t.detail,
                    a.attempt,
                ))
            })
            .collect();
        let letters = self.insert_dead_letters(tx, &failures).await?;
        let ended: Vec<JobId> = done
            .iter()
            .filter(|(_, t, _)| t.state.is_terminal())
            .map(|(a, _, _)| a.job_id)
            .collect();
        self.delete_checkpoints(tx, &ended).await?;
        for (attempt, transition, seq) in &done {
            let job_id = attempt.job_id;
            self.queue_status_event(
                outbox,
                job_id,
                transition.state,
                attempt.attempt,
                &transition.detail,
                *seq,
            );
            if let Some(result) = &transition.result {
                self.queue_completed(
                    outbox,
                    job_id,
                    &attempt.job_type,
                    &attempt.owner,
                    attempt.attempt,
                    result,
                );
            }
            if let (Some(reason), Some(letter)) =
                (transition.terminal_reason, letters.get(&Some(job_id)))
            {
                self.queue_final_failure(
                    outbox,
                    &FinalFailure {
                        job_id,
                        job_type: &attempt.job_type,
                        owner: &attempt.owner,
                        attempt: attempt.attempt,
                        reason,
                        detail: &transition.detail,
                        dead_letter_id: *letter,
                    },
                );
            }
        }
        Ok(finished
            .iter()
            .zip(&transitions)
            .map(|((attempt, _), t)| {
                applied
                    .contains_key(&attempt.job_id.as_uuid())
                    .then_some(t.state)
            })
            .collect())
    }

    /// Marks attempts finished in the attempt history.
    pub(super) async fn close_attempts<'a>(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        closed: impl Iterator<Item = (JobId, i32, &'static str, &'a str)>,
    ) -> Result<(), StoreError> {
        let (mut ids, mut numbers, mut outcomes, mut errors) = (vec![], vec![], vec![], vec![]);
        for (job_id, attempt, outcome, error) in closed {
            ids.push(job_id.as_uuid());
            numbers.push(attempt);
            outcomes.push(outcome);
            errors.push(error);
        }
        if ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE orchestrator_job_attempts AS a
             SET finished_at = NOW(), outcome = t.outcome, error = NULLIF(t.error, '')
             FROM UNNEST($1::uuid[], $2::int[], $3::text[], $4::text[]) AS t(job_id, attempt, outcome, error)
             WHERE a.job_id = t.job_id AND a.attempt = t.attempt",
        )
        .bind(ids)
        .bind(numbers)
        .bind(outcomes)
        .bind(errors)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

pub(super) fn db_states(states: &[JobState]) -> Vec<&'static str> {
    states.iter().map(|state| state.as_db()).collect()
}
