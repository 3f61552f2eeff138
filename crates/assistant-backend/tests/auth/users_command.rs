//! `assistant-backend users create`: an account made from the shell can sign in.

use std::process::Stdio;

use exobrain_testkit::checks::base_env;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::support::*;

const BINARY: &str = env!("CARGO_BIN_EXE_assistant-backend");

async fn create_user(app: &TestApp, email: &str, stdin: &str) -> std::process::Output {
    let mut child = tokio::process::Command::new(BINARY)
        .args([
            "users",
            "create",
            "--email",
            email,
            "--name",
            "Shell User",
            "--password-stdin",
        ])
        .env_clear()
        .envs(base_env())
        .env("ASSISTANT_DB_DSN", &app.db.dsn)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).await.expect("write");
    drop(input);
    child.wait_with_output().await.expect("output")
}

#[tokio::test]
async fn a_user_created_from_the_shell_signs_in_and_duplicates_are_refused() {
    let app = spawn_app().await;
    let created = create_user(&app, "shell@exobrain.local", "a-long-password\n").await;
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let login = json!({ "email": "shell@exobrain.local", "password": "a-long-password" });
    let response = app.post("/api/auth/login", &login).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["user_name"], "Shell User");
    let hash = app
        .password_hash("shell@exobrain.local")
        .await
        .expect("hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let duplicate = create_user(&app, "shell@exobrain.local", "another-password\n").await;
    assert!(!duplicate.status.success());
    let stderr = String::from_utf8_lossy(&duplicate.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");

    let short = create_user(&app, "short@exobrain.local", "short\n").await;
    assert!(!short.status.success());
    let stderr = String::from_utf8_lossy(&short.stderr);
    assert!(stderr.contains("at least 8 characters"), "{stderr}");
}
