//! Password hashes: Argon2id (PHC string) for every new hash, and verification of the
//! original service's `scrypt$<salt b64url>$<key b64url>` hashes (N=2^14, r=8, p=1, 64-byte
//! key) so its users keep signing in; a successful scrypt login asks for a re-hash.
//!
//! Hashing is CPU-heavy by design, so the async entry points run it on the blocking pool.
//! A malformed stored hash never matches; it is not an error.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// A password that passed the length rule (at least 8 characters).
#[derive(Clone, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

impl TryFrom<String> for Password {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.chars().count() < MIN_PASSWORD_CHARS {
            return Err(format!(
                "password must be at least {MIN_PASSWORD_CHARS} characters"
            ));
        }
        Ok(Password(value))
    }
}

impl Password {
    /// The plain text, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The password is wrong (or the stored hash is unusable).
    Mismatch,
    /// The password is right and the hash is current.
    Match,
    /// The password is right but the hash is legacy scrypt: store a new Argon2id hash.
    MatchNeedsRehash,
}

/// A new Argon2id hash of `password`, computed off the async runtime.
pub async fn hash(password: Password) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_now(password.expose()))
        .await
        .map_err(|error| ApiError::internal("hashing a password", error))?
}

/// Checks `password` against `stored`, off the async runtime.
pub async fn verify(password: Password, stored: String) -> Result<Verdict, ApiError> {
    tokio::task::spawn_blocking(move || verify_now(password.expose(), &stored))
        .await
        .map_err(|error| ApiError::internal("verifying a password", error))
}

/// Spends the same work as [`verify`] on a fixed hash and always mismatches, so an unknown
/// email or an account without a password takes as long to refuse as a wrong password.
pub async fn verify_dummy(password: Password) -> Result<Verdict, ApiError> {
    tokio::task::spawn_blocking(move || {
        if let Some(dummy) = DUMMY_HASH.as_deref() {
            let _ = verify_now(password.expose(), dummy);
        }
        Verdict::Mismatch
    })
    .await
    .map_err(|error| ApiError::internal("verifying a password", error))
}

static DUMMY_HASH: std::sync::LazyLock<Option<String>> =
    std::sync::LazyLock::new(|| hash_now("dummy password for timing").ok());

/// Synchronous [`hash`], for seeding.
pub fn hash_now(password: &str) -> Result<String, ApiError> {
    let mut salt = [0_u8; 16];
    getrandom::fill(&mut salt).map_err(|error| ApiError::internal("drawing a salt", error))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|error| ApiError::internal("encoding a salt", error))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| ApiError::internal("hashing a password", error))
}

fn verify_now(password: &str, stored: &str) -> Verdict {
    if stored.starts_with("scrypt$") {
        return if verify_scrypt(password, stored) {
            Verdict::MatchNeedsRehash
        } else {
            Verdict::Mismatch
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Mismatch;
    };
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Verdict::Match,
        Err(_) => Verdict::Mismatch,
    }
}

fn verify_scrypt(password: &str, stored: &str) -> bool {
    let mut parts = stored.splitn(3, '$');
    let (Some(_label), Some(salt), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(salt), Ok(expected)) = (URL_SAFE.decode(salt), URL_SAFE.decode(key)) else {
        return false;
    };
    let Ok(params) = scrypt::Params::new(14, 8, 1, 64) else {
        return false;
    };
    let mut derived = [0_u8; 64];
    if scrypt::scrypt(password.as_bytes(), &salt, &params, &mut derived).is_err() {
        return false;
    }
    derived.as_slice().ct_eq(expected.as_slice()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrypt_hash(password: &str) -> String {
        let salt = [7_u8; 16];
        let mut key = [0_u8; 64];
        let params = scrypt::Params::new(14, 8, 1, 64).expect("params");
        scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key).expect("scrypt");
        format!("scrypt${}${}", URL_SAFE.encode(salt), URL_SAFE.encode(key))
    }

    #[test]
    fn argon2id_hashes_verify_and_reject_wrong_passwords() {
        let stored = hash_now("password123").expect("hash");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert_eq!(verify_now("password123", &stored), Verdict::Match);
        assert_eq!(verify_now("password124", &stored), Verdict::Mismatch);
    }

    #[test]
    fn legacy_scrypt_hashes_verify_and_ask_for_a_rehash() {
        let stored = scrypt_hash("password123");
        assert_eq!(
            verify_now("password123", &stored),
            Verdict::MatchNeedsRehash
        );
        assert_eq!(verify_now("password124", &stored), Verdict::Mismatch);
    }

    #[test]
    fn malformed_hashes_never_match() {
        for stored in ["", "scrypt$", "scrypt$!!$??", "plain", "$argon2id$broken"] {
            assert_eq!(
                verify_now("password123", stored),
                Verdict::Mismatch,
                "{stored}"
            );
        }
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(Password::try_from("1234567".to_owned()).is_err());
        assert!(Password::try_from("12345678".to_owned()).is_ok());
    }
}
