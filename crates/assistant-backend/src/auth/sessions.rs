//! Browser sessions and refresh tokens in Redis, always keyed by the SHA-256 of the secret:
//!
//! - `<prefix>:session:<sha256(sid)>` → user id;
//! - `<prefix>:refresh:<sha256(token)>` → JSON `{user_id, family, expires_at}`;
//! - `<prefix>:refresh-family:<family>` → digest of the family's one current refresh token.
//!
//! Rotation is one Lua script, so two refreshes with the same token cannot both succeed. A
//! rotated token's record is kept until it expires: presenting it again (the family no longer
//! points at it) is reuse, and revokes the whole family, including the newest token.
//! Everything lives for `AUTH_REFRESH_TOKEN_TTL_SECONDS` from when it was written.

use std::time::Duration;

use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::tokens::{digest, opaque_secret};
use crate::error::ApiError;

/// What a refresh token's record holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRecord {
    /// The user the token signs in.
    pub user_id: Uuid,
    /// The rotation chain the token belongs to.
    pub family: Uuid,
    /// When the record expires.
    pub expires_at: DateTime<Utc>,
}

/// A newly issued refresh token.
#[derive(Debug, Clone)]
pub struct IssuedRefresh {
    /// The secret handed to the client.
    pub token: String,
    /// Its family.
    pub family: Uuid,
}

/// Outcome of presenting a refresh token.
#[derive(Debug, Clone)]
pub enum Rotation {
    /// Accepted: the old token is spent, `token` replaces it.
    Rotated {
        /// The user.
        user_id: Uuid,
        /// The replacement.
        issued: IssuedRefresh,
    },
    /// Unknown, expired, revoked or reused (the family is now revoked).
    Refused,
}

const ROTATE: &str = r"
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local record = cjson.decode(raw)
local family_key = ARGV[4] .. record.family
local current = redis.call('GET', family_key)
if current ~= ARGV[1] then
  if current then redis.call('DEL', ARGV[5] .. current) end
  redis.call('DEL', family_key)
  return {'reused', raw}
end
record.expires_at = ARGV[3]
redis.call('SET', KEYS[2], cjson.encode(record), 'EX', ARGV[6])
redis.call('SET', family_key, ARGV[2], 'EX', ARGV[6])
return {'rotated', raw}
";

const REVOKE_FAMILY: &str = r"
local current = redis.call('GET', KEYS[1])
if current then redis.call('DEL', ARGV[1] .. current) end
redis.call('DEL', KEYS[1])
return 1
";

/// The Redis side of sign-in.
#[derive(Clone)]
pub struct SessionStore {
    redis: ConnectionManager,
    prefix: String,
    ttl: Duration,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

fn redis_error(context: &'static str) -> impl Fn(redis::RedisError) -> ApiError {
    move |error| ApiError::internal(context, error)
}

impl SessionStore {
    /// A store under `prefix` whose entries live for `ttl`.
    pub fn new(redis: ConnectionManager, prefix: String, ttl: Duration) -> Self {
        Self { redis, prefix, ttl }
    }

    fn session_key(&self, sid: &str) -> String {
        format!("{}:session:{}", self.prefix, digest(sid))
    }

    fn refresh_prefix(&self) -> String {
        format!("{}:refresh:", self.prefix)
    }

    fn family_prefix(&self) -> String {
        format!("{}:refresh-family:", self.prefix)
    }

    fn expires_at(&self) -> DateTime<Utc> {
        Utc::now() + self.ttl
    }

    /// Opens a session for `user_id`; returns the session id for the cookie.
    pub async fn open_session(&self, user_id: Uuid) -> Result<String, ApiError> {
        let sid = opaque_secret()?;
        let mut redis = self.redis.clone();
        let () = redis
            .set_ex(
                self.session_key(&sid),
                user_id.to_string(),
                self.ttl.as_secs(),
            )
            .await
            .map_err(redis_error("opening a session"))?;
        Ok(sid)
    }

