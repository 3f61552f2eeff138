//! Helpers shared by the knowledge-interface tests. Each test binary declares `mod support;`
//! and uses a subset, hence `dead_code` is allowed here.
#![allow(dead_code)]

pub mod fake_provider;
pub mod knowledge;
pub mod model_provider;
