//! `--shared-infra`: the drill restarts this machine's own PostgreSQL and NATS instead of
//! private ones, as the drill on a dedicated machine does. Never use it on a machine
//! whose PostgreSQL or NATS someone else is using: every client of theirs sees the outages.
//!
//! - PostgreSQL: the Debian cluster `EXOBRAIN_CHAOS_PG_CLUSTER` (default `15/main`), stopped
//!   and started with `pg_ctlcluster --skip-systemctl-redirect <version> <name> stop|start`
//!   (a fast shutdown, as a restart does).
//! - NATS: the `nats-server` process listening on the port of `EXOBRAIN_NATS_URL` (default
//!   4222), found in `/proc`; it is stopped with SIGTERM and started again with its own command
//!   line and working directory through `start-stop-daemon --background`, so it outlives the
//!   drill.
//!
//! Whatever the drill stopped is started again when this guard drops (the drill failed or was
//! interrupted mid-outage), so the machine is left as it was found.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::process::send_signal;

/// The machine's own PostgreSQL cluster and NATS server.
#[derive(Debug)]
pub struct SharedInfra {
    /// Where NATS listens.
    pub nats_url: String,
    cluster: (String, String),
    nats_port: u16,
    nats: NatsServer,
    postgres_stopped: bool,
    nats_stopped: bool,
}

/// How the running nats-server was started, to start it the same way again.
#[derive(Debug)]
struct NatsServer {
    pid: u32,
    argv: Vec<String>,
    cwd: PathBuf,
}

impl SharedInfra {
    /// Finds the cluster and the NATS server of `nats_url`.
    pub fn find(nats_url: &str) -> anyhow::Result<Self> {
        let cluster =
            std::env::var("EXOBRAIN_CHAOS_PG_CLUSTER").unwrap_or_else(|_| "15/main".into());
        let Some((version, name)) = cluster.split_once('/') else {
            bail!("EXOBRAIN_CHAOS_PG_CLUSTER `{cluster}` is not <version>/<name>");
        };
        let port = nats_url
            .rsplit_once(':')
            .and_then(|(_, port)| port.trim_end_matches('/').parse::<u16>().ok())
            .unwrap_or(4222);
        Ok(Self {
            nats_url: nats_url.to_owned(),
            cluster: (version.to_owned(), name.to_owned()),
            nats_port: port,
            nats: NatsServer::listening_on(port)?,
            postgres_stopped: false,
            nats_stopped: false,
        })
    }

    /// Stops the PostgreSQL cluster.
    pub async fn stop_postgres(&mut self) -> anyhow::Result<()> {
        self.postgres_stopped = true;
        succeeded(
            tokio::process::Command::from(self.pg_ctlcluster("stop"))
                .status()
                .await,
        )
        .context("pg_ctlcluster stop")
    }

    /// Starts the PostgreSQL cluster again (`pg_ctlcluster` waits until it accepts
    /// connections).
    pub async fn start_postgres(&mut self) -> anyhow::Result<()> {
        succeeded(
            tokio::process::Command::from(self.pg_ctlcluster("start"))
                .status()
                .await,
        )
        .context("pg_ctlcluster start")?;
        self.postgres_stopped = false;
        Ok(())
    }

    /// Stops nats-server (SIGTERM) and waits until it exited.
    pub async fn stop_nats(&mut self) -> anyhow::Result<()> {
        self.nats_stopped = true;
        send_signal(self.nats.pid, "TERM")?;
        let proc = PathBuf::from(format!("/proc/{}", self.nats.pid));
        let until = Instant::now() + Duration::from_secs(30);
        while proc.exists() {
            if Instant::now() > until {
                bail!("nats-server {} did not exit within 30 s", self.nats.pid);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Starts nats-server again as it was started, and waits until it accepts connections.
    pub async fn start_nats(&mut self) -> anyhow::Result<()> {
        self.nats.launch()?;
        self.nats_stopped = false;
        for _ in 0..300 {
            if async_nats::connect(&self.nats_url).await.is_ok() {
                self.nats = NatsServer::listening_on(self.nats_port)?;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("nats-server on {} did not come back", self.nats_url)
    }

    fn pg_ctlcluster(&self, action: &str) -> std::process::Command {
        let (version, name) = &self.cluster;
        let mut command = std::process::Command::new("pg_ctlcluster");
        command.args(["--skip-systemctl-redirect", version, name, action]);
        command
    }
}

impl Drop for SharedInfra {
    fn drop(&mut self) {
        if self.postgres_stopped
            && let Err(error) = succeeded(self.pg_ctlcluster("start").status())
        {
            eprintln!("PostgreSQL was left stopped: {error:#}");
        }
        if self.nats_stopped
            && let Err(error) = self.nats.launch()
        {
            eprintln!("nats-server was left stopped: {error:#}");
        }
    }
}

impl NatsServer {
    /// The nats-server process whose command line listens on `port` (4222 when it names none).
    fn listening_on(port: u16) -> anyhow::Result<Self> {
        for entry in std::fs::read_dir("/proc")?.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() != "nats-server" {
                continue;
            }
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let argv: Vec<String> = raw
                .split(|byte| *byte == 0)
                .filter(|arg| !arg.is_empty())
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            if port_of(&argv) == port {
                let cwd = std::fs::read_link(format!("/proc/{pid}/cwd"))
                    .unwrap_or_else(|_| PathBuf::from("/"));
                return Ok(Self { pid, argv, cwd });
            }
        }
        bail!("no nats-server process listens on port {port}")
    }

    /// Starts the server in the background with its recorded command line.
    fn launch(&self) -> anyhow::Result<()> {
        let Some((program, args)) = self.argv.split_first() else {
            bail!("nats-server's command line is empty");
        };
        succeeded(
            std::process::Command::new("start-stop-daemon")
                .args(["--start", "--background", "--chdir"])
                .arg(&self.cwd)
                .args(["--exec", program, "--"])
                .args(args)
                .status(),
        )
        .with_context(|| format!("start-stop-daemon --start {program}"))
    }
}

/// Whether a command ran and succeeded.
fn succeeded(status: std::io::Result<std::process::ExitStatus>) -> anyhow::Result<()> {
    let status = status.context("cannot run the command")?;
    if !status.success() {
        bail!("the command failed ({status})");
    }
    Ok(())
}

/// The port a nats-server command line listens on.
fn port_of(argv: &[String]) -> u16 {
    let mut args = argv.iter();
    while let Some(arg) = args.next() {
        if let Some(port) = arg.strip_prefix("--port=") {
            return port.parse().unwrap_or(0);
        }
        if arg == "-p" || arg == "--port" {
            return args.next().and_then(|port| port.parse().ok()).unwrap_or(0);
        }
    }
    4222
}

#[cfg(test)]
mod tests {
    use super::port_of;

    #[test]
    fn the_port_comes_from_the_command_line() {
        let argv = |line: &str| line.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            port_of(&argv("/usr/sbin/nats-server -a 127.0.0.1 -p 4223 -js")),
            4223
        );
        assert_eq!(port_of(&argv("nats-server --port=5222 -js")), 5222);
        assert_eq!(port_of(&argv("nats-server -js -sd /var/lib/nats")), 4222);
    }
}
