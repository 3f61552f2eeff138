-- Edge endpoints are checked by the write transaction, not by foreign keys. Every write
-- loads the nodes its edges name (under advisory locks on them) and refuses an edge whose
-- endpoint does not exist or is not visible to the writer, and nodes are never deleted, so
-- the two foreign keys only repeated that check: two index probes per edge plus a row lock
-- on each endpoint, which writes WAL and dirties the endpoint's page. On a bulk load they
-- were about a tenth of PostgreSQL's time.
ALTER TABLE kg_edges DROP CONSTRAINT IF EXISTS kg_edges_from_id_fkey;
ALTER TABLE kg_edges DROP CONSTRAINT IF EXISTS kg_edges_to_id_fkey;
