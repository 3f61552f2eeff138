//! PostgreSQL access to `users` and their local (`provider = 'local'`) identities. Driver
//! errors become [`ApiError::Internal`] here.

use sqlx::PgPool;
use uuid::Uuid;

use super::User;
use crate::error::ApiError;

/// The provider of email + password identities.
const LOCAL: &str = "local";

/// A user with the stored hash of their local identity (`None`: no password set).
#[derive(Debug, Clone)]
pub struct LocalCredentials {
    /// The user.
    pub user: User,
    /// The stored password hash.
    pub password_hash: Option<String>,
}

fn db_error(context: &'static str) -> impl Fn(sqlx::Error) -> ApiError {
    move |error| ApiError::internal(context, error)
}

/// The user whose local identity is `email` (matched exactly, as the original did).
pub async fn local_credentials(
    pool: &PgPool,
    email: &str,
) -> Result<Option<LocalCredentials>, ApiError> {
    let row: Option<(Uuid, String, String, Option<String>)> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, i.password_hash
         FROM users u JOIN identities i ON i.user_id = u.id
         WHERE u.email = $1 AND i.provider = $2",
    )
    .bind(email)
    .bind(LOCAL)
    .fetch_optional(pool)
    .await
    .map_err(db_error("loading credentials"))?;
    Ok(
        row.map(|(id, name, email, password_hash)| LocalCredentials {
            user: User { id, name, email },
            password_hash,
        }),
    )
}

/// The user with `id`, if the row still exists.
pub async fn find(pool: &PgPool, id: Uuid) -> Result<Option<User>, ApiError> {
    let row: Option<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, name, email FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(db_error("loading a user"))?;
    Ok(row.map(|(id, name, email)| User { id, name, email }))
}

/// Replaces the password hash of `user_id`'s local identity.
pub async fn set_password_hash(pool: &PgPool, user_id: Uuid, hash: &str) -> Result<(), ApiError> {
    sqlx::query("UPDATE identities SET password_hash = $1 WHERE user_id = $2 AND provider = $3")
        .bind(hash)
        .bind(user_id)
        .bind(LOCAL)
        .execute(pool)
        .await
        .map_err(db_error("storing a password hash"))?;
    Ok(())
}

/// Creates `user` with a local identity unless a user with that id or email, or that local
/// identity, already exists; returns whether anything was written.
pub async fn create_if_absent(
    pool: &PgPool,
    user: &User,
    password_hash: &str,
) -> Result<bool, ApiError> {
    let mut tx = pool.begin().await.map_err(db_error("creating a user"))?;
    let created = sqlx::query(
        "INSERT INTO users (id, name, email) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user.id)
    .bind(&user.name)
    .bind(&user.email)
    .execute(&mut *tx)
    .await
    .map_err(db_error("creating a user"))?
    .rows_affected()
        == 1;
    if created {
        sqlx::query(
            "INSERT INTO identities (user_id, provider, provider_subject, password_hash)
             VALUES ($1, $2, $3, $4) ON CONFLICT (provider, provider_subject) DO NOTHING",
        )
        .bind(user.id)
        .bind(LOCAL)
        .bind(&user.email)
        .bind(password_hash)
        .execute(&mut *tx)
        .await
        .map_err(db_error("creating an identity"))?;
    }
    tx.commit().await.map_err(db_error("creating a user"))?;
    Ok(created)
}
