//! `assistant-backend seed`: the idempotent starter data of the original (reference §8.2 001
//! and 003): the two development users with password `password123` (stored as Argon2id), and
//! the `frontend.theme` preference definition with its two options. Existing rows are left as
//! they are, so running it again changes nothing. The first seeded user (`test.user`) is made
//! an operator while no user is one, so a local suite can open the operations view.

use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::password;
use crate::error::ApiError;
use crate::users::{Role, User, store};

/// Password of the seeded users.
pub const SEED_PASSWORD: &str = "password123";

/// The seeded users: (id, name, email).
pub const SEED_USERS: [(Uuid, &str, &str); 2] = [
    (
        Uuid::from_u128(0x11111111_1111_1111_1111_111111111111),
        "Test User",
        "test.user@exobrain.local",
    ),
    (
        Uuid::from_u128(0x77777777_7777_7777_7777_777777777777),
        "Architect User",
        "architect@exobrain.local",
    ),
];

/// Applies the starter data.
pub async fn apply(pool: &PgPool) -> Result<(), ApiError> {
    for (id, name, email) in SEED_USERS {
        let hash = tokio::task::spawn_blocking(|| password::hash_now(SEED_PASSWORD))
            .await
            .map_err(|error| ApiError::internal("hashing the seed password", error))??;
        let user = User {
            id,
            name: name.to_owned(),
            email: email.to_owned(),
            role: Role::User,
        };
        if store::create_if_absent(pool, &user, &hash).await? {
            tracing::info!(%email, "seed user created");
        }
    }
    let (operator, _, email) = SEED_USERS[0];
    if store::promote_if_no_operator(pool, operator).await? {
        tracing::info!(%email, "seed user made an operator");
    }
    seed_theme(pool).await
}

async fn seed_theme(pool: &PgPool) -> Result<(), ApiError> {
    let fail = |error: sqlx::Error| ApiError::internal("seeding frontend.theme", error);
    let mut tx = pool.begin().await.map_err(fail)?;
    sqlx::query(
        "INSERT INTO user_config_definitions
             (key, name, description, config_type, default_value, display_order)
         VALUES ('frontend.theme', 'Theme', 'Colour theme of the web interface', 'choice',
                 '{\"kind\": \"choice\", \"value\": \"gruvbox-dark\"}', 10)
         ON CONFLICT (key) DO NOTHING",
    )
    .execute(&mut *tx)
    .await
    .map_err(fail)?;
    sqlx::query(
        "INSERT INTO user_config_choice_options (definition_id, option_value, option_label, display_order)
         SELECT d.id, o.value, o.label, o.display_order
         FROM user_config_definitions d,
              (VALUES ('gruvbox-dark', 'Gruvbox Dark', 10),
                      ('purple-intelligence', 'Purple Intelligence', 20))
                  AS o(value, label, display_order)
         WHERE d.key = 'frontend.theme'
         ON CONFLICT (definition_id, option_value) DO NOTHING",
    )
    .execute(&mut *tx)
    .await
    .map_err(fail)?;
    tx.commit().await.map_err(fail)
}
