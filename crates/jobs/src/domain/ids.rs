//! Identifiers parsed once at the edge: job, batch and dead-letter ids are UUIDs, a user id is
//! a non-empty bounded string, a job type is a dotted lowercase name, an idempotency key is
//! bounded printable text.

use std::fmt;

use uuid::Uuid;

use super::InvalidField;

/// Declares a UUID identifier newtype with parsing, display (hyphenated, lowercase) and a
/// conversion from `Uuid`; `fresh` adds `new()` and `Default` for ids this service mints.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            #[doc = concat!("Parses `field` holding a ", stringify!($name), ".")]
            pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidField> {
                parse_uuid(field, raw).map(Self)
            }

            /// The UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, fresh) => {
        uuid_id!($(#[$doc])* $name);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

uuid_id!(
    /// Identifier of one job (a UUID).
    JobId,
    fresh
);
uuid_id!(
    /// Identifier of a batch of jobs accepted together (a UUID).
    BatchId,
    fresh
);
uuid_id!(
    /// Identifier of a dead letter (a UUID).
    DeadLetterId
);

impl JobId {
    /// A deterministic id derived from this job and a stable `key`, so a re-run of the job
    /// produces the same ids (UUIDv5 in the job's namespace).
    pub fn derive(&self, key: &str) -> Uuid {
        Uuid::new_v5(&self.0, key.as_bytes())
    }
}

/// A required UUID field; surrounding whitespace is ignored.
fn parse_uuid(field: &str, raw: &str) -> Result<Uuid, InvalidField> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(InvalidField::new(field, "is required"));
    }
    Uuid::parse_str(trimmed)
        .map_err(|_| InvalidField::new(field, format!("`{trimmed}` is not a UUID")))
}

/// Longest accepted user id.
pub const MAX_USER_ID_LEN: usize = 128;

/// The user a job belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    /// Parses `field` holding a user id: non-empty, at most 128 characters, no control
    /// characters or surrounding whitespace.
    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidField> {
        if raw.trim().is_empty() {
            return Err(InvalidField::new(field, "is required"));
        }
        if raw.trim() != raw {
            return Err(InvalidField::new(
                field,
                "must not start or end with whitespace",
            ));
        }
        if raw.chars().count() > MAX_USER_ID_LEN {
            return Err(InvalidField::new(
                field,
                format!("is longer than {MAX_USER_ID_LEN} characters"),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(InvalidField::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest accepted job type name.
pub const MAX_JOB_TYPE_LEN: usize = 64;

/// First segments that would collide with the orchestrator's own subjects
/// (`jobs.status.>`, `jobs.events.>`, `jobs.dlq`).
pub const RESERVED_FIRST_SEGMENTS: [&str; 3] = ["status", "events", "dlq"];

/// A job type name such as `knowledge.update`: lowercase segments of letters, digits and `_`,
/// separated by single dots. It becomes part of NATS subjects, so nothing else is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobType(String);

impl JobType {
    /// Parses `field` holding a job type name.
    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidField> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(InvalidField::new(field, "is required"));
        }
        if name.len() > MAX_JOB_TYPE_LEN {
            return Err(InvalidField::new(
                field,
                format!("is longer than {MAX_JOB_TYPE_LEN} characters"),
            ));
        }
        let valid_segment = |segment: &str| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if !name.split('.').all(valid_segment) {
            return Err(InvalidField::new(
                field,
                format!(
                    "`{name}` is not a job type name (lowercase words joined by dots, e.g. knowledge.update)"
                ),
            ));
        }
        if let Some(first) = name.split('.').next()
            && RESERVED_FIRST_SEGMENTS.contains(&first)
        {
            return Err(InvalidField::new(
                field,
                format!("`{name}` starts with the reserved word `{first}`"),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest accepted idempotency key.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// A caller-chosen key: the same user and key always name the same job.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses an optional key: empty means none.
    pub fn parse_optional(field: &str, raw: &str) -> Result<Option<Self>, InvalidField> {
        if raw.is_empty() {
            return Ok(None);
        }
        if raw.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(InvalidField::new(
                field,
                format!("is longer than {MAX_IDEMPOTENCY_KEY_LEN} bytes"),
            ));
        }
        if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(InvalidField::new(
                field,
                "must not contain whitespace or control characters",
            ));
        }
        Ok(Some(Self(raw.to_owned())))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_accept_uuids_only() {
        let id = JobId::parse("job_id", " 6f1c0a52-6d8e-4f4b-9a57-0d5a3c9b1e22 ").expect("uuid");
        assert_eq!(id.to_string(), "6f1c0a52-6d8e-4f4b-9a57-0d5a3c9b1e22");
        assert_eq!(
            JobId::parse("job_id", "").expect_err("empty").problem,
            "is required"
        );
        assert!(
            JobId::parse("job_id", "42")
                .expect_err("bad")
                .problem
                .contains("not a UUID")
        );
    }

    #[test]
    fn batch_and_dead_letter_ids_name_their_field() {
        let raw = "6f1c0a52-6d8e-4f4b-9a57-0d5a3c9b1e22";
        assert_eq!(
            BatchId::parse("batch_id", raw).expect("uuid").to_string(),
            raw
        );
        assert_eq!(
            DeadLetterId::parse("dead_letter_id", "x")
                .expect_err("bad")
                .field,
            "dead_letter_id"
        );
    }

    #[test]
    fn derived_ids_are_stable_per_job_and_key() {
        let job = JobId::new();
        assert_eq!(job.derive("entity:alice"), job.derive("entity:alice"));
        assert_ne!(job.derive("entity:alice"), job.derive("entity:bob"));
        assert_ne!(
            job.derive("entity:alice"),
            JobId::new().derive("entity:alice")
        );
    }

    #[test]
    fn job_types_are_dotted_lowercase_names() {
        assert!(JobType::parse("job_type", "knowledge.update").is_ok());
        assert!(JobType::parse("job_type", "diagnostics.sleep_2").is_ok());
        for bad in [
            "",
            "Knowledge.update",
            "knowledge..update",
            "jobs.>",
            "a b",
            ".x",
            "x.",
        ] {
            assert!(
                JobType::parse("job_type", bad).is_err(),
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn user_ids_must_be_clean_and_bounded() {
        assert!(UserId::parse("user_id", "1111-aaaa").is_ok());
        assert!(UserId::parse("user_id", " padded").is_err());
        assert!(UserId::parse("user_id", "bell\u{7}").is_err());
        assert!(UserId::parse("user_id", &"u".repeat(MAX_USER_ID_LEN + 1)).is_err());
    }

    #[test]
    fn idempotency_keys_are_optional_and_bounded() {
        assert_eq!(
            IdempotencyKey::parse_optional("idempotency_key", "").expect("none"),
            None
        );
        assert!(IdempotencyKey::parse_optional("idempotency_key", "journal:2026/11/23#3").is_ok());
        assert!(IdempotencyKey::parse_optional("idempotency_key", "has space").is_err());
        assert!(IdempotencyKey::parse_optional("idempotency_key", &"k".repeat(201)).is_err());
    }
}
