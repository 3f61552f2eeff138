//! Running a service in-process on an ephemeral port, the way its binary would, with a
//! cancellation token standing in for SIGTERM.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Binds `127.0.0.1:0`.
pub async fn bind_ephemeral() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|error| panic!("testkit: cannot bind an ephemeral port: {error}"))
}

/// A service running on a background task.
#[derive(Debug)]
pub struct TestServer<E> {
    /// Cancel to ask the service to stop.
    pub shutdown: CancellationToken,
    task: Option<JoinHandle<Result<(), E>>>,
}

impl<E: Send + 'static> TestServer<E> {
    /// Spawns `run(shutdown)`; bind the listeners (see [`bind_ephemeral`]) before calling this
    /// and capture them in the closure.
    pub fn spawn<F, Fut>(run: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(run(shutdown.clone()));
        Self {
            shutdown,
            task: Some(task),
        }
    }

    /// Cancels the service and waits for `run` to return, at most `limit`.
    pub async fn stop_within(mut self, limit: Duration) -> Result<Result<(), E>, String> {
        self.shutdown.cancel();
        let Some(task) = self.task.take() else {
            return Err("service already stopped".to_owned());
        };
        match tokio::time::timeout(limit, task).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(join_error)) => Err(format!("service task failed: {join_error}")),
            Err(_) => Err(format!("service did not stop within {limit:?}")),
        }
    }

    /// True once `run` has returned.
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

/// Polls `url` until it answers 200 or `limit` passes.
pub async fn wait_until_ok(url: &str, limit: Duration) -> bool {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if let Ok(response) = client.get(url).send().await
            && response.status().is_success()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

impl<E> Drop for TestServer<E> {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
