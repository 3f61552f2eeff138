//! The schema registry: the node and edge types of the knowledge graph, their inheritance,
//! typed properties and edge endpoint rules, stored in `knowledge_graph_schema`. [`seed`]
//! applies the starter schema.

pub mod seed;
