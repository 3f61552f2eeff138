//! The gRPC transport of the knowledge interface: the service ([`service`]), the
//! schema-registry RPCs ([`schema`]) and the error mapping ([`error`]).

pub mod error;
pub mod json_schema;
pub mod schema;
pub mod service;
