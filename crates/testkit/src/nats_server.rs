//! A private nats-server (with JetStream) for tests and the chaos drill, which stop and
//! restart NATS and must never do so to the server everyone else shares. It listens on a free
//! port with its own store directory, so a restart keeps its streams, and is killed on drop.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A nats-server owned by one test.
#[derive(Debug)]
pub struct PrivateNats {
    /// `nats://127.0.0.1:<port>`.
    pub url: String,
    port: u16,
    store: PathBuf,
    child: Option<Child>,
}

impl PrivateNats {
    /// Starts a server (`EXOBRAIN_TEST_NATS_SERVER_BIN`, default `nats-server` on PATH or
    /// `/usr/sbin/nats-server`) and waits until it accepts connections.
    pub async fn start() -> Self {
        let port = crate::free_port();
        let store = std::env::temp_dir().join(format!("exobrain-nats-{}", crate::unique_suffix()));
        let mut server = Self {
            url: format!("nats://127.0.0.1:{port}"),
            port,
            store,
            child: None,
        };
        server.launch().await;
        server
    }

    /// Stops the server abruptly (SIGKILL).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Stops the server as a service manager would (SIGTERM: it closes its clients and its
    /// store cleanly) and waits for it to exit, killing it after 30 seconds.
    pub async fn terminate(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status();
            }
            if tokio::time::timeout(Duration::from_secs(30), child.wait())
                .await
                .is_err()
            {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
    }

    /// Starts it again on the same port and store (stopping it first if it runs).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.launch().await;
    }

    async fn launch(&mut self) {
        let binary = crate::env_or("EXOBRAIN_TEST_NATS_SERVER_BIN", &default_binary());
        let child = Command::new(&binary)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.store)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "testkit: cannot start {binary} (set EXOBRAIN_TEST_NATS_SERVER_BIN): {error}"
                )
            });
        self.child = Some(child);
        for _ in 0..100 {
            if async_nats::connect(&self.url).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "testkit: private nats-server on {} never accepted connections",
            self.url
        );
    }
}

fn default_binary() -> String {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file());
    on_path
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nats-server"))
        .display()
        .to_string()
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.store);
    }
}
