//! The services the pipeline talks to, real and in-process: a knowledge interface on a
//! seeded database of its own, and one model-provider per test binary serving the
//! repository's alias file with no API keys (so every alias is answered by the built-in
//! `local` provider and the `auto` strategy reads offline). Plus the pipeline wired to them
//! and reads of the resulting graph.
#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::Duration;

use exobrain_common::auth::ServiceToken;
use exobrain_common::config::Env;
use exobrain_knowledge_update::model::ModelClient;
use exobrain_knowledge_update::ports::{LoggedProgress, MemoryCheckpoints};
use exobrain_knowledge_update::{Job, Pipeline, Settings, Summary, UpdateError};
use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{ScriptedModel, TestDb, TestServer, bind_ephemeral, wait_until_ok};
use knowledge_interface::schema::seed;
use knowledge_interface::{Config, Listeners, MIGRATOR};
use serde_json::{Value, json};
use tonic::transport::Channel;
use uuid::Uuid;

/// The shared model-provider's base URL (`…/v1`), started once on its own runtime.
pub fn model_provider_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async move {
                let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
                let mut env = base_env();
                env.insert(
                    "MODEL_PROVIDER_CONFIG_PATH".into(),
                    format!("{root}/config/models.yaml"),
                );
                env.insert(
                    "MODEL_PROVIDER_EMBEDDING_MODEL_DIR".into(),
                    format!("{root}/models/all-minilm-l6-v2"),
                );
                let config = model_provider::Config::from_env(Env::from_map(env)).expect("config");
                let listener = bind_ephemeral().await;
                let url = format!("http://{}", listener.local_addr().expect("addr"));
                let _server =
                    TestServer::spawn(|token| model_provider::run(config, listener, token));
                assert!(wait_until_ok(&format!("{url}/readyz"), Duration::from_secs(60)).await);
                sender.send(format!("{url}/v1")).expect("send url");
                std::future::pending::<()>().await;
            });
        });
        receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("model-provider started")
    })
    .clone()
}

/// A knowledge interface of the test's own, and the pipeline pointed at it.
pub struct World {
    pub grpc: String,
    pub pipeline: Pipeline,
    _db: TestDb,
    _server: TestServer<exobrain_common::startup::RunError>,
    _model: Option<TestServer<exobrain_common::startup::RunError>>,
}

impl World {
    /// Starts the knowledge interface and builds the pipeline with `vars` as its env, asking
    /// the shared model-provider (no keys: the offline strategy).
    pub async fn start(vars: &[(&str, &str)]) -> Self {
        Self::start_with(model_provider_url(), None, vars).await
    }

    /// The same, asking `scripted` through a model-provider of its own that routes the
    /// pipeline's aliases to it.
    pub async fn with_model(scripted: &ScriptedModel, vars: &[(&str, &str)]) -> Self {
        let path = std::env::temp_dir().join(format!("scripted-aliases-{}.yaml", Uuid::new_v4()));
        std::fs::write(&path, scripted.alias_file(&["worker", "reasoner"])).expect("alias file");
        let mut env = base_env();
        env.insert(
            "MODEL_PROVIDER_CONFIG_PATH".into(),
            path.display().to_string(),
        );
        let config = model_provider::Config::from_env(Env::from_map(env)).expect("config");
        let listener = bind_ephemeral().await;
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let server = TestServer::spawn(|token| model_provider::run(config, listener, token));
        assert!(wait_until_ok(&format!("{url}/readyz"), Duration::from_secs(30)).await);
        Self::start_with(format!("{url}/v1"), Some(server), vars).await
    }

