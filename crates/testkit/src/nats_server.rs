//! A private nats-server (with JetStream) for tests that stop and restart NATS, which they
//! must never do to the server the rest of the suite shares. It listens on a free port with
//! its own store directory, so a restart keeps its streams, and is killed on drop.

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

    /// Starts it again on the same port and store.
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
