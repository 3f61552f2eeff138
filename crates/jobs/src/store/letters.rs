//! Writing dead letters: for jobs that failed for good (one per job, written with the
//! transition that made the job final) and for messages that are not jobs at all (poison
//! messages, one per JetStream message, however often it is delivered, whatever bytes it
//! holds).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::json;
use uuid::Uuid;

use super::{JobStore, StoreError};
use crate::domain::{DeadLetterId, JobId};
use crate::outbox::Outbox;

/// Namespace of poison dead-letter ids (UUIDv5 of the message's stream position).
const POISON_NAMESPACE: Uuid = Uuid::from_u128(0x6a0b_3f4e_2c1d_4e8a_9b7c_5d6e_7f80_9a1b);

/// A dead letter to write.
#[derive(Debug, Clone)]
pub(crate) struct NewLetter<'a> {
    pub id: DeadLetterId,
    pub job_id: Option<JobId>,
    pub job_type: &'a str,
    pub owner: &'a str,
    pub reason: &'a str,
    pub detail: &'a str,
    pub attempts: i32,
    pub raw_message: Option<&'a str>,
}

impl<'a> NewLetter<'a> {
    /// The dead letter of a job that failed for good.
    pub fn for_job(
        job_id: JobId,
        job_type: &'a str,
        owner: &'a str,
        reason: &'a str,
        detail: &'a str,
        attempts: i32,
    ) -> Self {
        Self {
            id: DeadLetterId::from(Uuid::new_v4()),
            job_id: Some(job_id),
            job_type,
            owner,
            reason,
            detail,
            attempts,
            raw_message: None,
        }
    }
}

/// A message that could not be run as a job, as read off its stream.
#[derive(Debug, Clone)]
pub struct PoisonMessage<'a> {
    /// The stream it was read from.
    pub stream: &'a str,
    /// Its sequence number in that stream (makes the dead letter unique).
    pub stream_sequence: u64,
    /// `invalid-envelope` or `invalid-payload`.
    pub reason: &'a str,
    /// What is wrong with it.
    pub detail: &'a str,
    /// The job type it was requested as (from its subject).
    pub job_type: &'a str,
    /// The owner, when the envelope names one.
    pub owner: &'a str,
    /// The message body, already cut to the configured length.
    pub raw: &'a str,
}

impl JobStore {
    /// Inserts `letters` inside `tx`; returns, by job, the letters written. A letter whose id
    /// exists already is skipped.
    pub(crate) async fn insert_dead_letters(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        letters: &[NewLetter<'_>],
    ) -> Result<HashMap<Option<JobId>, DeadLetterId>, StoreError> {
        if letters.is_empty() {
            return Ok(HashMap::new());
        }
        let written: Vec<Uuid> = sqlx::query_scalar(
            "INSERT INTO orchestrator_dead_letters
                 (id, job_id, job_type, correlation_id, reason, detail, attempts, raw_message)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::int[], $8::text[])
             ON CONFLICT (id) DO NOTHING
             RETURNING id",
        )
        .bind(letters.iter().map(|l| l.id.as_uuid()).collect::<Vec<_>>())
        .bind(
            letters
                .iter()
                .map(|l| l.job_id.map(|id| id.as_uuid()))
                .collect::<Vec<_>>(),
        )
        .bind(letters.iter().map(|l| l.job_type).collect::<Vec<_>>())
        .bind(letters.iter().map(|l| l.owner).collect::<Vec<_>>())
        .bind(letters.iter().map(|l| l.reason).collect::<Vec<_>>())
        .bind(letters.iter().map(|l| l.detail).collect::<Vec<_>>())
        .bind(letters.iter().map(|l| l.attempts).collect::<Vec<_>>())
        .bind(letters.iter().map(|l| l.raw_message).collect::<Vec<_>>())
        .fetch_all(&mut **tx)
        .await?;
        Ok(letters
            .iter()
            .filter(|letter| written.contains(&letter.id.as_uuid()))
            .map(|letter| (letter.job_id, letter.id))
            .collect())
    }

    /// Dead-letters a message that cannot run as a job and announces it on `jobs.dlq`. The
    /// id is derived from the message's stream position, so a redelivery of the same message
    /// adds nothing; returns `None` then.
    pub async fn dead_letter_poison(
        &self,
        poison: &PoisonMessage<'_>,
    ) -> Result<Option<DeadLetterId>, StoreError> {
        let position = format!("{}:{}", poison.stream, poison.stream_sequence);
        let id = DeadLetterId::from(Uuid::new_v5(&POISON_NAMESPACE, position.as_bytes()));
        let (owner, detail, raw) = (
            storable(poison.owner),
            storable(poison.detail),
            storable(poison.raw),
        );
        let letter = NewLetter {
            id,
            job_id: None,
            job_type: poison.job_type,
            owner: &owner,
            reason: poison.reason,
            detail: &detail,
            attempts: 0,
            raw_message: Some(&raw),
        };
        let mut tx = self.pool().begin().await?;
        if self
            .insert_dead_letters(&mut tx, &[letter])
            .await?
            .is_empty()
        {
            return Ok(None);
        }
        let mut outbox = Outbox::default();
        self.queue_dead_letter(
            &mut outbox,
            id,
            json!({ "job_type": poison.job_type, "correlation_id": owner,
                    "raw_message": raw, "stream_sequence": poison.stream_sequence }),
            poison.reason,
            &detail,
        );
        self.commit(tx, outbox).await?;
        Ok(Some(id))
    }
}

/// `text` as PostgreSQL can store it: `text` and `jsonb` values cannot hold NUL, which a
/// poison message may carry (raw bytes, a `\u0000` escape in its `job_id` or
/// `correlation_id`), so each NUL becomes U+FFFD. Without this its dead letter could never be
/// written and the message would come back forever.
fn storable(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}
