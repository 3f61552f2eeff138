//! Test support shared by the API suites: [`spawn_app`] runs the real service in-process on
//! port 0 against a fresh, migrated and seeded database and a Redis key prefix of its own;
//! [`signed_in_client`] returns an HTTP client holding a session cookie.
//!
//! Include it from a suite with `#[path = "../support/mod.rs"] mod support;`.

#![allow(
    dead_code,
    reason = "each suite uses a different part of the support module"
)]

use std::collections::HashMap;
use std::time::Duration;

use assistant_backend::Config;
use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{TestDb, TestRedis, TestServer, bind_ephemeral, wait_until_ok};
use serde_json::{Value, json};

/// Seeded user signing in with [`PASSWORD`].
pub const TEST_USER: &str = "test.user@exobrain.local";
/// The other seeded user.
pub const ARCHITECT: &str = "architect@exobrain.local";
/// Password of the seeded users.
pub const PASSWORD: &str = "password123";
/// Signs access tokens in tests (the development default).
pub const JWT_SECRET: &str = "dev-secret-change-me";

/// A running service and the stores behind it.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The service's database (migrated and seeded).
    pub db: TestDb,
    /// The service's Redis key space.
    pub redis: TestRedis,
    /// A client without cookies.
    pub client: reqwest::Client,
    /// The environment the service started with.
    pub env: HashMap<String, String>,
    server: TestServer<RunError>,
}

/// The service with the default test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The service with `overrides` on top of the default test configuration.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let (db, redis) = (
        TestDb::migrated(&assistant_backend::MIGRATOR).await,
        TestRedis::new().await,
    );
    assistant_backend::seed::apply(&db.pool)
        .await
        .expect("seed");
    let mut env: HashMap<String, String> = base_env();
    env.insert("ASSISTANT_DB_DSN".into(), db.dsn.clone());
    env.insert("ASSISTANT_CACHE_REDIS_URL".into(), redis.url.clone());
    env.insert(
        "ASSISTANT_CACHE_KEY_PREFIX".into(),
        redis.prefix.trim_end_matches(':').to_owned(),
    );
    env.insert(
        "ASSISTANT_JOURNAL_CACHE_KEY_PREFIX".into(),
        journal_cache_prefix(&redis.prefix),
    );
    env.insert(
        "ASSISTANT_CHAT_KEY_PREFIX".into(),
        format!("{}chat", redis.prefix),
    );
    for (key, value) in overrides {
        env.insert((*key).to_owned(), (*value).to_owned());
    }
    let (base, server) = serve(&env).await;
    TestApp {
        base,
        db,
        redis,
        client: reqwest::Client::new(),
        env,
        server,
    }
}

/// Starts the service with `env`; returns its base URL and the server.
async fn serve(env: &HashMap<String, String>) -> (String, TestServer<RunError>) {
    let config = Config::from_env(Env::from_map(env.clone())).expect("config");
    let listener = bind_ephemeral().await;
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| assistant_backend::run(config, listener, token));
    assert!(
        wait_until_ok(&format!("{base}/healthz"), Duration::from_secs(10)).await,
        "service did not start"
    );
    (base, server)
}

/// A second instance of a running service: same database, Redis keys and settings.
#[derive(Debug)]
pub struct Twin {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    server: TestServer<RunError>,
}

impl Twin {
    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The journal cache key prefix of a test app whose Redis prefix is `redis_prefix`.
fn journal_cache_prefix(redis_prefix: &str) -> String {
    format!("{redis_prefix}journal-cache")
}

/// A client with a cookie store, signed in through `POST /api/auth/login` (web session).
pub async fn signed_in_client(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let response = client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 200, "login of {email} failed");
    client
}

impl TestApp {
    /// Shuts the service down as SIGTERM would and waits up to `limit` for it to exit;
    /// returns its database, still there.
    pub async fn stop_within(self, limit: Duration) -> Result<TestDb, String> {
        match self.server.stop_within(limit).await? {
            Ok(()) => Ok(self.db),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Another instance of this service (a second replica).
    pub async fn twin(&self) -> Twin {
        let (base, server) = serve(&self.env).await;
        Twin { base, server }
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST path` with a JSON body, without cookies.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Signs in with `issuance_policy: tokens`; returns the token pair.
    pub async fn tokens(&self, email: &str, password: &str) -> Value {
        let body = json!({ "email": email, "password": password, "session_mode": "api", "issuance_policy": "tokens" });
        let response = self.post("/api/auth/login", &body).await;
        assert_eq!(response.status(), 200, "token login of {email} failed");
        response.json().await.expect("token pair")
    }

    /// `GET path` with `Authorization: Bearer <token>`.
    pub async fn get_bearer(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// `POST /api/auth/token_refresh`.
    pub async fn refresh(&self, refresh_token: &Value) -> reqwest::Response {
        self.post(
            "/api/auth/token_refresh",
            &json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    /// The stored password hash of `email`'s local identity.
    pub async fn password_hash(&self, email: &str) -> Option<String> {
        sqlx::query_scalar(
            "SELECT i.password_hash FROM identities i JOIN users u ON u.id = i.user_id WHERE u.email = $1",
        )
        .bind(email)
        .fetch_one(&self.db.pool)
        .await
        .expect("hash")
    }

    /// Sets `email`'s stored password hash.
    pub async fn set_password_hash(&self, email: &str, hash: Option<&str>) {
        sqlx::query(
            "UPDATE identities SET password_hash = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)",
        )
        .bind(hash)
        .bind(email)
        .execute(&self.db.pool)
        .await
        .expect("update hash");
    }

    /// Journals over the service's database and journal cache (writes invalidate what the
    /// service has cached).
    pub fn journals(&self) -> assistant_backend::journals::Journals {
        use assistant_backend::journals::{
            JournalCache, JournalCacheSettings, JournalStore, Journals,
        };
        let settings = JournalCacheSettings {
            key_prefix: journal_cache_prefix(&self.redis.prefix),
            entry_ttl: Duration::from_secs(30),
            negative_ttl: Duration::from_secs(8),
            list_ttl: Duration::from_secs(20),
            messages_ttl: Duration::from_secs(20),
            jitter_max_seconds: 0,
        };
        Journals::new(
            JournalStore::new(self.db.pool.clone()),
            JournalCache::new(self.redis.connection.clone(), settings),
        )
    }

    /// The id of `email`'s user row.
    pub async fn user_id(&self, email: &str) -> uuid::Uuid {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.db.pool)
            .await
            .expect("user id")
    }

    /// Deletes `email`'s user row (identities go with it).
    pub async fn delete_user(&self, email: &str) {
        sqlx::query("DELETE FROM users WHERE email = $1")
            .bind(email)
            .execute(&self.db.pool)
            .await
            .expect("delete user");
    }
}

/// An HS256 token over `claims`, signed with `secret`.
pub fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}
