//! The callers a server accepts. Each entry is `name=token` (or `name=sha256:<hex digest of
//! the token>`, so a server need not hold the token itself); entries are separated by commas
//! or new lines, and one name may appear twice while its token is being rotated. Tokens are
//! compared as SHA-256 digests in constant time against every entry, so the time a check takes
//! says nothing about which entry came close.

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Caller, Role};
use crate::config::{AppEnv, Env, ExposeSecret, secret_problem};

/// Service callers accepted by a server.
pub const SERVICE_CREDENTIALS_VAR: &str = "EXOBRAIN_SERVICE_CREDENTIALS";
/// Operator callers (jobctl, an administrator's shell) accepted by a server.
pub const OPERATOR_CREDENTIALS_VAR: &str = "EXOBRAIN_OPERATOR_CREDENTIALS";

#[derive(Clone)]
struct Entry {
    caller: Caller,
    digest: [u8; 32],
}

/// The callers a server accepts; with none, every call is served as [`Caller::local`]
/// (allowed only in local and test environments).
#[derive(Clone, Default)]
pub struct Credentials {
    entries: Arc<Vec<Entry>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .entries
            .iter()
            .map(|entry| format!("{} ({:?})", entry.caller.name(), entry.caller.role()))
            .collect();
        f.debug_struct("Credentials")
            .field("callers", &names)
            .finish()
    }
}

/// Why a call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No `authorization: Bearer …` was sent.
    #[error(
        "a service credential is required: send `authorization: Bearer <token>` (the token this \
         caller was issued in EXOBRAIN_SERVICE_CREDENTIALS or EXOBRAIN_OPERATOR_CREDENTIALS)"
    )]
    Missing,
    /// A token was sent, but no caller holds it.
    #[error("the service credential is not valid here (unknown, revoked or mistyped token)")]
    Unknown,
}

impl Refusal {
    /// A metric label.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Missing => "missing",
            Refusal::Unknown => "unknown",
        }
    }
}

/// The SHA-256 digest of `token`, as written in a `name=sha256:<hex>` entry.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Credentials {
    /// Reads [`SERVICE_CREDENTIALS_VAR`] and [`OPERATOR_CREDENTIALS_VAR`]. Outside
    /// local/test at least one caller is required and every token must be strong.
    pub fn from_env(env: &mut Env, app_env: AppEnv) -> Self {
        Self::from_env_with_shared(env, app_env, None)
    }

    /// Like [`Credentials::from_env`], also accepting the one token in `shared_var` (a token
    /// every caller shares, kept for older deployments: `MODEL_PROVIDER_API_TOKEN`) as the
    /// caller `shared-token`; it counts as the required caller.
    pub fn from_env_with_shared(env: &mut Env, app_env: AppEnv, shared_var: Option<&str>) -> Self {
        let mut credentials = Self::default();
        if let Some(var) = shared_var
            && let Some(token) = env.optional_secret(var, app_env)
        {
            credentials =
                credentials.with_token("shared-token", Role::Service, token.expose_secret());
        }
        for (var, role) in [
            (SERVICE_CREDENTIALS_VAR, Role::Service),
            (OPERATOR_CREDENTIALS_VAR, Role::Operator),
        ] {
            if let Some(raw) = env.optional(var) {
                credentials.read_list(env, var, &raw, role, app_env);
            }
        }
        if credentials.is_open() && !app_env.allows_dev_defaults() {
            env.problem(
                SERVICE_CREDENTIALS_VAR,
                "is required outside APP_ENV=local|test: list each caller as \
                 `name=token` (see docs/configuration.md)"
                    .to_owned(),
            );
        }
        credentials
    }

    fn read_list(&mut self, env: &mut Env, var: &str, raw: &str, role: Role, app_env: AppEnv) {
        let entries = raw
            .split([',', '\n'])
            .map(str::trim)
            .filter(|entry| !entry.is_empty());
        for entry in entries {
            let Some((name, token)) = entry.split_once('=') else {
                env.problem(var, "each entry must be `name=token`".to_owned());
                continue;
            };
            let (name, token) = (name.trim(), token.trim());
            if name.is_empty() || !name.chars().all(valid_name_char) {
                env.problem(
                    var,
                    format!(
                        "caller name `{name}` must be lowercase letters, digits, `-`, `_` or `.`"
                    ),
                );
                continue;
            }
            let digest = match token.strip_prefix("sha256:") {
                Some(hex_digest) => match parse_digest(hex_digest) {
                    Some(digest) => digest,
                    None => {
                        env.problem(var, format!("`{name}`: sha256: needs 64 hex digits"));
                        continue;
                    }
                },
                None => {
                    if !app_env.allows_dev_defaults()
                        && let Some(problem) = secret_problem(token)
                    {
                        env.problem(var, format!("the token of `{name}` {problem}"));
                    }
                    Sha256::digest(token.as_bytes()).into()
                }
            };
            self.push(name, role, digest);
        }
    }

    fn push(&mut self, name: &str, role: Role, digest: [u8; 32]) {
        Arc::make_mut(&mut self.entries).push(Entry {
            caller: Caller::new(name, role),
            digest,
        });
    }

    /// Accepts `token` from the caller `name` (tests, or a shared token kept for older
    /// clients such as `MODEL_PROVIDER_API_TOKEN`).
    pub fn with_token(mut self, name: &str, role: Role, token: &str) -> Self {
        self.push(name, role, Sha256::digest(token.as_bytes()).into());
        self
    }

    /// Whether no caller is configured (every call is served as [`Caller::local`]).
    pub fn is_open(&self) -> bool {
        self.entries.is_empty()
    }

    /// The caller presenting `authorization` (the header's raw value).
    pub fn authenticate(&self, authorization: Option<&[u8]>) -> Result<Caller, Refusal> {
        if self.is_open() {
            return Ok(Caller::local());
        }
        let token = authorization
            .and_then(|value| std::str::from_utf8(value).ok())
            .and_then(bearer_token)
            .ok_or(Refusal::Missing)?;
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Every entry is compared, whatever matched, so timing tells nothing.
        let mut found = None;
        for entry in self.entries.iter() {
            if bool::from(entry.digest.ct_eq(&presented)) {
                found = Some(&entry.caller);
            }
        }
        found.cloned().ok_or(Refusal::Unknown)
    }
}

