//! The rules of user configs, free of I/O: which update is valid, which stored value is
//! usable, and what a user's effective configs are.

use std::collections::HashMap;

use super::error::UserConfigError;
use super::model::{ConfigDefinition, ConfigType, ConfigUpdate, ConfigValue, UserConfigItem};

/// What an accepted update does to the stored overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// The new value equals the default: remove the override.
    Reset { key: String },
    /// Store this override.
    Set { key: String, value: ConfigValue },
}

/// Checks every update before anything is written (a later update of the same key wins).
pub(crate) fn plan(
    definitions: &[ConfigDefinition],
    updates: &[ConfigUpdate],
) -> Result<Vec<Change>, UserConfigError> {
    let mut latest: Vec<&ConfigUpdate> = Vec::new();
    for update in updates {
        latest.retain(|earlier| earlier.key != update.key);
        latest.push(update);
    }
    latest
        .into_iter()
        .map(|update| {
            let definition = definitions
                .iter()
                .find(|definition| definition.key == update.key)
                .ok_or_else(|| UserConfigError::UnknownKey {
                    key: update.key.clone(),
                })?;
            let value = check_value(definition, &update.value)?;
            let key = update.key.clone();
            Ok(if value == definition.default_value {
                Change::Reset { key }
            } else {
                Change::Set { key, value }
            })
        })
        .collect()
}

/// A requested value: booleans must be JSON booleans, choices one of the active options.
fn check_value(
    definition: &ConfigDefinition,
    value: &serde_json::Value,
) -> Result<ConfigValue, UserConfigError> {
    let key = definition.key.clone();
    match (definition.config_type, value) {
        (ConfigType::Boolean, serde_json::Value::Bool(flag)) => Ok(ConfigValue::Boolean(*flag)),
        (ConfigType::Choice, serde_json::Value::String(choice)) => {
            if definition
                .options
                .iter()
                .any(|option| &option.value == choice)
            {
                Ok(ConfigValue::Choice(choice.clone()))
            } else {
                let allowed = definition
                    .options
                    .iter()
                    .map(|option| option.value.clone())
                    .collect();
                Err(UserConfigError::InvalidChoice {
                    key,
                    value: choice.clone(),
                    allowed,
                })
            }
        }
        (expected, _) => Err(UserConfigError::WrongType { key, expected }),
    }
}

/// A stored override (`{"kind", "value"}`, possibly as JSON text) if it is still valid for
/// `definition`; the reason otherwise. Booleans also accept the strings "true"/"false".
pub(crate) fn decode_stored(
    definition: &ConfigDefinition,
    stored: &serde_json::Value,
) -> Result<ConfigValue, String> {
    let parsed;
    let document = match stored {
        serde_json::Value::String(text) => {
            parsed = serde_json::from_str::<serde_json::Value>(text)
                .map_err(|error| format!("stored text is not JSON: {error}"))?;
            &parsed
        }
        other => other,
    };
    let kind = document.get("kind").and_then(serde_json::Value::as_str);
    if kind != Some(definition.config_type.as_str()) {
        return Err(format!(
            "stored kind {kind:?} does not match {}",
            definition.config_type
        ));
    }
    let value = match document.get("value") {
        Some(serde_json::Value::String(text)) if definition.config_type == ConfigType::Boolean => {
            match text.as_str() {
                "true" => serde_json::Value::Bool(true),
                "false" => serde_json::Value::Bool(false),
                _ => return Err(format!("`{text}` is not a boolean")),
            }
        }
        Some(value) => value.clone(),
        None => return Err("stored document has no value".to_owned()),
    };
    check_value(definition, &value).map_err(|error| error.to_string())
}

/// Every definition with the user's value: a valid override, else the default. An invalid
/// override is logged and ignored, so a retired option never breaks the page.
pub(crate) fn effective(
    definitions: Vec<ConfigDefinition>,
    overrides: &HashMap<String, serde_json::Value>,
) -> Vec<UserConfigItem> {
    definitions
        .into_iter()
        .map(|definition| {
            let chosen = overrides.get(&definition.key).and_then(|stored| {
                decode_stored(&definition, stored)
                    .inspect_err(|reason| {
                        tracing::warn!(key = %definition.key, %reason, "ignoring an invalid stored config value");
                    })
                    .ok()
            });
            UserConfigItem {
                using_default: chosen.is_none(),
                value: chosen.unwrap_or_else(|| definition.default_value.clone()),
                key: definition.key,
                name: definition.name,
                config_type: definition.config_type,
                description: definition.description,
                options: definition.options,
                default_value: definition.default_value,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Change, decode_stored, plan};
    use crate::configs::model::{ConfigDefinition, ConfigType, ConfigUpdate, ConfigValue};

    fn flag() -> ConfigDefinition {
        ConfigDefinition {
            key: "chat.digest".into(),
            name: "Digest".into(),
            description: String::new(),
            config_type: ConfigType::Boolean,
            default_value: ConfigValue::Boolean(false),
            options: Vec::new(),
        }
    }

    #[test]
    fn a_later_update_of_the_same_key_wins() {
        let updates = [
            ConfigUpdate {
                key: "chat.digest".into(),
                value: json!(true),
            },
            ConfigUpdate {
                key: "chat.digest".into(),
                value: json!(false),
            },
        ];
        let changes = plan(&[flag()], &updates).unwrap();
        assert_eq!(
            changes,
            [Change::Reset {
                key: "chat.digest".into()
            }]
        );
    }

    #[test]
    fn stored_booleans_may_be_text_but_kinds_must_match() {
        let definition = flag();
        let as_text = json!(r#"{"kind": "boolean", "value": "true"}"#);
        assert_eq!(
            decode_stored(&definition, &as_text),
            Ok(ConfigValue::Boolean(true))
        );
        let wrong_kind = json!({"kind": "choice", "value": "true"});
        assert!(decode_stored(&definition, &wrong_kind).is_err());
        assert!(decode_stored(&definition, &json!({"kind": "boolean", "value": 1})).is_err());
    }
}
