-- Chat turns rebuilt from the journal: each tool call keeps what the model asked for (tool
-- name and arguments) and what it was told (`result`), so the next turn's context replays the
-- call exactly instead of the short text shown to the person (`response`).
ALTER TABLE tool_calls
    ADD COLUMN IF NOT EXISTS name TEXT,
    ADD COLUMN IF NOT EXISTS arguments JSONB,
    ADD COLUMN IF NOT EXISTS result TEXT;

-- A turn in progress is found by its reserved reply: at most one `streaming` reply per journal
-- (the one-turn-at-a-time rule; the conversation row lock serialises the check).
CREATE INDEX IF NOT EXISTS idx_messages_streaming
    ON messages (conversation_id) WHERE status = 'streaming';
