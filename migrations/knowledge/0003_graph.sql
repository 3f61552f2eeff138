-- The knowledge graph in PostgreSQL (the default graph store): nodes (universes, entities,
-- blocks) with promoted fields and typed JSONB properties, edges as claims with trust
-- metadata and history (at most one current edge per owner and (from, label, to)), entity
-- names for lexical search (trigram and word matching, case and accent insensitive), the
-- vector outbox and the per-user starter-graph markers.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- Case- and accent-folded text; immutable so it can back indexes.
CREATE OR REPLACE FUNCTION kg_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

CREATE TABLE IF NOT EXISTS kg_nodes (
    id          UUID PRIMARY KEY,
    kind        TEXT        NOT NULL CHECK (kind IN ('universe', 'entity', 'block')),
    type_id     TEXT        NOT NULL,
    user_id     TEXT        NOT NULL,
    visibility  TEXT        NOT NULL CHECK (visibility IN ('PRIVATE', 'SHARED')),
    name        TEXT,
    aliases     TEXT[]      NOT NULL DEFAULT '{}',
    text        TEXT,
    universe_id UUID,
    properties  JSONB       NOT NULL DEFAULT '{}',
    source      JSONB       NOT NULL DEFAULT '{}',
    -- Kept current by every write, for listing relevance: blocks in the entity's tree and
    -- current non-structural edges touching it.
    block_count INTEGER     NOT NULL DEFAULT 0,
    degree      INTEGER     NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS kg_nodes_owner_kind_type ON kg_nodes (user_id, kind, type_id);
CREATE INDEX IF NOT EXISTS kg_nodes_shared_kind_type ON kg_nodes (kind, type_id)
    WHERE visibility = 'SHARED';
CREATE INDEX IF NOT EXISTS kg_nodes_block_text ON kg_nodes
    USING gin (to_tsvector('simple', kg_fold(text))) WHERE kind = 'block';

CREATE TABLE IF NOT EXISTS kg_edges (
    id              UUID PRIMARY KEY,
    from_id         UUID             NOT NULL REFERENCES kg_nodes (id),
    to_id           UUID             NOT NULL REFERENCES kg_nodes (id),
    label           TEXT             NOT NULL,
    user_id         TEXT             NOT NULL,
    visibility      TEXT             NOT NULL CHECK (visibility IN ('PRIVATE', 'SHARED')),
    confidence      DOUBLE PRECISION NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    status          TEXT             NOT NULL CHECK (status IN ('asserted', 'disputed', 'falsified')),
    provenance_hint TEXT             NOT NULL DEFAULT '',
    valid_from      TIMESTAMPTZ,
    valid_to        TIMESTAMPTZ,
    properties      JSONB            NOT NULL DEFAULT '{}',
    source          JSONB            NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ      NOT NULL DEFAULT NOW(),
    superseded_at   TIMESTAMPTZ,
    superseded_by   UUID
);

CREATE UNIQUE INDEX IF NOT EXISTS kg_edges_current ON kg_edges (from_id, label, to_id, user_id)
    WHERE superseded_at IS NULL;
CREATE INDEX IF NOT EXISTS kg_edges_current_in ON kg_edges (to_id, label)
    WHERE superseded_at IS NULL;
CREATE INDEX IF NOT EXISTS kg_edges_history_out ON kg_edges (from_id)
    WHERE superseded_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS kg_edges_history_in ON kg_edges (to_id)
    WHERE superseded_at IS NOT NULL;

-- One row per entity name or alias; folded for matching.
CREATE TABLE IF NOT EXISTS kg_entity_names (
    entity_id  UUID    NOT NULL REFERENCES kg_nodes (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    folded     TEXT    NOT NULL,
    is_alias   BOOLEAN NOT NULL,
    user_id    TEXT    NOT NULL,
    visibility TEXT    NOT NULL,
    type_id    TEXT    NOT NULL,
    PRIMARY KEY (entity_id, is_alias, folded)
);

CREATE INDEX IF NOT EXISTS kg_entity_names_trgm ON kg_entity_names USING gin (folded gin_trgm_ops);
CREATE INDEX IF NOT EXISTS kg_entity_names_folded ON kg_entity_names (folded);

-- Blocks whose vectors must be (re)computed; written with the change, drained after commit.
CREATE TABLE IF NOT EXISTS kg_vector_outbox (
    block_id    UUID PRIMARY KEY,
    -- Bumped by every enqueue, so finishing an older read never drops newer work.
    version     BIGINT      NOT NULL DEFAULT 1,
    enqueued_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    attempts    INTEGER     NOT NULL DEFAULT 0,
    not_before  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_error  TEXT
);

CREATE INDEX IF NOT EXISTS kg_vector_outbox_due ON kg_vector_outbox (not_before);

CREATE TABLE IF NOT EXISTS kg_user_init (
    user_id             TEXT PRIMARY KEY,
    person_entity_id    UUID        NOT NULL,
    assistant_entity_id UUID        NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Blocks in the tree under a node's root block (for listing relevance).
CREATE OR REPLACE FUNCTION kg_block_count(node UUID) RETURNS INTEGER
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    WITH RECURSIVE tree(id, depth) AS (
        SELECT e.to_id, 0 FROM kg_edges e
         WHERE e.from_id = node AND e.label = 'DESCRIBED_BY' AND e.superseded_at IS NULL
        UNION ALL
        SELECT e.to_id, t.depth + 1 FROM tree t
          JOIN kg_edges e ON e.from_id = t.id AND e.label = 'SUMMARIZES' AND e.superseded_at IS NULL
         WHERE t.depth < 1024
    )
    SELECT count(DISTINCT id)::INTEGER FROM tree
    $$;

-- Current non-structural edges touching a node (for listing relevance).
CREATE OR REPLACE FUNCTION kg_degree(node UUID) RETURNS INTEGER
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT count(*)::INTEGER FROM kg_edges e
     WHERE (e.from_id = node OR e.to_id = node) AND e.superseded_at IS NULL
       AND e.label NOT IN ('DESCRIBED_BY', 'SUMMARIZES', 'IS_PART_OF')
    $$;
