//! Chat: a person's message starts a turn, whose reply streams as server-sent events.
//!
//! - [`Chat::start`] stores the message and reserves the reply in one transaction (a repeated
//!   `client_message_id` returns the original stream; a journal answers one turn at a time),
//!   then runs the turn in the background ([`turn`]) with the agent loop ([`agent`]).
//! - Every event goes to the stream's log in Redis ([`log`]), from which any replica serves
//!   it, live or replayed from a `Last-Event-ID`; [`events`] are the names and payloads.
//! - A turn can be cancelled; on shutdown running turns get the drain grace to finish.

pub mod agent;
pub mod emitter;
pub mod events;
pub mod log;
mod metrics;
pub mod settings;
mod turn;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;
use uuid::Uuid;

use self::agent::model::ChatModel;
use self::agent::web::WebTools;
use self::log::{EventLog, LogError, StreamMeta};
pub use self::settings::ChatSettings;
use crate::journals::{JournalError, Journals, TurnRequest, TurnStart};
use crate::upstream::Upstreams;

/// Why a turn did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The message is empty or too long.
    #[error("{0}")]
    Invalid(String),
    /// A reply of this journal is still being written.
    #[error("a reply is still being written in this journal; wait for it or cancel it")]
    Busy,
    /// The message was sent before, when streams were not recorded.
    #[error("this message was already sent")]
    AlreadySent,
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The event log failed.
    #[error(transparent)]
    Log(#[from] LogError),
}

/// Chat turns of every user, cheap to clone.
#[derive(Debug, Clone)]
pub struct Chat {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: ChatSettings,
    journals: Journals,
    upstreams: Upstreams,
    model: ChatModel,
    web: Option<WebTools>,
    log: EventLog,
    running: Mutex<HashMap<Uuid, CancellationToken>>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
}

impl Chat {
    /// Chat over the journals, the other services and Redis.
    pub fn new(
        settings: ChatSettings,
        journals: Journals,
        upstreams: Upstreams,
        redis: ConnectionManager,
    ) -> Self {
        let log = EventLog::new(
            redis,
            &settings.key_prefix,
            settings.stream_ttl,
            settings.poll,
        );
        let model = ChatModel::new(upstreams.clone(), settings.provider_cache);
        metrics::describe();
        let web = settings
            .web
            .clone()
            .map(|web| WebTools::new(web, settings.tool_timeout));
        Self {
            inner: Arc::new(Inner {
                settings,
                journals,
                upstreams,
                model,
                web,
                log,
                running: Mutex::default(),
                tracker: TaskTracker::new(),
                shutdown: CancellationToken::new(),
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ChatSettings {
        &self.inner.settings
    }

    /// The event log.
    pub fn log(&self) -> &EventLog {
        &self.inner.log
    }

    fn journals(&self) -> &Journals {
        &self.inner.journals
    }

    fn upstreams(&self) -> &Upstreams {
        &self.inner.upstreams
    }

    fn model(&self) -> &ChatModel {
        &self.inner.model
    }

    fn web(&self) -> Option<WebTools> {
        self.inner.web.clone()
    }

    /// Starts a turn answering `message` in the journal `reference` of `user`; returns its
    /// stream id (the original one for a repeated `client_message_id`).
    pub async fn start(
        &self,
        user: Uuid,
        reference: &str,
        message: &str,
        client_message_id: Uuid,
    ) -> Result<Uuid, StartError> {
        let settings = self.settings();
        if message.trim().is_empty() {
            return Err(StartError::Invalid(
                "message must contain some text".to_owned(),
            ));
        }
        let length = message.chars().count();
        if length > settings.max_message_chars {
            return Err(StartError::Invalid(format!(
                "message is {length} characters long; at most {} are accepted",
                settings.max_message_chars
            )));
        }
        let stream = Uuid::new_v4();
        // The turn's deadline, plus time to record its end.
        let lifetime = settings.turn_timeout + Duration::from_secs(30);
        let ends_by = chrono::Utc::now().timestamp()
            + i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2);
        // The stream is recorded while the turn is stored; the turn only runs when both
        // succeeded, so it never runs without a stream to follow.
        let request = TurnRequest {
            user,
            reference,
            content: message,
            client_message_id,
            stream_id: stream,
            stale_after: lifetime,
            context_messages: settings.context_messages,
        };
        let meta = StreamMeta { user, ends_by };
        let (created, start) = tokio::join!(
            self.log().create(stream, &meta),
            self.journals().begin_turn(request)
        );
        let (reply, history) = match start? {
            TurnStart::Duplicate {
                stream_id: Some(original),
            } => return Ok(original),
            TurnStart::Duplicate { stream_id: None } => return Err(StartError::AlreadySent),
            TurnStart::Busy { .. } => return Err(StartError::Busy),
            TurnStart::Started { reply, history, .. } => (*reply, history),
        };
        if let Err(error) = created {
            // No stream to follow: the reserved reply must not block the journal.
            let closed = self
                .journals()
                .fail_reply(
                    user,
                    reply.id,
                    None,
                    "the reply stream could not be created",
                )
                .await;
            if let Err(closing) = closed {
                tracing::error!(%closing, reply = %reply.id, "closing an unstarted reply failed");
            }
            return Err(error.into());
        }
        let cancel = CancellationToken::new();
        self.inner
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(stream, cancel.clone());
        let plan = turn::TurnPlan {
            user,
            reply,
            history,
            writer: self.log().writer(stream),
            cancel,
        };
        let span = tracing::info_span!("chat.turn", %stream, %user);
        self.inner
            .tracker
            .spawn(turn::run(self.clone(), plan).instrument(span));
        Ok(stream)
    }

    /// Asks the turn of `stream` to stop (at once when it runs here, within a second when it
    /// runs on another replica).
    pub async fn cancel(&self, stream: Uuid) -> Result<(), LogError> {
        let local = self
            .inner
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&stream)
            .cloned();
        match local {
            Some(token) => token.cancel(),
            None => self.log().request_cancel(stream).await?,
        }
        Ok(())
    }

    fn forget(&self, stream: Uuid) {
        self.inner
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&stream);
    }

    async fn shutting_down(&self) {
        self.inner.shutdown.cancelled().await;
    }

    /// Number of turns running in this process.
    pub fn running(&self) -> usize {
        self.inner.tracker.len()
    }

    /// On shutdown: lets running turns finish within `grace`, then stops the rest (their
    /// partial replies are kept, marked failed).
    pub async fn drain(&self, grace: Duration) {
        self.inner.tracker.close();
        if tokio::time::timeout(grace, self.inner.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                turns = self.running(),
                "chat turns still running after the drain grace; stopping them"
            );
            self.inner.shutdown.cancel();
            let _ = tokio::time::timeout(Duration::from_secs(5), self.inner.tracker.wait()).await;
        }
    }
}
