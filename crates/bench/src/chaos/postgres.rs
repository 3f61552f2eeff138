//! A PostgreSQL cluster of the drill's own, which it may stop and start at will: `initdb` into
//! a fresh directory under the temp dir, trust authentication for the superuser `exobrain`,
//! listening on 127.0.0.1 at a free port (its socket in the same directory). The server
//! binaries come from `EXOBRAIN_CHAOS_PG_BIN` (default `/usr/lib/postgresql/15/bin`); PostgreSQL
//! refuses to run as root, so a root process runs them as the `postgres` user (`runuser`).
//! Dropping the cluster stops it at once and deletes its directory, also when the drill fails
//! or is interrupted.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};
use tokio::process::Command;

/// Where the server binaries are by default (Debian's PostgreSQL 15).
const DEFAULT_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running (or stopped) private cluster.
#[derive(Debug)]
pub struct PrivatePostgres {
    /// `postgresql://exobrain@127.0.0.1:<port>/postgres`.
    pub admin_dsn: String,
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    running: bool,
}

impl PrivatePostgres {
    /// Creates the cluster and starts it.
    pub async fn start() -> anyhow::Result<Self> {
        let bin = PathBuf::from(
            std::env::var("EXOBRAIN_CHAOS_PG_BIN").unwrap_or_else(|_| DEFAULT_BIN.to_owned()),
        );
        let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
        let dir = std::env::temp_dir().join(format!("exobrain-chaos-pg-{tag}"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let port = crate::process::free_port()?;
        let mut cluster = Self {
            admin_dsn: format!("postgresql://exobrain@127.0.0.1:{port}/postgres"),
            dir,
            bin,
            port,
            running: false,
        };
        if is_root() {
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(&cluster.dir))
            .await?;
        }
        let data = cluster.data();
        cluster
            .pg("initdb")
            .args([
                "-U",
                "exobrain",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .arg("-D")
            .arg(&data)
            .stdout(Stdio::null())
            .status()
            .await
            .context("cannot run initdb")?
            .success()
            .then_some(())
            .context("initdb failed")?;
        cluster.start_again().await?;
        Ok(cluster)
    }

    /// Starts the stopped cluster and waits until it accepts connections.
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let (data, log) = (self.data(), self.dir.join("postgres.log"));
        let started = run(self
            .pg("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options, "start"]))
        .await;
        if let Err(error) = started {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(10).collect();
            bail!("{error:#}; server log ends with: {:?}", tail);
        }
        self.running = true;
        Ok(())
    }

    /// Stops the cluster as an administrator would (`pg_ctl stop -m fast`: sessions are
    /// disconnected and their transactions rolled back, then a checkpoint).
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let data = self.data();
        run(self
            .pg("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-m", "fast", "-w", "-t", "60", "stop"]))
        .await?;
        self.running = false;
        Ok(())
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A command running the server binary `program` (as `postgres` when this process is root).
    fn pg(&self, program: &str) -> Command {
        Command::from(self.pg_blocking(program))
    }

    fn pg_blocking(&self, program: &str) -> std::process::Command {
        let binary = self.bin.join(program);
        if is_root() {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(binary);
            command
        } else {
            std::process::Command::new(binary)
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if self.running {
            let _ = self
                .pg_blocking("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .status();
        }
        if let Err(error) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("cannot remove {}: {error}", self.dir.display());
        }
    }
}

/// Runs `command` to its end; an error names it when it fails.
async fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{:?}", command.as_std());
    let status = command
        .stdout(Stdio::null())
        .status()
        .await
        .with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// Whether this process runs as root (PostgreSQL must then run as another user).
fn is_root() -> bool {
    std::fs::read_to_string(Path::new("/proc/self/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next().map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}
