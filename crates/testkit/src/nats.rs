//! A private corner of the shared NATS server per test: a unique prefix for subjects and
//! stream names, with every stream under that prefix deleted on drop.

use async_nats::jetstream;
use futures::TryStreamExt;

use crate::cleanup::run_blocking;

/// Default NATS URL of the native profile.
pub const DEFAULT_URL: &str = "nats://127.0.0.1:4222";

/// A NATS connection plus a test-unique prefix.
#[derive(Debug)]
pub struct TestNats {
    /// URL of the server (`EXOBRAIN_TEST_NATS_URL`).
    pub url: String,
    /// Prefix for this test (`t<random>`); pass it to services as `EXOBRAIN_NATS_PREFIX`.
    pub prefix: String,
    /// Core client.
    pub client: async_nats::Client,
    /// JetStream context.
    pub jetstream: jetstream::Context,
}

impl TestNats {
    /// Connects with a fresh prefix.
    pub async fn new() -> Self {
        let url = crate::env_or("EXOBRAIN_TEST_NATS_URL", DEFAULT_URL);
        let client = async_nats::connect(&url)
            .await
            .unwrap_or_else(|error| panic!("testkit: cannot reach NATS at EXOBRAIN_TEST_NATS_URL={url} ({error}); run scripts/agent/native-infra-up.sh"));
        let jetstream = jetstream::new(client.clone());
        Self {
            url,
            prefix: format!("t{}", crate::unique_suffix()),
            client,
            jetstream,
        }
    }

    /// `EXOBRAIN_NATS_URL` and `EXOBRAIN_NATS_PREFIX` for a service that should use this
    /// test's corner of NATS.
    pub fn service_env(&self) -> [(String, String); 2] {
        [
            ("EXOBRAIN_NATS_URL".to_owned(), self.url.clone()),
            ("EXOBRAIN_NATS_PREFIX".to_owned(), self.prefix.clone()),
        ]
    }

    /// `subject` under this test's prefix, the way services apply `EXOBRAIN_NATS_PREFIX`.
    pub fn subject(&self, subject: &str) -> String {
        format!("{}.{subject}", self.prefix)
    }

    /// `stream` under this test's prefix, the way services apply `EXOBRAIN_NATS_PREFIX`.
    pub fn stream(&self, stream: &str) -> String {
        format!("{}_{stream}", self.prefix.to_ascii_uppercase())
    }
}

impl Drop for TestNats {
    fn drop(&mut self) {
        // The test's client runs on the test's runtime, which is blocked while we clean up:
        // use a fresh connection from the cleanup thread.
        let url = self.url.clone();
        let stream_prefix = format!("{}_", self.prefix.to_ascii_uppercase());
        run_blocking(async move {
            let Ok(client) = async_nats::connect(&url).await else {
                eprintln!("testkit: cannot reach NATS to delete streams {stream_prefix}*");
                return;
            };
            let jetstream = jetstream::new(client);
            let names: Vec<String> = match jetstream.stream_names().try_collect().await {
                Ok(names) => names,
                Err(error) => {
                    eprintln!("testkit: cannot list streams: {error}");
                    return;
                }
            };
            for name in names
                .into_iter()
                .filter(|name| name.starts_with(&stream_prefix))
            {
                if let Err(error) = jetstream.delete_stream(&name).await {
                    eprintln!("testkit: cannot delete stream {name}: {error}");
                }
            }
        });
    }
}
