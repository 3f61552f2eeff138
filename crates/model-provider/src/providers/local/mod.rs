//! The built-in `local` provider, used when no key is configured: deterministic chat that
//! honours structured output and tool choice, and real embeddings (all-MiniLM-L6-v2) with a
//! hashing fallback when the weights are absent.

pub mod embed;
pub mod instance;
