//! Typed configuration of the assistant backend, read once from the environment.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use exobrain_common::config::{AppEnv, ConfigError, Dsn, Env, SecretString};
use exobrain_common::startup::ConnectPolicy;
use exobrain_common::telemetry::TelemetryConfig;

use crate::chat::ChatSettings;
use crate::journals::JournalCacheSettings;
use crate::knowledge::KnowledgeSettings;
use crate::upstream::UpstreamSettings;

/// Everything the assistant backend needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `ASSISTANT_BACKEND_BIND_ADDRESS` (default `0.0.0.0:8000`).
    pub bind: SocketAddr,
    /// `ASSISTANT_DB_DSN`.
    pub database: Dsn,
    /// `ASSISTANT_CACHE_REDIS_URL`: sessions and the journal cache.
    pub redis: Dsn,
    /// The other services: targets, deadlines and the backend's credentials.
    pub upstream: UpstreamSettings,
    /// `MAIN_AGENT_*`, `ASSISTANT_CHAT_*`: chat turns and streams.
    pub chat: ChatSettings,
    /// Sign-in: tokens, sessions, cookie, origins and login limits.
    pub auth: AuthConfig,
    /// `ASSISTANT_JOURNAL_CACHE_*`: key prefix and lifetimes of the journal read cache.
    pub journal_cache: JournalCacheSettings,
    /// `KNOWLEDGE_*`: the job size of knowledge updates and the watch keep-alive.
    pub knowledge: KnowledgeSettings,
    /// How long to keep trying to reach PostgreSQL and Redis at startup.
    pub connect: ConnectPolicy,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let config = Self {
            app_env,
            telemetry: TelemetryConfig::from_env(&mut env, app_env),
            bind: env.socket_addr("ASSISTANT_BACKEND_BIND_ADDRESS", "0.0.0.0:8000"),
            database: Dsn::read(
                &mut env,
                "ASSISTANT_DB_DSN",
                "postgresql://assistant_backend:assistant_backend@127.0.0.1:5432/assistant_db",
            ),
            redis: Dsn::read(
                &mut env,
                "ASSISTANT_CACHE_REDIS_URL",
                "redis://127.0.0.1:6379/0",
            ),
            upstream: UpstreamSettings::from_env(&mut env, app_env),
            chat: ChatSettings::from_env(&mut env),
            auth: AuthConfig::from_env(&mut env, app_env),
            journal_cache: JournalCacheSettings::from_env(&mut env),
            knowledge: KnowledgeSettings::from_env(&mut env),
            connect: ConnectPolicy::from_env(&mut env),
        };
        env.finish()?;
        Ok(config)
    }
}

/// Sign-in settings (`AUTH_*`, `ASSISTANT_CACHE_KEY_PREFIX`, `ASSISTANT_ALLOWED_ORIGINS`).
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `AUTH_JWT_SECRET`: signs access tokens (HS256); required and strong outside local/test.
    pub jwt_secret: SecretString,
    /// `AUTH_JWT_ISSUER`: the `iss` claim minted and required.
    pub jwt_issuer: String,
    /// `AUTH_JWT_AUDIENCE`: the `aud` claim minted and required.
    pub jwt_audience: String,
    /// `AUTH_ACCESS_TOKEN_TTL_SECONDS`: access-token lifetime (`expires_in`).
    pub access_ttl: Duration,
    /// `AUTH_REFRESH_TOKEN_TTL_SECONDS`: refresh-token, session and cookie lifetime.
    pub refresh_ttl: Duration,
    /// `AUTH_COOKIE_NAME`: the session cookie.
    pub cookie_name: String,
    /// `AUTH_COOKIE_SECURE`: mark the cookie `Secure` (default on outside local/test).
    pub cookie_secure: bool,
    /// `ASSISTANT_CACHE_KEY_PREFIX`: Redis prefix of sessions, refresh tokens and login counters.
    pub key_prefix: String,
    /// `ASSISTANT_ALLOWED_ORIGINS`: origins allowed to send cookie-authenticated writes
    /// (besides the request's own host).
    pub allowed_origins: Vec<String>,
    /// `AUTH_LOGIN_MAX_FAILURES_PER_EMAIL` within `AUTH_LOGIN_EMAIL_WINDOW_SECONDS`.
    pub email_limit: LoginLimit,
    /// `AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS` within `AUTH_LOGIN_ADDRESS_WINDOW_SECONDS`.
    pub address_limit: LoginLimit,
    /// `AUTH_TRUSTED_PROXIES`: peers (comma-separated IP addresses or networks such as
    /// `10.42.0.0/16`; loopback by default, where the assistant-frontend server runs) whose
    /// `X-Forwarded-For` names the client that login throttling counts.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// At most `max` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimit {
    /// Events allowed in one window.
    pub max: u32,
    /// Window length, from the first event.
    pub window: Duration,
}

