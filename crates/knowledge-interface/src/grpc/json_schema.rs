//! The JSON Schema of `UpsertGraphDeltaRequest` (being written).

use exobrain_proto::knowledge as pb;

use super::error::KnowledgeError;

/// The static reply of `GetUpsertGraphDeltaJsonSchema`.
pub fn reply() -> Result<pb::GetUpsertGraphDeltaJsonSchemaReply, KnowledgeError> {
    Err(KnowledgeError::Internal(
        "the JSON Schema is not written yet".into(),
    ))
}
