//! The credential a process presents when it calls another Exobrain service: one token per
//! calling service (`EXOBRAIN_SERVICE_TOKEN`; `MODEL_PROVIDER_API_TOKEN` overrides it for calls
//! to model-provider), sent as `authorization: Bearer <token>` on every gRPC call and HTTP
//! request it makes.

use std::fmt;

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::config::{AppEnv, Env};

/// This process's own credential.
pub const SERVICE_TOKEN_VAR: &str = "EXOBRAIN_SERVICE_TOKEN";

/// The token a caller presents; none locally when the called services are open.
#[derive(Clone, Default)]
pub struct ServiceToken {
    header: Option<HeaderValue>,
}

impl fmt::Debug for ServiceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = if self.header.is_some() {
            "<redacted>"
        } else {
            "none"
        };
        f.write_str(shown)
    }
}

impl ServiceToken {
    /// Reads the first of `vars` that is set (usually just [`SERVICE_TOKEN_VAR`]); one is
    /// required, and checked for strength, outside local/test.
    pub fn from_env(env: &mut Env, vars: &[&str], app_env: AppEnv) -> Self {
        let set = vars.iter().find(|var| env.optional(var).is_some());
        match set {
            Some(var) => match env.optional_secret(var, app_env) {
                Some(secret) => Self::read(env, var, &secret),
                None => Self::default(),
            },
            None if app_env.allows_dev_defaults() => Self::default(),
            None => {
                env.problem(
                    vars.first().copied().unwrap_or(SERVICE_TOKEN_VAR),
                    format!(
                        "is required outside APP_ENV=local|test (set {}): the token this \
                         service was issued (see docs/configuration.md)",
                        vars.join(" or ")
                    ),
                );
                Self::default()
            }
        }
    }

    fn read(env: &mut Env, var: &str, secret: &SecretString) -> Self {
        match Self::new(secret.expose_secret()) {
            Some(token) => token,
            None => {
                env.problem(var, "holds characters not allowed in a header".to_owned());
                Self::default()
            }
        }
    }

    /// A token given directly; `None` when it cannot travel in a header.
    pub fn new(token: &str) -> Option<Self> {
        let mut header = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
        header.set_sensitive(true);
        Some(Self {
            header: Some(header),
        })
    }

    /// The `authorization` header value, when there is a token.
    pub fn header(&self) -> Option<&HeaderValue> {
        self.header.as_ref()
    }

    /// Adds the token to an outgoing gRPC request.
    pub fn apply<T>(&self, request: &mut tonic::Request<T>) {
        if let Some(header) = &self.header
            && let Ok(value) = tonic::metadata::MetadataValue::try_from(header.as_bytes())
        {
            request.metadata_mut().insert("authorization", value);
        }
    }

    /// `message` as a gRPC request carrying the token and, when given, the end user.
    pub fn request<T>(&self, message: T, user: Option<&str>) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        self.apply(&mut request);
        if let Some(user) = user {
            super::with_user(&mut request, user);
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_variable_set_wins_and_one_is_required_outside_local() {
        let strong = "t".repeat(40);
        let mut env = Env::from_map([("B", strong.as_str())]);
        let token = ServiceToken::from_env(&mut env, &["A", "B"], AppEnv::Cluster);
        assert_eq!(
            token.header().map(|h| h.to_str().unwrap().to_owned()),
            Some(format!("Bearer {strong}"))
        );
        assert!(env.finish().is_ok());

        let mut env = Env::from_map(Vec::<(String, String)>::new());
        let _ = ServiceToken::from_env(&mut env, &["A", "B"], AppEnv::Cluster);
        let error = env.finish().expect_err("required").to_string();
        assert!(error.contains("A or B"), "{error}");

        let mut env = Env::from_map(Vec::<(String, String)>::new());
        let none = ServiceToken::from_env(&mut env, &["A"], AppEnv::Local);
        assert!(none.header().is_none() && env.finish().is_ok());
    }

    #[test]
    fn requests_carry_the_token_and_the_user() {
        let token = ServiceToken::new("abc").expect("ascii");
        let request = token.request((), Some("alice"));
        assert_eq!(
            request.metadata().get("authorization").unwrap(),
            "Bearer abc"
        );
        assert_eq!(
            request.metadata().get(super::super::USER_HEADER).unwrap(),
            "alice"
        );
        assert_eq!(format!("{token:?}"), "<redacted>");
    }
}
