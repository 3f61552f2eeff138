-- A batch remembers its jobs in request order. A job deduplicated by its own idempotency key
-- keeps the batch id it was created with but still belongs to every batch that named it, so
-- membership is this list rather than orchestrator_jobs.batch_id.
ALTER TABLE orchestrator_job_batches
    ADD COLUMN job_ids UUID[] NOT NULL DEFAULT '{}';

UPDATE orchestrator_job_batches AS b
SET job_ids = COALESCE(
    (SELECT array_agg(j.job_id ORDER BY j.created_at, j.job_id)
     FROM orchestrator_jobs AS j
     WHERE j.batch_id = b.batch_id),
    '{}'
);

-- Listings page by (created_at, id), newest first, per owner.
DROP INDEX IF EXISTS idx_orchestrator_jobs_correlation_created_at;
CREATE INDEX orchestrator_jobs_owner_page
    ON orchestrator_jobs (correlation_id, created_at DESC, job_id DESC);
CREATE INDEX orchestrator_dead_letters_owner_page
    ON orchestrator_dead_letters (correlation_id, created_at DESC, id DESC);
