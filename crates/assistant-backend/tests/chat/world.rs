//! A backend with everything a chat turn talks to, real and in process: a knowledge interface
//! on a seeded database of its own, and model-provider, either one per test binary serving the
//! repository's aliases with no API keys (every alias answered by the offline `local` provider)
//! or one of the test's own routing the chat alias `agent` to a [`ScriptedModel`]. Notes are
//! written by the real `knowledge.update` pipeline (offline strategy), as a user's journals
//! would be. Plus SSE reading helpers.

use std::sync::OnceLock;
use std::time::Duration;

use eventsource_stream::Eventsource;
use exobrain_common::auth::ServiceToken;
use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_knowledge_update::model::ModelClient;
use exobrain_knowledge_update::ports::{LoggedProgress, MemoryCheckpoints};
use exobrain_knowledge_update::{Job, Pipeline, Settings};
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{ScriptedModel, TestDb, TestServer, bind_ephemeral, wait_until_ok};
use futures::StreamExt;
use serde_json::{Value, json};
use tonic::transport::Channel;
use uuid::Uuid;

use crate::support::{PASSWORD, TEST_USER, TestApp, signed_in_client, spawn_app_with};

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct Sse {
    pub id: String,
    pub event: String,
    pub data: Value,
}

/// The backend, its knowledge interface and model-provider, and a signed-in client.
pub struct World {
    pub app: TestApp,
    /// Signed in as [`TEST_USER`].
    pub client: reqwest::Client,
    pub user: Uuid,
    pub knowledge_grpc: String,
    _knowledge_db: TestDb,
    _knowledge: TestServer<RunError>,
    _model: Option<TestServer<RunError>>,
}

impl World {
    /// With the shared offline model-provider.
    pub async fn offline() -> Self {
        Self::launch(shared_offline_model(), None, &[]).await
    }

    /// With a model-provider of its own routing `agent` to `scripted`, and `vars` on the
    /// backend.
    pub async fn scripted(scripted: &ScriptedModel, vars: &[(&str, &str)]) -> Self {
        let path = std::env::temp_dir().join(format!("chat-aliases-{}.yaml", Uuid::new_v4()));
        std::fs::write(&path, scripted.alias_file(&["agent"])).expect("alias file");
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
        Self::launch(format!("{url}/v1"), Some(server), vars).await
    }

