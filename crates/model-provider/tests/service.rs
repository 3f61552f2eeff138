//! The model provider as a running service: health, readiness, metrics and clean shutdown.

use std::path::Path;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_testkit::checks::*;
use exobrain_testkit::{TestServer, bind_ephemeral, free_port, wait_until_ok};
use model_provider::Config;

const BINARY: &str = env!("CARGO_BIN_EXE_model-provider");

/// The test environment with the repository's alias file.
fn test_env() -> std::collections::HashMap<String, String> {
    let mut env = base_env();
    env.insert(
        "MODEL_PROVIDER_CONFIG_PATH".into(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/models.yaml").into(),
    );
    env
}

#[tokio::test]
async fn serves_health_readiness_and_metrics_and_stops_on_cancel() {
    let config = Config::from_env(Env::from_map(test_env())).expect("config");
    let listener = bind_ephemeral().await;
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| model_provider::run(config, listener, token));

    assert!(wait_until_ok(&format!("{base}/readyz"), Duration::from_secs(10)).await);
    assert_eq!(
        get_json(&format!("{base}/healthz"), 200).await["status"],
        "ok"
    );
    let metrics = get_text(&format!("{base}/metrics")).await;
    assert!(
        metrics.contains(r#"http_route="/healthz",http_response_status_code="200""#),
        "metrics:\n{metrics}"
    );
    assert_metrics_described(&metrics);
    assert_process_metrics(&metrics);

    assert_stops_cleanly(server).await;
}

#[tokio::test]
async fn sigterm_exits_zero_within_five_seconds() {
    let mut env = test_env();
    let port = free_port();
    env.insert(
        "MODEL_PROVIDER_BIND_ADDRESS".into(),
        format!("127.0.0.1:{port}"),
    );
    assert_sigterm_exits_cleanly(
        Path::new(BINARY),
        &env,
        &format!("http://127.0.0.1:{port}/healthz"),
    )
    .await;
}

#[tokio::test]
async fn a_taken_port_is_reported_with_its_variable() {
    let taken = bind_ephemeral().await;
    let mut env = test_env();
    env.insert(
        "MODEL_PROVIDER_BIND_ADDRESS".into(),
        taken.local_addr().expect("addr").to_string(),
    );
    let (status, stderr) =
        exobrain_testkit::BinaryProcess::start(Path::new(BINARY), &["serve"], &env)
            .wait(Duration::from_secs(10))
            .await
            .expect("exits");
    assert!(!status.success());
    assert!(stderr.contains("MODEL_PROVIDER_BIND_ADDRESS"), "{stderr}");
}

#[test]
fn a_deployment_that_forgets_app_env_needs_a_strong_credential() {
    let mut env = test_env();
    env.remove("APP_ENV");
    let error = Config::from_env(Env::from_map(env.clone())).expect_err("no credential");
    assert!(
        error.to_string().contains("EXOBRAIN_SERVICE_CREDENTIALS"),
        "{error}"
    );
    env.insert("MODEL_PROVIDER_API_TOKEN".into(), "short".into());
    let error = Config::from_env(Env::from_map(env.clone())).expect_err("weak token");
    assert!(
        error.to_string().contains("MODEL_PROVIDER_API_TOKEN"),
        "{error}"
    );
    env.insert("MODEL_PROVIDER_API_TOKEN".into(), "m".repeat(40));
    let config = Config::from_env(Env::from_map(env)).expect("shared token is enough");
    assert!(!config.credentials.is_open());
}
