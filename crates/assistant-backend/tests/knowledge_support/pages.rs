//! Pages written straight into the knowledge interface for the explorer suite.

use exobrain_proto::knowledge as pb;
use pb::knowledge_interface_client::KnowledgeInterfaceClient;
use uuid::Uuid;

use super::World;

/// Writes pages into the knowledge interface as one user. (The interface gives each user a
/// starter graph with a `node.person` of their own, so counts are checked on `node.place`.)
pub struct Author {
    client: KnowledgeInterfaceClient<tonic::transport::Channel>,
    user: String,
}

fn text(key: &str, value: &str) -> pb::PropertyValue {
    pb::PropertyValue {
        key: key.into(),
        value: Some(pb::property_value::Value::StringValue(value.into())),
    }
}

fn edge(from: Uuid, label: &str, to: Uuid, visibility: pb::Visibility) -> pb::GraphEdge {
    pb::GraphEdge {
        from_id: from.to_string(),
        to_id: to.to_string(),
        edge_type: label.into(),
        properties: vec![
            pb::PropertyValue {
                key: "confidence".into(),
                value: Some(pb::property_value::Value::FloatValue(0.9)),
            },
            text("status", "asserted"),
            text("provenance_hint", "test"),
        ],
        visibility: visibility as i32,
        ..Default::default()
    }
}

impl Author {
    pub async fn new(world: &World, email: &str) -> Self {
        let client = KnowledgeInterfaceClient::connect(world.knowledge.url.clone())
            .await
            .expect("connect");
        let user = world.app.user_id(email).await.to_string();
        Self { client, user }
    }

    async fn upsert(&mut self, delta: pb::UpsertGraphDeltaRequest) {
        let mut request = tonic::Request::new(delta);
        request
            .metadata_mut()
            .insert("x-user-id", self.user.parse().expect("ascii"));
        self.client
            .upsert_graph_delta(request)
            .await
            .expect("upsert");
    }

    /// A page of `type_id` named `name` with a root block `summary`; its id and the root's.
    pub async fn page(
        &mut self,
        type_id: &str,
        name: &str,
        summary: &str,
        visibility: pb::Visibility,
    ) -> (Uuid, Uuid) {
        let (page, root) = (Uuid::new_v4(), Uuid::new_v4());
        self.upsert(pb::UpsertGraphDeltaRequest {
            entities: vec![pb::EntityNode {
                id: page.to_string(),
                type_id: type_id.into(),
                properties: vec![text("name", name)],
                visibility: visibility as i32,
                ..Default::default()
            }],
            blocks: vec![self.block_node(root, summary, visibility)],
            edges: vec![edge(page, "DESCRIBED_BY", root, visibility)],
            ..Default::default()
        })
        .await;
        (page, root)
    }

    fn block_node(&self, id: Uuid, body: &str, visibility: pb::Visibility) -> pb::BlockNode {
        pb::BlockNode {
            id: id.to_string(),
            type_id: "node.block".into(),
            properties: vec![text("text", body)],
            visibility: visibility as i32,
            ..Default::default()
        }
    }

    /// A block `id` under `parent`, written now.
    pub async fn child(&mut self, parent: Uuid, id: Uuid, body: &str) {
        let block = self.block_node(id, body, pb::Visibility::Private);
        self.upsert(pb::UpsertGraphDeltaRequest {
            blocks: vec![block],
            edges: vec![edge(parent, "SUMMARIZES", id, pb::Visibility::Private)],
            ..Default::default()
        })
        .await;
    }

    /// A private link `from` -`label`-> `to` between two pages.
    pub async fn link(&mut self, from: Uuid, label: &str, to: Uuid) {
        self.upsert(pb::UpsertGraphDeltaRequest {
            edges: vec![edge(from, label, to, pb::Visibility::Private)],
            ..Default::default()
        })
        .await;
    }
}
