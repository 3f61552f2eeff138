-- Schema registry of the knowledge graph: node and edge types, inheritance, typed properties
-- (with their constraint columns) and edge endpoint rules. Table and column names match the
-- original so its seed data and tooling keep working.
CREATE TABLE IF NOT EXISTS knowledge_graph_schema_types (
    id          TEXT PRIMARY KEY,
    kind        TEXT        NOT NULL CHECK (kind IN ('node', 'edge')),
    name        TEXT        NOT NULL,
    description TEXT        NOT NULL,
    active      BOOLEAN     NOT NULL DEFAULT TRUE,
    universe_id TEXT,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS idx_kg_schema_types_kind_active
    ON knowledge_graph_schema_types (kind, active);

CREATE TABLE IF NOT EXISTS knowledge_graph_schema_type_inheritance (
    child_type_id  TEXT    NOT NULL REFERENCES knowledge_graph_schema_types (id),
    parent_type_id TEXT    NOT NULL REFERENCES knowledge_graph_schema_types (id),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    description    TEXT    NOT NULL,
    universe_id    TEXT,
    PRIMARY KEY (child_type_id, parent_type_id),
    CHECK (child_type_id <> parent_type_id)
);

CREATE TABLE IF NOT EXISTS knowledge_graph_schema_type_properties (
    owner_type_id TEXT    NOT NULL REFERENCES knowledge_graph_schema_types (id),
    prop_name     TEXT    NOT NULL,
    value_type    TEXT    NOT NULL
        CHECK (value_type IN ('string', 'float', 'int', 'bool', 'datetime', 'json')),
    required      BOOLEAN NOT NULL DEFAULT FALSE,
    readable      BOOLEAN NOT NULL DEFAULT TRUE,
    writable      BOOLEAN NOT NULL DEFAULT TRUE,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    description   TEXT    NOT NULL,
    enum_values   TEXT,
    pattern       TEXT,
    numeric_min   DOUBLE PRECISION,
    numeric_max   DOUBLE PRECISION,
    universe_id   TEXT,
    PRIMARY KEY (owner_type_id, prop_name),
    CHECK (numeric_min IS NULL OR numeric_max IS NULL OR numeric_min <= numeric_max)
);

CREATE INDEX IF NOT EXISTS idx_kg_schema_type_properties_owner_active
    ON knowledge_graph_schema_type_properties (owner_type_id, active);

CREATE TABLE IF NOT EXISTS knowledge_graph_schema_edge_rules (
    edge_type_id      TEXT    NOT NULL REFERENCES knowledge_graph_schema_types (id),
    from_node_type_id TEXT    NOT NULL REFERENCES knowledge_graph_schema_types (id),
    to_node_type_id   TEXT    NOT NULL REFERENCES knowledge_graph_schema_types (id),
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    description       TEXT    NOT NULL,
    universe_id       TEXT,
    PRIMARY KEY (edge_type_id, from_node_type_id, to_node_type_id)
);

CREATE INDEX IF NOT EXISTS idx_kg_schema_edge_rules_edge_active
    ON knowledge_graph_schema_edge_rules (edge_type_id, active);
