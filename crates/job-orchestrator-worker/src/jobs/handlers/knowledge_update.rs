//! `knowledge.update`: distils chat messages into the user's knowledge graph. The pipeline
//! arrives with the knowledge issue; until then every attempt fails with a clear message that
//! goes through the normal retry and dead-letter path.

use super::{Failure, Handler, HandlerResult, JobContext};

/// `knowledge.update`.
#[derive(Debug)]
pub struct KnowledgeUpdate;

impl Handler for KnowledgeUpdate {
    fn run(&self, _context: JobContext) -> HandlerResult {
        Box::pin(async {
            Err(Failure::transient(
                "the knowledge.update pipeline is not implemented yet",
            ))
        })
    }
}
