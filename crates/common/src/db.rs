//! PostgreSQL: a connection pool reached with bounded retry, and embedded migrations.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

use crate::config::Dsn;
use crate::startup::{ConnectPolicy, DependencyError, connect_with_retry};

/// Pool settings shared by every service.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Upper bound of open connections.
    pub max_connections: u32,
    /// How long a query waits for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Opens a pool and proves it works with one round trip; retries within `policy`.
pub async fn connect(
    dsn: &Dsn,
    settings: PoolSettings,
    policy: ConnectPolicy,
) -> Result<PgPool, DependencyError> {
    let options: PgConnectOptions = dsn
        .expose()
        .parse::<PgConnectOptions>()
        .map_err(|error| DependencyError {
            what: "PostgreSQL",
            target: dsn.redacted(),
            var: dsn.var,
            cause: format!("invalid connection string: {error}"),
        })?
        .log_statements(tracing::log::LevelFilter::Trace);
    connect_with_retry("PostgreSQL", dsn.redacted(), dsn.var, policy, || {
        PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options.clone())
    })
    .await
}

/// Applies `migrator` to the pool's database. Already applied migrations are skipped, so
/// running it twice is harmless.
pub async fn migrate(pool: &PgPool, migrator: &Migrator, dsn: &Dsn) -> Result<(), DependencyError> {
    migrator.run(pool).await.map_err(|error| DependencyError {
        what: "PostgreSQL (migrations)",
        target: dsn.redacted(),
        var: dsn.var,
        cause: error.to_string(),
    })
}

/// Whether `error` says PostgreSQL is out of reach for now rather than that the statement is
/// wrong: no pooled connection in time, a connection lost or refused, the server shutting down
/// or starting up (SQLSTATE class 08, 57P01-57P03). The same call may succeed when tried
/// again, so services answer it UNAVAILABLE, never INTERNAL (which tells a client not to
/// retry): a restart of the database is not a bug.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// One cheap round trip, for readiness checks.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

/// The `migrate` command: connects with a single connection, applies `migrator` and logs it.
pub async fn migrate_command(
    dsn: &Dsn,
    migrator: &Migrator,
    policy: ConnectPolicy,
) -> Result<(), DependencyError> {
    let settings = PoolSettings {
        max_connections: 1,
        acquire_timeout: Duration::from_secs(30),
    };
    let pool = connect(dsn, settings, policy).await?;
    migrate(&pool, migrator, dsn).await?;
    let applied = migrator.iter().count();
    tracing::info!(database = %dsn.redacted(), migrations = applied, "database schema is up to date");
    pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_unavailable;

    #[test]
    fn lost_connections_are_unavailable_and_wrong_statements_are_not() {
        let lost = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(is_unavailable(&sqlx::Error::Io(lost)));
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::ColumnNotFound("x".into())));
    }
}
