//! Helpers of the knowledge update and watch suites: messages written through the journal
//! store, the update and watch requests, SSE frames, and what the database recorded.

use std::time::Duration;

use assistant_backend::journals::Role;
use serde_json::Value;
use uuid::Uuid;

use super::read;
use crate::app::{TEST_USER, TestApp};

pub const DAY: &str = "2026/12/06";
pub const LUNCH: &str = "I had lunch with my sister Anna at Café Central in Vienna.";

/// Appends a finished message of `role` to the test user's journal `reference`; its id.
pub async fn say(app: &TestApp, reference: &str, role: Role, content: &str) -> Uuid {
    let user = app.user_id(TEST_USER).await;
    app.journals()
        .append_message(user, reference, role, content, Uuid::new_v4())
        .await
        .expect("append")
        .message
        .id
        .0
}

pub async fn update(client: &reqwest::Client, app: &TestApp, body: &Value) -> (u16, Value) {
    read(
        client
            .post(app.url("/api/knowledge/update"))
            .json(body)
            .send()
            .await
            .expect("request"),
    )
    .await
}

/// The whole watch stream of `job_id` (it ends after `done` or `error`), with its headers.
pub async fn watch(
    client: &reqwest::Client,
    app: &TestApp,
    job_id: &str,
) -> (u16, http::HeaderMap, String) {
    let response = client
        .get(app.url(&format!("/api/knowledge/update/{job_id}/watch")))
        .send()
        .await
        .expect("request");
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let body = tokio::time::timeout(Duration::from_secs(120), response.text())
        .await
        .expect("the stream ends")
        .expect("body");
    (status, headers, body)
}

/// `(event, data)` of each frame of an SSE body; asserts every frame has an id.
pub fn frames(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|frame| frame.contains("event:"))
        .map(|frame| {
            let field = |name: &str| {
                frame
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .map(|value| value.trim().to_owned())
            };
            assert!(field("id:").is_some(), "frame without id: {frame}");
            let data = field("data:").expect("data");
            (
                field("event:").expect("event"),
                serde_json::from_str(&data).expect("json"),
            )
        })
        .collect()
}

pub async fn committed(app: &TestApp, ids: &[Uuid]) -> Vec<bool> {
    let mut flags = Vec::new();
    for id in ids {
        flags.push(
            sqlx::query_scalar("SELECT committed_to_knowledge_base FROM messages WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .expect("flag"),
        );
    }
    flags
}

/// `(journal_reference, message_ids)` of every recorded job, by journal.
pub async fn recorded_jobs(app: &TestApp) -> Vec<(String, Vec<Uuid>)> {
    sqlx::query_as("SELECT journal_reference, message_ids FROM knowledge_jobs ORDER BY journal_reference, created_at")
        .fetch_all(&app.db.pool)
        .await
        .expect("jobs")
}
