//! The services under test, each in a child process of this binary (`exobrain-bench
//! __service <name> serve`), so their memory is their own and the load generator's is not
//! counted; plus the private database and NATS prefix they run on.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::process::{Child, Command};

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

/// A service running as a child process.
#[derive(Debug)]
pub struct ServiceProcess {
    child: Child,
    admin: String,
}

impl ServiceProcess {
    /// Starts service `name` (`api` or `worker`) with `env` and waits until it is ready.
    pub async fn start(
        name: &str,
        env: &HashMap<String, String>,
        admin_var: &str,
    ) -> anyhow::Result<Self> {
        let admin = format!("127.0.0.1:{}", free_port()?);
        let child = Command::new(std::env::current_exe()?)
            .args(["__service", name, "serve"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .env(admin_var, &admin)
            .stdin(Stdio::null())
            // Service logs (stdout) go to this process's stderr with the benchmark's.
            .stdout(std::io::stderr())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start the {name} process"))?;
        let service = Self { child, admin };
        service.wait_ready(name).await?;
        Ok(service)
    }

    async fn wait_ready(&self, name: &str) -> anyhow::Result<()> {
        let url = format!("http://{}/readyz", self.admin);
        for _ in 0..200 {
            if let Ok(reply) = reqwest::get(&url).await
                && reply.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the {name} process never became ready on {}", self.admin)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// Peak resident memory so far, in MiB (`VmHWM`).
    pub fn peak_rss_mib(&self) -> f64 {
        let Some(pid) = self.child.id() else {
            return 0.0;
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// Stops the process with SIGTERM and waits for it.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
