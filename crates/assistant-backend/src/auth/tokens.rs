//! Access tokens (HS256 JWTs) and the opaque secrets behind sessions and refresh tokens.
//!
//! Access tokens carry `sub`, `email`, `name`, `iat`, `exp`, `iss`, `aud` and, when minted for
//! a refresh-token family, `fam` (so a bearer logout can revoke the family). Decoding pins
//! HS256, requires `exp`, `iss` and `aud` with no leeway, and rejects a token missing any claim
//! the principal needs. Opaque secrets are 32 bytes from the OS CSPRNG, URL-safe base64; Redis
//! only ever sees their SHA-256 ([`digest`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use exobrain_common::config::ExposeSecret;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::AuthConfig;
use crate::error::ApiError;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The user's email.
    pub email: String,
    /// The user's display name.
    pub name: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expires at (Unix seconds).
    pub exp: u64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Refresh-token family the token was minted with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<Uuid>,
}

/// Who an access token is minted for.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// User id.
    pub id: Uuid,
    /// Email.
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
}

/// Mints and checks access tokens.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokens")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl AccessTokens {
    /// Keys and rules from the configuration.
    pub fn new(config: &AuthConfig) -> Self {
        let secret = config.jwt_secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl: config.access_ttl,
        }
    }

    /// Lifetime of a new token (`expires_in`).
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A signed token for `subject`, tied to refresh `family` when given.
    pub fn mint(&self, subject: Subject<'_>, family: Option<Uuid>) -> Result<String, ApiError> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|error| ApiError::internal("reading the clock", error))?
            .as_secs();
        let claims = Claims {
            sub: subject.id,
            email: subject.email.to_owned(),
            name: subject.name.to_owned(),
            iat,
            exp: iat + self.ttl.as_secs(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            fam: family,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| ApiError::internal("signing an access token", error))
    }

    /// The claims of a valid token; `None` for anything forged, expired, for another
    /// audience/issuer, or missing a claim.
    pub fn decode(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .ok()
    }
}

/// A new opaque secret (session id or refresh token): 32 random bytes, URL-safe base64.
pub fn opaque_secret() -> Result<String, ApiError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|error| ApiError::internal("drawing a random token", error))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 (hex) of a secret: what Redis keys name instead of the secret itself.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
