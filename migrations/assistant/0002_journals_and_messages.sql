-- Journals (one conversation per user and day), their messages in order, and the tool calls
-- the assistant made while answering.
CREATE TABLE IF NOT EXISTS conversations (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reference  TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT conversations_user_reference_unique UNIQUE (user_id, reference)
);

CREATE TABLE IF NOT EXISTS messages (
    id                          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id             UUID        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id                     UUID        REFERENCES users (id) ON DELETE CASCADE,
    role                        TEXT        NOT NULL,
    content                     TEXT,
    content_json                JSONB,
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    client_message_id           UUID,
    metadata                    JSONB,
    sequence                    INTEGER     NOT NULL CHECK (sequence > 0),
    committed_to_knowledge_base BOOLEAN     NOT NULL DEFAULT FALSE,
    CONSTRAINT messages_conversation_client_message_id_unique UNIQUE (conversation_id, client_message_id),
    CONSTRAINT messages_conversation_sequence_unique UNIQUE (conversation_id, sequence)
);

CREATE INDEX IF NOT EXISTS idx_messages_conversation_created
    ON messages (conversation_id, created_at);
CREATE INDEX IF NOT EXISTS idx_messages_user_commit_status
    ON messages (user_id, committed_to_knowledge_base);

CREATE TABLE IF NOT EXISTS tool_calls (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id   UUID        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    tool_call_id TEXT        NOT NULL,
    title        TEXT        NOT NULL,
    description  TEXT        NOT NULL,
    response     TEXT,
    error        TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS idx_tool_calls_message_created
    ON tool_calls (message_id, created_at);
