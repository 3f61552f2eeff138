-- Outbox rows are published independently: a row whose publish keeps failing while JetStream
-- answers is tried again after a growing pause (retry_at), and parked after a few tries
-- (parked_at) with its last error, so it never holds back the rows behind it. A parked row is
-- kept for operators; the jobs whose request it carried fail with reason `unpublishable`.
ALTER TABLE orchestrator_outbox_batches
    ADD COLUMN attempts   INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN last_error TEXT,
    ADD COLUMN retry_at   TIMESTAMPTZ,
    ADD COLUMN parked_at  TIMESTAMPTZ;

-- The relay's scan: rows waiting to be published, in id order.
CREATE INDEX orchestrator_outbox_batches_waiting
    ON orchestrator_outbox_batches (id)
    WHERE parked_at IS NULL;

ALTER TABLE orchestrator_dead_letters DROP CONSTRAINT IF EXISTS orchestrator_dead_letters_reason_check;
ALTER TABLE orchestrator_dead_letters ADD CONSTRAINT orchestrator_dead_letters_reason_check CHECK (
    reason IN ('max-attempts', 'invalid-envelope', 'invalid-payload', 'timeout', 'not-retryable',
               'unpublishable')
);
