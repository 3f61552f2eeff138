-- Durable job lifecycle: owner-scoped idempotency, batches, per-job event sequence numbers,
-- attempt leases and history, a transactional outbox for everything published to JetStream,
-- and dead letters. Statuses written by the original service are normalised first.
UPDATE orchestrator_jobs
SET status = CASE
    WHEN lower(status) IN ('requested', 'pending', 'enqueued_or_pending') THEN 'pending'
    WHEN lower(status) IN ('processing', 'started') THEN 'started'
    WHEN lower(status) IN ('completed', 'succeeded') THEN 'succeeded'
    WHEN lower(status) = 'failed' AND is_terminal THEN 'failed_final'
    WHEN lower(status) = 'failed' THEN 'retrying'
    ELSE lower(status)
END;

ALTER TABLE orchestrator_jobs
    ADD COLUMN idempotency_key  TEXT,
    ADD COLUMN batch_id         UUID,
    ADD COLUMN seq              BIGINT      NOT NULL DEFAULT 1 CHECK (seq >= 1),
    ADD COLUMN max_attempts     INTEGER     NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    ADD COLUMN lease_owner      TEXT,
    ADD COLUMN lease_expires_at TIMESTAMPTZ,
    ADD COLUMN started_at       TIMESTAMPTZ,
    ADD COLUMN result           JSONB,
    ADD COLUMN last_error_code  TEXT,
    ADD CONSTRAINT orchestrator_jobs_status_check CHECK (
        status IN ('pending', 'started', 'retrying', 'succeeded', 'failed_final', 'cancelled')
    ),
    ADD CONSTRAINT orchestrator_jobs_terminal_check CHECK (
        is_terminal = (status IN ('succeeded', 'failed_final', 'cancelled'))
    );

CREATE UNIQUE INDEX orchestrator_jobs_owner_idempotency_key
    ON orchestrator_jobs (correlation_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX orchestrator_jobs_batch ON orchestrator_jobs (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX orchestrator_jobs_open_by_owner
    ON orchestrator_jobs (correlation_id)
    WHERE NOT is_terminal;
CREATE INDEX orchestrator_jobs_expiring_leases
    ON orchestrator_jobs (lease_expires_at)
    WHERE status = 'started';

CREATE TABLE orchestrator_job_batches (
    batch_id        UUID PRIMARY KEY,
    correlation_id  TEXT        NOT NULL,
    idempotency_key TEXT,
    job_count       INTEGER     NOT NULL CHECK (job_count >= 1),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE UNIQUE INDEX orchestrator_job_batches_owner_idempotency_key
    ON orchestrator_job_batches (correlation_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE orchestrator_job_attempts (
    job_id      UUID        NOT NULL REFERENCES orchestrator_jobs (job_id) ON DELETE CASCADE,
    attempt     INTEGER     NOT NULL CHECK (attempt >= 1),
    worker_id   TEXT        NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    finished_at TIMESTAMPTZ,
    outcome     TEXT CHECK (outcome IN ('succeeded', 'failed', 'timed_out', 'cancelled', 'lease_expired')),
    error       TEXT,
    PRIMARY KEY (job_id, attempt)
);

-- Messages waiting to be published; a relay publishes them in id order and deletes them.
CREATE TABLE orchestrator_outbox (
    id         BIGSERIAL PRIMARY KEY,
    subject    TEXT        NOT NULL,
    msg_id     TEXT        NOT NULL,
    payload    JSONB       NOT NULL,
    headers    JSONB       NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE orchestrator_dead_letters (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id          UUID REFERENCES orchestrator_jobs (job_id) ON DELETE SET NULL,
    job_type        TEXT        NOT NULL DEFAULT '',
    correlation_id  TEXT        NOT NULL DEFAULT '',
    reason          TEXT        NOT NULL CHECK (
        reason IN ('max-attempts', 'invalid-envelope', 'invalid-payload', 'timeout', 'not-retryable')
    ),
    detail          TEXT        NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    raw_message     TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    replayed_at     TIMESTAMPTZ,
    replayed_job_id UUID
);
CREATE INDEX orchestrator_dead_letters_created ON orchestrator_dead_letters (created_at DESC);
