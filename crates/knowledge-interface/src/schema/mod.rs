//! The schema registry: the node and edge types of the knowledge graph, their inheritance,
//! typed properties and edge endpoint rules, stored in `knowledge_graph_schema`. [`registry`]
//! loads it into the in-memory [`model`] every reader uses; [`seed`] applies the starter schema.

pub mod model;
pub mod registry;
pub mod seed;
pub mod upsert;

pub use model::{Kind, Schema};
