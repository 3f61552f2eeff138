-- Which entities' names changed, by transaction, so each service process can keep an
-- in-memory trigram index of the names current: it reads the entities logged by
-- transactions from the oldest one still running at its previous look, and re-reads their
-- names. Rows older than an hour are pruned by writers.
CREATE TABLE IF NOT EXISTS kg_name_changes (
    xid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    entity_id  uuid        NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS kg_name_changes_xid ON kg_name_changes (xid);
CREATE INDEX IF NOT EXISTS kg_name_changes_age ON kg_name_changes (changed_at);

-- Fuzzy matching no longer reads the trigram index of names (the in-memory index replaced
-- it), so writers stop paying for it.
DROP INDEX IF EXISTS kg_entity_names_trgm;
