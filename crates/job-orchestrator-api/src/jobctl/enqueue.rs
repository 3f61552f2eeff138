//! `jobctl jobs enqueue`: a job from a JSON payload file. A `knowledge.update` payload is sent
//! typed (`knowledge_update`, as the assistant backend sends it); any other type's payload as
//! `payload_json`. The API validates either and names what to fix.

use std::io::Read;
use std::path::Path;

use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::{
    EnqueueJobRequest, KnowledgeUpdateMessage, KnowledgeUpdatePayload,
};
use serde::Deserialize;

use super::error::CliError;

#[derive(Deserialize)]
struct Update {
    journal_reference: String,
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    requested_by_user_id: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    role: String,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    sequence: Option<i32>,
    #[serde(default)]
    created_at: Option<String>,
}

/// The request enqueueing a `job_type` job for `user` with the payload in `path`.
pub fn request(
    job_type: &str,
    user: &str,
    path: &Path,
    idempotency_key: Option<String>,
) -> Result<EnqueueJobRequest, CliError> {
    let text = read(path)?;
    let payload = if job_type == "knowledge.update" {
        let update: Update = serde_json::from_str(&text).map_err(|error| {
            CliError::Payload(format!(
                "{} is not a knowledge.update payload ({{\"journal_reference\", \"messages\": [{{\"role\", \"content\", …}}]}}): {error}",
                path.display()
            ))
        })?;
        Payload::KnowledgeUpdate(KnowledgeUpdatePayload {
            journal_reference: update.journal_reference,
            messages: update
                .messages
                .into_iter()
                .map(|m| KnowledgeUpdateMessage {
                    role: m.role,
                    content: m.content.unwrap_or_default(),
                    sequence: m.sequence.unwrap_or_default(),
                    created_at: m.created_at.unwrap_or_default(),
                })
                .collect(),
            requested_by_user_id: update
                .requested_by_user_id
                .unwrap_or_else(|| user.to_owned()),
        })
    } else {
        Payload::PayloadJson(text)
    };
    Ok(EnqueueJobRequest {
        job_type: job_type.to_owned(),
        user_id: user.to_owned(),
        payload: Some(payload),
        idempotency_key: idempotency_key.unwrap_or_default(),
    })
}

fn read(path: &Path) -> Result<String, CliError> {
    let cannot = |error: std::io::Error| {
        CliError::Payload(format!(
            "cannot read the payload {}: {error}",
            path.display()
        ))
    };
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(cannot)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(cannot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_knowledge_update_file_becomes_the_typed_payload_of_the_user() {
        let path = std::env::temp_dir().join(format!("jobctl-{}.json", uuid::Uuid::new_v4()));
        std::fs::write(
            &path,
            r#"{"journal_reference": "2026/12/06", "messages": [{"role": "user", "content": "Hi", "sequence": 1}, {"role": "tool", "content": null}]}"#,
        )
        .unwrap();
        let enqueue = request("knowledge.update", "alice", &path, None).unwrap();
        let Some(Payload::KnowledgeUpdate(update)) = enqueue.payload else {
            panic!("typed payload expected");
        };
        assert_eq!(update.requested_by_user_id, "alice");
        assert_eq!(update.messages.len(), 2);
        assert_eq!(update.messages[1].content, "");
        std::fs::write(&path, "[1, 2]").unwrap();
        let error = request("knowledge.update", "alice", &path, None).unwrap_err();
        assert!(
            error.to_string().contains("not a knowledge.update payload"),
            "{error}"
        );
        let _ = std::fs::remove_file(&path);
    }
}
