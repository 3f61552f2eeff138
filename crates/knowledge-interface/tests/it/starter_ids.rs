//! Starter-graph ids cannot be squatted: they are UUIDv5 of the user id as callers expect,
//! but when another user created a node with one of them first, the starter graph takes
//! fresh ids (recorded in the user's marker and returned by `GetUserInitGraph`), so the user
//! can still write, and the squatter gains no access to the user's records.

use exobrain_proto::knowledge as pb;
use tonic::Code;
use uuid::Uuid;

use crate::support::knowledge::{Client, block, edge, entity, spawn};

fn derived(what: &str, user_id: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{what}:{user_id}").as_bytes())
}

async fn init(client: &mut Client, name: &str) -> pb::GetUserInitGraphReply {
    let request = client.request(pb::GetUserInitGraphRequest {
        user_id: client.user_id.clone(),
        user_name: name.into(),
    });
    client
        .inner
        .get_user_init_graph(request)
        .await
        .expect("init graph")
        .into_inner()
}

#[tokio::test]
async fn a_user_whose_starter_ids_another_user_took_first_can_still_write_and_keeps_them_private() {
    let service = spawn().await;
    let mut mallory = service.client("mallory").await;
    let mut victim = service.client("victim").await;
    let taken = derived("person", &victim.user_id);
    let taken_assistant = derived("assistant", &victim.user_id);
    let taken_block = derived("assistant-block", &victim.user_id);
    mallory
        .upsert(pb::UpsertGraphDeltaRequest {
            entities: vec![
                entity(taken, "node.person", "Not the victim"),
                entity(taken_assistant, "node.ai_agent", "Not their assistant"),
            ],
            blocks: vec![block(taken_block, "Squatted.")],
            edges: vec![edge(taken_assistant, "DESCRIBED_BY", taken_block)],
            ..Default::default()
        })
        .await
        .expect("mallory writes nodes with the victim's derived ids");
    let mallorys = init(&mut mallory, "Mallory").await;
    assert_eq!(
        mallorys.person_entity_id,
        derived("person", &mallory.user_id).to_string(),
        "ids stay derived when they are free"
    );

    let ids = init(&mut victim, "Vic").await;
    let person: Uuid = ids.person_entity_id.parse().unwrap();
    let assistant: Uuid = ids.assistant_entity_id.parse().unwrap();
    assert_ne!(person, taken);
    assert_ne!(assistant, taken_assistant);
    assert_eq!(
        init(&mut victim, "Vic").await,
        ids,
        "the recorded ids are returned again"
    );

    let friend = Uuid::new_v4();
    victim
        .upsert(pb::UpsertGraphDeltaRequest {
            entities: vec![entity(friend, "node.person", "Friend")],
            edges: vec![edge(person, "KNOWS", friend)],
            ..Default::default()
        })
        .await
        .expect("the victim writes");
    let context = victim.context(person, 0, false).await.expect("own person");
    assert_eq!(context.entity.unwrap().name.as_deref(), Some("Vic"));
    assert!(context.neighbors.iter().any(|n| n.edge_type == "KNOWS"));

    let status = mallory
        .context(person, 0, false)
        .await
        .expect_err("private");
    assert_eq!(status.code(), Code::NotFound);
    let status = mallory
        .upsert(pb::UpsertGraphDeltaRequest {
            entities: vec![entity(person, "node.person", "Hijacked")],
            ..Default::default()
        })
        .await
        .expect_err("another user's person");
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = victim
        .context(taken, 0, false)
        .await
        .expect_err("mallory's");
    assert_eq!(status.code(), Code::NotFound);
}