/// The token of an `authorization` value: `Bearer <token>`, the scheme in any case.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn valid_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
}

fn parse_digest(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text.trim()).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKER: &str = "worker-token-0123456789abcdef0123456789";
    const JOBCTL: &str = "jobctl-token-0123456789abcdef0123456789";

    fn read(vars: &[(&str, &str)], app_env: AppEnv) -> Result<Credentials, String> {
        let mut env = Env::from_map(vars.iter().copied());
        let credentials = Credentials::from_env(&mut env, app_env);
        env.finish()
            .map(|()| credentials)
            .map_err(|e| e.to_string())
    }

    fn bearer(token: &str) -> Vec<u8> {
        format!("Bearer {token}").into_bytes()
    }

    #[test]
    fn each_caller_is_known_by_its_own_token() {
        let list = format!("job-orchestrator-worker={WORKER}");
        let operators = format!("jobctl=sha256:{}", hash_token(JOBCTL));
        let credentials = read(
            &[
                (SERVICE_CREDENTIALS_VAR, &list),
                (OPERATOR_CREDENTIALS_VAR, &operators),
            ],
            AppEnv::Cluster,
        )
        .expect("valid");
        let worker = credentials.authenticate(Some(&bearer(WORKER))).unwrap();
        assert_eq!(
            (worker.name(), worker.role()),
            ("job-orchestrator-worker", Role::Service)
        );
        let jobctl = credentials
            .authenticate(Some(format!("bearer  {JOBCTL}").as_bytes()))
            .unwrap();
        assert!(jobctl.is_operator());
        assert_eq!(credentials.authenticate(None), Err(Refusal::Missing));
        assert_eq!(
            credentials.authenticate(Some(&bearer("guess"))),
            Err(Refusal::Unknown)
        );
        assert_eq!(
            credentials.authenticate(Some(WORKER.as_bytes())),
            Err(Refusal::Missing)
        );
    }

    #[test]
    fn outside_local_credentials_are_required_and_strong() {
        assert!(read(&[], AppEnv::Cluster).is_err());
        let weak = read(
            &[(SERVICE_CREDENTIALS_VAR, "backend=short")],
            AppEnv::Cluster,
        )
        .expect_err("short token");
        assert!(weak.contains("backend"), "{weak}");
        let local = read(&[], AppEnv::Local).expect("open locally");
        assert!(local.is_open());
        assert_eq!(local.authenticate(None), Ok(Caller::local()));
        let short_in_tests = read(&[(SERVICE_CREDENTIALS_VAR, "backend=short")], AppEnv::Test)
            .expect("tests may use short tokens");
        assert!(!short_in_tests.is_open());
    }

    #[test]
    fn malformed_entries_are_named() {
        let error = read(
            &[(
                SERVICE_CREDENTIALS_VAR,
                "no-equals-sign, Bad Name=x, ok=sha256:zz",
            )],
            AppEnv::Test,
        )
        .expect_err("three problems");
        assert!(error.contains("name=token"), "{error}");
        assert!(error.contains("Bad Name"), "{error}");
        assert!(error.contains("64 hex digits"), "{error}");
    }

    #[test]
    fn a_name_may_hold_two_tokens_while_rotating() {
        let list = format!("worker={WORKER},\nworker={JOBCTL}");
        let credentials = read(&[(SERVICE_CREDENTIALS_VAR, &list)], AppEnv::Cluster).unwrap();
        for token in [WORKER, JOBCTL] {
            assert_eq!(
                credentials
                    .authenticate(Some(&bearer(token)))
                    .unwrap()
                    .name(),
                "worker"
            );
        }
    }

    #[test]
    fn debug_output_names_callers_but_never_tokens() {
        let credentials = Credentials::default().with_token("backend", Role::Service, WORKER);
        let shown = format!("{credentials:?}");
        assert!(
            shown.contains("backend") && !shown.contains(WORKER),
            "{shown}"
        );
    }
}
