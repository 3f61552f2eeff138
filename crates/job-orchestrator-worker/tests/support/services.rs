//! The services a `knowledge.update` job talks to, in-process on port 0: the job API on the
//! test's database and subjects (so jobs are enqueued through gRPC as the assistant backend
//! does), a knowledge interface on a seeded database of its own, and model-provider serving
//! either the repository's alias file with no keys (the offline strategy) or a scripted model.

use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{ScriptedModel, TestDb, TestServer, bind_ephemeral, wait_until_ok};

use crate::support::Infra;

/// A running service and where it listens.
pub struct Service {
    /// `http://host:port` of its API.
    pub url: String,
    _server: TestServer<RunError>,
    _db: Option<TestDb>,
}

/// The job API on `infra`'s database and subjects.
pub async fn job_api(infra: &Infra) -> Service {
    let env = infra.env(&[]);
    let config = job_orchestrator_api::Config::from_env(Env::from_map(env)).expect("api config");
    let listeners = job_orchestrator_api::Listeners {
        grpc: bind_ephemeral().await,
        admin: bind_ephemeral().await,
    };
    let url = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
    let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| job_orchestrator_api::run(config, listeners, token));
    assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(10)).await);
    Service {
        url,
        _server: server,
        _db: None,
    }
}

/// model-provider with the repository's aliases (no keys: the local provider answers), or
/// with the chat aliases routed to `scripted`. `url` ends in `/v1`.
pub async fn model_provider(scripted: Option<&ScriptedModel>) -> Service {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut env = base_env();
    let aliases = match scripted {
        Some(model) => {
            let path = std::env::temp_dir().join(format!("aliases-{}.yaml", uuid::Uuid::new_v4()));
            std::fs::write(&path, model.alias_file(&["worker", "reasoner"])).expect("alias file");
            path.display().to_string()
        }
        None => format!("{root}/config/models.yaml"),
    };
    env.insert("MODEL_PROVIDER_CONFIG_PATH".into(), aliases);
    env.insert(
        "MODEL_PROVIDER_EMBEDDING_MODEL_DIR".into(),
        format!("{root}/models/all-minilm-l6-v2"),
    );
    let config =
        model_provider::Config::from_env(Env::from_map(env)).expect("model-provider config");
    let listener = bind_ephemeral().await;
    let root_url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| model_provider::run(config, listener, token));
    assert!(wait_until_ok(&format!("{root_url}/readyz"), Duration::from_secs(60)).await);
    Service {
        url: format!("{root_url}/v1"),
        _server: server,
        _db: None,
    }
}

/// A knowledge interface on a seeded database of its own, embedding through `embeddings`.
pub async fn knowledge_interface(embeddings: &Service) -> Service {
    let db = TestDb::migrated(&knowledge_interface::MIGRATOR).await;
    knowledge_interface::schema::seed::apply(&db.pool)
        .await
        .expect("seed");
    let mut env = base_env();
    env.insert("KNOWLEDGE_SCHEMA_DSN".into(), db.dsn.clone());
    env.insert("MODEL_PROVIDER_BASE_URL".into(), embeddings.url.clone());
    let config = knowledge_interface::Config::from_env(Env::from_map(env)).expect("ki config");
    let listeners = knowledge_interface::Listeners {
        grpc: bind_ephemeral().await,
        admin: bind_ephemeral().await,
    };
    let url = format!("http://{}", listeners.grpc.local_addr().expect("addr"));
    let admin = format!("http://{}", listeners.admin.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| knowledge_interface::run(config, listeners, token));
    assert!(wait_until_ok(&format!("{admin}/readyz"), Duration::from_secs(20)).await);
    Service {
        url,
        _server: server,
        _db: Some(db),
    }
}
