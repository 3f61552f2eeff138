//! Local embeddings (being built).
