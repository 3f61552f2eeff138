//! The PostgreSQL and NATS the drill runs on and breaks: private ones it starts itself (the
//! default, harmless to anyone else on the machine), or the machine's own with
//! `--shared-infra`. Either way the drill sees one interface: where to connect, and how to
//! stop and start each server. Dropping it removes the private servers or puts the shared
//! ones back.

use exobrain_testkit::PrivateNats;

use super::postgres::PrivatePostgres;
use super::shared::SharedInfra;
use crate::database::shared_admin_dsn;

/// The servers under the drill.
#[derive(Debug)]
pub enum Infra {
    /// A private nats-server and PostgreSQL cluster, deleted afterwards.
    Private {
        nats: PrivateNats,
        postgres: PrivatePostgres,
    },
    /// This machine's own servers, restarted in place.
    Shared {
        servers: SharedInfra,
        admin_dsn: String,
    },
}

impl Infra {
    /// Starts private servers.
    pub async fn private() -> anyhow::Result<Self> {
        let postgres = PrivatePostgres::start().await?;
        let nats = PrivateNats::start().await;
        Ok(Self::Private { nats, postgres })
    }

    /// The machine's own servers (`EXOBRAIN_BENCH_POSTGRES_DSN`, `EXOBRAIN_NATS_URL`).
    pub fn shared() -> anyhow::Result<Self> {
        let url = std::env::var("EXOBRAIN_NATS_URL")
            .unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
        Ok(Self::Shared {
            servers: SharedInfra::find(&url)?,
            admin_dsn: shared_admin_dsn(),
        })
    }

    /// What the drill runs on, for the report.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Private { .. } => "private",
            Self::Shared { .. } => "shared",
        }
    }

    /// Where NATS listens.
    pub fn nats_url(&self) -> &str {
        match self {
            Self::Private { nats, .. } => &nats.url,
            Self::Shared { servers, .. } => &servers.nats_url,
        }
    }

    /// A superuser DSN of PostgreSQL's `postgres` database.
    pub fn admin_dsn(&self) -> &str {
        match self {
            Self::Private { postgres, .. } => &postgres.admin_dsn,
            Self::Shared { admin_dsn, .. } => admin_dsn,
        }
    }

    /// Stops NATS as a service manager would (SIGTERM).
    pub async fn stop_nats(&mut self) -> anyhow::Result<()> {
        match self {
            Self::Private { nats, .. } => {
                nats.terminate().await;
                Ok(())
            }
            Self::Shared { servers, .. } => servers.stop_nats().await,
        }
    }

    /// Starts NATS again and waits until it accepts connections.
    pub async fn start_nats(&mut self) -> anyhow::Result<()> {
        match self {
            Self::Private { nats, .. } => {
                nats.restart().await;
                Ok(())
            }
            Self::Shared { servers, .. } => servers.start_nats().await,
        }
    }

    /// Stops PostgreSQL (fast shutdown).
    pub async fn stop_postgres(&mut self) -> anyhow::Result<()> {
        match self {
            Self::Private { postgres, .. } => postgres.stop().await,
            Self::Shared { servers, .. } => servers.stop_postgres().await,
        }
    }

    /// Starts PostgreSQL again and waits until it accepts connections.
    pub async fn start_postgres(&mut self) -> anyhow::Result<()> {
        match self {
            Self::Private { postgres, .. } => postgres.start_again().await,
            Self::Shared { servers, .. } => servers.start_postgres().await,
        }
    }
}
