//! What can go wrong with user configs. Validation errors name the key and what it allows;
//! database errors are translated here once and their detail stays in logs.

use exobrain_common::error::{ErrorKind, ServiceError};

use super::model::ConfigType;

/// A user config operation failed.
#[derive(Debug, thiserror::Error)]
pub enum UserConfigError {
    /// No active definition has this key.
    #[error("unknown config key `{key}`")]
    UnknownKey { key: String },
    /// The value is not of the definition's type.
    #[error("config `{key}` takes a {expected} value")]
    WrongType { key: String, expected: ConfigType },
    /// The value is not one of the definition's active options.
    #[error("`{value}` is not an option of config `{key}` (allowed: {})", allowed.join(", "))]
    InvalidChoice {
        key: String,
        value: String,
        allowed: Vec<String>,
    },
    /// PostgreSQL could not serve the operation.
    #[error("user config store failed during {operation}: {detail}")]
    Database {
        operation: &'static str,
        detail: String,
    },
}

impl UserConfigError {
    /// Translates a driver error, naming the operation it interrupted.
    pub(crate) fn database(operation: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |error| UserConfigError::Database {
            operation,
            detail: error.to_string(),
        }
    }
}

impl ServiceError for UserConfigError {
    fn kind(&self) -> ErrorKind {
        match self {
            UserConfigError::UnknownKey { .. }
            | UserConfigError::WrongType { .. }
            | UserConfigError::InvalidChoice { .. } => ErrorKind::InvalidArgument,
            UserConfigError::Database { .. } => ErrorKind::Internal,
        }
    }
}
