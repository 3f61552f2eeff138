//! `EnqueueJobRequest` → [`NewJob`]: every field checked against the job type registry and
//! the size limits, with all problems reported together by field name, then the job's request
//! message measured against the NATS server's `max_payload`; and a job snapshot back to its
//! wire reply.

use exobrain_jobs::domain::payload::{RawKnowledgeUpdate, nul_path};
use exobrain_jobs::domain::registry::PayloadRule;
use exobrain_jobs::domain::{
    IdempotencyKey, InvalidField, JobType, KnowledgeUpdate, KnowledgeUpdateLimits, NewJob,
    Registry, UserId,
};
use exobrain_jobs::envelope::largest_request_len;
use exobrain_jobs::store::JobSnapshot;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::{EnqueueJobRequest, GetJobStatusReply};

use super::error::ApiError;

/// Size limits applied at enqueue.
#[derive(Debug, Clone, Copy)]
pub struct EnqueueLimits {
    /// Largest `payload_json` in bytes.
    pub max_payload_bytes: usize,
    /// Limits of the typed `knowledge_update` payload.
    pub knowledge_update: KnowledgeUpdateLimits,
    /// Largest job request message NATS accepts (the server's `max_payload`): a job whose
    /// message would be larger could never be published.
    pub max_message_bytes: usize,
}

/// NATS's default `max_payload` (1 MiB).
pub const NATS_DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;

impl Default for EnqueueLimits {
    fn default() -> Self {
        Self {
            max_payload_bytes: 256 * 1024,
            knowledge_update: KnowledgeUpdateLimits::default(),
            max_message_bytes: NATS_DEFAULT_MAX_PAYLOAD,
        }
    }
}

/// Validates an enqueue request.
pub fn new_job(
    request: EnqueueJobRequest,
    registry: &Registry,
    limits: &EnqueueLimits,
) -> Result<NewJob, ApiError> {
    check_job(request, registry, limits).map_err(ApiError::Invalid)
}

/// Validates an enqueue request, returning every problem found.
pub fn check_job(
    request: EnqueueJobRequest,
    registry: &Registry,
    limits: &EnqueueLimits,
) -> Result<NewJob, Vec<InvalidField>> {
    let mut problems = Vec::new();
    let job_type = JobType::parse("job_type", &request.job_type)
        .map_err(|p| problems.push(p))
        .ok();
    let owner = UserId::parse("user_id", &request.user_id)
        .map_err(|p| problems.push(p))
        .ok();
    let idempotency_key =
        IdempotencyKey::parse_optional("idempotency_key", &request.idempotency_key)
            .map_err(|p| problems.push(p))
            .ok()
            .flatten();
    let spec = job_type
        .as_ref()
        .and_then(|job_type| registry.spec(job_type).map_err(|p| problems.push(p)).ok());

    let (Some(spec), Some(owner)) = (spec, owner) else {
        return Err(problems);
    };
    let payload = match (spec.payload, request.payload) {
        (PayloadRule::KnowledgeUpdate, Some(Payload::KnowledgeUpdate(update))) => {
            let raw = RawKnowledgeUpdate {
                journal_reference: update.journal_reference,
                messages: update
                    .messages
                    .into_iter()
                    .map(|m| (m.role, m.content, m.sequence, m.created_at))
                    .collect(),
                requested_by_user_id: update.requested_by_user_id,
            };
            match KnowledgeUpdate::validate(raw, &owner, limits.knowledge_update) {
                Ok(update) => serde_json::to_value(update).ok(),
                Err(mut found) => {
                    problems.append(&mut found);
                    None
                }
            }
        }
        (PayloadRule::KnowledgeUpdate, _) => {
            problems.push(InvalidField::new(
                "knowledge_update",
                format!("is required for {} jobs", spec.job_type),
            ));
            None
        }
        (_, Some(Payload::PayloadJson(json))) => {
            Registry::validate_json(spec, &json, limits.max_payload_bytes)
                .map_err(|p| problems.push(p))
                .ok()
        }
        (_, _) => {
            problems.push(InvalidField::new(
                "payload_json",
                format!("is required for {} jobs", spec.job_type),
            ));
            None
        }
    };
    let job = match payload {
        Some(payload) if problems.is_empty() => NewJob {
            job_type: spec.job_type.clone(),
            owner,
            payload,
            idempotency_key,
            max_attempts: spec.max_attempts,
            trace_context: current_trace_context(),
        },
        _ => return Err(problems),
    };
    let field = match spec.payload {
        PayloadRule::KnowledgeUpdate => "knowledge_update",
        _ => "payload_json",
    };
    if let Some(path) = nul_path(&job.payload) {
        return Err(vec![InvalidField::new(
            format!("{field}{path}"),
            "holds a NUL character (\\u0000), which cannot be stored; remove it",
        )]);
    }
    let encoded = largest_request_len(&job);
    if encoded > limits.max_message_bytes {
        return Err(vec![InvalidField::new(
            field,
            format!(
                "makes a job message of {encoded} bytes once encoded; the NATS server accepts at \
                 most {} (its max_payload)",
                limits.max_message_bytes
            ),
        )]);
    }
    Ok(job)
}

