//! The job lifecycle and its guarded transitions.
//!
//! ```text
//! Pending ──► Started ──► Succeeded
//!    │          │  ▲
//!    │          ▼  │
//!    │       Retrying ──► FailedFinal
//!    └──────────┴──► Cancelled        (Started ──► FailedFinal too)
//! ```
//! Terminal states never change again, which is what lets a redelivered message for a
//! finished job be acknowledged and skipped.

use std::fmt;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Accepted and waiting for a worker.
    Pending,
    /// An attempt is running.
    Started,
    /// An attempt failed; another one is scheduled.
    Retrying,
    /// Finished successfully.
    Succeeded,
    /// Failed for good (attempts exhausted or not retryable); a dead letter exists.
    FailedFinal,
    /// Cancelled by its owner before it finished.
    Cancelled,
}

impl JobState {
    /// Every state, in lifecycle order.
    pub const ALL: [JobState; 6] = [
        JobState::Pending,
        JobState::Started,
        JobState::Retrying,
        JobState::Succeeded,
        JobState::FailedFinal,
        JobState::Cancelled,
    ];

    /// True for states that never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::FailedFinal | JobState::Cancelled
        )
    }

    /// Whether `self -> next` is a legal transition.
    pub fn can_become(self, next: JobState) -> bool {
        use JobState::*;
        match self {
            Pending => matches!(next, Started | Cancelled | FailedFinal),
            Started => matches!(next, Succeeded | Retrying | FailedFinal | Cancelled),
            Retrying => matches!(next, Started | FailedFinal | Cancelled),
            Succeeded | FailedFinal | Cancelled => false,
        }
    }

    /// The states a job may be in for `next` to be applied (for guarded SQL updates).
    pub fn predecessors(next: JobState) -> Vec<JobState> {
        Self::ALL
            .into_iter()
            .filter(|state| state.can_become(next))
            .collect()
    }

    /// The value stored in the `status` column.
    pub fn as_db(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Started => "started",
            JobState::Retrying => "retrying",
            JobState::Succeeded => "succeeded",
            JobState::FailedFinal => "failed_final",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Reads a stored status. Also accepts the spellings rows written by the original service
    /// use (`requested`, `processing`, `completed`, `failed` with its terminal flag).
    pub fn from_db(status: &str, is_terminal: bool) -> Option<JobState> {
        let state = match status.to_ascii_lowercase().as_str() {
            "pending" | "requested" | "enqueued_or_pending" => JobState::Pending,
            "started" | "processing" => JobState::Started,
            "retrying" => JobState::Retrying,
            "succeeded" | "completed" => JobState::Succeeded,
            "failed_final" => JobState::FailedFinal,
            "failed" if is_terminal => JobState::FailedFinal,
            "failed" => JobState::Retrying,
            "cancelled" | "canceled" => JobState::Cancelled,
            _ => return None,
        };
        Some(state)
    }

    /// The `JobLifecycleState` enum name used in JSON status events.
    pub fn wire_name(self) -> &'static str {
        match self {
            JobState::Pending => "ENQUEUED_OR_PENDING",
            JobState::Started => "STARTED",
            JobState::Retrying => "RETRYING",
            JobState::Succeeded => "SUCCEEDED",
            JobState::FailedFinal => "FAILED_FINAL",
            JobState::Cancelled => "CANCELLED",
        }
    }

    /// The `JobLifecycleState` wire value.
    pub fn to_proto(self) -> i32 {
        use exobrain_proto::job_orchestrator::JobLifecycleState as Wire;
        let wire = match self {
            JobState::Pending => Wire::EnqueuedOrPending,
            JobState::Started => Wire::Started,
            JobState::Retrying => Wire::Retrying,
            JobState::Succeeded => Wire::Succeeded,
            JobState::FailedFinal => Wire::FailedFinal,
            JobState::Cancelled => Wire::Cancelled,
        };
        wire as i32
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_db())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_states_never_move() {
        for terminal in JobState::ALL.into_iter().filter(|s| s.is_terminal()) {
            for next in JobState::ALL {
                assert!(
                    !terminal.can_become(next),
                    "{terminal} -> {next} must be refused"
                );
            }
        }
    }

    #[test]
    fn a_job_cannot_go_back_to_pending() {
        for state in JobState::ALL {
            assert!(!state.can_become(JobState::Pending), "{state} -> pending");
        }
    }

    #[test]
    fn the_normal_paths_are_allowed() {
        use JobState::*;
        for (from, to) in [
            (Pending, Started),
            (Started, Succeeded),
            (Started, Retrying),
            (Retrying, Started),
            (Started, FailedFinal),
            (Pending, Cancelled),
        ] {
            assert!(from.can_become(to), "{from} -> {to}");
        }
    }

    #[test]
    fn stored_statuses_round_trip_and_legacy_spellings_map() {
        for state in JobState::ALL {
            assert_eq!(
                JobState::from_db(state.as_db(), state.is_terminal()),
                Some(state)
            );
        }
        assert_eq!(
            JobState::from_db("processing", false),
            Some(JobState::Started)
        );
        assert_eq!(
            JobState::from_db("failed", true),
            Some(JobState::FailedFinal)
        );
        assert_eq!(JobState::from_db("failed", false), Some(JobState::Retrying));
        assert_eq!(JobState::from_db("exploded", false), None);
    }

    #[test]
    fn wire_names_match_the_generated_enum() {
        use exobrain_proto::job_orchestrator::JobLifecycleState as Wire;
        for state in JobState::ALL {
            let wire = Wire::try_from(state.to_proto()).expect("known wire value");
            assert_eq!(wire.as_str_name(), state.wire_name());
        }
    }

    #[test]
    fn predecessors_match_the_transition_table() {
        assert_eq!(
            JobState::predecessors(JobState::Started),
            [JobState::Pending, JobState::Retrying]
        );
        assert!(JobState::predecessors(JobState::Pending).is_empty());
    }
}
