-- Per-user preferences: definitions (boolean or choice), the options of choice definitions,
-- and each user's chosen values. Values are `{"kind": ..., "value": ...}` documents.
CREATE TABLE IF NOT EXISTS user_config_definitions (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    key           TEXT        NOT NULL UNIQUE,
    name          TEXT        NOT NULL,
    description   TEXT        NOT NULL,
    config_type   TEXT        NOT NULL CHECK (config_type IN ('boolean', 'choice')),
    default_value JSONB       NOT NULL CHECK (
        default_value ->> 'kind' = config_type
        AND (
            (config_type = 'boolean' AND jsonb_typeof(default_value -> 'value') = 'boolean')
            OR (config_type = 'choice' AND jsonb_typeof(default_value -> 'value') = 'string')
        )
    ),
    display_order INTEGER     NOT NULL DEFAULT 0,
    is_active     BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS user_config_choice_options (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    definition_id UUID        NOT NULL REFERENCES user_config_definitions (id) ON DELETE CASCADE,
    option_value  TEXT        NOT NULL CHECK (btrim(option_value) <> ''),
    option_label  TEXT        NOT NULL,
    display_order INTEGER     NOT NULL DEFAULT 0,
    is_active     BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT user_config_choice_options_unique UNIQUE (definition_id, option_value)
);

CREATE TABLE IF NOT EXISTS user_config_values (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    definition_id UUID        NOT NULL REFERENCES user_config_definitions (id) ON DELETE CASCADE,
    value         JSONB       NOT NULL CHECK (
        value ->> 'kind' IN ('boolean', 'choice')
        AND (
            (value ->> 'kind' = 'boolean' AND jsonb_typeof(value -> 'value') = 'boolean')
            OR (value ->> 'kind' = 'choice' AND jsonb_typeof(value -> 'value') = 'string')
        )
    ),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT user_config_values_user_definition_unique UNIQUE (user_id, definition_id)
);