/// The W3C trace context of the request being handled.
fn current_trace_context() -> std::collections::HashMap<String, String> {
    let mut context = std::collections::HashMap::new();
    exobrain_common::telemetry::propagation::inject_map(&mut context);
    context
}

/// A job snapshot as the wire reply.
pub fn status_reply(snapshot: JobSnapshot) -> GetJobStatusReply {
    GetJobStatusReply {
        job_id: snapshot.job_id.to_string(),
        state: snapshot.state.to_proto(),
        attempt: snapshot.attempt,
        detail: snapshot.detail,
        terminal: snapshot.state.is_terminal(),
        updated_at: snapshot.updated_at.to_rfc3339(),
        seq: snapshot.seq,
        job_type: snapshot.job_type,
        created_at: snapshot.created_at.to_rfc3339(),
        user_id: snapshot.owner,
    }
}

#[cfg(test)]
mod tests {
    use exobrain_proto::job_orchestrator::{KnowledgeUpdateMessage, KnowledgeUpdatePayload};

    use super::*;

    fn registry() -> Registry {
        Registry::standard(3, true)
    }

    fn knowledge_request(messages: Vec<KnowledgeUpdateMessage>) -> EnqueueJobRequest {
        EnqueueJobRequest {
            job_type: "knowledge.update".into(),
            user_id: "user-1".into(),
            payload: Some(Payload::KnowledgeUpdate(KnowledgeUpdatePayload {
                journal_reference: "2026/11/23".into(),
                messages,
                requested_by_user_id: String::new(),
            })),
            idempotency_key: "journal-2026-11-23-chunk-0".into(),
        }
    }

    fn message(role: &str, content: &str) -> KnowledgeUpdateMessage {
        KnowledgeUpdateMessage {
            role: role.into(),
            content: content.into(),
            sequence: 1,
            created_at: String::new(),
        }
    }

    fn invalid_fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Invalid(problems) => problems.into_iter().map(|p| p.field).collect(),
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_knowledge_update_becomes_a_new_job() {
        let job = new_job(
            knowledge_request(vec![message("user", "Hello")]),
            &registry(),
            &Default::default(),
        )
        .expect("valid");
        assert_eq!(job.job_type.as_str(), "knowledge.update");
        assert_eq!(job.owner.as_str(), "user-1");
        assert_eq!(job.payload["requested_by_user_id"], "user-1");
        assert_eq!(
            job.idempotency_key
                .map(|k| k.as_str().to_owned())
                .as_deref(),
            Some("journal-2026-11-23-chunk-0")
        );
    }

    #[test]
    fn missing_basics_are_all_reported() {
        let request = EnqueueJobRequest {
            job_type: String::new(),
            user_id: String::new(),
            payload: None,
            idempotency_key: "a b".into(),
        };
        let error = new_job(request, &registry(), &Default::default()).expect_err("invalid");
        assert_eq!(
            invalid_fields(error),
            ["job_type", "user_id", "idempotency_key"]
        );
    }

    #[test]
    fn unknown_types_are_refused_with_the_known_ones() {
        let mut request = knowledge_request(vec![message("user", "x")]);
        request.job_type = "mail.send".into();
        let status: tonic::Status = new_job(request, &registry(), &Default::default())
            .expect_err("unknown")
            .into();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status.message().contains("unknown job type `mail.send`"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn the_payload_must_match_the_type() {
        let mut request = knowledge_request(vec![]);
        request.payload = Some(Payload::PayloadJson("{}".into()));
        assert_eq!(
            invalid_fields(new_job(request, &registry(), &Default::default()).expect_err("typed")),
            ["knowledge_update"]
        );

        let request = EnqueueJobRequest {
            job_type: "diagnostics.sleep".into(),
            user_id: "user-1".into(),
            payload: Some(Payload::PayloadJson(r#"{"ms": "soon"}"#.into())),
            idempotency_key: String::new(),
        };
        assert_eq!(
            invalid_fields(
                new_job(request, &registry(), &Default::default()).expect_err("bad json")
            ),
            ["payload_json"]
        );
    }

    #[test]
    fn message_problems_name_their_index() {
        let request = knowledge_request(vec![message("user", "ok"), message("robot", "hi")]);
        let fields = invalid_fields(
            new_job(request, &registry(), &Default::default()).expect_err("invalid"),
        );
        assert_eq!(fields, ["knowledge_update.messages[1].role"]);
    }
}
