//! PostgreSQL access to `users` and their local (`provider = 'local'`) identities. Driver
//! errors become [`ApiError::Internal`] here.

use sqlx::PgPool;
use uuid::Uuid;

use super::{Role, User};
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
    let row: Option<(Uuid, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.role, i.password_hash
         FROM users u JOIN identities i ON i.user_id = u.id
         WHERE u.email = $1 AND i.provider = $2",
    )
    .bind(email)
    .bind(LOCAL)
    .fetch_optional(pool)
    .await
    .map_err(db_error("loading credentials"))?;
    let Some((id, name, email, role, password_hash)) = row else {
        return Ok(None);
    };
    Ok(Some(LocalCredentials {
        user: user(id, name, email, &role)?,
        password_hash,
    }))
}

/// The user with `id`, if the row still exists.
pub async fn find(pool: &PgPool, id: Uuid) -> Result<Option<User>, ApiError> {
    let row: Option<(Uuid, String, String, String)> =
        sqlx::query_as("SELECT id, name, email, role FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(db_error("loading a user"))?;
    row.map(|(id, name, email, role)| user(id, name, email, &role))
        .transpose()
}

/// The role of user `id`, if the row still exists.
pub async fn role(pool: &PgPool, id: Uuid) -> Result<Option<Role>, ApiError> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db_error("loading a role"))?;
    role.map(|role| parse_role(&role)).transpose()
}

/// Gives the user with `email` `role`; returns whether such a user exists.
pub async fn set_role(pool: &PgPool, email: &str, role: Role) -> Result<bool, ApiError> {
    let updated = sqlx::query("UPDATE users SET role = $1, updated_at = NOW() WHERE email = $2")
        .bind(role.as_str())
        .bind(email)
        .execute(pool)
        .await
        .map_err(db_error("setting a role"))?
        .rows_affected();
    Ok(updated == 1)
}

/// Makes user `id` an operator when no user is one yet; returns whether it did.
pub async fn promote_if_no_operator(pool: &PgPool, id: Uuid) -> Result<bool, ApiError> {
    let updated = sqlx::query(
        "UPDATE users SET role = 'operator', updated_at = NOW()
         WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'operator')",
    )
    .bind(id)
    .execute(pool)
    .await
    .map_err(db_error("promoting an operator"))?
    .rows_affected();
    Ok(updated == 1)
}

fn user(id: Uuid, name: String, email: String, role: &str) -> Result<User, ApiError> {
    Ok(User {
        id,
        name,
        email,
        role: parse_role(role)?,
    })
}

fn parse_role(role: &str) -> Result<Role, ApiError> {
    role.parse()
        .map_err(|problem: String| ApiError::internal("reading a role", problem))
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
        "INSERT INTO users (id, name, email, role) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(user.id)
    .bind(&user.name)
    .bind(&user.email)
    .bind(user.role.as_str())
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