    /// The user of a live session.
    pub async fn session_user(&self, sid: &str) -> Result<Option<Uuid>, ApiError> {
        let mut redis = self.redis.clone();
        let value: Option<String> = redis
            .get(self.session_key(sid))
            .await
            .map_err(redis_error("reading a session"))?;
        Ok(value.and_then(|raw| Uuid::parse_str(&raw).ok()))
    }

    /// Ends a session (a no-op for an unknown one).
    pub async fn close_session(&self, sid: &str) -> Result<(), ApiError> {
        let mut redis = self.redis.clone();
        let () = redis
            .del(self.session_key(sid))
            .await
            .map_err(redis_error("closing a session"))?;
        Ok(())
    }

    /// Starts a new refresh-token family for `user_id`.
    pub async fn issue_refresh(&self, user_id: Uuid) -> Result<IssuedRefresh, ApiError> {
        let token = opaque_secret()?;
        let family = Uuid::new_v4();
        let record = RefreshRecord {
            user_id,
            family,
            expires_at: self.expires_at(),
        };
        let json = serde_json::to_string(&record)
            .map_err(|error| ApiError::internal("encoding a refresh record", error))?;
        let token_digest = digest(&token);
        let ttl = self.ttl.as_secs();
        let mut redis = self.redis.clone();
        let () = redis::pipe()
            .atomic()
            .set_ex(
                format!("{}{token_digest}", self.refresh_prefix()),
                json,
                ttl,
            )
            .ignore()
            .set_ex(
                format!("{}{family}", self.family_prefix()),
                &token_digest,
                ttl,
            )
            .ignore()
            .query_async(&mut redis)
            .await
            .map_err(redis_error("issuing a refresh token"))?;
        Ok(IssuedRefresh { token, family })
    }

    /// Spends `token` and issues its replacement, atomically; reuse revokes the family.
    pub async fn rotate_refresh(&self, token: &str) -> Result<Rotation, ApiError> {
        let presented = digest(token);
        let replacement = opaque_secret()?;
        let replacement_digest = digest(&replacement);
        let refresh_prefix = self.refresh_prefix();
        let mut redis = self.redis.clone();
        let outcome: Option<(String, String)> = Script::new(ROTATE)
            .key(format!("{refresh_prefix}{presented}"))
            .key(format!("{refresh_prefix}{replacement_digest}"))
            .arg(&presented)
            .arg(&replacement_digest)
            .arg(self.expires_at().to_rfc3339())
            .arg(self.family_prefix())
            .arg(&refresh_prefix)
            .arg(self.ttl.as_secs())
            .invoke_async(&mut redis)
            .await
            .map_err(redis_error("rotating a refresh token"))?;
        let Some((verdict, raw)) = outcome else {
            return Ok(Rotation::Refused);
        };
        let record: RefreshRecord = serde_json::from_str(&raw)
            .map_err(|error| ApiError::internal("decoding a refresh record", error))?;
        if verdict != "rotated" {
            tracing::warn!(user_id = %record.user_id, family = %record.family, "refresh token reused; family revoked");
            return Ok(Rotation::Refused);
        }
        Ok(Rotation::Rotated {
            user_id: record.user_id,
            issued: IssuedRefresh {
                token: replacement,
                family: record.family,
            },
        })
    }

    /// The record of a refresh token, spent or not.
    pub async fn refresh_record(&self, token: &str) -> Result<Option<RefreshRecord>, ApiError> {
        let mut redis = self.redis.clone();
        let raw: Option<String> = redis
            .get(format!("{}{}", self.refresh_prefix(), digest(token)))
            .await
            .map_err(redis_error("reading a refresh token"))?;
        Ok(raw.and_then(|raw| serde_json::from_str(&raw).ok()))
    }

    /// Revokes a family: its current refresh token stops working.
    pub async fn revoke_family(&self, family: Uuid) -> Result<(), ApiError> {
        let mut redis = self.redis.clone();
        let _: i64 = Script::new(REVOKE_FAMILY)
            .key(format!("{}{family}", self.family_prefix()))
            .arg(self.refresh_prefix())
            .invoke_async(&mut redis)
            .await
            .map_err(redis_error("revoking a refresh family"))?;
        Ok(())
    }
}
