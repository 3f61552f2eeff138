//! The `knowledge.update` pipeline as a library: a day's conversation becomes entities, typed
//! relations and text blocks in the user's knowledge graph, written with one
//! `UpsertGraphDelta`. The worker registers it as the handler of `knowledge.update`; this
//! crate knows nothing of the job runtime beyond the [`Checkpoints`] and [`Progress`] ports it
//! is handed.

pub mod heuristic;
