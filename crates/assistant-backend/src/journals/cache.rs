//! The journal read cache in Redis: JSON copies of entries, list pages and message pages.
//!
//! Invalidation is by generation, not by deleting keys: every key carries the user's journal
//! generation (`<prefix>:v1:user:<id>:journal:generation`), and a write bumps it with `INCR`.
//! A reader that loaded old rows before a write can only store them under the old generation,
//! which nobody reads again, so the stale-set race of delete-based invalidation cannot happen;
//! old keys simply expire. The cache never fails a read: when Redis errs, the read is a miss
//! (logged) and the caller answers from PostgreSQL.

use std::future::Future;
use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::settings::JournalCacheSettings;

/// Redis-backed read-through cache of one user's journal reads.
#[derive(Clone)]
pub struct JournalCache {
    redis: ConnectionManager,
    settings: JournalCacheSettings,
}

impl std::fmt::Debug for JournalCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalCache")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl JournalCache {
    /// A cache over `redis` (which may be unreachable: reads then fall through).
    pub fn new(redis: ConnectionManager, settings: JournalCacheSettings) -> Self {
        Self { redis, settings }
    }

    /// The settings in use (TTLs for callers choosing one).
    pub fn settings(&self) -> &JournalCacheSettings {
        &self.settings
    }

    /// Serves `logical` (a key below the user's generation) from the cache, or runs `load`
    /// and caches its result for `ttl(&result)`. Errors of `load` are returned and not cached.
    pub async fn read_through<T, E, Load, Fut>(
        &self,
        user: Uuid,
        logical: &str,
        ttl: impl FnOnce(&T) -> Duration,
        load: Load,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        Load: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let key = match self.generation(user).await {
            Ok(generation) => Some(self.key(user, &format!("g{generation}:{logical}"))),
            Err(error) => {
                tracing::warn!(%user, error = %error, "journal cache unavailable; reading the database");
                None
            }
        };
        if let Some(key) = &key
            && let Some(hit) = self.get::<T>(key).await
        {
            return Ok(hit);
        }
        let value = load().await?;
        if let Some(key) = key {
            self.put(&key, &value, ttl(&value)).await;
        }
        Ok(value)
    }

    /// Makes every cached read of `user` stale. Failures are logged, not returned: the write
    /// they follow has happened, and stale pages expire within their TTL.
    pub async fn invalidate(&self, user: Uuid) {
        let key = self.generation_key(user);
        let mut redis = self.redis.clone();
        if let Err(error) = redis.incr::<_, _, i64>(&key, 1).await {
            tracing::warn!(%user, error = %error, "journal cache invalidation failed");
        }
    }

    async fn generation(&self, user: Uuid) -> redis::RedisResult<i64> {
        let mut redis = self.redis.clone();
        let generation: Option<i64> = redis.get(self.generation_key(user)).await?;
        Ok(generation.unwrap_or(0))
    }

    async fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let mut redis = self.redis.clone();
        let raw: Option<String> = match redis.get(key).await {
            Ok(raw) => raw,
            Err(error) => {
                tracing::warn!(key, error = %error, "journal cache read failed; reading the database");
                return None;
            }
        };
        match serde_json::from_str(raw.as_deref()?) {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::warn!(key, error = %error, "journal cache holds an unreadable value; ignoring it");
                None
            }
        }
    }

    async fn put<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        let json = match serde_json::to_string(value) {
            Ok(json) => json,
            Err(error) => {
                tracing::warn!(key, error = %error, "journal cache cannot encode a value");
                return;
            }
        };
        let seconds = self.settings.jittered_seconds(ttl);
        let mut redis = self.redis.clone();
        if let Err(error) = redis.set_ex::<_, _, ()>(key, json, seconds).await {
            tracing::warn!(key, error = %error, "journal cache write failed");
        }
    }

    fn generation_key(&self, user: Uuid) -> String {
        self.key(user, "generation")
    }

    fn key(&self, user: Uuid, logical: &str) -> String {
        format!(
            "{}:v1:user:{user}:journal:{logical}",
            self.settings.key_prefix
        )
    }
}
