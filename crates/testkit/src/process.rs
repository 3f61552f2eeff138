//! Running a service's real binary as a child process, for the behaviour only a process has:
//! exit codes, stderr, and signals.

use std::collections::HashMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|error| panic!("testkit: no free port: {error}"))
}

/// A child process running a service binary with a controlled environment.
#[derive(Debug)]
pub struct BinaryProcess {
    child: Child,
}

impl BinaryProcess {
    /// Starts `binary args…` with only `PATH` and `env` set (so the developer's shell cannot
    /// leak configuration in), stdout discarded and stderr captured.
    pub fn start(binary: &Path, args: &[&str], env: &HashMap<String, String>) -> Self {
        let child = Command::new(binary)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("testkit: cannot start {}: {error}", binary.display()));
        Self { child }
    }

    /// Waits for the process to exit on its own within `limit`; returns its status and stderr.
    pub async fn wait(mut self, limit: Duration) -> Result<(ExitStatus, String), String> {
        let mut stderr = self.child.stderr.take();
        let status = tokio::time::timeout(limit, self.child.wait())
            .await
            .map_err(|_| format!("process still running after {limit:?}"))?
            .map_err(|error| error.to_string())?;
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = stderr.read_to_string(&mut text).await;
        }
        Ok((status, text))
    }

    /// Sends SIGTERM, then waits at most `limit` for the exit.
    pub async fn terminate(self, limit: Duration) -> Result<(ExitStatus, String), String> {
        let Some(pid) = self.child.id() else {
            return Err("process already exited".to_owned());
        };
        let pid = i32::try_from(pid).map_err(|error| error.to_string())?;
        send_signal(pid, "TERM")?;
        self.wait(limit).await
    }

    /// Kills the process with SIGKILL (no cleanup of any kind) and reaps it.
    pub async fn kill(mut self) -> Result<(), String> {
        self.child.start_kill().map_err(|error| error.to_string())?;
        self.child
            .wait()
            .await
            .map(|_| ())
            .map_err(|error| error.to_string())
    }
}

fn send_signal(pid: i32, signal: &str) -> Result<(), String> {
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .map_err(|error| format!("cannot run kill: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("kill -{signal} {pid} failed: {status}"))
    }
}
