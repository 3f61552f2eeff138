//! NATS JetStream: a client reached with bounded retry that proves JetStream is enabled.

use async_nats::jetstream;

use crate::config::{Dsn, Env};
use crate::startup::{ConnectPolicy, DependencyError, connect_with_retry};

/// Where NATS is and how this process's subjects and streams are named.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// `EXOBRAIN_NATS_URL`, e.g. `nats://127.0.0.1:4222` (may hold credentials).
    pub url: Dsn,
    /// `EXOBRAIN_NATS_PREFIX`: prepended to every subject and stream name this process uses
    /// (empty in production; tests set a unique one so they can run side by side).
    pub prefix: String,
}

impl NatsConfig {
    /// Reads `EXOBRAIN_NATS_URL` and `EXOBRAIN_NATS_PREFIX`.
    pub fn from_env(env: &mut Env) -> Self {
        let prefix = env.string("EXOBRAIN_NATS_PREFIX", "");
        if !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            env.problem(
                "EXOBRAIN_NATS_PREFIX",
                "may contain only letters, digits, `_` and `-`".to_owned(),
            );
        }
        Self {
            url: Dsn::read(env, "EXOBRAIN_NATS_URL", "nats://127.0.0.1:4222"),
            prefix,
        }
    }

    /// A config for `url` and `prefix` (tests and tools).
    pub fn new(url: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self {
            url: Dsn::new("EXOBRAIN_NATS_URL", url),
            prefix: prefix.into(),
        }
    }

    /// `subject` with the prefix applied (`<prefix>.<subject>`).
    pub fn subject(&self, subject: &str) -> String {
        if self.prefix.is_empty() {
            subject.to_owned()
        } else {
            format!("{}.{subject}", self.prefix)
        }
    }

    /// `stream` with the prefix applied (`<PREFIX>_<stream>`); stream names cannot hold dots.
    pub fn stream(&self, stream: &str) -> String {
        if self.prefix.is_empty() {
            stream.to_owned()
        } else {
            format!("{}_{stream}", self.prefix.to_ascii_uppercase())
        }
    }
}

/// A connected NATS client with its JetStream context.
#[derive(Debug, Clone)]
pub struct Nats {
    /// Core NATS client.
    pub client: async_nats::Client,
    /// JetStream context on that client.
    pub jetstream: jetstream::Context,
}

/// Connects and asks JetStream for the account info, so a server without `-js` is reported
/// at startup instead of failing the first publish.
pub async fn connect(config: &NatsConfig, policy: ConnectPolicy) -> Result<Nats, DependencyError> {
    let url = config.url.expose().to_owned();
    let client = connect_with_retry(
        "NATS",
        config.url.redacted(),
        config.url.var,
        policy,
        || {
            async_nats::ConnectOptions::new()
                .connection_timeout(policy.budget)
                .retry_on_initial_connect()
                .max_reconnects(None)
                .connect(url.clone())
        },
    )
    .await?;
    jetstream_enabled(&client)
        .await
        .map_err(|cause| DependencyError {
            what: "NATS JetStream",
            target: config.url.redacted(),
            var: config.url.var,
            cause,
        })?;
    let jetstream = jetstream::new(client.clone());
    Ok(Nats { client, jetstream })
}

/// Asks the JetStream API for account info with a raw request. (The typed call of
/// async-nats cannot parse the reply of the 2.9 servers these machines run.)
async fn jetstream_enabled(client: &async_nats::Client) -> Result<(), String> {
    let hint = "JetStream is not available (start nats-server with -js)";
    let reply = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        client.request("$JS.API.INFO", Default::default()),
    )
    .await
    .map_err(|_| format!("{hint}: no answer to $JS.API.INFO"))?
    .map_err(|error| format!("{hint}: {error}"))?;
    let body: serde_json::Value = serde_json::from_slice(&reply.payload)
        .map_err(|error| format!("{hint}: unreadable reply: {error}"))?;
    match body.get("error") {
        Some(error) => Err(format!("{hint}: {error}")),
        None => Ok(()),
    }
}

/// Readiness: the client is connected.
pub fn is_connected(client: &async_nats::Client) -> bool {
    client.connection_state() == async_nats::connection::State::Connected
}
