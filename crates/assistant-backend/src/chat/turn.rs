//! One turn, from its reserved reply to its `done`: the agent runs within the turn's deadline
//! and until cancelled (by the person, or by shutdown once the drain grace has passed); the
//! outcome is written to the journal first (the reply completed, or failed with its partial
//! text kept) and only then announced, so a reader that sees `done` and reloads the journal
//! finds the final reply.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Chat;
use super::agent;
use super::agent::tools::Tools;
use super::emitter::{Emitter, TurnError};
use super::events::{ChatEvent, DoneReason};
use super::log::LogWriter;
use crate::journals::{JournalMessage, TurnContextMessage};

/// How often a turn checks whether another replica asked it to stop.
const CANCEL_POLL: Duration = Duration::from_secs(1);

/// Why a turn ended.
enum Outcome {
    Complete,
    Failed(TurnError),
    TimedOut,
    Cancelled,
    ShutDown,
}

/// What a turn works on.
pub(super) struct TurnPlan {
    pub user: Uuid,
    pub reply: JournalMessage,
    /// The turn's context, newest first (the person's message first).
    pub history: Vec<TurnContextMessage>,
    pub writer: LogWriter,
    pub cancel: CancellationToken,
}

/// Runs the turn to its end; never fails (failures end up in the journal and the stream).
pub(super) async fn run(chat: Chat, plan: TurnPlan) {
    let TurnPlan {
        user,
        reply,
        history,
        writer,
        cancel,
    } = plan;
    let stream = writer.stream();
    let settings = chat.settings();
    let journals = chat.journals();
    let mut emitter = Emitter::new(writer, journals.clone(), user, reply.id);
    let tools = Tools::new(chat.upstreams().clone(), user, chat.web());
    let watcher = watch_remote_cancel(chat.clone(), stream, cancel.clone());
    super::metrics::turn_started();

    let work = agent::run(settings, chat.model(), &tools, user, &history, &mut emitter);
    let outcome = tokio::select! {
        result = tokio::time::timeout(settings.turn_timeout, work) => match result {
            Ok(Ok(())) => Outcome::Complete,
            Ok(Err(error)) => Outcome::Failed(error),
            Err(_) => Outcome::TimedOut,
        },
        () = cancel.cancelled() => Outcome::Cancelled,
        () = chat.shutting_down() => Outcome::ShutDown,
    };
    watcher.abort();
    finish(&chat, user, &reply, &emitter, outcome).await;
    chat.forget(stream);
}

/// Records the outcome in the journal, then sends the closing events.
async fn finish(
    chat: &Chat,
    user: Uuid,
    reply: &JournalMessage,
    emitter: &Emitter,
    outcome: Outcome,
) {
    let journals = chat.journals();
    let text = emitter.text().trim();
    let (failure, reason) = match outcome {
        Outcome::Complete if text.is_empty() => (
            Some("The model returned an empty reply.".to_owned()),
            DoneReason::Error,
        ),
        Outcome::Complete => (None, DoneReason::Complete),
        Outcome::Failed(error) => {
            tracing::warn!(%error, reply = %reply.id, "chat turn failed");
            (Some(error.public_message()), DoneReason::Error)
        }
        Outcome::TimedOut => (
            Some(format!(
                "The reply took longer than {} s and was stopped.",
                chat.settings().turn_timeout.as_secs()
            )),
            DoneReason::Error,
        ),
        Outcome::Cancelled => (Some("cancelled".to_owned()), DoneReason::Cancelled),
        Outcome::ShutDown => (
            Some("The server restarted before the reply was finished.".to_owned()),
            DoneReason::Error,
        ),
    };
    let partial = (!text.is_empty()).then_some(text);
    let stored = match &failure {
        None => journals.complete_reply(user, reply.id, text).await,
        Some(error) => journals.fail_reply(user, reply.id, partial, error).await,
    };
    if let Err(error) = stored {
        tracing::error!(%error, reply = %reply.id, "recording the end of a chat turn failed");
    }
    let label = match reason {
        DoneReason::Complete => "complete",
        DoneReason::Error => "error",
        DoneReason::Cancelled => "cancelled",
    };
    super::metrics::turn_ended(label, emitter.elapsed());
    let mut closing = Vec::new();
    if let (Some(message), DoneReason::Error) = (failure, reason) {
        closing.push(ChatEvent::Error {
            tool_call_id: None,
            message,
        });
    }
    closing.push(ChatEvent::Done { reason });
    for event in &closing {
        if let Err(error) = emitter.emit(event).await {
            tracing::error!(%error, reply = %reply.id, "announcing the end of a chat turn failed");
            break;
        }
    }
}

/// Cancels `token` when a cancel request for `stream` appears in Redis (sent through another
/// replica).
fn watch_remote_cancel(
    chat: Chat,
    stream: Uuid,
    token: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(CANCEL_POLL).await;
            if let Ok(true) = chat.log().cancel_requested(stream).await {
                token.cancel();
                return;
            }
        }
    })
}
