//! Sign-in: passwords, access and refresh tokens, cookie sessions, the request principal,
//! login throttling and the Origin check. Routes: `POST /api/auth/login`,
//! `POST /api/auth/token_refresh`, `POST /api/auth/logout`.
//!
//! Other areas need only [`CurrentUser`] (a handler argument that yields the signed-in user or
//! answers 401) and [`Operator`] (the same, and 403 unless the user is an operator).

mod client_address;
mod limits;
mod operator;
mod origin;
pub mod password;
mod principal;
mod routes;
mod sessions;
pub mod tokens;

use std::sync::Arc;

use redis::aio::ConnectionManager;

pub use operator::{OPERATOR_REQUIRED, Operator};
pub use origin::check_origin;
pub use principal::CurrentUser;
pub use routes::{AuthApi, routes};

use crate::config::AuthConfig;
use limits::LoginLimits;
use sessions::SessionStore;
use tokens::AccessTokens;

/// The sign-in services a request handler uses, cheap to clone.
#[derive(Debug, Clone)]
pub struct AuthServices {
    /// Mints and checks access tokens.
    pub tokens: Arc<AccessTokens>,
    /// Sessions and refresh tokens in Redis.
    pub sessions: SessionStore,
    /// Login throttling.
    pub limits: LoginLimits,
    /// Peers whose `X-Forwarded-For` is believed (see [`client_address`]).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
}

impl AuthServices {
    /// Builds the services from the configuration, sharing `redis`.
    pub fn new(config: &AuthConfig, redis: ConnectionManager) -> Self {
        Self {
            tokens: Arc::new(AccessTokens::new(config)),
            sessions: SessionStore::new(
                redis.clone(),
                config.key_prefix.clone(),
                config.refresh_ttl,
            ),
            limits: LoginLimits::new(
                redis,
                config.key_prefix.clone(),
                config.email_limit,
                config.address_limit,
            ),
            trusted_proxies: config.trusted_proxies.clone().into(),
        }
    }
}
