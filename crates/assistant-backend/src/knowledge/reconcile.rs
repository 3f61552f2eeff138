//! The knowledge job reconciler: a background task that reads the state of every unfinished
//! knowledge update job from the orchestrator at an interval, so a job nobody watched and no
//! later update looked at still commits its messages (or frees them) soon after it ends. The
//! update call and the watch reconcile too; this only bounds how stale `knowledge_jobs` gets.

use std::time::Duration;

use exobrain_common::shutdown::CancellationToken;

use super::update::KnowledgeUpdates;

/// Runs until `shutdown`: one pass over every unfinished job per `interval`. A pass in
/// progress when `shutdown` fires is abandoned (each job's state is recorded in its own
/// transaction, and the next start reads it again).
pub async fn reconcile_periodically(
    updates: KnowledgeUpdates,
    interval: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = updates.reconcile(None) => {}
        }
    }
}
