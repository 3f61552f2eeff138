//! GetJobStats and ListWorkers on the wire: the statistics window is checked here, and the
//! store's counts and the heard heartbeats go back as their reply messages.

use std::time::Duration;

use exobrain_jobs::domain::{InvalidField, JobState};
use exobrain_jobs::store::{JobStats, TypeStats};
use exobrain_proto::job_orchestrator as pb;

use super::error::ApiError;
use crate::workers::SeenWorker;

/// Window of `completed_in_window` when the request sets none.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);
/// Longest window accepted (a day).
pub const MAX_WINDOW_SECONDS: u32 = 86_400;

/// The window a GetJobStats request asks for (0: the default).
pub fn stats_window(request: &pb::GetJobStatsRequest) -> Result<Duration, ApiError> {
    match request.window_seconds {
        0 => Ok(DEFAULT_WINDOW),
        seconds if seconds <= MAX_WINDOW_SECONDS => Ok(Duration::from_secs(seconds.into())),
        seconds => Err(ApiError::from(InvalidField::new(
            "window_seconds",
            format!("{seconds} is more than {MAX_WINDOW_SECONDS} (a day)"),
        ))),
    }
}

/// The reply to GetJobStats for `window`.
pub fn stats_reply(stats: JobStats, window: Duration) -> pb::GetJobStatsReply {
    pb::GetJobStatsReply {
        job_types: stats
            .by_type
            .into_iter()
            .map(|(job_type, counts)| type_stats(job_type, &counts))
            .collect(),
        window_seconds: u32::try_from(window.as_secs()).unwrap_or(MAX_WINDOW_SECONDS),
        generated_at: stats.generated_at.to_rfc3339(),
    }
}

fn type_stats(job_type: String, counts: &TypeStats) -> pb::JobTypeStats {
    pb::JobTypeStats {
        job_type,
        enqueued_or_pending: counts.count(JobState::Pending),
        started: counts.count(JobState::Started),
        retrying: counts.count(JobState::Retrying),
        succeeded: counts.count(JobState::Succeeded),
        failed_final: counts.count(JobState::FailedFinal),
        cancelled: counts.count(JobState::Cancelled),
        backlog: counts.backlog(),
        completed_in_window: counts.completed_in_window,
    }
}

/// A live worker as its wire message.
pub fn worker_reply(worker: SeenWorker) -> pb::Worker {
    let beat = worker.heartbeat;
    pb::Worker {
        worker_id: beat.worker_id,
        version: beat.version,
        started_at: beat.started_at,
        last_seen_at: worker.last_seen_at.to_rfc3339(),
        pools: beat
            .pools
            .into_iter()
            .map(|pool| pb::WorkerPool {
                job_type: pool.job_type,
                running: u32::try_from(pool.running).unwrap_or(u32::MAX),
                capacity: u32::try_from(pool.capacity).unwrap_or(u32::MAX),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_defaults_to_five_minutes_and_stops_at_a_day() {
        let window = |seconds| {
            stats_window(&pb::GetJobStatsRequest {
                window_seconds: seconds,
            })
        };
        assert_eq!(window(0).expect("default"), DEFAULT_WINDOW);
        assert_eq!(window(60).expect("minute"), Duration::from_secs(60));
        assert!(window(MAX_WINDOW_SECONDS + 1).is_err());
    }
}
