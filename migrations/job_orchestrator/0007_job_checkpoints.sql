-- Handler checkpoints: each completed step of a running job (or each completed per-item call)
-- stored under a key, so a retry after a crash, a timeout or a lost lease resumes after it.
-- `attempt` is the attempt that wrote the value: a key is overwritten only by an equal or newer
-- attempt. Rows are deleted in the transaction that makes their job terminal (and with the job).
CREATE TABLE orchestrator_job_checkpoints (
    job_id     UUID        NOT NULL REFERENCES orchestrator_jobs (job_id) ON DELETE CASCADE,
    key        TEXT        NOT NULL,
    value      JSONB       NOT NULL,
    attempt    INTEGER     NOT NULL CHECK (attempt >= 1),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (job_id, key)
);
