-- Block text search reads a stored tsvector instead of re-parsing every matching block's text
-- while ranking, and uses the english configuration (stop words dropped, words stemmed), so a
-- query like "who likes hiking" ranks by "like" and "hike" rather than by every block that
-- contains "who". Accents and case are folded first, as for names.
DROP INDEX IF EXISTS kg_nodes_block_text;

ALTER TABLE kg_nodes ADD COLUMN IF NOT EXISTS text_search tsvector
    GENERATED ALWAYS AS (
        CASE WHEN kind = 'block' THEN to_tsvector('english'::regconfig, kg_fold(coalesce(text, '')))
        END
    ) STORED;

CREATE INDEX IF NOT EXISTS kg_nodes_block_text_search ON kg_nodes USING gin (text_search)
    WHERE kind = 'block';

-- The listing counters, rewritten as per-node index probes (an OR of both edge directions and
-- a recursive join could turn into scans of the whole edge table once it grew).
CREATE OR REPLACE FUNCTION kg_degree(node uuid) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT ((SELECT count(*) FROM kg_edges e
              WHERE e.from_id = node AND e.superseded_at IS NULL
                AND e.label NOT IN ('DESCRIBED_BY', 'SUMMARIZES', 'IS_PART_OF'))
          + (SELECT count(*) FROM kg_edges e
              WHERE e.to_id = node AND e.from_id <> node AND e.superseded_at IS NULL
                AND e.label NOT IN ('DESCRIBED_BY', 'SUMMARIZES', 'IS_PART_OF')))::INTEGER
    $$;

CREATE OR REPLACE FUNCTION kg_block_count(node uuid) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    WITH RECURSIVE tree(id, depth) AS (
        SELECT e.to_id, 0 FROM kg_edges e
         WHERE e.from_id = node AND e.label = 'DESCRIBED_BY' AND e.superseded_at IS NULL
        UNION ALL
        SELECT c.to_id, t.depth + 1 FROM tree t CROSS JOIN LATERAL (
            SELECT e.to_id FROM kg_edges e
             WHERE e.from_id = t.id AND e.label = 'SUMMARIZES' AND e.superseded_at IS NULL) c
         WHERE t.depth < 1024
    )
    SELECT count(DISTINCT id)::INTEGER FROM tree
    $$;

-- The projector takes due work oldest first; without this index every poll sorted the whole
-- outbox, which holds tens of thousands of rows during a bulk load.
CREATE INDEX IF NOT EXISTS kg_vector_outbox_order ON kg_vector_outbox (enqueued_at, block_id);
