//! Typed configuration of the web UI server, read once from the environment: where to listen,
//! which backend to proxy `/api` to, and which directory holds the built UI.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use exobrain_common::config::{AppEnv, ConfigError, Env};
use exobrain_common::telemetry::TelemetryConfig;

/// The UI build output, relative to the repository root.
pub const DEFAULT_DIST: &str = "crates/assistant-frontend/ui/dist";

/// Everything the web UI server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `ASSISTANT_FRONTEND_BIND_ADDRESS` (default `0.0.0.0:5173`).
    pub bind: SocketAddr,
    /// `ASSISTANT_BACKEND_URL`: origin of assistant-backend (default `http://127.0.0.1:8000`);
    /// `/api/...` is forwarded to `<url>/api/...`.
    pub backend_url: BackendUrl,
    /// `ASSISTANT_FRONTEND_DIST`: the built UI (default [`DEFAULT_DIST`]); a relative path is
    /// taken from the working directory when it exists there, else from the repository root.
    pub dist: PathBuf,
    /// `ASSISTANT_FRONTEND_CONNECT_TIMEOUT_SECONDS`: connecting to the backend (default 5).
    pub connect_timeout: Duration,
    /// `ASSISTANT_FRONTEND_UPSTREAM_TIMEOUT_SECONDS`: from forwarding a request to the
    /// backend's response headers (default 60); a streamed body may then run for as long as
    /// the backend keeps it open.
    pub upstream_timeout: Duration,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let telemetry = TelemetryConfig::from_env(&mut env, app_env);
        let bind = env.socket_addr("ASSISTANT_FRONTEND_BIND_ADDRESS", "0.0.0.0:5173");
        let backend_url = backend_url(&mut env);
        let dist = resolve_dist(Path::new(
            &env.string("ASSISTANT_FRONTEND_DIST", DEFAULT_DIST),
        ));
        let config = Self {
            app_env,
            telemetry,
            bind,
            backend_url,
            dist,
            connect_timeout: env.seconds(
                "ASSISTANT_FRONTEND_CONNECT_TIMEOUT_SECONDS",
                Duration::from_secs(5),
            ),
            upstream_timeout: env.seconds(
                "ASSISTANT_FRONTEND_UPSTREAM_TIMEOUT_SECONDS",
                Duration::from_secs(60),
            ),
        };
        env.finish()?;
        Ok(config)
    }
}

/// Where assistant-backend answers: an `http://` URL with a host and no credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct BackendUrl(url::Url);

impl BackendUrl {
    /// The URL as text (always ends in `/` when it has no path).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for BackendUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl fmt::Display for BackendUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// `ASSISTANT_BACKEND_URL`: an `http://` origin; the proxy speaks plain HTTP/1.1 to a backend
/// on the same host or cluster network, and browsers bring their own credentials.
fn backend_url(env: &mut Env) -> BackendUrl {
    const VAR: &str = "ASSISTANT_BACKEND_URL";
    let fallback = url::Url::parse("http://127.0.0.1:8000").expect("valid default URL");
    let raw = env.string(VAR, fallback.as_str());
    match url::Url::parse(&raw) {
        Ok(url)
            if url.scheme() == "http"
                && url.host().is_some()
                && url.username().is_empty()
                && url.password().is_none() =>
        {
            BackendUrl(url)
        }
        Ok(_) => {
            env.problem(
                VAR,
                "must be an http:// URL with a host and no user or password".to_owned(),
            );
            BackendUrl(fallback)
        }
        Err(error) => {
            env.problem(VAR, format!("not a valid URL: {error}"));
            BackendUrl(fallback)
        }
    }
}

/// An absolute path stays; a relative one is taken from the working directory when it exists
/// there (a deployment's own layout), else from the repository this binary was built in when
/// that checkout is still present (so `cargo run` and the scripts work from any directory).
fn resolve_dist(path: &Path) -> PathBuf {
    if path.is_absolute() || path.exists() {
        return path.to_path_buf();
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match manifest.join("../..").canonicalize() {
        Ok(repository) if repository.join("Cargo.toml").is_file() => repository.join(path),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_serve_the_repository_build_and_the_local_backend() {
        let config = Config::from_env(Env::from_map([("APP_ENV", "test")])).expect("config");
        assert_eq!(config.bind.port(), 5173);
        assert_eq!(config.backend_url.as_str(), "http://127.0.0.1:8000/");
        assert!(
            config.dist.ends_with("ui/dist"),
            "{}",
            config.dist.display()
        );
    }

    #[test]
    fn a_backend_url_that_is_not_http_is_refused_by_name() {
        let error = Config::from_env(Env::from_map([
            ("APP_ENV", "test"),
            ("ASSISTANT_BACKEND_URL", "ftp://backend"),
            ("ASSISTANT_FRONTEND_BIND_ADDRESS", "nowhere"),
        ]))
        .expect_err("two problems");
        let vars: Vec<_> = error.problems.iter().map(|p| p.var.as_str()).collect();
        assert_eq!(
            vars,
            ["ASSISTANT_FRONTEND_BIND_ADDRESS", "ASSISTANT_BACKEND_URL"]
        );
    }

    #[test]
    fn a_backend_url_with_credentials_is_refused_without_echoing_them() {
        let error = Config::from_env(Env::from_map([
            ("APP_ENV", "test"),
            ("ASSISTANT_BACKEND_URL", "http://proxy:hunter2@backend:8000"),
        ]))
        .expect_err("credentials");
        assert_eq!(error.problems[0].var, "ASSISTANT_BACKEND_URL");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }
}
