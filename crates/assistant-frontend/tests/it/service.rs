//! The service surface: health, readiness (UI built and backend alive), metrics by request
//! class, `print-config`, and a clean exit on SIGTERM.

use std::path::Path;
use std::time::Duration;

use exobrain_testkit::checks::{
    assert_metrics_described, assert_process_metrics, assert_sigterm_exits_cleanly,
    assert_stops_cleanly, base_env, get_json, get_text,
};
use exobrain_testkit::{BinaryProcess, free_port};

use crate::support::{Backend, Dist, Frontend, closed_port_url};

const BINARY: &str = env!("CARGO_BIN_EXE_assistant-frontend");

#[tokio::test]
async fn ready_when_the_ui_is_built_and_the_backend_answers() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;
    assert_eq!(
        get_json(&frontend.url("/healthz"), 200).await["status"],
        "ok"
    );
    let report = get_json(&frontend.url("/readyz"), 200).await;
    assert_eq!(report["checks"]["ui_build"], "ok");
    assert_eq!(report["checks"]["assistant_backend"], "ok");
    assert_stops_cleanly(frontend.server).await;
}

#[tokio::test]
async fn not_ready_without_a_build_or_without_the_backend() {
    let backend = Backend::start().await;
    let unbuilt = Frontend::start(Dist::empty(), &backend.url).await;
    let report = get_json(&unbuilt.url("/readyz"), 503).await;
    assert!(
        report["checks"]["ui_build"]
            .as_str()
            .is_some_and(|reason| reason.contains("npm run build")),
        "{report}"
    );

    let orphan = Frontend::start(Dist::write(), &closed_port_url().await).await;
    let report = get_json(&orphan.url("/readyz"), 503).await;
    assert_eq!(report["checks"]["ui_build"], "ok");
    assert_ne!(report["checks"]["assistant_backend"], "ok");
}

#[tokio::test]
async fn metrics_count_requests_by_class_and_upstream_errors() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;
    let _ = frontend.get("/", &[]).await;
    let _ = frontend.get("/assets/index-4f2a9c1e.js", &[]).await;
    let _ = frontend.get("/api/echo?status=404", &[]).await;
    let orphan = Frontend::start(Dist::write(), &closed_port_url().await).await;
    let _ = orphan.get("/api/echo", &[]).await;

    let metrics = get_text(&frontend.url("/metrics")).await;
    for expected in [
        "frontend_requests_total{class=\"page\",status=\"200\"}",
        "frontend_requests_total{class=\"asset\",status=\"200\"}",
        "frontend_requests_total{class=\"api\",status=\"404\"}",
        "frontend_requests_total{class=\"api\",status=\"502\"}",
        "frontend_proxy_upstream_errors_total{kind=\"unreachable\"}",
        "frontend_request_duration_seconds_bucket{class=\"page\"",
    ] {
        assert!(metrics.contains(expected), "{expected} missing:\n{metrics}");
    }
    assert_metrics_described(&metrics);
    assert_process_metrics(&metrics);
}

#[tokio::test]
async fn print_config_shows_the_resolved_settings() {
    let mut env = base_env();
    env.insert(
        "ASSISTANT_BACKEND_URL".into(),
        "http://backend.internal:8000".into(),
    );
    let (status, _) = BinaryProcess::start(Path::new(BINARY), &["print-config"], &env)
        .wait(Duration::from_secs(10))
        .await
        .expect("exits");
    assert!(status.success());

    env.insert("ASSISTANT_BACKEND_URL".into(), "backend:8000".into());
    let (status, stderr) = BinaryProcess::start(Path::new(BINARY), &["print-config"], &env)
        .wait(Duration::from_secs(10))
        .await
        .expect("exits");
    assert!(!status.success());
    assert!(stderr.contains("ASSISTANT_BACKEND_URL"), "{stderr}");
}

#[tokio::test]
async fn sigterm_exits_zero_within_five_seconds() {
    let backend = Backend::start().await;
    let dist = Dist::write();
    let port = free_port();
    let mut env = base_env();
    env.insert(
        "ASSISTANT_FRONTEND_BIND_ADDRESS".into(),
        format!("127.0.0.1:{port}"),
    );
    env.insert("ASSISTANT_BACKEND_URL".into(), backend.url.clone());
    env.insert(
        "ASSISTANT_FRONTEND_DIST".into(),
        dist.path.display().to_string(),
    );
    assert_sigterm_exits_cleanly(
        Path::new(BINARY),
        &env,
        &format!("http://127.0.0.1:{port}/healthz"),
    )
    .await;
}