/// Origins of the web UI's dev server, allowed by default in local/test.
const DEV_ORIGINS: &str = "http://localhost:5173,http://127.0.0.1:5173";

impl AuthConfig {
    fn from_env(env: &mut Env, app_env: AppEnv) -> Self {
        let origins_default = if app_env.allows_dev_defaults() {
            DEV_ORIGINS
        } else {
            ""
        };
        let allowed_origins = env
            .string("ASSISTANT_ALLOWED_ORIGINS", origins_default)
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect();
        let cookie_name = env.string("AUTH_COOKIE_NAME", "exobrain_session");
        if !cookie_name.chars().all(is_cookie_name_char) {
            env.problem(
                "AUTH_COOKIE_NAME",
                format!("`{cookie_name}` is not a cookie name (letters, digits, `-`, `_`, `.`)"),
            );
        }
        let mut trusted_proxies = Vec::new();
        for proxy in env
            .string("AUTH_TRUSTED_PROXIES", "127.0.0.1,::1")
            .split(',')
            .map(str::trim)
            .filter(|proxy| !proxy.is_empty())
        {
            let network = proxy
                .parse::<ipnet::IpNet>()
                .or_else(|_| proxy.parse::<IpAddr>().map(ipnet::IpNet::from));
            match network {
                Ok(network) => trusted_proxies.push(network),
                Err(_) => env.problem(
                    "AUTH_TRUSTED_PROXIES",
                    format!(
                        "`{proxy}` is not an IP address or network (list addresses such as \
                         127.0.0.1 or networks such as 10.42.0.0/16, separated by commas)"
                    ),
                ),
            }
        }
        Self {
            jwt_secret: env.secret("AUTH_JWT_SECRET", "dev-secret-change-me", app_env),
            jwt_issuer: env.string("AUTH_JWT_ISSUER", "exobrain-assistant-backend"),
            jwt_audience: env.string("AUTH_JWT_AUDIENCE", "exobrain-assistant"),
            access_ttl: whole_seconds(env, "AUTH_ACCESS_TOKEN_TTL_SECONDS", 900),
            refresh_ttl: whole_seconds(env, "AUTH_REFRESH_TOKEN_TTL_SECONDS", 604_800),
            cookie_name,
            cookie_secure: env.flag("AUTH_COOKIE_SECURE", !app_env.allows_dev_defaults()),
            key_prefix: env
                .string("ASSISTANT_CACHE_KEY_PREFIX", "assistant:sessions")
                .trim_matches(':')
                .to_owned(),
            allowed_origins,
            email_limit: LoginLimit {
                max: env.bounded("AUTH_LOGIN_MAX_FAILURES_PER_EMAIL", 5, 1, 1_000_000),
                window: whole_seconds(env, "AUTH_LOGIN_EMAIL_WINDOW_SECONDS", 900),
            },
            address_limit: LoginLimit {
                max: env.bounded("AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS", 30, 1, 1_000_000),
                window: whole_seconds(env, "AUTH_LOGIN_ADDRESS_WINDOW_SECONDS", 60),
            },
            trusted_proxies,
        }
    }
}

/// A positive whole number of seconds (Redis expiries and cookie `Max-Age` are whole seconds).
fn whole_seconds(env: &mut Env, var: &str, default: u64) -> Duration {
    Duration::from_secs(env.bounded(var, default, 1, 31_536_000))
}

fn is_cookie_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let mut env = Env::from_map([("AUTH_TRUSTED_PROXIES", "10.42.0.0/16, 127.0.0.1")]);
        let auth = AuthConfig::from_env(&mut env, AppEnv::Test);
        assert!(env.finish().is_ok());
        let expected: Vec<ipnet::IpNet> = vec![
            "10.42.0.0/16".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        assert_eq!(auth.trusted_proxies, expected);
    }

    #[test]
    fn a_trusted_proxy_that_is_neither_is_reported_by_name() {
        let mut env = Env::from_map([("AUTH_TRUSTED_PROXIES", "10.42.0.0/33")]);
        let _ = AuthConfig::from_env(&mut env, AppEnv::Test);
        let error = env.finish().expect_err("no such network");
        assert_eq!(error.problems[0].var, "AUTH_TRUSTED_PROXIES");
    }
}
