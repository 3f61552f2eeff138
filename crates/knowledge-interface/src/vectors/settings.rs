//! Which vector store the service uses, read once from the environment, and how to open it.
//! Owns `KNOWLEDGE_VECTOR_BACKEND`, `QDRANT_ADDR`, `QDRANT_API_KEY` and
//! `QDRANT_COLLECTION_PREFIX`; the service's `Config` embeds the result.

use exobrain_common::config::{Env, ExposeSecret, SecretString};
use sqlx::PgPool;

use super::embedded::EmbeddedStore;
use super::qdrant::QdrantStore;
use super::{AnyVectorStore, VectorError, VectorStore};

/// The vector backend and its settings.
#[derive(Debug, Clone)]
pub enum VectorBackendSettings {
    /// `KNOWLEDGE_VECTOR_BACKEND=embedded` (the default): PostgreSQL plus an in-process index.
    Embedded,
    /// `KNOWLEDGE_VECTOR_BACKEND=qdrant`.
    Qdrant(QdrantSettings),
}

/// How to reach Qdrant.
#[derive(Debug, Clone)]
pub struct QdrantSettings {
    /// `QDRANT_ADDR` (required): the gRPC address; a REST port (6333, 16333) is rewritten
    /// to its gRPC neighbour and `http://` added when there is no scheme.
    pub addr: String,
    /// `QDRANT_API_KEY` (optional).
    pub api_key: Option<SecretString>,
    /// `QDRANT_COLLECTION_PREFIX` (default empty): prepended to every collection name, so
    /// deployments or test runs can share one server.
    pub collection_prefix: String,
}

impl VectorBackendSettings {
    /// Reads the variables, recording any problem in `env`.
    pub fn read(env: &mut Env) -> Self {
        const BACKEND: &str = "KNOWLEDGE_VECTOR_BACKEND";
        match env
            .string(BACKEND, "embedded")
            .to_ascii_lowercase()
            .as_str()
        {
            "embedded" => VectorBackendSettings::Embedded,
            "qdrant" => VectorBackendSettings::Qdrant(QdrantSettings::read(env)),
            other => {
                env.problem(
                    BACKEND,
                    format!("unknown vector backend `{other}` (use embedded or qdrant)"),
                );
                VectorBackendSettings::Embedded
            }
        }
    }
}

impl QdrantSettings {
    fn read(env: &mut Env) -> Self {
        const ADDR: &str = "QDRANT_ADDR";
        let addr = env.optional(ADDR).unwrap_or_else(|| {
            env.problem(
                ADDR,
                "is required when KNOWLEDGE_VECTOR_BACKEND=qdrant (the gRPC address, e.g. http://127.0.0.1:6334)"
                    .to_owned(),
            );
            String::new()
        });
        if !addr.is_empty()
            && let Err(error) = QdrantStore::new(&addr, None, "")
        {
            env.problem(ADDR, error.to_string());
        }
        Self {
            addr,
            api_key: env.optional("QDRANT_API_KEY").map(SecretString::from),
            collection_prefix: env.string("QDRANT_COLLECTION_PREFIX", ""),
        }
    }
}

/// Opens the configured store: the embedded one over `pool`, or a Qdrant client that must
/// answer a health check.
pub async fn connect(
    settings: &VectorBackendSettings,
    pool: PgPool,
) -> Result<AnyVectorStore, VectorError> {
    match settings {
        VectorBackendSettings::Embedded => Ok(AnyVectorStore::Embedded(EmbeddedStore::new(pool))),
        VectorBackendSettings::Qdrant(qdrant) => {
            let api_key = qdrant
                .api_key
                .as_ref()
                .map(|key| key.expose_secret().to_owned());
            let store = QdrantStore::new(&qdrant.addr, api_key, &qdrant.collection_prefix)?;
            store.ping().await?;
            Ok(AnyVectorStore::Qdrant(store))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<VectorBackendSettings, String> {
        let mut env = Env::from_map(vars.iter().copied());
        let settings = VectorBackendSettings::read(&mut env);
        env.finish()
            .map(|()| settings)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn the_embedded_store_is_the_default() {
        assert!(matches!(read(&[]), Ok(VectorBackendSettings::Embedded)));
    }

    #[test]
    fn qdrant_needs_an_address_and_unknown_backends_name_the_allowed_ones() {
        let missing = read(&[("KNOWLEDGE_VECTOR_BACKEND", "qdrant")]).expect_err("invalid");
        assert!(missing.contains("QDRANT_ADDR: is required"), "{missing}");
        let unknown = read(&[("KNOWLEDGE_VECTOR_BACKEND", "faiss")]).expect_err("invalid");
        assert!(unknown.contains("use embedded or qdrant"), "{unknown}");
    }

    #[test]
    fn qdrant_settings_keep_the_prefix_and_hide_the_key() {
        let settings = read(&[
            ("KNOWLEDGE_VECTOR_BACKEND", "Qdrant"),
            ("QDRANT_ADDR", "localhost:6333"),
            ("QDRANT_API_KEY", "s3cret"),
            ("QDRANT_COLLECTION_PREFIX", "dev_"),
        ])
        .expect("valid");
        let VectorBackendSettings::Qdrant(qdrant) = &settings else {
            panic!("qdrant expected");
        };
        assert_eq!(qdrant.collection_prefix, "dev_");
        assert!(!format!("{settings:?}").contains("s3cret"));
    }
}
