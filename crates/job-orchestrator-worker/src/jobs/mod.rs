//! Running jobs: the handlers of the registered job types, and the JetStream consumers that
//! feed them.

pub mod consumer;
pub mod handlers;
