-- Knowledge update jobs the backend enqueued, one row per job-orchestrator job. A message is
-- committed to the knowledge base only when its job SUCCEEDED; while a job is pending its
-- messages are not offered again, and when it fails for good (or is cancelled) they are.
CREATE TABLE IF NOT EXISTS knowledge_jobs (
    job_id            UUID        PRIMARY KEY,
    user_id           UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    batch_id          UUID        NOT NULL,
    journal_reference TEXT        NOT NULL,
    message_ids       UUID[]      NOT NULL CHECK (cardinality(message_ids) > 0),
    state             TEXT        NOT NULL DEFAULT 'ENQUEUED_OR_PENDING'
        CHECK (state IN ('ENQUEUED_OR_PENDING', 'STARTED', 'RETRYING', 'SUCCEEDED',
                         'FAILED_FINAL', 'CANCELLED')),
    terminal          BOOLEAN     GENERATED ALWAYS AS
        (state IN ('SUCCEEDED', 'FAILED_FINAL', 'CANCELLED')) STORED,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- The jobs still running, per user: reconciled at every update and excluded from "new".
CREATE INDEX IF NOT EXISTS idx_knowledge_jobs_pending
    ON knowledge_jobs (user_id) WHERE NOT terminal;

-- Messages of failed jobs, per user: counted into the idempotency key of a retry.
CREATE INDEX IF NOT EXISTS idx_knowledge_jobs_message_ids
    ON knowledge_jobs USING GIN (message_ids);
