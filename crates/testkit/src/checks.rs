//! Process-level acceptance checks every service binary must pass, written once: a clean exit
//! on SIGTERM, one clear line when a dependency is unreachable, and a `/metrics` page whose
//! every family is described and which carries the process metrics.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use crate::exposition::{Exposition, sample_value};
use crate::process::BinaryProcess;
use crate::server::wait_until_ok;

/// Starts `binary` with `env`, waits until `health_url` answers 200, sends SIGTERM and
/// asserts the process exits 0 within 5 s.
pub async fn assert_sigterm_exits_cleanly(
    binary: &Path,
    env: &HashMap<String, String>,
    health_url: &str,
) {
    let process = BinaryProcess::start(binary, &["serve"], env);
    assert!(
        wait_until_ok(health_url, Duration::from_secs(20)).await,
        "{} never became healthy at {health_url}",
        binary.display()
    );
    let (status, stderr) = process
        .terminate(Duration::from_secs(5))
        .await
        .unwrap_or_else(|error| panic!("{}: {error}", binary.display()));
    assert!(
        status.success(),
        "exit status {status} after SIGTERM; stderr:\n{stderr}"
    );
}

/// Starts `binary` with `env` (in which a dependency points nowhere) and asserts it exits
/// non-zero with exactly one line on stderr that names `var` and has no panic in it.
pub async fn assert_unreachable_dependency_reported(
    binary: &Path,
    env: &HashMap<String, String>,
    var: &str,
) {
    let (status, stderr) = BinaryProcess::start(binary, &["serve"], env)
        .wait(Duration::from_secs(20))
        .await
        .unwrap_or_else(|error| panic!("{}: {error}", binary.display()));
    assert!(!status.success(), "must fail when {var} is unreachable");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "expected one error line, got:\n{stderr}");
    assert!(
        lines[0].contains("cannot reach"),
        "unclear error: {}",
        lines[0]
    );
    assert!(
        lines[0].contains(var),
        "error must name {var}: {}",
        lines[0]
    );
    assert!(!stderr.contains("panicked"), "must not panic:\n{stderr}");
}

/// Environment every test process starts from: quiet logs that go to stdout (discarded) and a
/// short connect budget so unreachable dependencies fail fast.
pub fn base_env() -> HashMap<String, String> {
    HashMap::from([
        ("APP_ENV".to_owned(), "test".to_owned()),
        ("RUST_LOG".to_owned(), "warn".to_owned()),
        (
            "EXOBRAIN_STARTUP_CONNECT_TIMEOUT_SECONDS".to_owned(),
            "1".to_owned(),
        ),
    ])
}

/// Runs `binary migrate` twice against `db` and asserts both runs succeed and every table in
/// `tables` exists afterwards.
pub async fn assert_migrate_is_idempotent(
    binary: &Path,
    env: &HashMap<String, String>,
    db: &crate::TestDb,
    tables: &[&str],
) {
    for run in 1..=2 {
        let (status, stderr) = BinaryProcess::start(binary, &["migrate"], env)
            .wait(Duration::from_secs(30))
            .await
            .unwrap_or_else(|error| panic!("migrate run {run}: {error}"));
        assert!(status.success(), "migrate run {run} failed: {stderr}");
    }
    let present: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap_or_else(|error| panic!("cannot list tables: {error}"));
    for table in tables {
        assert!(
            present.iter().any(|t| t == table),
            "missing table {table}; present: {present:?}"
        );
    }
}

/// Cancels an in-process service and asserts `run` returned `Ok` within 5 s.
pub async fn assert_stops_cleanly<E: std::fmt::Debug + Send + 'static>(
    server: crate::TestServer<E>,
) {
    let outcome = server
        .stop_within(Duration::from_secs(5))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        outcome.is_ok(),
        "service stopped with an error: {outcome:?}"
    );
}

/// GETs `url` and returns the body as JSON, asserting the status.
pub async fn get_json(url: &str, status: u16) -> serde_json::Value {
    let response = reqwest::get(url)
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    assert_eq!(response.status().as_u16(), status, "GET {url}");
    response
        .json()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: body is not JSON: {error}"))
}

/// GETs `url` and returns the body text, asserting 200.
pub async fn get_text(url: &str) -> String {
    let response = reqwest::get(url)
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    assert_eq!(response.status().as_u16(), 200, "GET {url}");
    response
        .text()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
}

/// Asserts every metric family in the `/metrics` body `text` has a `# HELP` and a `# TYPE`
/// line, listing each one that lacks them.
pub fn assert_metrics_described(text: &str) {
    let undescribed = Exposition::parse(text).undescribed();
    assert!(
        undescribed.is_empty(),
        "metric families without a description:\n  {}\nmetrics:\n{text}",
        undescribed.join("\n  ")
    );
}

/// Asserts the `/metrics` body `text` carries the process metrics: a resident memory above
/// zero, open and maximum file descriptors, CPU seconds and the start time.
pub fn assert_process_metrics(text: &str) {
    let value =
        |name: &str| sample_value(text, name).unwrap_or_else(|| panic!("{name} missing:\n{text}"));
    assert!(value("process_resident_memory_bytes") > 0.0);
    assert!(value("process_open_fds") > 0.0);
    assert!(value("process_max_fds") >= value("process_open_fds"));
    assert!(value("process_cpu_seconds_total") >= 0.0);
    assert!(value("process_start_time_seconds") > 1.0e9);
}
