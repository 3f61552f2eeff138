//! Generated Rust types, clients and servers for the two Exobrain gRPC contracts
//! (`exobrain.job_orchestrator.v1` and `exobrain.knowledge.v1`), plus the encoded descriptor
//! sets that services register with gRPC reflection. Nothing here is hand-written logic.

#![allow(missing_debug_implementations, clippy::all)]

/// `exobrain.job_orchestrator.v1`: the job orchestrator's API.
pub mod job_orchestrator {
    tonic::include_proto!("exobrain.job_orchestrator.v1");
}

/// `exobrain.knowledge.v1`: the knowledge interface's API.
pub mod knowledge {
    tonic::include_proto!("exobrain.knowledge.v1");
}

/// Encoded `FileDescriptorSet` of `job_orchestrator.proto`, for gRPC reflection.
pub const JOB_ORCHESTRATOR_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/job_orchestrator_descriptor.bin"));

/// Encoded `FileDescriptorSet` of `knowledge.proto`, for gRPC reflection.
pub const KNOWLEDGE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/knowledge_descriptor.bin"));

/// Fully qualified gRPC service name of the job orchestrator.
pub const JOB_ORCHESTRATOR_SERVICE: &str = "exobrain.job_orchestrator.v1.JobOrchestrator";

/// Fully qualified gRPC service name of the knowledge interface.
pub const KNOWLEDGE_INTERFACE_SERVICE: &str = "exobrain.knowledge.v1.KnowledgeInterface";