    async fn launch(
        model_url: String,
        model: Option<TestServer<RunError>>,
        vars: &[(&str, &str)],
    ) -> Self {
        let knowledge_db = TestDb::migrated(&knowledge_interface::MIGRATOR).await;
        knowledge_interface::schema::seed::apply(&knowledge_db.pool)
            .await
            .expect("seed");
        let mut env = base_env();
        env.insert("KNOWLEDGE_SCHEMA_DSN".into(), knowledge_db.dsn.clone());
        // Embeddings always come from the offline model-provider.
        env.insert("MODEL_PROVIDER_BASE_URL".into(), shared_offline_model());
        let config = knowledge_interface::Config::from_env(Env::from_map(env)).expect("config");
        let listeners = knowledge_interface::Listeners {
            grpc: bind_ephemeral().await,
            admin: bind_ephemeral().await,
        };
        let grpc = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
        let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
        let knowledge =
            TestServer::spawn(|token| knowledge_interface::run(config, listeners, token));
        assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(20)).await);

        let mut backend_vars = vec![
            ("KNOWLEDGE_INTERFACE_GRPC_TARGET", grpc.as_str()),
            ("MODEL_PROVIDER_BASE_URL", model_url.as_str()),
        ];
        backend_vars.extend_from_slice(vars);
        let app = spawn_app_with(&backend_vars).await;
        let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
        let user = app.user_id(TEST_USER).await;
        Self {
            app,
            client,
            user,
            knowledge_grpc: grpc,
            _knowledge_db: knowledge_db,
            _knowledge: knowledge,
            _model: model,
        }
    }

    /// Writes what `lines` (alternating user and assistant, from the user) say into the
    /// user's notes as journal `journal`, through the offline knowledge-update pipeline.
    pub async fn remember(&self, journal: &str, lines: &[&str]) {
        let user = self.user.to_string();
        let messages: Vec<Value> = lines
            .iter()
            .enumerate()
            .map(|(n, text)| {
                json!({
                    "role": if n % 2 == 0 { "user" } else { "assistant" },
                    "content": text, "sequence": n + 1,
                    "created_at": "2026-12-01T09:00:00Z",
                })
            })
            .collect();
        let payload = json!({
            "journal_reference": journal, "requested_by_user_id": user, "messages": messages,
        });
        let mut env = Env::from_map([("KNOWLEDGE_UPDATE_STRATEGY", "heuristic")]);
        let settings = Settings::from_env(&mut env);
        env.finish().expect("settings");
        let channel = Channel::from_shared(self.knowledge_grpc.clone())
            .expect("url")
            .connect_lazy();
        let model = ModelClient::new(
            &shared_offline_model(),
            ServiceToken::default(),
            Duration::from_secs(30),
        );
        let pipeline = Pipeline::new(settings, model, channel, ServiceToken::default());
        pipeline
            .run(Job {
                id: Uuid::new_v4(),
                owner: &user,
                payload: &payload,
                checkpoints: &MemoryCheckpoints::default(),
                progress: &LoggedProgress,
            })
            .await
            .expect("knowledge update");
    }

    /// `POST /api/chat/message` as the signed-in user.
    pub async fn send(&self, message: &str, client_message_id: Uuid) -> reqwest::Response {
        self.client
            .post(self.app.url("/api/chat/message"))
            .json(&json!({ "message": message, "client_message_id": client_message_id }))
            .send()
            .await
            .expect("send")
    }

    /// Sends `message`; returns its stream id.
    pub async fn start(&self, message: &str) -> String {
        let response = self.send(message, Uuid::new_v4()).await;
        assert_eq!(response.status(), 200, "send failed");
        let body: Value = response.json().await.expect("json");
        body["stream_id"].as_str().expect("stream id").to_owned()
    }

    /// The whole stream (until the server closes it), read from `base`.
    pub async fn events_at(&self, base: &str, stream: &str, after: Option<&str>) -> Vec<Sse> {
        let mut request = self.client.get(format!("{base}/api/chat/stream/{stream}"));
        if let Some(after) = after {
            request = request.header("last-event-id", after);
        }
        let response = request.send().await.expect("stream");
        assert_eq!(response.status(), 200, "stream {stream} refused");
        read_events(response).await
    }

    /// The whole stream from this world's backend.
    pub async fn events(&self, stream: &str) -> Vec<Sse> {
        self.events_at(&self.app.base, stream, None).await
    }

    /// Today's messages, oldest first.
    pub async fn messages(&self) -> Vec<Value> {
        let mut messages: Vec<Value> = self
            .client
            .get(self.app.url("/api/journal/today/messages?limit=100"))
            .send()
            .await
            .expect("messages")
            .json()
            .await
            .expect("json");
        messages.reverse();
        messages
    }
}

/// Reads server-sent events until the body ends (within 30 s).
pub async fn read_events(response: reqwest::Response) -> Vec<Sse> {
    let mut events = Vec::new();
    let mut stream = response.bytes_stream().eventsource();
    let reading = async {
        while let Some(event) = stream.next().await {
            let event = event.expect("event");
            events.push(Sse {
                id: event.id,
                data: serde_json::from_str(&event.data).expect("json data"),
                event: event.event,
            });
        }
    };
    tokio::time::timeout(Duration::from_secs(30), reading)
        .await
        .expect("the stream ended");
    events
}

/// The text of all `message_chunk` events.
pub fn text_of(events: &[Sse]) -> String {
    events
        .iter()
        .filter(|e| e.event == "message_chunk")
        .filter_map(|e| e.data["text"].as_str())
        .collect()
}

/// The event names in order.
pub fn names(events: &[Sse]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

/// The shared offline model-provider's base URL (`…/v1`), started once on its own runtime.
pub fn shared_offline_model() -> String {
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
