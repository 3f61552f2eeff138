//! The knowledge interface's integration tests, in one binary (one link, shared helpers):
//! each module covers one area against real PostgreSQL, a real in-process model-provider and
//! the service over real gRPC.

mod consistency;
mod delta_bounds;
mod embedding;
mod graph_contract;
mod graph_names;
mod graph_places;
mod graph_reads;
mod json_schema;
mod limits;
mod projector;
mod schema_guard;
mod schema_rpcs;
mod seed;
mod service;
mod starter_ids;
mod support;
mod trust;
mod vector_contract;
