//! The `knowledge.update` pipeline as a library: a day's conversation becomes entities, typed
//! relations and text blocks in the user's knowledge graph, written with one
//! `UpsertGraphDelta`. The worker registers it as the handler of `knowledge.update`; this
//! crate knows nothing of the job runtime beyond the [`ports::Checkpoints`] and
//! [`ports::Progress`] ports it is handed.
//!
//! Layout: [`pipeline`] runs a job; [`steps`] holds the steps and the records they pass on;
//! [`heuristic`] is the offline extractor; [`model`] and [`knowledge`] are the two services
//! it calls; [`memo`] keeps step outputs across attempts; [`ids`] mints ids.

pub mod concurrent;
pub mod error;
pub mod heuristic;
pub mod ids;
pub mod knowledge;
pub mod memo;
pub mod model;
pub mod pipeline;
pub mod ports;
pub mod settings;
pub mod steps;
pub mod transcript;

pub use error::UpdateError;
pub use pipeline::{Job, Pipeline, Summary};
pub use settings::Settings;
