//! Schema instances (being built).
