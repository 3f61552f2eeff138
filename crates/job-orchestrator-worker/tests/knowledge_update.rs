//! `knowledge.update` end to end: a conversation enqueued through the job API's gRPC
//! interface is run by the worker's pipeline against a real knowledge interface and
//! model-provider, and the graph is read back; a worker killed mid-job is replaced by another
//! that resumes from the checkpoints.

#[path = "support/services.rs"]
mod services;
mod support;

use std::time::Duration;

use exobrain_proto::job_orchestrator as jobs_pb;
use exobrain_proto::knowledge as pb;
use exobrain_testkit::ScriptedModel;
use jobs_pb::job_orchestrator_client::JobOrchestratorClient;
use pb::knowledge_interface_client::KnowledgeInterfaceClient;
use serde_json::json;
use services::Service;
use support::Infra;

const LUNCH: &str = "I had lunch with my sister Anna at Café Central in Vienna.";

fn lunch(user: &str) -> jobs_pb::EnqueueJobRequest {
    jobs_pb::EnqueueJobRequest {
        job_type: "knowledge.update".into(),
        user_id: user.into(),
        payload: Some(jobs_pb::enqueue_job_request::Payload::KnowledgeUpdate(
            jobs_pb::KnowledgeUpdatePayload {
                journal_reference: "2026/12/06".into(),
                messages: vec![
                    jobs_pb::KnowledgeUpdateMessage {
                        role: "user".into(),
                        content: LUNCH.into(),
                        sequence: 1,
                        created_at: "2026-12-06T12:00:00Z".into(),
                    },
                    jobs_pb::KnowledgeUpdateMessage {
                        role: "assistant".into(),
                        content: "Lovely! How is Anna?".into(),
                        sequence: 2,
                        created_at: String::new(),
                    },
                ],
                requested_by_user_id: user.into(),
            },
        )),
        idempotency_key: String::new(),
    }
}

fn worker_env(
    infra: &Infra,
    knowledge: &Service,
    model: &Service,
    extra: &[(&str, &str)],
) -> std::collections::HashMap<String, String> {
    let mut vars = vec![
        ("KNOWLEDGE_INTERFACE_GRPC_TARGET", knowledge.url.as_str()),
        ("MODEL_PROVIDER_BASE_URL", model.url.as_str()),
        ("WORKER_JOB_TYPES", "knowledge.update"),
    ];
    vars.extend_from_slice(extra);
    infra.env(&vars)
}

/// Enqueues `request` through the job API's gRPC interface; the job's id.
async fn enqueue(api: &Service, request: jobs_pb::EnqueueJobRequest) -> String {
    let mut client = JobOrchestratorClient::connect(api.url.clone())
        .await
        .expect("connect");
    client
        .enqueue_job(request)
        .await
        .expect("enqueue")
        .into_inner()
        .job_id
}

async fn status(api: &Service, job_id: &str, user: &str) -> jobs_pb::GetJobStatusReply {
    let mut client = JobOrchestratorClient::connect(api.url.clone())
        .await
        .expect("connect");
    client
        .get_job_status(jobs_pb::GetJobStatusRequest {
            job_id: job_id.into(),
            user_id: user.into(),
        })
        .await
        .expect("status")
        .into_inner()
}

