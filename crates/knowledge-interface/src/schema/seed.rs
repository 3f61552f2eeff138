//! The starter schema (25 node types, 30 edge types, their inheritance, properties and 32
//! edge rules), applied in one transaction by `knowledge-interface seed` and the setup
//! scripts. The SQL is idempotent: a second run changes nothing, and it restores starter rows
//! someone edited while leaving types added later alone.

use sqlx::PgPool;

/// The seed, embedded in the binary.
pub const STARTER_SCHEMA: &str = include_str!("../../seed/starter_schema.sql");

/// Applies the starter schema to the registry in `pool` (migrations must have run). The
/// statements go as one simple query, which PostgreSQL runs as a single transaction.
pub async fn apply(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(STARTER_SCHEMA)
        .execute(pool)
        .await
        .map(|_| ())
}
