//! Publishing outbox rows with a bounded number of messages awaiting JetStream's
//! acknowledgement: the one way both the publisher and the relay publish.
//!
//! async-nats lets at most 5,000 publishes of one context wait for their acknowledgement and,
//! with backpressure on (the default), makes the next publish wait for a free permit. A caller
//! that publishes more than that before awaiting any acknowledgement waits forever for a
//! permit only its own unawaited acknowledgements could free: that is how a backlog of more
//! than 5,000 messages once stopped the relay for good. Here acknowledgements are awaited as
//! the window fills, so any number of rows goes through with at most [`MAX_IN_FLIGHT`]
//! messages in flight per caller, well under the client's limit even with the publisher and
//! the relay of a process both at work.
//!
//! Rows are independent. A message that fails fails its row only (the rest of that row is not
//! sent, so a row's messages never overtake each other) and the other rows go on. A failure
//! that says NATS itself is unreachable (a timeout, a broken connection) ends the run early
//! instead: the rows not sent yet are reported as not tried, and nothing is blamed on them.
//! A message stored with a trace context is published in a producer span (see `outbox::trace`)
//! that lasts until its acknowledgement.

use std::future::IntoFuture;

use async_nats::jetstream::{
    self,
    context::{PublishError, PublishErrorKind},
    publish::PublishAck,
};
use exobrain_common::telemetry::spans;
use futures::stream::{FuturesUnordered, StreamExt};

use super::Outgoing;

/// Most messages one run keeps waiting for their acknowledgement.
pub const MAX_IN_FLIGHT: usize = 1_000;

/// Why a row was not published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishFailure {
    /// NATS refused one of the row's messages: too large for the server, no stream captures
    /// its subject, or the stream refused it. Trying again helps only if that changes.
    #[error("message {position} on `{subject}` was refused: {cause}")]
    Refused {
        /// Its subject.
        subject: String,
        /// Its index in the row.
        position: usize,
        /// What NATS said.
        cause: String,
    },
    /// NATS did not answer (disconnected, timed out); nothing is known about the row itself.
    #[error("NATS is unavailable: {cause}")]
    Unavailable {
        /// What the client said.
        cause: String,
    },
}

/// How publishing one row ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    /// Every message was acknowledged (duplicates included).
    Published {
        /// How many.
        messages: usize,
    },
    /// A message failed; the row stays in the outbox.
    Failed(PublishFailure),
    /// The run ended (NATS unavailable) before the row was published in full.
    NotTried,
}

/// One row's progress.
#[derive(Debug, Default)]
struct Progress {
    acknowledged: usize,
    failure: Option<PublishFailure>,
}

/// Publishes `rows` in order with at most [`MAX_IN_FLIGHT`] messages awaiting their
/// acknowledgement, and says per row, in order, how it ended.
pub async fn publish_rows(js: &jetstream::Context, rows: &[&[Outgoing]]) -> Vec<RowOutcome> {
    let mut progress: Vec<Progress> = rows.iter().map(|_| Progress::default()).collect();
    let mut in_flight = FuturesUnordered::new();
    let mut unavailable = false;
    'rows: for (row, messages) in rows.iter().enumerate() {
        for (position, message) in messages.iter().enumerate() {
            while in_flight.len() >= MAX_IN_FLIGHT && !unavailable {
                if let Some(done) = in_flight.next().await {
                    unavailable |= settle(rows, &mut progress, done);
                }
            }
            if unavailable {
                break 'rows;
            }
            if progress[row].failure.is_some() {
                continue 'rows;
            }
            let (headers, span) = super::trace::traced_headers(message);
            let sent = js
                .publish_with_headers(message.subject.clone(), headers, message.body())
                .await;
            match sent {
                Ok(ack) => in_flight.push(async move {
                    let acked = ack.into_future().await;
                    if let (Some(span), Err(error)) = (&span, &acked) {
                        spans::record_error(span, error);
                    }
                    (row, position, acked)
                }),
                Err(error) => {
                    if let Some(span) = &span {
                        spans::record_error(span, &error);
                    }
                    let failure = classify(&message.subject, position, &error);
                    unavailable |= matches!(failure, PublishFailure::Unavailable { .. });
                    progress[row].failure.get_or_insert(failure);
                    continue 'rows;
                }
            }
        }
    }
    while let Some(done) = in_flight.next().await {
        settle(rows, &mut progress, done);
    }
    rows.iter()
        .zip(progress)
        .map(|(messages, progress)| match progress.failure {
            Some(failure) => RowOutcome::Failed(failure),
            None if progress.acknowledged == messages.len() => RowOutcome::Published {
                messages: messages.len(),
            },
            None => RowOutcome::NotTried,
        })
        .collect()
}

/// Records one acknowledgement (or its failure); true when the failure says NATS is
/// unavailable.
fn settle(
    rows: &[&[Outgoing]],
    progress: &mut [Progress],
    (row, position, acked): (usize, usize, Result<PublishAck, PublishError>),
) -> bool {
    match acked {
        Ok(_) => {
            progress[row].acknowledged += 1;
            false
        }
        Err(error) => {
            let subject = &rows[row][position].subject;
            let failure = classify(subject, position, &error);
            let unavailable = matches!(failure, PublishFailure::Unavailable { .. });
            progress[row].failure.get_or_insert(failure);
            unavailable
        }
    }
}

fn classify(subject: &str, position: usize, error: &PublishError) -> PublishFailure {
    let answered_by_jetstream =
        std::error::Error::source(error).is_some_and(|source| source.is::<jetstream::Error>());
    match error.kind() {
        PublishErrorKind::TimedOut | PublishErrorKind::BrokenPipe | PublishErrorKind::Other
            if !answered_by_jetstream =>
        {
            PublishFailure::Unavailable {
                cause: error.to_string(),
            }
        }
        _ => PublishFailure::Refused {
            subject: subject.to_owned(),
            position,
            cause: error.to_string(),
        },
    }
}
