-- Journals made race-free and searchable, and the seeded user config definitions.
--
-- Sequences: each conversation counts its messages in `last_sequence`; a writer takes the next
-- number with `UPDATE conversations SET last_sequence = last_sequence + 1 ... RETURNING` in the
-- same transaction as its insert, so concurrent appends never share or skip a number (the row
-- lock serialises them; UNIQUE(conversation_id, sequence) from 0002 stays as the backstop).
ALTER TABLE conversations
    ADD COLUMN IF NOT EXISTS last_sequence INTEGER NOT NULL DEFAULT 0;

UPDATE conversations c
SET last_sequence = counted.max_sequence
FROM (
    SELECT conversation_id, MAX(sequence) AS max_sequence
    FROM messages
    GROUP BY conversation_id
) counted
WHERE counted.conversation_id = c.id
  AND c.last_sequence <> counted.max_sequence;

-- An assistant reply is reserved (`streaming`) when its turn starts, so it keeps its place
-- before anything the user sends meanwhile, and ends `complete` or `failed` (partial text kept).
ALTER TABLE messages
    ADD COLUMN IF NOT EXISTS status TEXT NOT NULL DEFAULT 'complete'
        CHECK (status IN ('streaming', 'complete', 'failed'));

-- Case-insensitive substring search (ILIKE) on message text. References need no index of
-- their own: a user's journals (one a day) are read through UNIQUE(user_id, reference).
-- pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX IF NOT EXISTS idx_messages_content_trgm
    ON messages USING gin (content gin_trgm_ops);

-- Seeded definitions: the UI theme, and the time zone that decides which day's journal a
-- message belongs to (options: the server's canonical IANA region zones plus UTC).
INSERT INTO user_config_definitions (key, name, description, config_type, default_value, display_order)
VALUES
    ('frontend.theme', 'Theme', 'Colour theme of the web interface.', 'choice',
     '{"kind": "choice", "value": "gruvbox-dark"}', 10),
    ('journal.time_zone', 'Time Zone', 'The time zone whose calendar day decides which journal a message belongs to.', 'choice',
     '{"kind": "choice", "value": "UTC"}', 20)
ON CONFLICT (key) DO NOTHING;

INSERT INTO user_config_choice_options (definition_id, option_value, option_label, display_order)
SELECT d.id, o.option_value, o.option_label, o.display_order
FROM user_config_definitions d
JOIN (VALUES
    ('gruvbox-dark', 'Gruvbox Dark', 10),
    ('purple-intelligence', 'Purple Intelligence', 20)
) AS o (option_value, option_label, display_order) ON TRUE
WHERE d.key = 'frontend.theme'
ON CONFLICT (definition_id, option_value) DO NOTHING;

INSERT INTO user_config_choice_options (definition_id, option_value, option_label, display_order)
SELECT d.id, z.name, replace(z.name, '_', ' '),
       CASE WHEN z.name = 'UTC' THEN 0 ELSE 1 END
FROM user_config_definitions d
JOIN (
    SELECT DISTINCT name FROM pg_timezone_names
    WHERE name = 'UTC'
       OR name ~ '^(Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z_]+(/[A-Za-z_]+)?$'
) z ON TRUE
WHERE d.key = 'journal.time_zone'
ON CONFLICT (definition_id, option_value) DO NOTHING;
