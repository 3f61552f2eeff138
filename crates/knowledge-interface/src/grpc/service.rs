//! The `KnowledgeInterface` gRPC service: each RPC hands its request to the module that owns
//! the area ([`super::schema`], [`super::writes`], [`super::reads`], [`super::context`],
//! [`super::json_schema`]); errors go through the one mapping in [`super::error`].

use std::sync::Arc;

use exobrain_common::auth::{Caller, USER_HEADER};
use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_server::KnowledgeInterface;
use tonic::{Request, Response, Status};

use super::error::KnowledgeError;
use super::{context, reads, schema, writes};
use crate::app::Knowledge;
use crate::schema::Kind;

/// The service state.
#[derive(Debug, Clone)]
pub struct KnowledgeService {
    knowledge: Arc<Knowledge>,
}

impl KnowledgeService {
    /// A service over `knowledge`.
    pub fn new(knowledge: Arc<Knowledge>) -> Self {
        Self { knowledge }
    }
}

fn answer<T>(result: Result<T, KnowledgeError>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

#[tonic::async_trait]
impl KnowledgeInterface for KnowledgeService {
    async fn health(
        &self,
        _request: Request<pb::HealthRequest>,
    ) -> Result<Response<pb::HealthReply>, Status> {
        let status = match self.knowledge.ready().await {
            Ok(()) => "ok".to_owned(),
            Err(problem) => format!("degraded: {problem}"),
        };
        Ok(Response::new(pb::HealthReply { status }))
    }

    async fn get_schema(
        &self,
        _request: Request<pb::GetSchemaRequest>,
    ) -> Result<Response<pb::GetSchemaReply>, Status> {
        answer(schema::get_schema(self.knowledge.pool()).await)
    }

    async fn get_upsert_graph_delta_json_schema(
        &self,
        _request: Request<pb::GetUpsertGraphDeltaJsonSchemaRequest>,
    ) -> Result<Response<pb::GetUpsertGraphDeltaJsonSchemaReply>, Status> {
        answer(super::json_schema::reply())
    }

    async fn get_entity_extraction_schema_context(
        &self,
        request: Request<pb::GetEntityExtractionSchemaContextRequest>,
    ) -> Result<Response<pb::GetEntityExtractionSchemaContextReply>, Status> {
        answer(reads::extraction_context(&self.knowledge, request).await)
    }

    async fn get_edge_extraction_schema_context(
        &self,
        request: Request<pb::GetEdgeExtractionSchemaContextRequest>,
    ) -> Result<Response<pb::GetEdgeExtractionSchemaContextReply>, Status> {
        answer(schema::edge_context(self.knowledge.pool(), request.into_inner()).await)
    }

    async fn get_entity_type_property_context(
        &self,
        request: Request<pb::GetEntityTypePropertyContextRequest>,
    ) -> Result<Response<pb::GetEntityTypePropertyContextReply>, Status> {
        answer(schema::property_context(self.knowledge.pool(), request.into_inner()).await)
    }

    async fn upsert_schema_type(
        &self,
        request: Request<pb::UpsertSchemaTypeRequest>,
    ) -> Result<Response<pb::UpsertSchemaTypeReply>, Status> {
        Caller::of(request.extensions()).require_operator("UpsertSchemaType")?;
        let reply = schema::upsert_type(self.knowledge.pool(), request.into_inner()).await;
        if reply.is_ok() {
            self.knowledge.schema_changed().await;
            let knowledge = self.knowledge.clone();
            tokio::spawn(async move {
                if let Err(error) = knowledge.sync_types().await {
                    tracing::warn!(%error, "type vectors not updated; the next sync retries");
                }
            });
        }
        answer(reply)
    }

    async fn upsert_graph_delta(
        &self,
        request: Request<pb::UpsertGraphDeltaRequest>,
    ) -> Result<Response<pb::UpsertGraphDeltaReply>, Status> {
        answer(writes::upsert_delta(&self.knowledge, request).await)
    }

    async fn get_user_init_graph(
        &self,
        request: Request<pb::GetUserInitGraphRequest>,
    ) -> Result<Response<pb::GetUserInitGraphReply>, Status> {
        answer(writes::user_init(&self.knowledge, request).await)
    }

    async fn find_entity_candidates(
        &self,
        request: Request<pb::FindEntityCandidatesRequest>,
    ) -> Result<Response<pb::FindEntityCandidatesReply>, Status> {
        answer(reads::find_candidates(&self.knowledge, request).await)
    }

    async fn find_node_type_candidates(
        &self,
        request: Request<pb::FindNodeTypeCandidatesRequest>,
    ) -> Result<Response<pb::FindNodeTypeCandidatesReply>, Status> {
        let body = request.into_inner();
        let found = reads::find_types(
            &self.knowledge,
            Kind::Node,
            &body.name,
            &body.description,
            body.limit,
        )
        .await;
        answer(found.map(|candidates| pb::FindNodeTypeCandidatesReply { candidates }))
    }

    async fn find_edge_type_candidates(
        &self,
        request: Request<pb::FindEdgeTypeCandidatesRequest>,
    ) -> Result<Response<pb::FindEdgeTypeCandidatesReply>, Status> {
        let body = request.into_inner();
        let found = reads::find_types(
            &self.knowledge,
            Kind::Edge,
            &body.name,
            &body.description,
            body.limit,
        )
        .await;
        answer(found.map(|candidates| pb::FindEdgeTypeCandidatesReply { candidates }))
    }

    async fn list_entities_by_type(
        &self,
        request: Request<pb::ListEntitiesByTypeRequest>,
    ) -> Result<Response<pb::ListEntitiesByTypeReply>, Status> {
        answer(reads::list_entities(&self.knowledge, request).await)
    }

    async fn get_entity_context(
        &self,
        request: Request<pb::GetEntityContextRequest>,
    ) -> Result<Response<pb::GetEntityContextReply>, Status> {
        answer(context::entity_context(&self.knowledge, request).await)
    }

    async fn search_blocks(
        &self,
        request: Request<pb::SearchBlocksRequest>,
    ) -> Result<Response<pb::SearchBlocksReply>, Status> {
        answer(reads::search_blocks(&self.knowledge, request).await)
    }

    async fn reindex_user(
        &self,
        request: Request<pb::ReindexUserRequest>,
    ) -> Result<Response<pb::ReindexReply>, Status> {
        answer(writes::reindex_user(&self.knowledge, request).await)
    }

    async fn reindex_all(
        &self,
        request: Request<pb::ReindexAllRequest>,
    ) -> Result<Response<pb::ReindexReply>, Status> {
        Caller::of(request.extensions()).require_operator("ReindexAll")?;
        if request.metadata().get(USER_HEADER).is_some() {
            return Err(Status::invalid_argument(
                "ReindexAll covers every user; call it without x-user-id (ReindexUser serves one)",
            ));
        }
        answer(writes::reindex_all(&self.knowledge).await)
    }
}
