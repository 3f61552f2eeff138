//! The knowledge interface as the pipeline calls it: every call carries the job's user (as
//! `x-user-id` metadata and in the body), the worker's service credential, the trace context
//! and a deadline. Replies arrive as the proto types; errors say which call failed and
//! whether another attempt may help.

use std::time::Duration;

use exobrain_common::auth::ServiceToken;
use exobrain_common::grpc::{TracedChannel, traced};
use exobrain_proto::knowledge as pb;
use pb::knowledge_interface_client::KnowledgeInterfaceClient;
use tonic::transport::Channel;
use tonic::{Code, Status};

/// A failed knowledge-interface call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("knowledge-interface {rpc} failed ({code:?}): {message}")]
pub struct KnowledgeError {
    /// The RPC.
    pub rpc: &'static str,
    /// Its status code.
    pub code: Code,
    /// Its message.
    pub message: String,
}

impl KnowledgeError {
    fn new(rpc: &'static str, status: Status) -> Self {
        Self {
            rpc,
            code: status.code(),
            message: status.message().to_owned(),
        }
    }

    /// Whether another attempt may succeed (the service was away or overloaded).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.code,
            Code::Unavailable
                | Code::DeadlineExceeded
                | Code::ResourceExhausted
                | Code::Aborted
                | Code::Unknown
                | Code::Internal
                | Code::Cancelled
        )
    }
}

/// The knowledge interface, for one user.
#[derive(Debug, Clone)]
pub struct Knowledge {
    client: KnowledgeInterfaceClient<TracedChannel>,
    token: ServiceToken,
    user: String,
    timeout: Duration,
}

impl Knowledge {
    /// Calls on `channel` as `user`, with `token`, each bounded by `timeout` and run in a
    /// client span that carries the trace context.
    pub fn new(channel: Channel, token: ServiceToken, user: &str, timeout: Duration) -> Self {
        Self {
            client: KnowledgeInterfaceClient::new(traced(channel))
                .max_decoding_message_size(64 * 1024 * 1024),
            token,
            user: user.to_owned(),
            timeout,
        }
    }

    /// The user the calls are made for.
    pub fn user(&self) -> &str {
        &self.user
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = self.token.request(message, Some(&self.user));
        request.set_timeout(self.timeout);
        request
    }

    /// The user's entity types and universes.
    pub async fn extraction_schema(
        &self,
    ) -> Result<pb::GetEntityExtractionSchemaContextReply, KnowledgeError> {
        let request = self.request(pb::GetEntityExtractionSchemaContextRequest {
            include_inactive: None,
            user_id: self.user.clone(),
        });
        self.client
            .clone()
            .get_entity_extraction_schema_context(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| KnowledgeError::new("GetEntityExtractionSchemaContext", s))
    }

    /// The edge types allowed between entities of types `first` and `second` (both ways).
    pub async fn edge_types(
        &self,
        first: &str,
        second: &str,
    ) -> Result<Vec<pb::ExtractionEdgeType>, KnowledgeError> {
        let request = self.request(pb::GetEdgeExtractionSchemaContextRequest {
            first_entity_type: first.to_owned(),
            second_entity_type: second.to_owned(),
            include_inactive: None,
            user_id: self.user.clone(),
        });
        self.client
            .clone()
            .get_edge_extraction_schema_context(request)
            .await
            .map(|reply| reply.into_inner().edge_types)
            .map_err(|s| KnowledgeError::new("GetEdgeExtractionSchemaContext", s))
    }

    /// The properties of type `type_id`, inherited ones included.
    pub async fn type_properties(
        &self,
        type_id: &str,
    ) -> Result<pb::GetEntityTypePropertyContextReply, KnowledgeError> {
        let request = self.request(pb::GetEntityTypePropertyContextRequest {
            type_id: type_id.to_owned(),
            include_inactive: None,
            include_inherited: Some(true),
            user_id: Some(self.user.clone()),
        });
        self.client
            .clone()
            .get_entity_type_property_context(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| KnowledgeError::new("GetEntityTypePropertyContext", s))
    }

    /// Stored entities that may be the one named `names`, of `type_ids` (any when empty).
    pub async fn candidates(
        &self,
        names: Vec<String>,
        type_ids: Vec<String>,
        description: &str,
    ) -> Result<Vec<pb::EntityCandidate>, KnowledgeError> {
        let request = self.request(pb::FindEntityCandidatesRequest {
            names,
            potential_type_ids: type_ids,
            short_description: description.to_owned(),
            user_id: self.user.clone(),
            limit: Some(10),
        });
        self.client
            .clone()
            .find_entity_candidates(request)
            .await
            .map(|reply| reply.into_inner().candidates)
            .map_err(|s| KnowledgeError::new("FindEntityCandidates", s))
    }

    /// Entity `entity_id` with its blocks down to `level` and its neighbours.
    pub async fn entity_context(
        &self,
        entity_id: &str,
        level: u32,
    ) -> Result<pb::GetEntityContextReply, KnowledgeError> {
        let request = self.request(pb::GetEntityContextRequest {
            entity_id: entity_id.to_owned(),
            user_id: self.user.clone(),
            max_block_level: level,
            include_history: false,
        });
        self.client
            .clone()
            .get_entity_context(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| KnowledgeError::new("GetEntityContext", s))
    }

    /// Writes `delta`.
    pub async fn upsert(
        &self,
        delta: pb::UpsertGraphDeltaRequest,
    ) -> Result<pb::UpsertGraphDeltaReply, KnowledgeError> {
        let request = self.request(delta);
        self.client
            .clone()
            .upsert_graph_delta(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| KnowledgeError::new("UpsertGraphDelta", s))
    }
}
