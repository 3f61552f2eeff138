//! Model calls through model-provider's native endpoint (`/v1/internal/chat/messages`) with a
//! strict JSON schema: [`client`] speaks HTTP, [`structured`] validates every reply against its
//! schema and re-asks once with the validation errors.

pub mod client;
pub mod structured;

pub use client::{ModelClient, ModelError};
pub use structured::{Ask, Asked};
