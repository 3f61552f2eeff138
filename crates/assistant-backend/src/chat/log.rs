//! The event log of chat streams, in Redis: one Redis Stream per chat stream
//! (`<prefix>:<stream id>:events`, entries `{e: name, d: data}`), so every event has an id
//! (the entry id, sent as the SSE `id:`), any backend replica can replay a stream from any point
//! (`Last-Event-ID`), and several readers can follow one stream. Beside it a hash
//! (`<prefix>:<stream id>:meta`) names the stream's owner and when its turn must end, and a key
//! (`<prefix>:<stream id>:cancel`) asks the turn to stop. Everything expires after the stream
//! TTL.
//!
//! A reader follows by reading the entries after the last id it saw. When it has caught up it
//! waits for the turn's writer to signal a new entry if the turn runs in this process, and
//! polls otherwise, so the live path adds no Redis round trip beyond the read itself.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::Stream;
use redis::aio::ConnectionManager;
use tokio::sync::watch;
use uuid::Uuid;

use super::events::{ChatEvent, DONE, DoneReason};

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The Redis entry id, e.g. `1733540000000-0`.
    pub id: String,
    /// The event name.
    pub event: String,
    /// The JSON data.
    pub data: String,
}

/// What the log knows about a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamMeta {
    /// Whose stream it is.
    pub user: Uuid,
    /// Unix seconds after which the turn can no longer be running.
    pub ends_by: i64,
}

/// A Redis failure of the log.
#[derive(Debug, thiserror::Error)]
#[error("chat event log: {0}")]
pub struct LogError(#[from] redis::RedisError);

/// The chat event log, cheap to clone.
#[derive(Clone)]
pub struct EventLog {
    redis: ConnectionManager,
    prefix: Arc<str>,
    ttl_secs: i64,
    poll: Duration,
    live: Arc<Mutex<HashMap<Uuid, watch::Sender<()>>>>,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl EventLog {
    /// A log under `prefix` whose streams live `ttl`; remote readers poll every `poll`.
    pub fn new(redis: ConnectionManager, prefix: &str, ttl: Duration, poll: Duration) -> Self {
        Self {
            redis,
            prefix: prefix.trim_end_matches(':').into(),
            ttl_secs: i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX).max(1),
            poll,
            live: Arc::default(),
        }
    }

    fn key(&self, stream: Uuid, part: &str) -> String {
        format!("{}:{stream}:{part}", self.prefix)
    }

    /// Records a new stream of `user` whose turn ends by `ends_by` (Unix seconds).
    pub async fn create(&self, stream: Uuid, meta: &StreamMeta) -> Result<(), LogError> {
        let key = self.key(stream, "meta");
        redis::pipe()
            .atomic()
            .cmd("HSET")
            .arg(&key)
            .arg("user")
            .arg(meta.user.to_string())
            .arg("ends_by")
            .arg(meta.ends_by)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(self.ttl_secs)
            .ignore()
            .query_async::<()>(&mut self.redis.clone())
            .await?;
        Ok(())
    }

    /// The stream's owner and deadline; `None` when unknown or expired.
    pub async fn meta(&self, stream: Uuid) -> Result<Option<StreamMeta>, LogError> {
        let (user, ends_by): (Option<String>, Option<i64>) = redis::cmd("HMGET")
            .arg(self.key(stream, "meta"))
            .arg("user")
            .arg("ends_by")
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(match (user.and_then(|u| u.parse().ok()), ends_by) {
            (Some(user), Some(ends_by)) => Some(StreamMeta { user, ends_by }),
            _ => None,
        })
    }

    /// Marks `stream` as written by this process: readers here are woken on each append
    /// instead of polling. Dropping the returned writer ends that.
    pub fn writer(&self, stream: Uuid) -> LogWriter {
        let (sender, _) = watch::channel(());
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(stream, sender);
        LogWriter {
            log: self.clone(),
            stream,
        }
    }

    /// Appends `event`; returns its id.
    pub async fn append(&self, stream: Uuid, event: &ChatEvent) -> Result<String, LogError> {
        let key = self.key(stream, "events");
        let (id,): (String,) = redis::pipe()
            .atomic()
            .cmd("XADD")
            .arg(&key)
            .arg("*")
            .arg("e")
            .arg(event.name())
            .arg("d")
            .arg(event.data())
            .cmd("EXPIRE")
            .arg(&key)
            .arg(self.ttl_secs)
            .ignore()
            .query_async(&mut self.redis.clone())
            .await?;
        if let Some(sender) = self
            .live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&stream)
        {
            sender.send_replace(());
        }
        Ok(id)
    }

    /// Asks the turn of `stream` to stop.
    pub async fn request_cancel(&self, stream: Uuid) -> Result<(), LogError> {
        redis::cmd("SET")
            .arg(self.key(stream, "cancel"))
            .arg(1)
            .arg("EX")
            .arg(self.ttl_secs)
            .query_async::<()>(&mut self.redis.clone())
            .await?;
        Ok(())
    }

    /// Whether the turn of `stream` was asked to stop.
    pub async fn cancel_requested(&self, stream: Uuid) -> Result<bool, LogError> {
        let exists: bool = redis::cmd("EXISTS")
            .arg(self.key(stream, "cancel"))
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(exists)
    }

    /// Up to 512 entries after `cursor` (`0-0` for the start).
    async fn after(&self, stream: Uuid, cursor: &str) -> Result<Vec<LogEntry>, LogError> {
        let raw: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
            .arg(self.key(stream, "events"))
            .arg(format!("({cursor}"))
            .arg("+")
            .arg("COUNT")
            .arg(512)
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(raw
            .into_iter()
            .map(|(id, fields)| {
                let mut entry = LogEntry {
                    id,
                    event: String::new(),
                    data: String::new(),
                };
                for pair in fields.chunks(2) {
                    if let [name, value] = pair {
                        match name.as_str() {
                            "e" => entry.event.clone_from(value),
                            "d" => entry.data.clone_from(value),
                            _ => {}
                        }
                    }
                }
                entry
            })
            .collect())
    }

    fn subscribe(&self, stream: Uuid) -> Option<watch::Receiver<()>> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&stream)
            .map(watch::Sender::subscribe)
    }

    /// The events of `stream` after `after` (from the start when `None`), live until its
    /// `done` event. A turn that died without finishing is closed here once its deadline
    /// (`meta.ends_by`) has passed, with an `error` and a `done` appended for every reader.
    pub fn follow(
        &self,
        stream: Uuid,
        meta: StreamMeta,
        after: Option<String>,
    ) -> impl Stream<Item = LogEntry> + Send + 'static {
        let state = Follow {
            log: self.clone(),
            stream,
            meta,
            cursor: after.unwrap_or_else(|| "0-0".to_owned()),
            buffer: VecDeque::new(),
            finished: false,
            failures: 0,
        };
        futures::stream::unfold(state, |mut state| async move {
            let entry = state.next().await?;
            Some((entry, state))
        })
    }
}

