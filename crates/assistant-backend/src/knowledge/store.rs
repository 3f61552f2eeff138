//! `knowledge_jobs` in PostgreSQL: which messages a knowledge update may take, the jobs it
//! enqueued, and their states. Owns the rule that a message counts as committed only once its
//! job SUCCEEDED (both changes in one transaction), and the per-user lock that keeps two
//! concurrent updates from taking the same message.

use chrono::{DateTime, Utc};
use exobrain_proto::job_orchestrator::JobLifecycleState;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::chunks::PendingMessage;
use super::error::KnowledgeError;
use crate::journals::MessageId;

/// A job as enqueued: recorded together with the messages it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct EnqueuedJob {
    /// The orchestrator's job id.
    pub job_id: Uuid,
    /// The batch of the update call that enqueued it.
    pub batch_id: Uuid,
    /// The journal of its messages.
    pub journal_reference: String,
    /// Its messages.
    pub message_ids: Vec<MessageId>,
}

/// A job whose end has not been recorded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct UnfinishedJob {
    /// Its owner.
    pub user_id: Uuid,
    /// The orchestrator's job id.
    pub job_id: Uuid,
}

/// The `knowledge_jobs` table and the message flags it decides.
#[derive(Debug, Clone)]
pub struct KnowledgeJobStore {
    pool: PgPool,
}

/// One update call's transaction, holding the user's update lock until it ends: the messages
/// it reads stay its own until it commits the jobs that carry them, or rolls back.
#[derive(Debug)]
pub struct UpdateLock {
    tx: Transaction<'static, Postgres>,
    user: Uuid,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    id: Uuid,
    reference: String,
    role: String,
    content: String,
    sequence: i32,
    created_at: DateTime<Utc>,
    earlier_failures: i64,
}

impl KnowledgeJobStore {
    /// The store over `pool` (`assistant_db`).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Begins an update of `user`, waiting for any other update of the same user to end.
    pub async fn lock_for_update(&self, user: Uuid) -> Result<UpdateLock, KnowledgeError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(KnowledgeError::store("begin update"))?;
        sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtextextended('knowledge-update:' || $1::text, 0))",
        )
        .bind(user)
        .execute(&mut *tx)
        .await
        .map_err(KnowledgeError::store("take the update lock"))?;
        Ok(UpdateLock { tx, user })
    }

    /// Whether `job_id` is a knowledge update job of `user`.
    pub async fn owns(&self, user: Uuid, job_id: Uuid) -> Result<bool, KnowledgeError> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM knowledge_jobs WHERE job_id = $1 AND user_id = $2)",
        )
        .bind(job_id)
        .bind(user)
        .fetch_one(&self.pool)
        .await
        .map_err(KnowledgeError::store("look up a job"))
    }

    /// Jobs not yet known to be terminal, of `user` or of everyone, oldest first.
    pub async fn unfinished(
        &self,
        user: Option<Uuid>,
    ) -> Result<Vec<UnfinishedJob>, KnowledgeError> {
        sqlx::query_as(
            "SELECT user_id, job_id FROM knowledge_jobs
             WHERE NOT terminal AND ($1::uuid IS NULL OR user_id = $1)
             ORDER BY created_at, job_id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .map_err(KnowledgeError::store("list unfinished jobs"))
    }

    /// Records that `job_id` reached `state` (stored under its wire name, e.g. `FAILED_FINAL`);
    /// when that is SUCCEEDED, marks its messages committed in the same transaction. A job
    /// already terminal is left as it is.
    pub async fn record_state(
        &self,
        job_id: Uuid,
        state: JobLifecycleState,
    ) -> Result<(), KnowledgeError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(KnowledgeError::store("begin state update"))?;
        let messages: Option<Vec<Uuid>> = sqlx::query_scalar(
            "UPDATE knowledge_jobs SET state = $2, updated_at = NOW()
             WHERE job_id = $1 AND NOT terminal RETURNING message_ids",
        )
        .bind(job_id)
        .bind(state.as_str_name())
        .fetch_optional(&mut *tx)
        .await
        .map_err(KnowledgeError::store("record a job state"))?;
        if let (Some(ids), JobLifecycleState::Succeeded) = (messages, state) {
            sqlx::query(
                "UPDATE messages SET committed_to_knowledge_base = TRUE WHERE id = ANY($1)",
            )
            .bind(ids)
            .execute(&mut *tx)
            .await
            .map_err(KnowledgeError::store("mark messages committed"))?;
        }
        tx.commit()
            .await
            .map_err(KnowledgeError::store("commit a job state"))
    }
}

impl UpdateLock {
    /// The finished, non-empty messages of the user (of one journal, or all) that are neither
    /// committed nor carried by an unfinished job, by journal and sequence.
    pub async fn pending_messages(
        &mut self,
        journal_reference: Option<&str>,
    ) -> Result<Vec<PendingMessage>, KnowledgeError> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT m.id, c.reference, m.role, m.content, m.sequence, m.created_at,
                    (SELECT count(*) FROM knowledge_jobs k
                      WHERE k.user_id = $1 AND k.state IN ('FAILED_FINAL', 'CANCELLED')
                        AND k.message_ids @> ARRAY[m.id]) AS earlier_failures
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.user_id = $1 AND ($2::text IS NULL OR c.reference = $2)
               AND NOT m.committed_to_knowledge_base AND m.status = 'complete'
               AND m.content IS NOT NULL AND btrim(m.content) <> ''
               AND NOT EXISTS (SELECT 1 FROM knowledge_jobs k
                                WHERE k.user_id = $1 AND NOT k.terminal
                                  AND k.message_ids @> ARRAY[m.id])
             ORDER BY c.reference, m.sequence",
        )
        .bind(self.user)
        .bind(journal_reference)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(KnowledgeError::store("list pending messages"))?;
        Ok(rows
            .into_iter()
            .map(|row| PendingMessage {
                id: MessageId(row.id),
                journal_reference: row.reference,
                role: row.role,
                content: row.content,
                sequence: row.sequence,
                created_at: row.created_at,
                earlier_failures: row.earlier_failures,
            })
            .collect())
    }

    /// Records `jobs` as enqueued and releases the lock.
    pub async fn commit(mut self, jobs: &[EnqueuedJob]) -> Result<(), KnowledgeError> {
        for job in jobs {
            let ids: Vec<Uuid> = job.message_ids.iter().map(|id| id.0).collect();
            sqlx::query(
                "INSERT INTO knowledge_jobs (job_id, user_id, batch_id, journal_reference, message_ids)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id) DO NOTHING",
            )
            .bind(job.job_id)
            .bind(self.user)
            .bind(job.batch_id)
            .bind(&job.journal_reference)
            .bind(ids)
            .execute(&mut *self.tx)
            .await
            .map_err(KnowledgeError::store("record an enqueued job"))?;
        }
        self.tx
            .commit()
            .await
            .map_err(KnowledgeError::store("commit enqueued jobs"))
    }
}
