//! A private PostgreSQL database for one benchmark run: created empty on the admin
//! connection (`EXOBRAIN_BENCH_POSTGRES_DSN`, default the native profile's, or a server the
//! suite started itself), filled by the
//! suite (migrations, seeds), and dropped after the run unless `EXOBRAIN_BENCH_KEEP_DB` is
//! set to anything but empty, `0` or `false` (to look at its query plans).

use anyhow::{Context, bail};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

/// Default admin DSN of the native profile.
const ADMIN_DSN: &str = "postgresql://exobrain:exobrain@127.0.0.1:5432/postgres";

/// A database created for one run and dropped by [`BenchDb::drop_now`].
#[derive(Debug)]
pub struct BenchDb {
    pub dsn: String,
    pub pool: PgPool,
    name: String,
    admin_dsn: String,
}

impl BenchDb {
    /// Creates the empty database `name` on the machine's PostgreSQL.
    pub async fn create(name: &str) -> anyhow::Result<Self> {
        Self::create_on(&shared_admin_dsn(), name).await
    }

    /// Creates the empty database `name` on the server `admin_dsn` connects to.
    pub async fn create_on(admin_dsn: &str, name: &str) -> anyhow::Result<Self> {
        let admin_dsn = admin_dsn.to_owned();
        let mut admin = PgConnection::connect(&admin_dsn).await.with_context(|| {
            format!("cannot reach PostgreSQL at {admin_dsn} (set EXOBRAIN_BENCH_POSTGRES_DSN)")
        })?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        let _ = admin.close().await;
        let dsn = match admin_dsn.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => bail!("admin DSN {admin_dsn} names no database"),
        };
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(&dsn)
            .await?;
        Ok(Self {
            dsn,
            pool,
            name: name.to_owned(),
            admin_dsn,
        })
    }

    /// Drops the database (or keeps it when `EXOBRAIN_BENCH_KEEP_DB` asks to).
    pub async fn drop_now(self) {
        self.pool.close().await;
        if keep_databases(std::env::var("EXOBRAIN_BENCH_KEEP_DB").ok().as_deref()) {
            eprintln!("database {} kept", self.name);
            return;
        }
        if let Ok(mut admin) = PgConnection::connect(&self.admin_dsn).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin)
            .await;
        }
    }
}

/// The admin DSN of the machine's PostgreSQL: `EXOBRAIN_BENCH_POSTGRES_DSN`, else the native
/// profile's.
pub fn shared_admin_dsn() -> String {
    std::env::var("EXOBRAIN_BENCH_POSTGRES_DSN").unwrap_or_else(|_| ADMIN_DSN.to_owned())
}

/// Whether `EXOBRAIN_BENCH_KEEP_DB` (its value, if set) asks to keep the databases.
fn keep_databases(value: Option<&str>) -> bool {
    value.is_some_and(|value| !matches!(value.trim(), "" | "0" | "false" | "no"))
}

#[cfg(test)]
mod tests {
    use super::keep_databases;

    #[test]
    fn only_a_yes_keeps_the_databases() {
        for (value, keep) in [
            (None, false),
            (Some(""), false),
            (Some("0"), false),
            (Some("false"), false),
            (Some("no"), false),
            (Some("1"), true),
            (Some("yes"), true),
        ] {
            assert_eq!(keep_databases(value), keep, "{value:?}");
        }
    }
}
