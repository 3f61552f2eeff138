//! The pipeline against the real knowledge interface and model-provider, in-process: with
//! no model key (the offline extractor) and with a scripted model behind model-provider.

mod model;
mod offline;
mod support;
