//! Typed configuration read from environment variables.
//!
//! [`Env`] reads variables with defaults that work for the native local profile, parses them
//! into typed values and collects every problem, so a misconfigured service reports all bad
//! variables at once, each named, before it starts. Services build their own config structs on
//! top of it; this module owns no service's variables except the shared [`AppEnv`].

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use secrecy::{ExposeSecret, SecretString};

/// Where a process runs; decides whether development secrets may be defaulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    /// A developer workstation or the native profile.
    Local,
    /// Automated tests.
    Test,
    /// Anything shared with other people (cluster, staging, production).
    Cluster,
}

impl AppEnv {
    /// Development defaults (secrets, pretty logs) are allowed only locally and in tests.
    pub fn allows_dev_defaults(self) -> bool {
        matches!(self, AppEnv::Local | AppEnv::Test)
    }
}

impl FromStr for AppEnv {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "local" | "dev" | "development" => Ok(AppEnv::Local),
            "test" => Ok(AppEnv::Test),
            "cluster" | "staging" | "production" | "prod" => Ok(AppEnv::Cluster),
            other => Err(format!(
                "unknown environment `{other}` (use local, test or cluster)"
            )),
        }
    }
}

/// One invalid or missing variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarProblem {
    /// The environment variable to fix.
    pub var: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Every configuration problem found while building a config struct.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in the order the variables were read.
    pub problems: Vec<VarProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: ")?;
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{}: {}", problem.var, problem.problem)?;
        }
        Ok(())
    }
}

type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Reads typed values from an environment, remembering every problem and the name of every
/// variable it was asked for (see [`Env::names_read`]).
pub struct Env {
    lookup: Lookup,
    problems: Vec<VarProblem>,
    read: NamesRead,
}

/// The names of the variables an [`Env`] was asked for, set or not; a handle that outlives
/// the `Env` a service's config loader consumes (`print-config --vars`, drift checks).
#[derive(Debug, Clone, Default)]
pub struct NamesRead(Arc<Mutex<BTreeSet<String>>>);

