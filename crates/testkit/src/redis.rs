//! A private key space in the shared Redis per test: a unique key prefix, and every key under
//! it deleted on drop.

use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use crate::cleanup::run_blocking;

/// Default Redis URL of the native profile.
pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379/0";

/// A Redis connection plus a test-unique key prefix.
#[derive(Clone)]
pub struct TestRedis {
    /// URL of the server (`EXOBRAIN_TEST_REDIS_URL`).
    pub url: String,
    /// Key prefix for this test, ending in `:`.
    pub prefix: String,
    /// A connection to use directly.
    pub connection: ConnectionManager,
    client: redis::Client,
}

impl std::fmt::Debug for TestRedis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRedis")
            .field("url", &self.url)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl TestRedis {
    /// Connects with a fresh prefix.
    pub async fn new() -> Self {
        let url = crate::env_or("EXOBRAIN_TEST_REDIS_URL", DEFAULT_URL);
        let client = redis::Client::open(url.as_str())
            .unwrap_or_else(|error| panic!("testkit: bad EXOBRAIN_TEST_REDIS_URL={url}: {error}"));
        let connection = ConnectionManager::new(client.clone())
            .await
            .unwrap_or_else(|error| panic!("testkit: cannot reach Redis at EXOBRAIN_TEST_REDIS_URL={url} ({error}); run scripts/agent/native-infra-up.sh"));
        Self {
            url,
            prefix: format!("test:{}:", crate::unique_suffix()),
            connection,
            client,
        }
    }

    /// `key` under this test's prefix.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let client = self.client.clone();
        let pattern = format!("{}*", self.prefix);
        run_blocking(async move {
            let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
                eprintln!("testkit: cannot reach Redis to clean {pattern}");
                return;
            };
            let keys: Vec<String> = match connection.scan_match::<_, String>(&pattern).await {
                Ok(iter) => {
                    use futures::StreamExt;
                    iter.filter_map(|key| async move { key.ok() })
                        .collect()
                        .await
                }
                Err(error) => {
                    eprintln!("testkit: cannot scan {pattern}: {error}");
                    return;
                }
            };
            if !keys.is_empty() {
                let _: Result<(), _> = connection.del(keys).await;
            }
        });
    }
}
