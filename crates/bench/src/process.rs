//! Services under measurement as child processes of this binary (`exobrain-bench __service
//! <name> serve`), so their memory and CPU are their own and the load generator's is not
//! counted.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

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

    /// Where its admin (or only) HTTP listener is, `host:port`.
    pub fn address(&self) -> &str {
        &self.admin
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// Peak resident memory so far, in MiB (`VmHWM`).
    pub fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }

    /// Resident memory now, in MiB (`VmRSS`).
    pub fn rss_mib(&self) -> f64 {
        self.status_mib("VmRSS:")
    }

    /// The `/proc/<pid>/status` field `name` (a size in kB), in MiB; 0 once the process ended.
    fn status_mib(&self, name: &str) -> f64 {
        let Some(pid) = self.child.id() else {
            return 0.0;
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// Sends signal `name` (`TERM`, `STOP`, `CONT`, …) to the process.
    pub fn signal(&self, name: &str) -> anyhow::Result<()> {
        let pid = self.child.id().context("the process has exited")?;
        send_signal(pid, name)
    }

    /// Stops the process with SIGTERM and waits for it.
    pub async fn stop(mut self) {
        let _ = self.signal("TERM");
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }

    /// Kills the process with SIGKILL (no shutdown of its own) and reaps it.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Sends signal `name` to process `pid` with `kill(1)`.
pub fn send_signal(pid: u32, name: &str) -> anyhow::Result<()> {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .context("cannot run kill")?;
    if !status.success() {
        bail!("kill -{name} {pid} failed ({status})");
    }
    Ok(())
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
