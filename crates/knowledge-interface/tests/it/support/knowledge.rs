//! The knowledge interface under test: a seeded database of its own, one model-provider
//! shared by every test of the binary (real MiniLM embeddings, started once on its own
//! runtime), and a gRPC client that sends `x-user-id` for a chosen user. Plus small builders
//! for deltas.

use std::sync::OnceLock;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{TestDb, TestServer, bind_ephemeral, wait_until_ok};
use knowledge_interface::schema::seed;
use knowledge_interface::{Config, Listeners, MIGRATOR};
use tonic::transport::Channel;
use uuid::Uuid;

/// The shared model-provider's base URL (`…/v1`).
pub fn model_provider_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async move {
                let provider = super::model_provider::spawn_model_provider().await;
                sender.send(provider.base_url.clone()).expect("send url");
                std::future::pending::<()>().await;
                drop(provider);
            });
        });
        receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("model-provider started")
    })
    .clone()
}

/// A running knowledge interface with its own database.
pub struct Knowledge {
    /// gRPC address.
    pub grpc: String,
    /// The database (seeded).
    pub db: TestDb,
    _server: TestServer<exobrain_common::startup::RunError>,
}

/// Starts the service against a fresh seeded database and the shared model-provider.
pub async fn spawn() -> Knowledge {
    spawn_with(&[]).await
}

/// [`spawn`] with extra environment variables.
pub async fn spawn_with(vars: &[(&str, &str)]) -> Knowledge {
    let db = TestDb::migrated(&MIGRATOR).await;
    seed::apply(&db.pool).await.expect("seed");
    let mut env = base_env();
    env.insert("KNOWLEDGE_SCHEMA_DSN".into(), db.dsn.clone());
    env.insert("MODEL_PROVIDER_BASE_URL".into(), model_provider_url());
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let config = Config::from_env(Env::from_map(env)).expect("config");
    let listeners = Listeners {
        grpc: bind_ephemeral().await,
        admin: bind_ephemeral().await,
    };
    let grpc = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
    let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| knowledge_interface::run(config, listeners, token));
    assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(20)).await);
    Knowledge {
        grpc,
        db,
        _server: server,
    }
}

impl Knowledge {
    /// A client acting for `user_id`.
    pub async fn client(&self, user_id: &str) -> Client {
        Client {
            inner: KnowledgeInterfaceClient::connect(self.grpc.clone())
                .await
                .expect("connect"),
            user_id: user_id.to_owned(),
        }
    }

    /// Waits until no vector work is queued (the projector caught up).
    pub async fn vectors_settled(&self) {
        for _ in 0..600 {
            let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM kg_vector_outbox")
                .fetch_one(&self.db.pool)
                .await
                .expect("outbox count");
            if queued == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("vector work did not drain");
    }
}

/// A gRPC client that names its user in `x-user-id`.
pub struct Client {
    /// The raw client.
    pub inner: KnowledgeInterfaceClient<Channel>,
    /// Who it acts for.
    pub user_id: String,
}

impl Client {
    /// `message` with this client's `x-user-id`.
    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request
            .metadata_mut()
            .insert("x-user-id", self.user_id.parse().expect("ascii user id"));
        request
    }

    /// Upserts a delta.
    pub async fn upsert(
        &mut self,
        delta: pb::UpsertGraphDeltaRequest,
    ) -> Result<pb::UpsertGraphDeltaReply, tonic::Status> {
        let request = self.request(delta);
        self.inner
            .upsert_graph_delta(request)
            .await
            .map(tonic::Response::into_inner)
    }

    /// The context of an entity.
    pub async fn context(
        &mut self,
        entity_id: Uuid,
        max_block_level: u32,
        include_history: bool,
    ) -> Result<pb::GetEntityContextReply, tonic::Status> {
        let request = self.request(pb::GetEntityContextRequest {
            entity_id: entity_id.to_string(),
            user_id: String::new(),
            max_block_level,
            include_history,
        });
        self.inner
            .get_entity_context(request)
            .await
            .map(tonic::Response::into_inner)
    }
}

/// A string property.
pub fn text(key: &str, value: &str) -> pb::PropertyValue {
    value_of(key, pb::property_value::Value::StringValue(value.into()))
}

/// A float property.
pub fn float(key: &str, value: f64) -> pb::PropertyValue {
    value_of(key, pb::property_value::Value::FloatValue(value))
}

/// A property with any value.
pub fn value_of(key: &str, value: pb::property_value::Value) -> pb::PropertyValue {
    pb::PropertyValue {
        key: key.into(),
        value: Some(value),
    }
}

/// A private entity named `name`.
pub fn entity(id: Uuid, type_id: &str, name: &str) -> pb::EntityNode {
    pb::EntityNode {
        id: id.to_string(),
        type_id: type_id.into(),
        universe_id: None,
        properties: vec![text("name", name)],
        user_id: String::new(),
        visibility: pb::Visibility::Private as i32,
    }
}

/// A private block with `text`.
pub fn block(id: Uuid, body: &str) -> pb::BlockNode {
    pb::BlockNode {
        id: id.to_string(),
        type_id: "node.block".into(),
        properties: vec![text("text", body)],
        user_id: String::new(),
        visibility: pb::Visibility::Private as i32,
    }
}

/// A private edge with full trust fields.
pub fn edge(from: Uuid, label: &str, to: Uuid) -> pb::GraphEdge {
    pb::GraphEdge {
        from_id: from.to_string(),
        to_id: to.to_string(),
        edge_type: label.into(),
        properties: vec![
            float("confidence", 0.9),
            text("status", "asserted"),
            text("provenance_hint", "test"),
        ],
        user_id: String::new(),
        visibility: pb::Visibility::Private as i32,
    }
}

/// An entity with a root block: the two nodes and the DESCRIBED_BY edge.
pub fn described(
    id: Uuid,
    type_id: &str,
    name: &str,
    description: &str,
) -> (pb::EntityNode, pb::BlockNode, pb::GraphEdge) {
    let root = Uuid::new_v4();
    (
        entity(id, type_id, name),
        block(root, description),
        edge(id, "DESCRIBED_BY", root),
    )
}
