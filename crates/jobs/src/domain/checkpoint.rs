//! Handler checkpoints: a job's completed steps, stored under a key so a later attempt resumes
//! after them. Keys and values are bounded and parsed here, before any query: a key holds at
//! most [`MAX_KEY_BYTES`], a value at most [`MAX_VALUE_BYTES`] of JSON, and neither a NUL
//! character (PostgreSQL's `text` and `jsonb` cannot store one). [`CheckpointError`] is every
//! way a checkpoint read or write can fail, as a handler sees it.

use std::fmt;

use serde_json::Value;

use super::payload::nul_path;

/// Longest checkpoint key, in bytes.
pub const MAX_KEY_BYTES: usize = 200;

/// Largest checkpoint value, in bytes of compact JSON.
pub const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;

/// Which part of a checkpoint a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointPart {
    /// The key.
    Key,
    /// The value.
    Value,
}

impl fmt::Display for CheckpointPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckpointPart::Key => "key",
            CheckpointPart::Value => "value",
        })
    }
}

/// Why a checkpoint read or write failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The attempt is no longer the job's current one held by this worker (the job was
    /// cancelled, or its lease lost and a newer attempt may run): nothing was written, and
    /// the handler must stop.
    #[error("this attempt is no longer the job's current one; nothing was written")]
    Stale,
    /// The key or value exceeds its bound.
    #[error("checkpoint {part} is {size} bytes; at most {limit} are allowed")]
    TooLarge {
        /// Key or value.
        part: CheckpointPart,
        /// Its size in bytes.
        size: usize,
        /// The bound.
        limit: usize,
    },
    /// The key or value holds a NUL character, which PostgreSQL cannot store.
    #[error("checkpoint {part} holds a NUL character{}", at(path))]
    NulCharacter {
        /// Key or value.
        part: CheckpointPart,
        /// Where in the value (e.g. `.items[2].name`); empty for the key or a bare string.
        path: String,
    },
    /// The job database could not be reached or failed (the cause is logged): a transient
    /// failure, worth another attempt.
    #[error("the job database is unavailable")]
    Unavailable,
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    }
}

/// A checkpoint key: at most [`MAX_KEY_BYTES`], no NUL character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckpointKey(String);

impl CheckpointKey {
    /// Parses `key`.
    pub fn parse(key: &str) -> Result<Self, CheckpointError> {
        if key.len() > MAX_KEY_BYTES {
            return Err(CheckpointError::TooLarge {
                part: CheckpointPart::Key,
                size: key.len(),
                limit: MAX_KEY_BYTES,
            });
        }
        if key.contains('\0') {
            return Err(CheckpointError::NulCharacter {
                part: CheckpointPart::Key,
                path: String::new(),
            });
        }
        Ok(Self(key.to_owned()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A checkpoint value as stored: compact JSON of at most [`MAX_VALUE_BYTES`], no NUL
/// character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointValue(String);

impl CheckpointValue {
    /// Encodes `value`.
    pub fn encode(value: &Value) -> Result<Self, CheckpointError> {
        if let Some(path) = nul_path(value) {
            return Err(CheckpointError::NulCharacter {
                part: CheckpointPart::Value,
                path,
            });
        }
        let json = value.to_string();
        if json.len() > MAX_VALUE_BYTES {
            return Err(CheckpointError::TooLarge {
                part: CheckpointPart::Value,
                size: json.len(),
                limit: MAX_VALUE_BYTES,
            });
        }
        Ok(Self(json))
    }

    /// The JSON text.
    pub fn as_json(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_are_bounded_and_storable() {
        assert_eq!(
            CheckpointKey::parse("step-1").expect("key").as_str(),
            "step-1"
        );
        assert!(CheckpointKey::parse(&"k".repeat(MAX_KEY_BYTES)).is_ok());
        assert_eq!(
            CheckpointKey::parse(&"k".repeat(MAX_KEY_BYTES + 1)),
            Err(CheckpointError::TooLarge {
                part: CheckpointPart::Key,
                size: MAX_KEY_BYTES + 1,
                limit: MAX_KEY_BYTES
            })
        );
        assert!(matches!(
            CheckpointKey::parse("a\0b"),
            Err(CheckpointError::NulCharacter {
                part: CheckpointPart::Key,
                ..
            })
        ));
    }

    #[test]
    fn values_are_bounded_and_storable() {
        let value = CheckpointValue::encode(&json!({"done": [1, 2]})).expect("value");
        assert_eq!(value.as_json(), r#"{"done":[1,2]}"#);
        let big = json!("x".repeat(MAX_VALUE_BYTES));
        assert!(matches!(
            CheckpointValue::encode(&big),
            Err(CheckpointError::TooLarge {
                part: CheckpointPart::Value,
                ..
            })
        ));
        let error = CheckpointValue::encode(&json!({"items": ["ok", "a\u{0}b"]})).expect_err("nul");
        assert_eq!(
            error.to_string(),
            "checkpoint value holds a NUL character at `.items[1]`"
        );
    }
}
