//! [`Text`]: a string from a request that PostgreSQL can store. PostgreSQL `text` cannot hold
//! the NUL character, so a NUL in a parameter would fail the query (a 500); parsing strings that
//! reach a query into `Text` at the edge makes it a 422 that names the field instead.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use serde::Deserialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::error::ApiError;

/// A request string without NUL characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Text(String);

impl Text {
    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Text {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.contains('\0') {
            return Err("must not contain NUL characters (\\u0000)");
        }
        Ok(Text(value))
    }
}

impl utoipa::PartialSchema for Text {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[^\\u0000]*$"))
            .description(Some("A string without NUL characters."))
            .into()
    }
}

impl utoipa::ToSchema for Text {}

/// The path parameter `what` as [`Text`]: a 422 naming `what` when it is not UTF-8 or holds a
/// NUL character (extract it as `Result<Path<Text>, PathRejection>`).
pub fn path_text(path: Result<Path<Text>, PathRejection>, what: &str) -> Result<Text, ApiError> {
    path.map(|Path(text)| text).map_err(|_| {
        ApiError::Validation(format!(
            "the {what} must be UTF-8 text without NUL characters"
        ))
    })
}
