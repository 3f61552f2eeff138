-- A one-table schema used to check that migrating is idempotent.
CREATE TABLE sample_notes (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL);
