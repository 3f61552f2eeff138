-- The words of each folded name (split where the name is not a word character), indexed, so
-- a whole-word lookup finds names through the posting lists of its words instead of
-- intersecting the long trigram lists of common letter groups. A name matching the
-- whole-word pattern always contains every word of the query, so the word test only narrows
-- the rows the pattern is checked on.
ALTER TABLE kg_entity_names ADD COLUMN IF NOT EXISTS words text[]
    GENERATED ALWAYS AS (array_remove(regexp_split_to_array(folded, '\W+'), '')) STORED;

CREATE INDEX IF NOT EXISTS kg_entity_names_words ON kg_entity_names USING gin (words);
