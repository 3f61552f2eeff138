-- An attempt handed back by a worker that shut down is recorded as interrupted (it does not
-- count against the job's attempts). Diagnostic job handlers record their side effects in
-- diagnostic_effects under ids derived from the job, so a re-run adds nothing.
ALTER TABLE orchestrator_job_attempts DROP CONSTRAINT IF EXISTS orchestrator_job_attempts_outcome_check;
ALTER TABLE orchestrator_job_attempts ADD CONSTRAINT orchestrator_job_attempts_outcome_check CHECK (
    outcome IN ('succeeded', 'failed', 'timed_out', 'cancelled', 'lease_expired', 'interrupted')
);

CREATE TABLE diagnostic_effects (
    effect_id   UUID PRIMARY KEY,
    job_id      UUID        NOT NULL,
    attempt     INTEGER     NOT NULL,
    worker_id   TEXT        NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