/// Consecutive Redis failures after which a reader gives up (the client reconnects).
const MAX_READ_FAILURES: u32 = 20;

struct Follow {
    log: EventLog,
    stream: Uuid,
    meta: StreamMeta,
    cursor: String,
    buffer: VecDeque<LogEntry>,
    finished: bool,
    failures: u32,
}

impl Follow {
    async fn next(&mut self) -> Option<LogEntry> {
        loop {
            if let Some(entry) = self.buffer.pop_front() {
                if entry.event == DONE {
                    self.finished = true;
                    self.buffer.clear();
                }
                return Some(entry);
            }
            if self.finished {
                return None;
            }
            let signal = self.log.subscribe(self.stream);
            match self.log.after(self.stream, &self.cursor).await {
                Ok(entries) if !entries.is_empty() => {
                    self.failures = 0;
                    if let Some(last) = entries.last() {
                        self.cursor.clone_from(&last.id);
                    }
                    self.buffer.extend(entries);
                }
                Ok(_) => {
                    self.failures = 0;
                    if signal.is_none() && chrono::Utc::now().timestamp() > self.meta.ends_by {
                        self.close_abandoned().await;
                        continue;
                    }
                    self.wait(signal).await;
                }
                Err(error) => {
                    self.failures += 1;
                    tracing::warn!(%error, stream = %self.stream, "reading the chat event log failed");
                    if self.failures >= MAX_READ_FAILURES {
                        return None;
                    }
                    tokio::time::sleep(self.log.poll * 5).await;
                }
            }
        }
    }

    async fn wait(&self, signal: Option<watch::Receiver<()>>) {
        match signal {
            // Woken by the next append; the poll bounds the wait should the writer vanish.
            Some(mut signal) => {
                let _ = tokio::time::timeout(self.log.poll * 10, signal.changed()).await;
            }
            None => tokio::time::sleep(self.log.poll).await,
        }
    }

    async fn close_abandoned(&self) {
        tracing::warn!(stream = %self.stream, "closing a chat stream whose turn never finished");
        let events = [
            ChatEvent::Error {
                tool_call_id: None,
                message: "The reply was interrupted before it was finished.".into(),
            },
            ChatEvent::Done {
                reason: DoneReason::Error,
            },
        ];
        for event in &events {
            if let Err(error) = self.log.append(self.stream, event).await {
                tracing::warn!(%error, "closing an abandoned chat stream failed");
            }
        }
    }
}

/// The writer of a stream in this process; readers here are woken on each append while it
/// lives.
#[derive(Debug)]
pub struct LogWriter {
    log: EventLog,
    stream: Uuid,
}

impl LogWriter {
    /// Appends `event`; returns its id.
    pub async fn append(&self, event: &ChatEvent) -> Result<String, LogError> {
        self.log.append(self.stream, event).await
    }

    /// The stream written.
    pub fn stream(&self) -> Uuid {
        self.stream
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        self.log
            .live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.stream);
    }
}
