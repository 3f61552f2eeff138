//! What EnqueueJob accepts of a `knowledge.update` payload, through real gRPC, PostgreSQL and
//! JetStream: a job whose request message NATS would refuse is refused up front, naming the
//! limit, and a request shaped exactly as the original's clients send it (proto defaults for
//! the fields they leave unset) is accepted with its empty messages kept out of the transcript.

mod support;

use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::{
    EnqueueJobRequest, KnowledgeUpdateMessage, KnowledgeUpdatePayload,
};
use serde_json::Value;
use support::spawn_api;
use tonic::Code;

fn knowledge_update(messages: Vec<KnowledgeUpdateMessage>) -> EnqueueJobRequest {
    EnqueueJobRequest {
        job_type: "knowledge.update".into(),
        user_id: "user-1".into(),
        payload: Some(Payload::KnowledgeUpdate(KnowledgeUpdatePayload {
            journal_reference: "2026/11/23".into(),
            messages,
            requested_by_user_id: "user-1".into(),
        })),
        idempotency_key: String::new(),
    }
}

fn message(role: &str, content: &str, sequence: i32, created_at: &str) -> KnowledgeUpdateMessage {
    KnowledgeUpdateMessage {
        role: role.into(),
        content: content.into(),
        sequence,
        created_at: created_at.into(),
    }
}

#[tokio::test]
async fn a_job_whose_message_would_exceed_the_servers_max_payload_is_refused_naming_it() {
    let mut api = spawn_api().await;
    let max_payload = api.nats.client.server_info().max_payload;
    // Within every content limit (8 × 64 KiB = 512 KiB), but each `"` doubles when escaped.
    let quotes = "\"".repeat(64 * 1024);
    let request = knowledge_update(
        (1..=8)
            .map(|sequence| message("user", &quotes, sequence, ""))
            .collect(),
    );
    let status = api
        .client
        .enqueue_job(request)
        .await
        .expect_err("too large for NATS");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains(&max_payload.to_string())
            && status.message().contains("max_payload"),
        "{}",
        status.message()
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM orchestrator_jobs")
        .fetch_one(&api.db.pool)
        .await
        .expect("count");
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_knowledge_update_as_the_original_sends_it_keeps_empty_messages_out_of_the_transcript() {
    let mut api = spawn_api().await;
    // The original's backend fills unset fields with proto defaults: a tool-calling assistant
    // turn has no text, so its content is the empty string.
    let request = knowledge_update(vec![
        message(
            "user",
            "I met Ana in Lisbon.",
            1,
            "2026-11-23T10:00:00+00:00",
        ),
        message("assistant", "", 2, "2026-11-23T10:00:05+00:00"),
        message("tool", "", 0, ""),
        message("assistant", "Noted: Ana, Lisbon.", 3, ""),
    ]);
    let job_id = api.enqueue(request).await;
    let payload: Value =
        sqlx::query_scalar("SELECT payload FROM orchestrator_jobs WHERE job_id = $1::uuid")
            .bind(&job_id)
            .fetch_one(&api.db.pool)
            .await
            .expect("payload");
    let transcript: Vec<(&str, &str)> = payload["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default(),
                m["content"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        transcript,
        [
            ("user", "I met Ana in Lisbon."),
            ("assistant", "Noted: Ana, Lisbon.")
        ]
    );
}
