//! User configs as the API shows them: definitions (boolean or choice, with a default and, for
//! choices, options) and each user's effective value.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kind of value a config takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConfigType {
    Boolean,
    Choice,
}

impl ConfigType {
    /// The stored spelling (also the `kind` of stored values).
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigType::Boolean => "boolean",
            ConfigType::Choice => "choice",
        }
    }
}

impl std::fmt::Display for ConfigType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A config value: a JSON boolean or a JSON string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ConfigValue {
    Boolean(bool),
    Choice(String),
}

impl ConfigValue {
    /// The chosen option, for choice values.
    pub fn as_choice(&self) -> Option<&str> {
        match self {
            ConfigValue::Choice(choice) => Some(choice),
            ConfigValue::Boolean(_) => None,
        }
    }

    /// The stored document: `{"kind": ..., "value": ...}`.
    pub(crate) fn to_stored(&self) -> serde_json::Value {
        match self {
            ConfigValue::Boolean(value) => serde_json::json!({ "kind": "boolean", "value": value }),
            ConfigValue::Choice(value) => serde_json::json!({ "kind": "choice", "value": value }),
        }
    }
}

/// One option of a choice config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
}

/// An active config definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigDefinition {
    pub key: String,
    pub name: String,
    pub description: String,
    pub config_type: ConfigType,
    pub default_value: ConfigValue,
    /// Active options in display order; empty for booleans.
    pub options: Vec<ChoiceOption>,
}

/// A config as one user sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserConfigItem {
    pub key: String,
    pub name: String,
    pub config_type: ConfigType,
    pub description: String,
    pub options: Vec<ChoiceOption>,
    pub value: ConfigValue,
    pub default_value: ConfigValue,
    /// True when the user has no (valid) override.
    pub using_default: bool,
}

/// A requested change: `value` is checked against the definition of `key`.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ConfigUpdate {
    pub key: String,
    pub value: serde_json::Value,
}
