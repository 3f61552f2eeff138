//! How far a batch has got: its jobs' states counted by phase. Pure code; the store supplies
//! the states, the API turns the counts into `BatchStatus`.

use super::JobState;

/// The jobs of one batch counted by phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCounts {
    /// Every job of the batch.
    pub total: u32,
    /// Accepted, no attempt started yet.
    pub pending: u32,
    /// An attempt is running, or a failed attempt waits for its retry.
    pub running: u32,
    /// Finished successfully.
    pub succeeded: u32,
    /// Failed for good.
    pub failed: u32,
    /// Cancelled by their owner.
    pub cancelled: u32,
}

impl BatchCounts {
    /// Counts `states`, one per job.
    pub fn tally(states: impl IntoIterator<Item = JobState>) -> Self {
        let mut counts = Self::default();
        for state in states {
            counts.total += 1;
            let phase = match state {
                JobState::Pending => &mut counts.pending,
                JobState::Started | JobState::Retrying => &mut counts.running,
                JobState::Succeeded => &mut counts.succeeded,
                JobState::FailedFinal => &mut counts.failed,
                JobState::Cancelled => &mut counts.cancelled,
            };
            *phase += 1;
        }
        counts
    }

    /// True when no job of the batch can change any more.
    pub fn is_terminal(&self) -> bool {
        self.pending == 0 && self.running == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_lands_in_exactly_one_phase() {
        let counts = BatchCounts::tally(JobState::ALL);
        assert_eq!(
            counts,
            BatchCounts {
                total: 6,
                pending: 1,
                running: 2,
                succeeded: 1,
                failed: 1,
                cancelled: 1,
            }
        );
        assert!(!counts.is_terminal());
    }

    #[test]
    fn a_batch_is_terminal_once_every_job_is() {
        let done = [
            JobState::Succeeded,
            JobState::FailedFinal,
            JobState::Cancelled,
        ];
        assert!(BatchCounts::tally(done).is_terminal());
        assert!(!BatchCounts::tally([JobState::Succeeded, JobState::Retrying]).is_terminal());
    }
}
