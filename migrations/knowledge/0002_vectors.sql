-- Embedded vector store: collections recorded with the embedding model and dimension they were
-- built for, and their points. Every write takes the next value of one sequence and deletions
-- are kept as tombstones, so an in-process index can catch up with `seq > last_seen` instead of
-- reloading. Writers of a collection serialise on its row (`FOR UPDATE`), which makes `seq`
-- order equal commit order within a collection: a reader never skips a late-committing write.
CREATE TABLE IF NOT EXISTS vector_collections (
    name       TEXT PRIMARY KEY,
    model      TEXT        NOT NULL CHECK (model <> ''),
    dims       INTEGER     NOT NULL CHECK (dims > 0),
    -- Bumped by every recreate; an index built for another generation reloads in full.
    generation BIGINT      NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE SEQUENCE IF NOT EXISTS vector_point_seq;

CREATE TABLE IF NOT EXISTS vector_points (
    collection TEXT        NOT NULL REFERENCES vector_collections (name) ON DELETE CASCADE,
    id         UUID        NOT NULL,
    -- Position of the latest write (upsert or delete) in the change stream.
    seq        BIGINT      NOT NULL DEFAULT nextval('vector_point_seq'),
    deleted    BOOLEAN     NOT NULL DEFAULT FALSE,
    user_id    TEXT        NOT NULL,
    visibility TEXT        NOT NULL CHECK (visibility IN ('PRIVATE', 'SHARED')),
    -- Little-endian f32, normalised to unit length; NULL for tombstones.
    vector     BYTEA,
    payload    JSONB,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (collection, id),
    CHECK (deleted OR (vector IS NOT NULL AND payload IS NOT NULL))
);

-- Float bytes do not compress; skip the attempt for vectors large enough to be toasted.
ALTER TABLE vector_points ALTER COLUMN vector SET STORAGE EXTERNAL;

CREATE INDEX IF NOT EXISTS idx_vector_points_changes ON vector_points (collection, seq);
