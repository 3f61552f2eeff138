//! Embeddings from model-provider (being written).
