//! Shared setup of the store tests: a migrated database, a private Redis key space, journals
//! wired to both, and users to own things.

use std::time::Duration;

use assistant_backend::MIGRATOR;
use assistant_backend::journals::{JournalCache, JournalCacheSettings, JournalStore, Journals};
use exobrain_testkit::{TestDb, TestRedis};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sqlx::PgPool;
use uuid::Uuid;

/// A migrated database with the journals over it.
pub struct Fixture {
    pub db: TestDb,
    pub journals: Journals,
    _redis: Option<TestRedis>,
}

impl Fixture {
    /// Journals cached in this test's own Redis key space.
    pub async fn new() -> Self {
        let db = TestDb::migrated(&MIGRATOR).await;
        let redis = TestRedis::new().await;
        let cache = JournalCache::new(redis.connection.clone(), cache_settings(&redis.prefix));
        let journals = Journals::new(JournalStore::new(db.pool.clone()), cache);
        Self {
            db,
            journals,
            _redis: Some(redis),
        }
    }

    /// Journals whose cache points at a port where no Redis listens.
    pub async fn with_redis_down() -> Self {
        let db = TestDb::migrated(&MIGRATOR).await;
        let url = format!("redis://127.0.0.1:{}/0", exobrain_testkit::free_port());
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_connection_timeout(Some(Duration::from_millis(200)))
            .set_response_timeout(Some(Duration::from_millis(200)));
        let client = redis::Client::open(url).expect("redis url");
        let connection =
            ConnectionManager::new_lazy_with_config(client, config).expect("lazy manager");
        let cache = JournalCache::new(connection, cache_settings("test:redis-down"));
        let journals = Journals::new(JournalStore::new(db.pool.clone()), cache);
        Self {
            db,
            journals,
            _redis: None,
        }
    }

    /// A new user.
    pub async fn user(&self) -> Uuid {
        new_user(&self.db.pool).await
    }
}

/// Inserts a user with a unique email.
pub async fn new_user(pool: &PgPool) -> Uuid {
    let email = format!("{}@example.test", Uuid::new_v4().simple());
    sqlx::query_scalar("INSERT INTO users (name, email) VALUES ('Test User', $1) RETURNING id")
        .bind(email)
        .fetch_one(pool)
        .await
        .expect("insert user")
}

fn cache_settings(prefix: &str) -> JournalCacheSettings {
    JournalCacheSettings {
        key_prefix: prefix.trim_end_matches(':').to_owned(),
        entry_ttl: Duration::from_secs(30),
        negative_ttl: Duration::from_secs(8),
        list_ttl: Duration::from_secs(20),
        messages_ttl: Duration::from_secs(20),
        jitter_max_seconds: 2,
    }
}
