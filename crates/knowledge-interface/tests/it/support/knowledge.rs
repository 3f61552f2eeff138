//! The knowledge interface under test: a seeded database of its own, one model-provider
//! shared by every test of the binary (real MiniLM embeddings, started once on its own
//! runtime), and a gRPC client that sends `x-user-id` for a chosen user. The graph lives in
//! PostgreSQL, or in Memgraph for the contract suite when `MEMGRAPH_BOLT_ADDR` answers (user
//! ids then carry a per-test suffix, since every test shares that server). Plus small
//! builders for deltas.

use std::sync::OnceLock;
use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{TestDb, TestServer, bind_ephemeral, unique_suffix, wait_until_ok};
use knowledge_interface::graph::GraphStore;
use knowledge_interface::graph::memgraph::{MemgraphSettings, MemgraphStore};
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

/// Which graph store the service runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    /// The default: tables in the test's own database.
    Postgres,
    /// A Memgraph server at this Bolt address, shared by every test.
    Memgraph(String),
}

impl Backend {
    /// Memgraph at `MEMGRAPH_BOLT_ADDR` when that is set and accepts connections; otherwise
    /// `None`, after a note saying the Memgraph variant is skipped.
    pub async fn memgraph() -> Option<Backend> {
        let Some(addr) = std::env::var("MEMGRAPH_BOLT_ADDR")
            .ok()
            .filter(|addr| !addr.trim().is_empty())
        else {
            super::contract_server_absent(
                "Memgraph contract variant: MEMGRAPH_BOLT_ADDR is not set",
            );
            return None;
        };
        let host_port = addr.rsplit("://").next().unwrap_or(&addr).to_owned();
        let reachable = tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect(host_port),
        )
        .await;
        if matches!(reachable, Ok(Ok(_))) {
            Some(Backend::Memgraph(addr))
        } else {
            super::contract_server_absent(&format!(
                "Memgraph contract variant: no server at {addr}"
            ));
            None
        }
    }

    fn settings(&self) -> Option<MemgraphSettings> {
        match self {
            Backend::Postgres => None,
            Backend::Memgraph(addr) => Some(MemgraphSettings {
                addr: addr.clone(),
                db: "memgraph".into(),
                user: None,
                password: None,
            }),
        }
    }
}

/// A running knowledge interface with its own database.
pub struct Knowledge {
    /// gRPC address.
    pub grpc: String,
    /// The database (seeded).
    pub db: TestDb,
    /// Where the graph lives.
    pub backend: Backend,
    /// Appended to user names on a shared Memgraph server.
    users: Option<String>,
    _server: Server,
}

/// Starts the service against a fresh seeded database and the shared model-provider.
pub async fn spawn() -> Knowledge {
    spawn_with(&[]).await
}

/// [`spawn`] on the given graph store.
pub async fn spawn_on(backend: &Backend) -> Knowledge {
    let Backend::Memgraph(addr) = backend else {
        return spawn().await;
    };
    let mut service = spawn_with(&[
        ("KNOWLEDGE_GRAPH_BACKEND", "memgraph"),
        ("MEMGRAPH_BOLT_ADDR", addr),
    ])
    .await;
    service.backend = backend.clone();
    service.users = Some(unique_suffix());
    service
}

/// [`spawn`] with extra environment variables.
pub async fn spawn_with(vars: &[(&str, &str)]) -> Knowledge {
    let db = TestDb::migrated(&MIGRATOR).await;
    seed::apply(&db.pool).await.expect("seed");
    let (grpc, server) = start(&db.dsn, vars).await;
    Knowledge {
        grpc,
        db,
        backend: Backend::Postgres,
        users: None,
        _server: server,
    }
}

type Server = TestServer<exobrain_common::startup::RunError>;

/// Starts a service on the database at `dsn`; returns its gRPC address once it is ready.
async fn start(dsn: &str, vars: &[(&str, &str)]) -> (String, Server) {
    let mut env = base_env();
    env.insert("KNOWLEDGE_SCHEMA_DSN".into(), dsn.to_owned());
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
    (grpc, server)
}

/// A second service process on the same database (as a replica would run).
pub struct Replica {
    grpc: String,
    _server: Server,
}

impl Replica {
    /// A client acting for `user_id`.
    pub async fn client(&self, user_id: &str) -> Client {
        Client {
            inner: KnowledgeInterfaceClient::connect(self.grpc.clone())
                .await
                .expect("connect"),
            user_id: user_id.to_owned(),
        }
    }
}

impl Knowledge {
    /// The user id this test uses for `name`.
    pub fn user(&self, name: &str) -> String {
        match &self.users {
            Some(suffix) => format!("{name}-{suffix}"),
            None => name.to_owned(),
        }
    }

    /// Another service on this one's database.
    pub async fn replica(&self) -> Replica {
        let (grpc, server) = start(&self.db.dsn, &[]).await;
        Replica {
            grpc,
            _server: server,
        }
    }

    /// A client acting for the user called `name` (see [`Knowledge::user`]).
    pub async fn client(&self, name: &str) -> Client {
        Client {
            inner: KnowledgeInterfaceClient::connect(self.grpc.clone())
                .await
                .expect("connect"),
            user_id: self.user(name),
        }
    }

    /// Waits until no vector work is queued (the projector caught up).
    pub async fn vectors_settled(&self) {
        let memgraph = match self.backend.settings() {
            Some(settings) => Some(MemgraphStore::connect(&settings).await.expect("memgraph")),
            None => None,
        };
        for _ in 0..600 {
            let queued = match &memgraph {
                Some(store) => store.pending_vectors(1).await.expect("outbox").len() as i64,
                None => sqlx::query_scalar("SELECT count(*) FROM kg_vector_outbox")
                    .fetch_one(&self.db.pool)
                    .await
                    .expect("outbox count"),
            };
            if queued == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("vector work did not drain");
    }

    /// Deletes a user's starter-graph marker, as a crash between writing the starter graph
    /// and recording it could leave things in a store without transactions.
    pub async fn forget_init_marker(&self, user_id: &str) {
        match self.backend.settings() {
            None => {
                sqlx::query("DELETE FROM kg_user_init WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&self.db.pool)
                    .await
                    .expect("delete marker");
            }
            Some(settings) => {
                let graph = neo4rs::Graph::new(settings.addr.as_str(), "", "")
                    .await
                    .expect("bolt");
                graph
                    .run(
                        neo4rs::query("MATCH (m:GraphInitialization {user_id: $user_id}) DELETE m")
                            .param("user_id", user_id),
                    )
                    .await
                    .expect("delete marker");
            }
        }
    }

    /// The universe an entity belongs to, read from the graph store itself.
    pub async fn universe_of(&self, owner: &str, entity: Uuid) -> Option<Uuid> {
        let viewer = knowledge_interface::access::Viewer::new(owner).expect("viewer");
        let nodes = match self.backend.settings() {
            None => {
                knowledge_interface::graph::postgres::PgGraphStore::new(self.db.pool.clone())
                    .nodes(&viewer, &[entity])
                    .await
            }
            Some(settings) => {
                MemgraphStore::connect(&settings)
                    .await
                    .expect("memgraph")
                    .nodes(&viewer, &[entity])
                    .await
            }
        };
        nodes.expect("nodes").first().and_then(|n| n.universe_id)
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
        source: None,
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
        source: None,
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
        source: None,
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