    async fn start_with(
        model_url: String,
        model_server: Option<TestServer<exobrain_common::startup::RunError>>,
        vars: &[(&str, &str)],
    ) -> Self {
        let db = TestDb::migrated(&MIGRATOR).await;
        seed::apply(&db.pool).await.expect("seed");
        let mut env = base_env();
        env.insert("KNOWLEDGE_SCHEMA_DSN".into(), db.dsn.clone());
        env.insert("MODEL_PROVIDER_BASE_URL".into(), model_provider_url());
        let config = Config::from_env(Env::from_map(env)).expect("config");
        let listeners = Listeners {
            grpc: bind_ephemeral().await,
            admin: bind_ephemeral().await,
        };
        let grpc = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
        let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
        let server = TestServer::spawn(|token| knowledge_interface::run(config, listeners, token));
        assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(20)).await);
        let mut env = Env::from_map(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let settings = Settings::from_env(&mut env);
        env.finish().expect("settings");
        let model = ModelClient::new(&model_url, ServiceToken::default(), Duration::from_secs(30));
        let channel = Channel::from_shared(grpc.clone())
            .expect("url")
            .connect_lazy();
        let pipeline = Pipeline::new(settings, model, channel, ServiceToken::default());
        Self {
            grpc,
            pipeline,
            _db: db,
            _server: server,
            _model: model_server,
        }
    }

    /// Runs job `id` of `user` over `messages` (`(sequence, role, text)`) of `journal`.
    pub async fn run(
        &self,
        id: Uuid,
        user: &str,
        journal: &str,
        messages: &[(i32, &str, &str)],
        checkpoints: &MemoryCheckpoints,
    ) -> Result<Summary, UpdateError> {
        self.run_payload(id, user, &payload(user, journal, messages), checkpoints)
            .await
    }

    /// Runs job `id` owned by `owner` over `payload` as the job store keeps it.
    pub async fn run_payload(
        &self,
        id: Uuid,
        owner: &str,
        payload: &Value,
        checkpoints: &MemoryCheckpoints,
    ) -> Result<Summary, UpdateError> {
        self.pipeline
            .run(Job {
                id,
                owner,
                payload,
                checkpoints,
                progress: &LoggedProgress,
            })
            .await
    }

    /// A client of the knowledge interface.
    pub async fn client(&self) -> KnowledgeInterfaceClient<Channel> {
        KnowledgeInterfaceClient::connect(self.grpc.clone())
            .await
            .expect("connect")
    }

    /// `message` as `user`.
    pub fn request<T>(user: &str, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request
            .metadata_mut()
            .insert("x-user-id", user.parse().expect("ascii"));
        request
    }

    /// The stored entities of `user` named `name` (exact, case-insensitive).
    pub async fn entities_named(&self, user: &str, name: &str) -> Vec<pb::EntityCandidate> {
        let reply = self
            .client()
            .await
            .find_entity_candidates(Self::request(
                user,
                pb::FindEntityCandidatesRequest {
                    names: vec![name.to_owned()],
                    user_id: user.to_owned(),
                    limit: Some(20),
                    ..Default::default()
                },
            ))
            .await
            .expect("candidates")
            .into_inner();
        reply
            .candidates
            .into_iter()
            .filter(|c| c.entity_name.eq_ignore_ascii_case(name))
            .collect()
    }

    /// `SearchBlocks` hits of `user` for `query`.
    pub async fn search(&self, user: &str, query: &str) -> Vec<pb::BlockHit> {
        self.client()
            .await
            .search_blocks(Self::request(
                user,
                pb::SearchBlocksRequest {
                    user_id: user.to_owned(),
                    query: query.to_owned(),
                    limit: Some(10),
                    entity_id: None,
                },
            ))
            .await
            .expect("search")
            .into_inner()
            .hits
    }

    /// Entity `id` of `user` with its blocks and neighbours.
    pub async fn context(&self, user: &str, id: &str) -> pb::GetEntityContextReply {
        self.client()
            .await
            .get_entity_context(Self::request(
                user,
                pb::GetEntityContextRequest {
                    entity_id: id.to_owned(),
                    user_id: user.to_owned(),
                    max_block_level: 3,
                    include_history: false,
                },
            ))
            .await
            .expect("context")
            .into_inner()
    }
}

/// A `knowledge.update` payload as the job store keeps it.
pub fn payload(user: &str, journal: &str, messages: &[(i32, &str, &str)]) -> Value {
    json!({
        "journal_reference": journal,
        "requested_by_user_id": user,
        "messages": messages.iter().map(|(sequence, role, content)| json!({
            "role": role, "content": content, "sequence": sequence,
            "created_at": "2026-12-06T12:00:00Z"
        })).collect::<Vec<_>>(),
    })
}
