//! The gRPC transport of the knowledge interface: the service ([`service`]), the
//! schema-registry RPCs ([`schema`]) and the error mapping ([`error`]).

pub mod context;
pub mod error;
pub mod identity;
pub mod json_schema;
pub mod page_token;
pub mod reads;
pub mod schema;
pub mod service;
pub mod writes;