impl NamesRead {
    /// Every name read so far, sorted.
    pub fn names(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    fn record(&self, var: &str) {
        let mut names = self.lock();
        if !names.contains(var) {
            names.insert(var.to_owned());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        // A panic while holding the lock cannot leave a set of names half-written.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads a fixed map (tests, `--print-config` experiments).
    pub fn from_map<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let map: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self::from_lookup(move |key| map.get(key).cloned())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            lookup: Box::new(lookup),
            problems: Vec::new(),
            read: NamesRead::default(),
        }
    }

    /// A handle on the names of the variables read through this `Env`, now and later.
    pub fn names_read(&self) -> NamesRead {
        self.read.clone()
    }

    /// The raw value, with surrounding whitespace removed; empty counts as unset.
    pub fn optional(&self, var: &str) -> Option<String> {
        self.read.record(var);
        (self.lookup)(var)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// A string with a default.
    pub fn string(&self, var: &str, default: &str) -> String {
        self.optional(var).unwrap_or_else(|| default.to_owned())
    }

    /// A value parsed with `FromStr`; a bad value is recorded and the default returned.
    pub fn parse<T>(&mut self, var: &str, default: T) -> T
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.optional(var) {
            None => default,
            Some(raw) => match raw.parse() {
                Ok(value) => value,
                Err(error) => {
                    self.problem(var, format!("cannot parse `{raw}`: {error}"));
                    default
                }
            },
        }
    }

    /// A boolean: 1/true/yes/on or 0/false/no/off, any case.
    pub fn flag(&mut self, var: &str, default: bool) -> bool {
        match self.optional(var).map(|raw| raw.to_ascii_lowercase()) {
            None => default,
            Some(raw) => match raw.as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    self.problem(var, format!("`{raw}` is not a boolean (use true or false)"));
                    default
                }
            },
        }
    }

    /// An integer that must lie in `min..=max`.
    pub fn bounded<T>(&mut self, var: &str, default: T, min: T, max: T) -> T
    where
        T: FromStr + PartialOrd + Copy + fmt::Display,
        T::Err: fmt::Display,
    {
        let value = self.parse(var, default);
        if value < min || value > max {
            self.problem(var, format!("{value} is outside {min}..={max}"));
            return default;
        }
        value
    }

    /// A listen address such as `0.0.0.0:8000`.
    pub fn socket_addr(&mut self, var: &str, default: &str) -> SocketAddr {
        let fallback = default
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        self.parse(var, fallback)
    }

    /// A duration given in (possibly fractional) seconds, which must be positive.
    pub fn seconds(&mut self, var: &str, default: Duration) -> Duration {
        let seconds = self.parse(var, default.as_secs_f64());
        if !(seconds.is_finite() && seconds > 0.0) {
            self.problem(
                var,
                format!("{seconds} must be a positive number of seconds"),
            );
            return default;
        }
        Duration::from_secs_f64(seconds)
    }

    /// A secret. Outside local/test environments a missing secret is an error instead of
    /// silently taking the development default, and a weak one (see [`secret_problem`]) is
    /// refused.
    pub fn secret(&mut self, var: &str, dev_default: &str, app_env: AppEnv) -> SecretString {
        match self.optional(var) {
            Some(value) => {
                self.check_secret(var, &value, app_env);
                SecretString::from(value)
            }
            None if app_env.allows_dev_defaults() => SecretString::from(dev_default.to_owned()),
            None => {
                self.problem(var, "is required outside APP_ENV=local|test".to_owned());
                SecretString::from(String::new())
            }
        }
    }

    /// An optional secret, checked like [`Env::secret`] when it is set.
    pub fn optional_secret(&mut self, var: &str, app_env: AppEnv) -> Option<SecretString> {
        let value = self.optional(var)?;
        self.check_secret(var, &value, app_env);
        Some(SecretString::from(value))
    }

    /// Records a problem when `value` is too weak for `app_env`.
    pub fn check_secret(&mut self, var: &str, value: &str, app_env: AppEnv) {
        if app_env.allows_dev_defaults() {
            return;
        }
        if let Some(problem) = secret_problem(value) {
            self.problem(var, problem);
        }
    }

    /// The shared `APP_ENV` variable. Unset means `cluster`: a deployment that forgets it
    /// gets no development secrets, no open service ports and no diagnostic job types. The
    /// native profile and the tests set `local` or `test` explicitly.
    pub fn app_env(&mut self) -> AppEnv {
        self.parse("APP_ENV", AppEnv::Cluster)
    }

    /// Records a problem found by the caller's own check.
    pub fn problem(&mut self, var: &str, problem: String) {
        self.problems.push(VarProblem {
            var: var.to_owned(),
            problem,
        });
    }

    /// Ends reading: `Ok` only if no variable was invalid.
    pub fn finish(self) -> Result<(), ConfigError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                problems: self.problems,
            })
        }
    }
}

/// Shortest secret accepted outside local/test.
pub const MIN_SECRET_BYTES: usize = 32;

/// Secrets this repository ships (development defaults, examples, the native profile's
/// scripts): known to everyone, so never accepted outside local/test.
pub const DEVELOPMENT_SECRETS: &[&str] = &[
    "dev-secret-change-me",
    "change-me-to-a-long-random-secret-of-32-bytes-or-more",
    "local-development-service-token-not-for-production",
    "local-development-operator-token-not-for-production",
];

/// Why `value` is not an acceptable secret outside local/test, if it is not.
pub fn secret_problem(value: &str) -> Option<String> {
    if DEVELOPMENT_SECRETS.contains(&value) {
        return Some("is a published development secret; generate a new one".to_owned());
    }
    if value.len() < MIN_SECRET_BYTES {
        return Some(format!(
            "is {} bytes long; secrets need at least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 32`)",
            value.len()
        ));
    }
    None
}

/// A connection string together with the variable it came from, so errors can name it.
#[derive(Clone)]
pub struct Dsn {
    /// Environment variable that sets this value.
    pub var: &'static str,
    url: SecretString,
}

impl Dsn {
    /// Reads `var` (default `default`); the value must be a URL.
    pub fn read(env: &mut Env, var: &'static str, default: &str) -> Self {
        let raw = env.string(var, default);
        if let Err(error) = url::Url::parse(&raw) {
            env.problem(var, format!("not a valid URL: {error}"));
        }
        Self {
            var,
            url: SecretString::from(raw),
        }
    }

    /// Builds a DSN from a literal (tests).
    pub fn new(var: &'static str, url: impl Into<String>) -> Self {
        Self {
            var,
            url: SecretString::from(url.into()),
        }
    }

    /// The full URL including credentials. Do not log it.
    pub fn expose(&self) -> &str {
        self.url.expose_secret()
    }

