//! The job domain shared by `job-orchestrator-api` and `job-orchestrator-worker`: the
//! `job_orchestrator_db` schema and the settings of the stores both processes use. It owns no
//! transport and no process wiring.

pub mod domain;
pub mod envelope;
pub mod group;
pub mod heartbeat;
pub mod metrics;
pub mod outbox;
pub mod store;
pub mod streams;

use exobrain_common::config::{Dsn, Env};
use exobrain_common::nats::NatsConfig;
use exobrain_common::startup::ConnectPolicy;

/// Migrations of `job_orchestrator_db`, embedded in both binaries.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/job_orchestrator");

/// Default `JOB_ORCHESTRATOR_DB_DSN` of the native profile.
pub const DEFAULT_DSN: &str =
    "postgresql://job_orchestrator:job_orchestrator@127.0.0.1:5432/job_orchestrator_db";

/// Where job records and job messages live.
#[derive(Debug, Clone)]
pub struct StoresConfig {
    /// `JOB_ORCHESTRATOR_DB_DSN`.
    pub database: Dsn,
    /// `EXOBRAIN_NATS_URL` and `EXOBRAIN_NATS_PREFIX`.
    pub nats: NatsConfig,
    /// How long to keep trying to reach them at startup.
    pub connect: ConnectPolicy,
    /// `JOBS_STREAM_REPLICAS`: servers that keep each JetStream stream (1..=5, default 1;
    /// 3 on a three-node cluster).
    pub stream_replicas: usize,
}

impl StoresConfig {
    /// Reads the shared variables.
    pub fn from_env(env: &mut Env) -> Self {
        Self {
            database: Dsn::read(env, "JOB_ORCHESTRATOR_DB_DSN", DEFAULT_DSN),
            nats: NatsConfig::from_env(env),
            connect: ConnectPolicy::from_env(env),
            stream_replicas: env.bounded(streams::REPLICAS_VAR, 1, 1, streams::MAX_REPLICAS),
        }
    }

    /// Connects PostgreSQL then NATS JetStream, failing fast with the variable to fix.
    pub async fn connect(
        &self,
    ) -> Result<
        (sqlx::PgPool, exobrain_common::nats::Nats),
        exobrain_common::startup::DependencyError,
    > {
        let pool = exobrain_common::db::connect(
            &self.database,
            exobrain_common::db::PoolSettings::default(),
            self.connect,
        )
        .await?;
        let nats = exobrain_common::nats::connect(&self.nats, self.connect).await?;
        Ok((pool, nats))
    }

    /// Readiness checks for both stores.
    pub fn readiness(
        pool: sqlx::PgPool,
        nats: exobrain_common::nats::Nats,
    ) -> exobrain_common::health::Readiness {
        exobrain_common::health::Readiness::new()
            .with_check("postgres", move || {
                let pool = pool.clone();
                async move { exobrain_common::db::ping(&pool).await }
            })
            .with_check("nats", move || {
                let connected = exobrain_common::nats::is_connected(&nats.client);
                async move {
                    if connected {
                        Ok(())
                    } else {
                        Err("not connected to NATS")
                    }
                }
            })
    }
}
