-- Vector work that keeps failing on its own is parked: a block whose text the embedding model
-- refuses (while the blocks around it are embedded) is set aside with its reason, so it stops
-- taking a place in every batch. `rejections` counts those failures alone (not outages, which
-- fail every block); `parked_at` marks the work as no longer due. New work for the block (a
-- changed text, a reindex) clears both.
ALTER TABLE kg_vector_outbox ADD COLUMN IF NOT EXISTS rejections INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kg_vector_outbox ADD COLUMN IF NOT EXISTS parked_at TIMESTAMPTZ;

DROP INDEX IF EXISTS kg_vector_outbox_due;
CREATE INDEX IF NOT EXISTS kg_vector_outbox_due ON kg_vector_outbox (not_before)
    WHERE parked_at IS NULL;
