//! The schema-registry RPCs over real gRPC and PostgreSQL with the starter schema: GetSchema,
//! GetEntityTypePropertyContext and GetEdgeExtractionSchemaContext, with their invalid inputs.

use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use tonic::Code;
use tonic::transport::Channel;

struct Service {
    client: KnowledgeInterfaceClient<Channel>,
    _service: crate::support::knowledge::Knowledge,
}

async fn spawn_seeded() -> Service {
    let service = crate::support::knowledge::spawn().await;
    let client = KnowledgeInterfaceClient::connect(service.grpc.clone())
        .await
        .expect("connect");
    Service {
        client,
        _service: service,
    }
}

#[tokio::test]
async fn get_schema_lists_active_types_with_their_properties_parents_and_rules() {
    let mut service = spawn_seeded().await;
    let schema = service
        .client
        .get_schema(pb::GetSchemaRequest::default())
        .await
        .expect("schema")
        .into_inner();
    assert_eq!((schema.node_types.len(), schema.edge_types.len()), (25, 30));
    let names: Vec<&str> = schema
        .node_types
        .iter()
        .filter_map(|t| t.r#type.as_ref())
        .map(|t| t.name.as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by name");

    let person = schema
        .node_types
        .iter()
        .find(|t| t.r#type.as_ref().is_some_and(|t| t.id == "node.person"))
        .expect("person");
    let parents: Vec<&str> = person
        .parents
        .iter()
        .map(|p| p.parent_type_id.as_str())
        .collect();
    assert_eq!(parents, ["node.entity"]);
    let own: Vec<&str> = person
        .properties
        .iter()
        .map(|p| p.prop_name.as_str())
        .collect();
    assert_eq!(
        own,
        ["email", "phone", "role"],
        "its own properties, not the inherited ones"
    );

    let described_by = schema
        .edge_types
        .iter()
        .find(|t| {
            t.r#type
                .as_ref()
                .is_some_and(|t| t.id == "edge.described_by")
        })
        .expect("described_by");
    assert_eq!(described_by.rules.len(), 2);
    let edge_props: Vec<&str> = described_by
        .properties
        .iter()
        .map(|p| p.prop_name.as_str())
        .collect();
    for global in [
        "confidence",
        "status",
        "provenance_hint",
        "valid_from",
        "valid_to",
    ] {
        assert!(
            edge_props.contains(&global),
            "global edge property {global} in {edge_props:?}"
        );
    }
}

#[tokio::test]
async fn property_context_walks_the_chain_and_names_where_each_property_is_declared() {
    let mut service = spawn_seeded().await;
    let request =
        |type_id: &str, inherited: Option<bool>| pb::GetEntityTypePropertyContextRequest {
            type_id: type_id.into(),
            include_inherited: inherited,
            ..Default::default()
        };
    let reply = service
        .client
        .get_entity_type_property_context(request(" node.ai_agent ", None))
        .await
        .expect("context")
        .into_inner();
    assert_eq!(reply.type_id, "node.ai_agent");
    assert_eq!(reply.type_name, "AI Agent");
    assert_eq!(
        reply.inheritance_chain,
        ["node.entity", "node.person", "node.ai_agent"]
    );
    let props: Vec<(&str, &str)> = reply
        .properties
        .iter()
        .map(|p| (p.prop_name.as_str(), p.declared_on_type_id.as_str()))
        .collect();
    assert_eq!(
        props,
        [
            ("aliases", "node.entity"),
            ("email", "node.person"),
            ("id", "node.entity"),
            ("name", "node.entity"),
            ("phone", "node.person"),
            ("role", "node.person"),
        ]
    );
    let id = reply
        .properties
        .iter()
        .find(|p| p.prop_name == "id")
        .expect("id");
    assert!(id.required && !id.writable);

    let own = service
        .client
        .get_entity_type_property_context(request("node.ai_agent", Some(false)))
        .await
        .expect("own")
        .into_inner();
    assert!(
        own.properties.is_empty(),
        "AI agents declare nothing themselves"
    );

    for (type_id, fragment) in [
        ("", "type_id: is required"),
        ("node.unicorn", "node.unicorn"),
        ("edge.knows", "edge.knows"),
    ] {
        let status = service
            .client
            .get_entity_type_property_context(request(type_id, None))
            .await
            .expect_err("invalid");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains(fragment), "{}", status.message());
    }
}

#[tokio::test]
async fn edge_context_offers_the_rules_that_fit_a_pair_in_either_order() {
    let mut service = spawn_seeded().await;
    let ask = |first: &str, second: &str| pb::GetEdgeExtractionSchemaContextRequest {
        first_entity_type: first.into(),
        second_entity_type: second.into(),
        ..Default::default()
    };
    let forward = service
        .client
        .get_edge_extraction_schema_context(ask("node.ai_agent", "node.company"))
        .await
        .expect("edges")
        .into_inner();
    let reverse = service
        .client
        .get_edge_extraction_schema_context(ask("node.company", "node.ai_agent"))
        .await
        .expect("edges")
        .into_inner();
    let ids = |reply: &pb::GetEdgeExtractionSchemaContextReply| -> Vec<String> {
        reply
            .edge_types
            .iter()
            .map(|e| {
                format!(
                    "{} {}->{}",
                    e.edge_type_id, e.source_entity_type_id, e.target_entity_type_id
                )
            })
            .collect()
    };
    assert_eq!(ids(&forward), ids(&reverse));
    let affiliated = forward
        .edge_types
        .iter()
        .find(|e| e.edge_type_id == "edge.affiliated_with")
        .expect("affiliation fits");
    assert_eq!(
        (
            affiliated.edge_name.as_str(),
            affiliated.source_entity_type_id.as_str(),
            affiliated.target_entity_type_id.as_str()
        ),
        ("AFFILIATED_WITH", "node.person", "node.institution")
    );
    assert!(
        forward
            .edge_types
            .iter()
            .any(|e| e.edge_type_id == "edge.related_to")
    );
    assert!(
        !forward
            .edge_types
            .iter()
            .any(|e| e.edge_type_id == "edge.knows"),
        "a company is not a person"
    );
    let unknown = service
        .client
        .get_edge_extraction_schema_context(ask("node.x", "node.y"))
        .await
        .expect("empty")
        .into_inner();
    assert!(unknown.edge_types.is_empty());
    let status = service
        .client
        .get_edge_extraction_schema_context(ask(" ", "node.person"))
        .await
        .expect_err("invalid");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("first_entity_type"),
        "{}",
        status.message()
    );
}

fn new_type(id: &str, kind: &str, parent: Option<&str>) -> pb::UpsertSchemaTypeRequest {
    pb::UpsertSchemaTypeRequest {
        id: id.into(),
        kind: kind.into(),
        name: "Anecdote".into(),
        description: "A short story someone tells about themselves.".into(),
        active: true,
        parent_type_id: parent.map(str::to_owned),
        properties: vec![pb::UpsertSchemaTypeProperty {
            prop_name: "speaker".into(),
            value_type: "string".into(),
            required: false,
            readable: true,
            writable: true,
            active: true,
            description: "Who said it.".into(),
        }],
    }
}

#[tokio::test]
async fn upserting_a_type_stores_it_with_its_parent_and_properties_and_is_idempotent() {
    let mut service = spawn_seeded().await;
    let request = new_type("node.anecdote", "node", Some("node.block"));
    for _ in 0..2 {
        let stored = service
            .client
            .upsert_schema_type(request.clone())
            .await
            .expect("upsert")
            .into_inner()
            .schema_type
            .expect("echo");
        assert_eq!(
            (stored.id.as_str(), stored.kind.as_str()),
            ("node.anecdote", "node")
        );
    }
    let context = service
        .client
        .get_entity_type_property_context(pb::GetEntityTypePropertyContextRequest {
            type_id: "node.anecdote".into(),
            include_inherited: Some(true),
            ..Default::default()
        })
        .await
        .expect("context")
        .into_inner();
    assert_eq!(
        context.inheritance_chain,
        ["node.block", "node.anecdote"],
        "a block subtype hangs under node.block"
    );
    assert!(
        context
            .properties
            .iter()
            .any(|p| p.prop_name == "speaker" && p.declared_on_type_id == "node.anecdote")
    );
    let schema = service
        .client
        .get_schema(pb::GetSchemaRequest::default())
        .await
        .expect("schema")
        .into_inner();
    assert_eq!(schema.node_types.len(), 26, "added once, not twice");

    let mut renamed = request.clone();
    renamed.description = "Words worth keeping.".into();
    renamed.properties[0].required = true;
    let stored = service
        .client
        .upsert_schema_type(renamed)
        .await
        .expect("update")
        .into_inner()
        .schema_type
        .expect("echo");
    assert_eq!(stored.description, "Words worth keeping.");
    let schema = service
        .client
        .get_schema(pb::GetSchemaRequest::default())
        .await
        .expect("schema")
        .into_inner();
    let quote = schema
        .node_types
        .iter()
        .find(|t| t.r#type.as_ref().is_some_and(|t| t.id == "node.anecdote"))
        .expect("quote");
    assert!(
        quote
            .properties
            .iter()
            .any(|p| p.prop_name == "speaker" && p.required)
    );
}

#[tokio::test]
async fn upserting_a_bad_type_lists_every_problem_and_writes_nothing() {
    let mut service = spawn_seeded().await;
    let mut bad = new_type("node.Anecdote!", "node", Some("node.unicorn"));
    bad.name = " ".into();
    bad.properties[0].value_type = "text".into();
    bad.properties.push(bad.properties[0].clone());
    bad.properties[1].value_type = "string".into();
    bad.properties[1].prop_name = "created_at".into();
    let status = service
        .client
        .upsert_schema_type(bad)
        .await
        .expect_err("invalid");
    assert_eq!(status.code(), Code::InvalidArgument);
    for fragment in [
        "properties[0].value_type: `text`",
        "id: `node.Anecdote!`",
        "name: is required",
        "`created_at` is reserved",
        "no active type `node.unicorn`",
    ] {
        assert!(
            status.message().contains(fragment),
            "{fragment} in {}",
            status.message()
        );
    }

    let cases = [
        (
            new_type("node.anecdote", "vertex", None),
            Code::InvalidArgument,
            "kind",
        ),
        (
            new_type("node.anecdote", "node", None),
            Code::InvalidArgument,
            "parent_type_id: is required",
        ),
        (
            new_type("node.anecdote", "node", Some("edge.knows")),
            Code::InvalidArgument,
            "edge.knows",
        ),
        (
            new_type("edge.quotes", "node", Some("node.block")),
            Code::InvalidArgument,
            "id: `edge.quotes`",
        ),
        (
            new_type("edge.quotes", "edge", Some("edge.knows")),
            Code::FailedPrecondition,
            "edge types have no parents",
        ),
        (
            new_type("node.entity", "node", Some("node.concept")),
            Code::FailedPrecondition,
            "root type",
        ),
        (
            new_type("node.block", "node", Some("node.entity")),
            Code::FailedPrecondition,
            "root type",
        ),
        (
            new_type("node.person", "node", Some("node.ai_agent")),
            Code::InvalidArgument,
            "would be a cycle",
        ),
        (
            new_type("node.person", "node", Some("node.block")),
            Code::FailedPrecondition,
            "already has the parent node.entity",
        ),
    ];
    for (request, code, fragment) in cases {
        let id = request.id.clone();
        let status = service
            .client
            .upsert_schema_type(request)
            .await
            .expect_err(&id);
        assert_eq!(status.code(), code, "{id}: {}", status.message());
        assert!(
            status.message().contains(fragment),
            "{id}: {}",
            status.message()
        );
    }
    let schema = service
        .client
        .get_schema(pb::GetSchemaRequest::default())
        .await
        .expect("schema")
        .into_inner();
    assert_eq!(schema.node_types.len(), 25, "nothing new was written");
    assert!(
        !schema
            .edge_types
            .iter()
            .any(|t| t.r#type.as_ref().is_some_and(|t| t.id == "edge.quotes"))
    );
}
