//! What the operations routes answer, shaped from job-orchestrator's replies: states by their
//! wire names, empty strings of the wire as `null` where a value may be absent.

use exobrain_proto::job_orchestrator as pb;
use serde::Serialize;
use utoipa::ToSchema;

/// Jobs by type and state, and the live workers.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Overview {
    /// RFC 3339: when the jobs were counted.
    pub generated_at: String,
    /// The window of `completed_in_window` and `throughput_per_minute`.
    pub window_seconds: u32,
    /// By job type name.
    pub job_types: Vec<JobTypeOverview>,
    /// Workers heard from recently, by id.
    pub workers: Vec<WorkerRow>,
}

/// One job type's jobs over every user.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct JobTypeOverview {
    pub job_type: String,
    /// Jobs currently in each state.
    pub states: StateCounts,
    /// Jobs waiting to run (`ENQUEUED_OR_PENDING` plus `RETRYING`).
    pub backlog: u64,
    /// Jobs that reached a terminal state within the window.
    pub completed_in_window: u64,
    /// `completed_in_window` per minute of the window.
    pub throughput_per_minute: f64,
}

/// Jobs currently in each lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct StateCounts {
    pub enqueued_or_pending: u64,
    pub started: u64,
    pub retrying: u64,
    pub succeeded: u64,
    pub failed_final: u64,
    pub cancelled: u64,
}

/// A live worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WorkerRow {
    pub worker_id: String,
    pub version: String,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339: when its last heartbeat arrived.
    pub last_seen_at: String,
    /// Per job type it serves.
    pub pools: Vec<PoolLoad>,
}

/// One pool of a worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PoolLoad {
    pub job_type: String,
    /// Jobs it runs now.
    pub running: u32,
    /// Jobs it may run at once.
    pub capacity: u32,
}

/// A page of every user's jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct JobPage {
    /// Newest first.
    pub jobs: Vec<JobRow>,
    /// Send as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct JobRow {
    pub job_id: String,
    pub job_type: String,
    /// `ENQUEUED_OR_PENDING`, `STARTED`, `RETRYING`, `SUCCEEDED`, `FAILED_FINAL` or `CANCELLED`.
    pub state: String,
    /// Attempts started so far.
    pub attempt: i32,
    /// The user it runs for.
    pub user_id: String,
    /// The last progress or error text (empty when none).
    pub detail: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// A page of every user's dead letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeadLetterPage {
    /// Newest first.
    pub dead_letters: Vec<DeadLetterRow>,
    /// Send as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A job that failed for good, or a message that could not be read as a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeadLetterRow {
    /// Replay it at `POST /api/ops/dead-letters/{id}/replay`.
    pub id: String,
    /// Empty when the message could not be read as a job.
    pub job_id: String,
    pub job_type: String,
    pub user_id: String,
    /// `max-attempts`, `invalid-envelope`, `invalid-payload`, `timeout` or `not-retryable`.
    pub reason: String,
    pub detail: String,
    pub attempts: i32,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; `null` until replayed.
    #[schema(required = true)]
    pub replayed_at: Option<String>,
}

impl Overview {
    /// The overview of `stats` and `workers`.
    pub fn of(stats: pb::GetJobStatsReply, workers: pb::ListWorkersReply) -> Self {
        let minutes = f64::from(stats.window_seconds.max(1)) / 60.0;
        Self {
            generated_at: stats.generated_at,
            window_seconds: stats.window_seconds,
            job_types: stats
                .job_types
                .into_iter()
                .map(|counts| JobTypeOverview {
                    states: StateCounts {
                        enqueued_or_pending: counts.enqueued_or_pending,
                        started: counts.started,
                        retrying: counts.retrying,
                        succeeded: counts.succeeded,
                        failed_final: counts.failed_final,
                        cancelled: counts.cancelled,
                    },
                    backlog: counts.backlog,
                    completed_in_window: counts.completed_in_window,
                    throughput_per_minute: counts.completed_in_window as f64 / minutes,
                    job_type: counts.job_type,
                })
                .collect(),
            workers: workers
                .workers
                .into_iter()
                .map(|worker| WorkerRow {
                    worker_id: worker.worker_id,
                    version: worker.version,
                    started_at: worker.started_at,
                    last_seen_at: worker.last_seen_at,
                    pools: worker
                        .pools
                        .into_iter()
                        .map(|pool| PoolLoad {
                            job_type: pool.job_type,
                            running: pool.running,
                            capacity: pool.capacity,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl JobPage {
    /// The page of `reply`.
    pub fn of(reply: pb::ListJobsReply) -> Self {
        Self {
            jobs: reply
                .jobs
                .into_iter()
                .map(|job| JobRow {
                    state: state_name(job.state),
                    job_id: job.job_id,
                    job_type: job.job_type,
                    attempt: job.attempt,
                    user_id: job.user_id,
                    detail: job.detail,
                    created_at: job.created_at,
                    updated_at: job.updated_at,
                })
                .collect(),
            next_cursor: present(reply.next_page_token),
        }
    }
}

impl DeadLetterPage {
    /// The page of `reply`.
    pub fn of(reply: pb::ListDeadLettersReply) -> Self {
        Self {
            dead_letters: reply
                .dead_letters
                .into_iter()
                .map(|letter| DeadLetterRow {
                    id: letter.id,
                    job_id: letter.job_id,
                    job_type: letter.job_type,
                    user_id: letter.user_id,
                    reason: letter.reason,
                    detail: letter.detail,
                    attempts: letter.attempts,
                    created_at: letter.created_at,
                    replayed_at: present(letter.replayed_at),
                })
                .collect(),
            next_cursor: present(reply.next_page_token),
        }
    }
}

/// The wire name of lifecycle state `value` (`ENQUEUED_OR_PENDING`, …).
fn state_name(value: i32) -> String {
    pb::JobLifecycleState::try_from(value)
        .map(|state| state.as_str_name().to_owned())
        .unwrap_or_else(|_| value.to_string())
}

fn present(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throughput_is_per_minute_of_the_window_and_empty_texts_are_null() {
        let stats = pb::GetJobStatsReply {
            job_types: vec![pb::JobTypeStats {
                job_type: "knowledge.update".into(),
                succeeded: 9,
                completed_in_window: 10,
                ..Default::default()
            }],
            window_seconds: 300,
            generated_at: "now".into(),
        };
        let overview = Overview::of(stats, pb::ListWorkersReply::default());
        assert_eq!(overview.job_types[0].throughput_per_minute, 2.0);
        assert_eq!(overview.job_types[0].states.succeeded, 9);

        let page = JobPage::of(pb::ListJobsReply {
            jobs: vec![pb::GetJobStatusReply {
                state: pb::JobLifecycleState::FailedFinal as i32,
                ..Default::default()
            }],
            next_page_token: String::new(),
        });
        assert_eq!(page.jobs[0].state, "FAILED_FINAL");
        assert_eq!(page.next_cursor, None);
    }
}
