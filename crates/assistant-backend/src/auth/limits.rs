//! Login throttling, shared by every replica through Redis counters:
//!
//! - per client address: every attempt counts (`<prefix>:login-address:<ip>`);
//! - per account: only failures count (`<prefix>:login-email:<sha256(lower-cased email)>`),
//!   and a successful sign-in clears them.
//!
//! A window starts at its first event and lasts its configured length; once over the limit the
//! caller gets 429 `too many login attempts` with `Retry-After` set to the window's remaining
//! seconds.

use std::net::IpAddr;

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};

use super::tokens::digest;
use crate::config::LoginLimit;
use crate::error::ApiError;

/// Increments a counter, starting its window on the first event; returns (count, ttl).
const HIT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}
";

/// The login limits.
#[derive(Clone)]
pub struct LoginLimits {
    redis: ConnectionManager,
    prefix: String,
    per_email: LoginLimit,
    per_address: LoginLimit,
}

impl std::fmt::Debug for LoginLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginLimits")
            .field("per_email", &self.per_email)
            .field("per_address", &self.per_address)
            .finish_non_exhaustive()
    }
}

fn redis_error(error: redis::RedisError) -> ApiError {
    ApiError::internal("counting login attempts", error)
}

fn refusal(ttl: i64) -> ApiError {
    ApiError::TooManyLoginAttempts {
        retry_after_secs: u64::try_from(ttl).unwrap_or(1).max(1),
    }
}

impl LoginLimits {
    /// Limits under `prefix`.
    pub fn new(
        redis: ConnectionManager,
        prefix: String,
        per_email: LoginLimit,
        per_address: LoginLimit,
    ) -> Self {
        Self {
            redis,
            prefix,
            per_email,
            per_address,
        }
    }

    fn email_key(&self, email: &str) -> String {
        format!(
            "{}:login-email:{}",
            self.prefix,
            digest(&email.to_lowercase())
        )
    }

    /// Counts an attempt from `address`; refuses it when the address is over its limit.
    pub async fn admit_address(&self, address: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(address) = address else {
            return Ok(());
        };
        let key = format!("{}:login-address:{address}", self.prefix);
        let (count, ttl) = self.hit(&key, self.per_address).await?;
        if count > self.per_address.max {
            return Err(refusal(ttl));
        }
        Ok(())
    }

    /// Refuses an attempt on `email` when the account has too many recent failures.
    pub async fn admit_email(&self, email: &str) -> Result<(), ApiError> {
        let key = self.email_key(email);
        let mut redis = self.redis.clone();
        let failures: Option<u32> = redis.get(&key).await.map_err(redis_error)?;
        if failures.unwrap_or(0) >= self.per_email.max {
            let ttl: i64 = redis.ttl(&key).await.map_err(redis_error)?;
            return Err(refusal(ttl));
        }
        Ok(())
    }

    /// Records a failed sign-in on `email`.
    pub async fn record_failure(&self, email: &str) -> Result<(), ApiError> {
        self.hit(&self.email_key(email), self.per_email)
            .await
            .map(drop)
    }

    /// Forgets the failures of `email` after a successful sign-in.
    pub async fn clear(&self, email: &str) -> Result<(), ApiError> {
        let mut redis = self.redis.clone();
        let () = redis
            .del(self.email_key(email))
            .await
            .map_err(redis_error)?;
        Ok(())
    }

    async fn hit(&self, key: &str, limit: LoginLimit) -> Result<(u32, i64), ApiError> {
        let mut redis = self.redis.clone();
        Script::new(HIT)
            .key(key)
            .arg(limit.window.as_secs())
            .invoke_async(&mut redis)
            .await
            .map_err(redis_error)
    }
}
