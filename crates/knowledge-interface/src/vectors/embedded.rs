//! Embedded vector store adapter (being written).
