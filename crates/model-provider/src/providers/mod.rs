//! Model providers: where a request for an alias is actually answered. `local` runs offline
//! in this process; the upstream providers (OpenAI, Anthropic, any OpenAI-compatible server)
//! translate the canonical request to their wire format and back.

pub mod local;