    /// `host:port/path` without user or password, safe to print.
    pub fn redacted(&self) -> String {
        match url::Url::parse(self.url.expose_secret()) {
            Ok(url) => {
                let host = url.host_str().unwrap_or("?");
                let port = url
                    .port_or_known_default()
                    .map(|port| format!(":{port}"))
                    .unwrap_or_default();
                format!("{}://{host}{port}{}", url.scheme(), url.path())
            }
            Err(_) => "<unparseable url>".to_owned(),
        }
    }
}

impl fmt::Debug for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.redacted(), self.var)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_variable_is_reported_by_name() {
        let mut env = Env::from_map([("PORT_A", "x"), ("LIMIT", "900"), ("FLAG", "maybe")]);
        let _ = env.parse::<u16>("PORT_A", 1);
        let _ = env.bounded::<u32>("LIMIT", 5, 1, 100);
        let _ = env.flag("FLAG", false);
        let error = env.finish().expect_err("three problems");
        let vars: Vec<_> = error.problems.iter().map(|p| p.var.as_str()).collect();
        assert_eq!(vars, ["PORT_A", "LIMIT", "FLAG"]);
        assert!(error.to_string().contains("LIMIT: 900 is outside 1..=100"));
    }

    #[test]
    fn defaults_apply_when_unset_or_blank() {
        let mut env = Env::from_map([("BLANK", "  ")]);
        assert_eq!(env.string("BLANK", "d"), "d");
        assert_eq!(
            env.seconds("MISSING", Duration::from_secs(3)),
            Duration::from_secs(3)
        );
        assert!(env.flag("MISSING", true));
        assert!(env.finish().is_ok());
    }

    #[test]
    fn secrets_need_a_value_outside_local() {
        let mut env = Env::from_map(Vec::<(String, String)>::new());
        let local = env.secret("AUTH_JWT_SECRET", "dev", AppEnv::Local);
        assert_eq!(local.expose_secret(), "dev");
        assert!(env.finish().is_ok());

        let mut env = Env::from_map(Vec::<(String, String)>::new());
        let _ = env.secret("AUTH_JWT_SECRET", "dev", AppEnv::Cluster);
        let error = env.finish().expect_err("missing secret");
        assert_eq!(error.problems[0].var, "AUTH_JWT_SECRET");
    }

    #[test]
    fn weak_secrets_are_refused_outside_local() {
        for weak in ["short", DEVELOPMENT_SECRETS[0]] {
            let mut env = Env::from_map([("S", weak)]);
            let _ = env.secret("S", "dev", AppEnv::Cluster);
            assert!(env.finish().is_err(), "`{weak}` must be refused");
            let mut env = Env::from_map([("S", weak)]);
            let _ = env.secret("S", "dev", AppEnv::Test);
            assert!(env.finish().is_ok(), "`{weak}` is fine in tests");
        }
        let mut env = Env::from_map([("S", "x".repeat(MIN_SECRET_BYTES))]);
        assert!(env.optional_secret("S", AppEnv::Cluster).is_some());
        assert!(env.finish().is_ok());
    }

    #[test]
    fn a_forgotten_app_env_is_not_a_development_machine() {
        let mut env = Env::from_map(Vec::<(String, String)>::new());
        assert_eq!(env.app_env(), AppEnv::Cluster);
    }

    #[test]
    fn dsn_redaction_hides_credentials() {
        let dsn = Dsn::new("X_DSN", "postgresql://user:hunter2@db.example:5433/app");
        assert_eq!(dsn.redacted(), "postgresql://db.example:5433/app");
        assert!(!format!("{dsn:?}").contains("hunter2"));
    }

    #[test]
    fn every_name_asked_for_is_recorded_set_or_not() {
        let mut env = Env::from_map([("SET", "1"), ("NEVER_READ", "x")]);
        let names = env.names_read();
        let _ = env.parse::<u8>("SET", 0);
        let _ = env.string("UNSET", "d");
        let _ = env.flag("UNSET", false);
        drop(env);
        assert_eq!(names.names(), ["SET", "UNSET"]);
    }

    #[test]
    fn seconds_reject_non_positive_values() {
        let mut env = Env::from_map([("T", "-1")]);
        assert_eq!(
            env.seconds("T", Duration::from_secs(2)),
            Duration::from_secs(2)
        );
        assert!(env.finish().is_err());
    }
}
