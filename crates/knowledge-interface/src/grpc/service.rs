//! The `KnowledgeInterface` gRPC service. Requests are checked and answered by the modules
//! that own each area ([`super::schema`] for the schema registry); errors go through the one
//! mapping in [`super::error`]. RPCs whose store is not built yet answer UNIMPLEMENTED.

use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_server::KnowledgeInterface;
use sqlx::PgPool;
use tonic::{Request, Response, Status};

use super::schema;

/// The service state.
#[derive(Debug, Clone)]
pub struct KnowledgeService {
    pool: PgPool,
}

impl KnowledgeService {
    /// A service over the schema registry in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn not_yet<T>(rpc: &str) -> Result<Response<T>, Status> {
    Err(Status::unimplemented(format!("{rpc} is not available yet")))
}

#[tonic::async_trait]
impl KnowledgeInterface for KnowledgeService {
    async fn health(
        &self,
        _request: Request<pb::HealthRequest>,
    ) -> Result<Response<pb::HealthReply>, Status> {
        Ok(Response::new(pb::HealthReply {
            status: "ok".into(),
        }))
    }

    async fn get_schema(
        &self,
        _request: Request<pb::GetSchemaRequest>,
    ) -> Result<Response<pb::GetSchemaReply>, Status> {
        Ok(Response::new(schema::get_schema(&self.pool).await?))
    }

    async fn get_upsert_graph_delta_json_schema(
        &self,
        _request: Request<pb::GetUpsertGraphDeltaJsonSchemaRequest>,
    ) -> Result<Response<pb::GetUpsertGraphDeltaJsonSchemaReply>, Status> {
        Ok(Response::new(super::json_schema::reply()?))
    }

    async fn get_entity_extraction_schema_context(
        &self,
        _request: Request<pb::GetEntityExtractionSchemaContextRequest>,
    ) -> Result<Response<pb::GetEntityExtractionSchemaContextReply>, Status> {
        not_yet("GetEntityExtractionSchemaContext")
    }

    async fn get_edge_extraction_schema_context(
        &self,
        request: Request<pb::GetEdgeExtractionSchemaContextRequest>,
    ) -> Result<Response<pb::GetEdgeExtractionSchemaContextReply>, Status> {
        Ok(Response::new(
            schema::edge_context(&self.pool, request.into_inner()).await?,
        ))
    }

    async fn get_entity_type_property_context(
        &self,
        request: Request<pb::GetEntityTypePropertyContextRequest>,
    ) -> Result<Response<pb::GetEntityTypePropertyContextReply>, Status> {
        Ok(Response::new(
            schema::property_context(&self.pool, request.into_inner()).await?,
        ))
    }

    async fn upsert_schema_type(
        &self,
        request: Request<pb::UpsertSchemaTypeRequest>,
    ) -> Result<Response<pb::UpsertSchemaTypeReply>, Status> {
        Ok(Response::new(
            schema::upsert_type(&self.pool, request.into_inner()).await?,
        ))
    }

    async fn upsert_graph_delta(
        &self,
        _request: Request<pb::UpsertGraphDeltaRequest>,
    ) -> Result<Response<pb::UpsertGraphDeltaReply>, Status> {
        not_yet("UpsertGraphDelta")
    }

    async fn get_user_init_graph(
        &self,
        _request: Request<pb::GetUserInitGraphRequest>,
    ) -> Result<Response<pb::GetUserInitGraphReply>, Status> {
        not_yet("GetUserInitGraph")
    }

    async fn find_entity_candidates(
        &self,
        _request: Request<pb::FindEntityCandidatesRequest>,
    ) -> Result<Response<pb::FindEntityCandidatesReply>, Status> {
        not_yet("FindEntityCandidates")
    }

    async fn find_node_type_candidates(
        &self,
        _request: Request<pb::FindNodeTypeCandidatesRequest>,
    ) -> Result<Response<pb::FindNodeTypeCandidatesReply>, Status> {
        not_yet("FindNodeTypeCandidates")
    }

    async fn find_edge_type_candidates(
        &self,
        _request: Request<pb::FindEdgeTypeCandidatesRequest>,
    ) -> Result<Response<pb::FindEdgeTypeCandidatesReply>, Status> {
        not_yet("FindEdgeTypeCandidates")
    }

    async fn list_entities_by_type(
        &self,
        _request: Request<pb::ListEntitiesByTypeRequest>,
    ) -> Result<Response<pb::ListEntitiesByTypeReply>, Status> {
        not_yet("ListEntitiesByType")
    }

    async fn get_entity_context(
        &self,
        _request: Request<pb::GetEntityContextRequest>,
    ) -> Result<Response<pb::GetEntityContextReply>, Status> {
        not_yet("GetEntityContext")
    }

    async fn search_blocks(
        &self,
        _request: Request<pb::SearchBlocksRequest>,
    ) -> Result<Response<pb::SearchBlocksReply>, Status> {
        not_yet("SearchBlocks")
    }

    async fn reindex_user(
        &self,
        _request: Request<pb::ReindexUserRequest>,
    ) -> Result<Response<pb::ReindexReply>, Status> {
        not_yet("ReindexUser")
    }

    async fn reindex_all(
        &self,
        _request: Request<pb::ReindexAllRequest>,
    ) -> Result<Response<pb::ReindexReply>, Status> {
        not_yet("ReindexAll")
    }
}
