//! Wiring: the shared state every handler receives.

mod state;

pub use state::AppState;
