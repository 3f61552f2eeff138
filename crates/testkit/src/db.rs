//! A fresh PostgreSQL database per test, created from the admin connection and dropped (with
//! `FORCE`, which also ends the test's own pooled connections) when the handle is dropped.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use crate::cleanup::run_blocking;

/// Default admin DSN of the native profile (role created by `native-infra-up.sh`).
pub const DEFAULT_ADMIN_DSN: &str = "postgresql://exobrain:exobrain@127.0.0.1:5432/postgres";

/// An isolated database that exists for the lifetime of this value.
#[derive(Debug)]
pub struct TestDb {
    /// Database name (`exobrain_test_<random>`).
    pub name: String,
    /// DSN of the new database, usable as a service's `*_DSN`.
    pub dsn: String,
    /// A pool on the new database.
    pub pool: PgPool,
    admin_dsn: String,
}

impl TestDb {
    /// Creates an empty database.
    pub async fn create() -> Self {
        let admin_dsn = crate::env_or("EXOBRAIN_TEST_POSTGRES_DSN", DEFAULT_ADMIN_DSN);
        let name = format!("exobrain_test_{}", crate::unique_suffix());
        let mut admin = PgConnection::connect(&admin_dsn)
            .await
            .unwrap_or_else(|error| panic!("testkit: cannot reach PostgreSQL at EXOBRAIN_TEST_POSTGRES_DSN ({error}); run scripts/agent/native-infra-up.sh"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("testkit: cannot create database {name}: {error}"));
        let _ = admin.close().await;

        let options: PgConnectOptions = admin_dsn
            .parse::<PgConnectOptions>()
            .unwrap_or_else(|error| panic!("testkit: bad admin DSN: {error}"))
            .database(&name);
        let dsn = options.to_url_lossy().to_string();
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect_with(options)
            .await
            .unwrap_or_else(|error| panic!("testkit: cannot connect to {name}: {error}"));
        Self {
            name,
            dsn,
            pool,
            admin_dsn,
        }
    }

    /// Creates a database and applies `migrator` to it.
    pub async fn migrated(migrator: &Migrator) -> Self {
        let db = Self::create().await;
        migrator
            .run(&db.pool)
            .await
            .unwrap_or_else(|error| panic!("testkit: migrations failed on {}: {error}", db.name));
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_dsn = self.admin_dsn.clone();
        let name = self.name.clone();
        run_blocking(async move {
            match PgConnection::connect(&admin_dsn).await {
                Ok(mut admin) => {
                    let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(error) = sqlx::query(&statement).execute(&mut admin).await {
                        eprintln!("testkit: cannot drop database {name}: {error}");
                    }
                    let _ = admin.close().await;
                }
                Err(error) => eprintln!("testkit: cannot drop database {name}: {error}"),
            }
        });
    }
}
