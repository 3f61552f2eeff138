//! A gRPC client of the knowledge interface on a connection of its own, acting for one user
//! (`x-user-id` on every call). Replies are only counted: the suite measures, it does not
//! check answers (the service's tests do).

use anyhow::Context;
use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use tonic::metadata::AsciiMetadataValue;
use tonic::transport::Channel;
use tonic::{Request, Status};

/// Calls for one user; clones share the connection.
#[derive(Debug, Clone)]
pub struct Client {
    inner: KnowledgeInterfaceClient<Channel>,
    user: AsciiMetadataValue,
}

impl Client {
    /// Opens a connection to `endpoint` (`http://host:port`) for `user_id`.
    pub async fn connect(endpoint: &str, user_id: &str) -> anyhow::Result<Self> {
        let inner = KnowledgeInterfaceClient::connect(endpoint.to_owned())
            .await
            .with_context(|| format!("cannot connect to knowledge-interface at {endpoint}"))?;
        Ok(Self {
            inner,
            user: user_id.parse().context("user id is not ASCII")?,
        })
    }

    fn request<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        request
            .metadata_mut()
            .insert("x-user-id", self.user.clone());
        request
    }

    /// Creates the user's starter graph (person and assistant), as a first login does.
    pub async fn init_user(&mut self, user_id: &str) -> Result<(), Status> {
        let request = self.request(pb::GetUserInitGraphRequest {
            user_id: user_id.to_owned(),
            user_name: "Bench User".into(),
        });
        self.inner.get_user_init_graph(request).await.map(drop)
    }

    /// `UpsertGraphDelta`; returns the entities it created or changed.
    pub async fn upsert(&mut self, delta: pb::UpsertGraphDeltaRequest) -> Result<u32, Status> {
        let request = self.request(delta);
        let reply = self.inner.upsert_graph_delta(request).await?;
        Ok(reply.into_inner().entities_upserted)
    }

    /// `FindEntityCandidates`.
    pub async fn candidates(
        &mut self,
        query: pb::FindEntityCandidatesRequest,
    ) -> Result<(), Status> {
        let request = self.request(query);
        self.inner.find_entity_candidates(request).await.map(drop)
    }

    /// `SearchBlocks`.
    pub async fn search(&mut self, query: pb::SearchBlocksRequest) -> Result<(), Status> {
        let request = self.request(query);
        self.inner.search_blocks(request).await.map(drop)
    }

    /// `GetEntityContext`.
    pub async fn context(&mut self, query: pb::GetEntityContextRequest) -> Result<(), Status> {
        let request = self.request(query);
        self.inner.get_entity_context(request).await.map(drop)
    }
}

/// `count` clients for `user_id`, each on its own connection.
pub async fn connect_many(
    endpoint: &str,
    user_id: &str,
    count: usize,
) -> anyhow::Result<Vec<Client>> {
    let mut clients = Vec::with_capacity(count);
    for _ in 0..count {
        clients.push(Client::connect(endpoint, user_id).await?);
    }
    Ok(clients)
}
