//! Who may call the knowledge interface: every RPC needs a known service credential (gRPC
//! health stays open), the user in `x-user-id` and a body `user_id` must agree, and schema
//! changes and whole-store reindexing need the operator credential.

use exobrain_common::auth::ServiceToken;
use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use exobrain_testkit::grpc_health;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::support::knowledge::{Knowledge, spawn_with};

const WORKER: &str = "worker-token-0123456789abcdef0123456789abcdef";
const OPERATOR: &str = "operator-token-0123456789abcdef0123456789abc";

async fn spawn_guarded() -> Knowledge {
    let services = format!("job-orchestrator-worker={WORKER}");
    let operators = format!("operator={OPERATOR}");
    spawn_with(&[
        ("EXOBRAIN_SERVICE_CREDENTIALS", &services),
        ("EXOBRAIN_OPERATOR_CREDENTIALS", &operators),
    ])
    .await
}

fn token(raw: &str) -> ServiceToken {
    ServiceToken::new(raw).expect("ascii")
}

#[tokio::test]
async fn every_rpc_needs_a_known_service_credential() {
    let service = spawn_guarded().await;
    let mut client = KnowledgeInterfaceClient::connect(service.grpc.clone())
        .await
        .expect("connect");
    for sent in [
        ServiceToken::default(),
        token("never-issued-0123456789abcdef0123456789"),
    ] {
        let ada = Some("ada");
        let codes = [
            client
                .health(sent.request(pb::HealthRequest {}, ada))
                .await
                .map(drop),
            client
                .get_schema(sent.request(pb::GetSchemaRequest::default(), ada))
                .await
                .map(drop),
            client
                .get_upsert_graph_delta_json_schema(
                    sent.request(pb::GetUpsertGraphDeltaJsonSchemaRequest {}, ada),
                )
                .await
                .map(drop),
            client
                .get_entity_extraction_schema_context(
                    sent.request(pb::GetEntityExtractionSchemaContextRequest::default(), ada),
                )
                .await
                .map(drop),
            client
                .get_edge_extraction_schema_context(
                    sent.request(pb::GetEdgeExtractionSchemaContextRequest::default(), ada),
                )
                .await
                .map(drop),
            client
                .get_entity_type_property_context(
                    sent.request(pb::GetEntityTypePropertyContextRequest::default(), ada),
                )
                .await
                .map(drop),
            client
                .upsert_schema_type(sent.request(pb::UpsertSchemaTypeRequest::default(), ada))
                .await
                .map(drop),
            client
                .upsert_graph_delta(sent.request(pb::UpsertGraphDeltaRequest::default(), ada))
                .await
                .map(drop),
            client
                .get_user_init_graph(sent.request(pb::GetUserInitGraphRequest::default(), ada))
                .await
                .map(drop),
            client
                .find_entity_candidates(
                    sent.request(pb::FindEntityCandidatesRequest::default(), ada),
                )
                .await
                .map(drop),
            client
                .find_node_type_candidates(
                    sent.request(pb::FindNodeTypeCandidatesRequest::default(), ada),
                )
                .await
                .map(drop),
            client
                .find_edge_type_candidates(
                    sent.request(pb::FindEdgeTypeCandidatesRequest::default(), ada),
                )
                .await
                .map(drop),
            client
                .list_entities_by_type(sent.request(pb::ListEntitiesByTypeRequest::default(), ada))
                .await
                .map(drop),
            client
                .get_entity_context(sent.request(pb::GetEntityContextRequest::default(), ada))
                .await
                .map(drop),
            client
                .search_blocks(sent.request(pb::SearchBlocksRequest::default(), ada))
                .await
                .map(drop),
            client
                .reindex_user(sent.request(pb::ReindexUserRequest::default(), ada))
                .await
                .map(drop),
            client
                .reindex_all(sent.request(pb::ReindexAllRequest::default(), None))
                .await
                .map(drop),
        ]
        .map(|result| result.expect_err("refused").code());
        assert_eq!(codes, [Code::Unauthenticated; 17], "sent {sent:?}");
    }
    assert_eq!(
        grpc_health(&service.grpc, "")
            .await
            .expect("health stays open"),
        ServingStatus::Serving
    );
    let schema = client
        .get_schema(token(WORKER).request(pb::GetSchemaRequest::default(), None))
        .await
        .expect("a known caller is served")
        .into_inner();
    assert!(!schema.node_types.is_empty());
}

#[tokio::test]
async fn schema_changes_and_reindexing_everyone_need_the_operator() {
    let service = spawn_guarded().await;
    let mut client = KnowledgeInterfaceClient::connect(service.grpc.clone())
        .await
        .expect("connect");
    let new_type = || pb::UpsertSchemaTypeRequest {
        id: "node.trust_probe".into(),
        kind: "node".into(),
        name: "Trust probe".into(),
        description: "A type made by the trust test.".into(),
        active: true,
        parent_type_id: Some("node.entity".into()),
        properties: Vec::new(),
    };
    let as_worker = [
        client
            .upsert_schema_type(token(WORKER).request(new_type(), None))
            .await
            .map(drop),
        client
            .reindex_all(token(WORKER).request(pb::ReindexAllRequest::default(), None))
            .await
            .map(drop),
    ]
    .map(|result| result.expect_err("a service is not the operator"));
    for status in &as_worker {
        assert_eq!(status.code(), Code::PermissionDenied);
        assert!(
            status.message().contains("operator credential"),
            "{}",
            status.message()
        );
    }
    let created = client
        .upsert_schema_type(token(OPERATOR).request(new_type(), None))
        .await
        .expect("the operator changes the schema")
        .into_inner();
    assert_eq!(created.schema_type.expect("type").id, "node.trust_probe");
    client
        .reindex_all(token(OPERATOR).request(pb::ReindexAllRequest::default(), None))
        .await
        .expect("the operator reindexes every user");
}

#[tokio::test]
async fn the_user_in_metadata_and_the_body_must_agree() {
    let service = spawn_guarded().await;
    let mut client = KnowledgeInterfaceClient::connect(service.grpc.clone())
        .await
        .expect("connect");
    let request = pb::GetUserInitGraphRequest {
        user_id: "mallory".into(),
        user_name: "Mallory".into(),
    };
    let conflict = client
        .get_user_init_graph(token(WORKER).request(request.clone(), Some("ada")))
        .await
        .expect_err("two different users");
    assert_eq!(conflict.code(), Code::InvalidArgument);
    assert!(
        conflict.message().contains("`mallory` disagrees"),
        "{}",
        conflict.message()
    );
    // The original's clients name the user only in the body; that keeps working.
    client
        .get_user_init_graph(token(WORKER).request(request, None))
        .await
        .expect("body-only user");
}
