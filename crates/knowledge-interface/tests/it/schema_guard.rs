//! `UpsertSchemaType` cannot take away what the service writes itself: the structural types
//! (entities, blocks, universes, DESCRIBED_BY, SUMMARIZES, IS_PART_OF) and the types and
//! properties of the shared root graph and of every user's starter graph stay active and
//! writable, and no property they lack becomes required. Other changes go through.

use exobrain_proto::knowledge as pb;
use tonic::Code;

use crate::support::knowledge::{Client, spawn};

/// `type_id` as stored, made into an upsert request.
async fn current(client: &mut Client, type_id: &str) -> pb::UpsertSchemaTypeRequest {
    let schema = client
        .inner
        .get_schema(pb::GetSchemaRequest::default())
        .await
        .expect("schema")
        .into_inner();
    let stored = schema
        .node_types
        .iter()
        .filter_map(|t| t.r#type.as_ref())
        .chain(schema.edge_types.iter().filter_map(|t| t.r#type.as_ref()))
        .find(|t| t.id == type_id)
        .unwrap_or_else(|| panic!("{type_id} in the schema"))
        .clone();
    pb::UpsertSchemaTypeRequest {
        id: stored.id,
        kind: stored.kind,
        name: stored.name,
        description: stored.description,
        active: stored.active,
        parent_type_id: None,
        properties: vec![],
    }
}

fn property(
    name: &str,
    value_type: &str,
    required: bool,
    writable: bool,
) -> pb::UpsertSchemaTypeProperty {
    pb::UpsertSchemaTypeProperty {
        prop_name: name.into(),
        value_type: value_type.into(),
        required,
        readable: true,
        writable,
        active: true,
        description: format!("{name}, for the test."),
    }
}

async fn refused(client: &mut Client, request: pb::UpsertSchemaTypeRequest, what: &str) {
    let status = client
        .inner
        .upsert_schema_type(request)
        .await
        .expect_err(what);
    assert_eq!(
        status.code(),
        Code::FailedPrecondition,
        "{what}: {}",
        status.message()
    );
    assert!(
        status.message().contains("the service's own"),
        "{what}: {}",
        status.message()
    );
}

#[tokio::test]
async fn structural_and_starter_types_cannot_be_deactivated() {
    let service = spawn().await;
    let mut operator = service.client("operator").await;
    for type_id in [
        "node.entity",
        "node.block",
        "node.universe",
        "edge.described_by",
        "edge.summarizes",
        "edge.is_part_of",
        "node.person",
        "node.ai_agent",
        "node.concept",
        "edge.related_to",
    ] {
        let mut request = current(&mut operator, type_id).await;
        request.active = false;
        refused(&mut operator, request, type_id).await;
    }
    let mut note = current(&mut operator, "node.note").await;
    note.active = false;
    operator
        .inner
        .upsert_schema_type(note)
        .await
        .expect("a type the service does not write may be deactivated");
}

#[tokio::test]
async fn properties_the_service_writes_stay_writable_and_nothing_it_lacks_becomes_required() {
    let service = spawn().await;
    let mut operator = service.client("operator").await;
    let cases = [
        (
            "node.entity",
            property("name", "string", true, false),
            "name made read-only",
        ),
        (
            "node.block",
            property("text", "int", true, true),
            "text made an int",
        ),
        (
            "node.person",
            property("birthday", "datetime", true, true),
            "person needs a birthday",
        ),
        (
            "edge.summarizes",
            property("weight", "float", true, true),
            "summaries need a weight",
        ),
        (
            "edge.related_to",
            property("status", "string", true, false),
            "status made read-only",
        ),
    ];
    for (type_id, change, what) in cases {
        let mut request = current(&mut operator, type_id).await;
        request.properties = vec![change];
        refused(&mut operator, request, what).await;
    }
    let mut person = current(&mut operator, "node.person").await;
    person.properties = vec![property("nickname", "string", false, true)];
    operator
        .inner
        .upsert_schema_type(person)
        .await
        .expect("an optional property is fine");

    let mut newcomer = service.client("newcomer").await;
    let request = newcomer.request(pb::GetUserInitGraphRequest {
        user_id: newcomer.user_id.clone(),
        user_name: "Newcomer".into(),
    });
    newcomer
        .inner
        .get_user_init_graph(request)
        .await
        .expect("the starter graph is still writable");
}

#[tokio::test]
async fn a_registry_broken_before_the_guard_still_takes_changes_and_its_repair() {
    let service = spawn().await;
    let mut operator = service.client("operator").await;
    let mut person = current(&mut operator, "node.person").await;
    sqlx::query("UPDATE knowledge_graph_schema_types SET active = FALSE WHERE id = 'node.person'")
        .execute(&service.db.pool)
        .await
        .expect("broken by hand");
    let mut note = current(&mut operator, "node.note").await;
    note.active = false;
    operator
        .inner
        .upsert_schema_type(note)
        .await
        .expect("a change that breaks nothing more");
    person.active = true;
    person.parent_type_id = Some("node.entity".into());
    operator
        .inner
        .upsert_schema_type(person)
        .await
        .expect("the repair");
}