async fn wait_terminal(
    api: &Service,
    job_id: &str,
    user: &str,
    limit: Duration,
) -> (jobs_pb::GetJobStatusReply, Vec<String>) {
    let deadline = tokio::time::Instant::now() + limit;
    let mut details = Vec::new();
    loop {
        let reply = status(api, job_id, user).await;
        if details.last() != Some(&reply.detail) {
            details.push(reply.detail.clone());
        }
        if reply.terminal {
            return (reply, details);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job stuck: {reply:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn named(knowledge: &Service, user: &str, name: &str) -> Vec<pb::EntityCandidate> {
    let mut client = KnowledgeInterfaceClient::connect(knowledge.url.clone())
        .await
        .expect("connect");
    let mut request = tonic::Request::new(pb::FindEntityCandidatesRequest {
        names: vec![name.into()],
        user_id: user.into(),
        limit: Some(10),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("x-user-id", user.parse().expect("ascii"));
    client
        .find_entity_candidates(request)
        .await
        .expect("candidates")
        .into_inner()
        .candidates
        .into_iter()
        .filter(|c| c.entity_name == name)
        .collect()
}

#[tokio::test]
async fn a_conversation_enqueued_through_grpc_becomes_the_users_graph_offline() {
    let infra = Infra::new().await;
    let model = services::model_provider(None).await;
    let knowledge = services::knowledge_interface(&model).await;
    let api = services::job_api(&infra).await;
    let _worker = support::spawn_worker(worker_env(&infra, &knowledge, &model, &[])).await;

    let job_id = enqueue(&api, lunch("alice")).await;
    let (done, details) = wait_terminal(&api, &job_id, "alice", Duration::from_secs(60)).await;
    assert_eq!(
        done.state,
        jobs_pb::JobLifecycleState::Succeeded as i32,
        "{done:?} {details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("step ") && d.contains("/11")),
        "progress names the steps: {details:?}"
    );

    let anna = named(&knowledge, "alice", "Anna").await;
    assert_eq!(anna.len(), 1);
    assert_eq!(anna[0].entity_type_id, "node.person");
    assert!(
        named(&knowledge, "bob", "Anna").await.is_empty(),
        "another user's graph is untouched"
    );
    let checkpoints: i64 = sqlx::query_scalar("SELECT count(*) FROM orchestrator_job_checkpoints")
        .fetch_one(&infra.db.pool)
        .await
        .expect("count");
    assert_eq!(checkpoints, 0, "checkpoints are removed when the job ends");
}

#[tokio::test]
async fn a_worker_killed_after_step_four_is_resumed_by_another_without_asking_again() {
    let infra = Infra::new().await;
    let scripted = ScriptedModel::start().await;
    script_lunch(&scripted);
    let model = services::model_provider(Some(&scripted)).await;
    let embeddings = services::model_provider(None).await;
    let knowledge = services::knowledge_interface(&embeddings).await;
    let api = services::job_api(&infra).await;
    let env = worker_env(
        &infra,
        &knowledge,
        &model,
        &[
            ("JOB_LEASE_SECONDS", "2"),
            ("JOB_CONSUMER_ACK_WAIT_SECONDS", "3"),
        ],
    );
    let first = support::spawn_worker_process(&env).await;

    scripted.delay(Duration::from_millis(400));
    let job_id = enqueue(&api, lunch("alice")).await;
    let job = uuid::Uuid::parse_str(&job_id).expect("uuid");
    support::wait_until(|| async {
        let keys: Vec<String> =
            sqlx::query_scalar("SELECT key FROM orchestrator_job_checkpoints WHERE job_id = $1")
                .bind(job)
                .fetch_all(&infra.db.pool)
                .await
                .expect("keys");
        keys.iter().filter(|k| k.starts_with("resolve/")).count() == 3
    })
    .await;
    first.kill().await.expect("kill");
    let asked_before = (
        scripted.calls("entity_extraction"),
        scripted.calls("entity_notes"),
    );
    assert_eq!(asked_before, (1, 3));

    let mut env = env.clone();
    env.insert(
        "JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS".into(),
        format!("127.0.0.1:{}", exobrain_testkit::free_port()),
    );
    let _second = support::spawn_worker_process(&env).await;
    let (done, _) = wait_terminal(&api, &job_id, "alice", Duration::from_secs(60)).await;
    assert_eq!(
        done.state,
        jobs_pb::JobLifecycleState::Succeeded as i32,
        "{done:?}"
    );
    assert_eq!(
        (
            scripted.calls("entity_extraction"),
            scripted.calls("entity_notes")
        ),
        (1, 3),
        "steps 2-4 were not asked again"
    );
    for name in ["Anna", "Café Central", "Vienna"] {
        assert_eq!(named(&knowledge, "alice", name).await.len(), 1, "{name}");
    }
}

#[tokio::test]
async fn a_model_that_answers_invalid_twice_fails_the_job_for_good_naming_the_step() {
    let infra = Infra::new().await;
    let scripted = ScriptedModel::start().await;
    script_lunch(&scripted);
    scripted.answer(
        "entity_extraction",
        |_| json!({ "extracted_entities": "none" }),
    );
    let model = services::model_provider(Some(&scripted)).await;
    let embeddings = services::model_provider(None).await;
    let knowledge = services::knowledge_interface(&embeddings).await;
    let api = services::job_api(&infra).await;
    let _worker = support::spawn_worker(worker_env(&infra, &knowledge, &model, &[])).await;

    let job_id = enqueue(&api, lunch("alice")).await;
    let (done, _) = wait_terminal(&api, &job_id, "alice", Duration::from_secs(60)).await;
    assert_eq!(
        done.state,
        jobs_pb::JobLifecycleState::FailedFinal as i32,
        "{done:?}"
    );
    assert_eq!(done.attempt, 1, "no retry can fix an invalid answer");
    assert!(
        done.detail.contains("step 2 entity extraction")
            && done.detail.contains("/extracted_entities"),
        "{}",
        done.detail
    );
    assert_eq!(
        scripted.calls("entity_extraction"),
        2,
        "asked once more with the errors"
    );
}

fn script_lunch(model: &ScriptedModel) {
    model.answer("entity_extraction", |_| {
        json!({ "extracted_entities": [
            { "name": "Anna", "node_type": "node.person", "aliases": [], "short_description": "The user's sister.", "universe_name": null },
            { "name": "Café Central", "node_type": "node.place", "aliases": [], "short_description": "A café.", "universe_name": null },
            { "name": "Vienna", "node_type": "node.city", "aliases": [], "short_description": "A city.", "universe_name": null }
        ], "extracted_universes": [] })
    });
    model.answer(
        "entity_notes",
        |_| json!({ "focused_markdown": "# Notes\nLunch." }),
    );
    model.answer(
        "entity_resolution",
        |_| json!({ "decision": "new_entity", "entity_id": null }),
    );
    model.answer("entity_pairs", |_| json!({ "entity_pairs": [] }));
    model.answer("entity_graph", |request| {
        let name = ScriptedModel::input(request)["extracted_entity"]["name"].as_str().unwrap_or("?").to_owned();
        json!({ "properties": [], "blocks": [{ "block_id": "NEW_BLOCK_1", "parent_block_id": null, "text": format!("{name} came up at lunch."), "sequences": [1] }] })
    });
    model.answer("mentions", |_| json!({ "mentions": [] }));
}
