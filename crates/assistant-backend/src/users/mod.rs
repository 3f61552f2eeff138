//! People who use the assistant: the `users` row with its [`Role`], the local password
//! identity, `GET /api/users/me`, and the `users` command. Sign-in rules and the role check
//! ([`crate::auth::Operator`]) live in [`crate::auth`]; this module only stores and reads.

pub mod cli;
mod routes;
pub mod store;

pub use routes::{UsersApi, routes};

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A user as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Email (the login name of the local identity).
    pub email: String,
    /// What the user may do.
    pub role: Role,
}

/// What a user may do: use the assistant, or also operate it (the `/api/ops` routes).
// Schema `UserRole`: the schema `Role` is a message's author.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = UserRole)]
pub enum Role {
    /// Uses the assistant (every user).
    #[default]
    User,
    /// Also sees every user's jobs, the dead letters and the workers.
    Operator,
}

impl Role {
    /// The stored (and JSON) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Operator => "operator",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "user" => Ok(Role::User),
            "operator" => Ok(Role::Operator),
            other => Err(format!("unknown role `{other}` (user or operator)")),
        }
    }
}
