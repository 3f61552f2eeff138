//! User configs: preference definitions (boolean or choice) with defaults, and each user's
//! overrides. `rules` decides what is valid and what is in effect; `store` reads and writes
//! PostgreSQL. Nothing here knows about HTTP.

mod error;
mod model;
mod rules;
mod store;

pub use error::UserConfigError;
pub use model::{
    ChoiceOption, ConfigDefinition, ConfigType, ConfigUpdate, ConfigValue, UserConfigItem,
};
pub use store::UserConfigStore;
