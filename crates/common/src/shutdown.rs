//! Shutdown signals: the first SIGINT/SIGTERM cancels one [`CancellationToken`] that every
//! task of the process watches; a second signal exits the process at once.

use std::future::Future;
use std::time::Duration;

pub use tokio_util::sync::CancellationToken;

/// How long in-flight work may take after a shutdown signal before it is abandoned. Kept
/// below the 5 s a supervisor waits between SIGTERM and SIGKILL.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(4);

/// Returns a token that is cancelled on the first SIGINT or SIGTERM. A second signal ends the
/// process immediately with status 130.
pub fn on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let watched = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown signal received, draining (send again to exit at once)");
        watched.cancel();
        wait_for_signal().await;
        tracing::warn!("second shutdown signal, exiting now");
        std::process::exit(130);
    });
    token
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Drives `work` to completion, but once `token` is cancelled gives it at most `grace` more
/// before returning `None` (the work is dropped, which aborts it).
pub async fn drain<F: Future>(
    work: F,
    token: &CancellationToken,
    grace: Duration,
) -> Option<F::Output> {
    tokio::pin!(work);
    tokio::select! {
        output = &mut work => return Some(output),
        _ = token.cancelled() => {}
    }
    match tokio::time::timeout(grace, work).await {
        Ok(output) => Some(output),
        Err(_) => {
            tracing::warn!(
                grace_ms = grace.as_millis() as u64,
                "grace period over, abandoning in-flight work"
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drain_returns_finished_work() {
        let token = CancellationToken::new();
        assert_eq!(drain(async { 7 }, &token, DEFAULT_GRACE).await, Some(7));
    }

    #[tokio::test(start_paused = true)]
    async fn drain_abandons_work_that_outlives_the_grace_period() {
        let token = CancellationToken::new();
        token.cancel();
        let never = std::future::pending::<()>();
        assert_eq!(drain(never, &token, Duration::from_secs(1)).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn drain_lets_work_finish_within_the_grace_period() {
        let token = CancellationToken::new();
        token.cancel();
        let slow = async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            "done"
        };
        assert_eq!(
            drain(slow, &token, Duration::from_secs(1)).await,
            Some("done")
        );
    }
}
