//! Qdrant vector store adapter (being written).
