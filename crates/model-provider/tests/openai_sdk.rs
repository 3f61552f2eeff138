//! Compatibility with a client no one here wrote: the official OpenAI Python SDK, installed in
//! a venv by `scripts/agent/openai-sdk-check.sh`, runs a chat completion, a streamed chat
//! completion with a forced tool call, and an embeddings call against the offline gateway.

mod support;

use std::time::Duration;

use support::{shipped_aliases, spawn_gateway};

#[tokio::test]
async fn the_official_openai_python_sdk_accepts_every_reply() {
    let gateway = spawn_gateway(&shipped_aliases(), &[]).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/agent/openai-sdk-check.sh"
    );
    let run = tokio::process::Command::new(script)
        .arg(format!("{}/v1", gateway.base))
        .output();
    let output = tokio::time::timeout(Duration::from_secs(600), run)
        .await
        .expect("the SDK check finished within 10 minutes")
        .expect("the SDK check script ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "SDK check failed:\n{stdout}\n{stderr}"
    );
    let findings: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("findings json");
    assert_eq!(findings["ok"], true);
    assert_eq!(findings["tool_call"]["name"], "get_weather");
    assert_eq!(findings["embeddings"]["dimensions"], 384);
}
