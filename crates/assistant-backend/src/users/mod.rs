//! People who use the assistant: the `users` row, the local password identity, and
//! `GET /api/users/me`, and the `users` command. Sign-in rules live in [`crate::auth`]; this module only stores and
//! reads.

pub mod cli;
mod routes;
pub mod store;

pub use routes::{UsersApi, routes};

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
}
