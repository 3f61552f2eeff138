//! The private database the job services run on, created for one run and dropped after it.

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
    /// Creates and migrates `job_orchestrator` database `exobrain_bench_<tag>`.
    pub async fn create(tag: &str) -> anyhow::Result<Self> {
        let admin_dsn =
            std::env::var("EXOBRAIN_BENCH_POSTGRES_DSN").unwrap_or_else(|_| ADMIN_DSN.to_owned());
        let name = format!("exobrain_bench_{tag}");
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
        exobrain_jobs::MIGRATOR.run(&pool).await?;
        Ok(Self {
            dsn,
            pool,
            name,
            admin_dsn,
        })
    }

    /// Drops the database.
    pub async fn drop_now(self) {
        self.pool.close().await;
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
