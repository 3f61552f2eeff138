//! Redis: a multiplexed, self-reconnecting connection reached with bounded retry.

use redis::aio::ConnectionManager;

use crate::config::Dsn;
use crate::startup::{ConnectPolicy, DependencyError, connect_with_retry};

/// Opens a connection manager and proves it with a `PING`.
pub async fn connect(
    url: &Dsn,
    policy: ConnectPolicy,
) -> Result<ConnectionManager, DependencyError> {
    let client = redis::Client::open(url.expose()).map_err(|error| DependencyError {
        what: "Redis",
        target: url.redacted(),
        var: url.var,
        cause: format!("invalid URL: {error}"),
    })?;
    connect_with_retry("Redis", url.redacted(), url.var, policy, || {
        let client = client.clone();
        async move {
            let mut manager = ConnectionManager::new(client).await?;
            ping(&mut manager).await?;
            Ok::<_, redis::RedisError>(manager)
        }
    })
    .await
}

/// One `PING`, for readiness checks.
pub async fn ping(connection: &mut ConnectionManager) -> Result<(), redis::RedisError> {
    redis::cmd("PING")
        .query_async::<String>(connection)
        .await
        .map(|_| ())
}
