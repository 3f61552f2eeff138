-- Job records, one row per accepted job. Column names match the original service so status
-- snapshots read the same way; later migrations add lifecycle guards and history.
CREATE TABLE IF NOT EXISTS orchestrator_jobs (
    job_id          UUID PRIMARY KEY,
    job_type        TEXT        NOT NULL,
    correlation_id  TEXT        NOT NULL,
    payload         JSONB       NOT NULL,
    attempt         INTEGER     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    status          TEXT        NOT NULL,
    last_error      TEXT,
    is_terminal     BOOLEAN     NOT NULL DEFAULT FALSE,
    terminal_reason TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    completed_at    TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS idx_orchestrator_jobs_status_created_at
    ON orchestrator_jobs (status, created_at);

CREATE INDEX IF NOT EXISTS idx_orchestrator_jobs_correlation_created_at
    ON orchestrator_jobs (correlation_id, created_at DESC);
