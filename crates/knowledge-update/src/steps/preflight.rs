//! The preflight: an entity's properties are fitted to its type before anything is written.
//! Only writable properties of the type are kept, each encoded as the type declares it
//! (a datetime must read as RFC 3339, a float may come as an integer, a json property takes
//! any JSON); a property that does not fit is dropped and logged, not written, and an entity
//! that lacks a required property fails the step with its name.

use std::collections::HashMap;

use exobrain_proto::knowledge as pb;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::UpdateError;
use crate::knowledge::Knowledge;

/// A property ready to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    /// Its name.
    pub key: String,
    /// Its value.
    pub value: Value,
    /// The type's declared value type (`string`, `float`, `int`, `bool`, `datetime`, `json`).
    pub value_type: String,
}

impl Property {
    /// The property on the wire.
    pub fn to_wire(&self) -> Option<pb::PropertyValue> {
        use pb::property_value::Value as V;
        let value = match (self.value_type.as_str(), &self.value) {
            (_, Value::Null) => return None,
            ("datetime", Value::String(s)) => V::DatetimeValue(s.clone()),
            ("json", other) => V::JsonValue(other.to_string()),
            (_, Value::Bool(b)) => V::BoolValue(*b),
            ("float", Value::Number(n)) => V::FloatValue(n.as_f64()?),
            (_, Value::Number(n)) => match n.as_i64() {
                Some(i) => V::IntValue(i),
                None => V::FloatValue(n.as_f64()?),
            },
            (_, Value::String(s)) => V::StringValue(s.clone()),
            (_, other) => V::JsonValue(other.to_string()),
        };
        Some(pb::PropertyValue {
            key: self.key.clone(),
            value: Some(value),
        })
    }
}

/// What a type lets the pipeline write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeProperties {
    writable: HashMap<String, String>,
    required: Vec<String>,
}

impl From<&pb::GetEntityTypePropertyContextReply> for TypeProperties {
    fn from(reply: &pb::GetEntityTypePropertyContextReply) -> Self {
        let writable = reply
            .properties
            .iter()
            .filter(|p| p.writable)
            .map(|p| (p.prop_name.clone(), p.value_type.to_ascii_lowercase()))
            .collect();
        let required = reply
            .properties
            .iter()
            .filter(|p| p.required && p.writable)
            .map(|p| p.prop_name.clone())
            .collect();
        Self { writable, required }
    }
}

impl TypeProperties {
    /// The properties of each of `types` (repeats asked once), at most `bound` calls at a time;
    /// a failure is `step`'s.
    pub async fn fetch<'t>(
        knowledge: &Knowledge,
        types: impl Iterator<Item = &'t str>,
        bound: usize,
        step: &str,
    ) -> Result<HashMap<String, TypeProperties>, UpdateError> {
        let mut types: Vec<&str> = types.collect();
        types.sort_unstable();
        types.dedup();
        let calls: Vec<_> = types
            .into_iter()
            .map(|t| async move {
                let reply = knowledge
                    .type_properties(t)
                    .await
                    .map_err(UpdateError::knowledge(step))?;
                Ok::<_, UpdateError>((t.to_owned(), TypeProperties::from(&reply)))
            })
            .collect();
        Ok(crate::concurrent::try_all(calls, bound)
            .await?
            .into_iter()
            .collect())
    }

    /// The names of the writable properties, sorted (prompts list them).
    pub fn writable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.writable.keys().cloned().collect();
        names.sort();
        names
    }

    /// Fits `raw` to the type: the properties to write, or the required ones missing.
    pub fn fit(&self, raw: &Map<String, Value>) -> Result<Vec<Property>, Vec<String>> {
        let mut kept = Vec::new();
        for (key, value) in raw {
            let Some(value_type) = self.writable.get(key) else {
                tracing::debug!(property = %key, "not writable for the type; dropped");
                continue;
            };
            if fits(value_type, value) {
                kept.push(Property {
                    key: key.clone(),
                    value: value.clone(),
                    value_type: value_type.clone(),
                });
            } else {
                tracing::debug!(property = %key, %value_type, "value does not fit; dropped");
            }
        }
        kept.sort_by(|a, b| a.key.cmp(&b.key));
        let missing: Vec<String> = self
            .required
            .iter()
            .filter(|name| !kept.iter().any(|p| &p.key == *name))
            .cloned()
            .collect();
        if missing.is_empty() {
            Ok(kept)
        } else {
            Err(missing)
        }
    }
}

fn fits(value_type: &str, value: &Value) -> bool {
    match (value_type, value) {
        (_, Value::Null) => false,
        ("string", Value::String(s)) => !s.trim().is_empty(),
        ("bool" | "boolean", Value::Bool(_)) => true,
        ("int" | "integer", Value::Number(n)) => n.is_i64(),
        ("float" | "double" | "number", Value::Number(_)) => true,
        ("datetime" | "timestamp" | "date", Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(s).is_ok()
        }
        ("json" | "object" | "array", _) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> TypeProperties {
        let prop =
            |name: &str, value_type: &str, required: bool, writable: bool| pb::PropertyContext {
                prop_name: name.into(),
                value_type: value_type.into(),
                required,
                writable,
                ..Default::default()
            };
        TypeProperties::from(&pb::GetEntityTypePropertyContextReply {
            properties: vec![
                prop("id", "string", true, false),
                prop("name", "string", true, true),
                prop("aliases", "json", false, true),
                prop("start", "datetime", false, true),
                prop("lat", "float", false, true),
            ],
            ..Default::default()
        })
    }

    #[test]
    fn only_writable_fitting_properties_are_kept() {
        let raw = json!({
            "name": "Anna", "aliases": ["Annie"], "start": "yesterday", "lat": 48,
            "id": "x", "favourite": "tea"
        });
        let kept = context().fit(raw.as_object().unwrap()).unwrap();
        let keys: Vec<&str> = kept.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["aliases", "lat", "name"]);
        let lat = kept
            .iter()
            .find(|p| p.key == "lat")
            .unwrap()
            .to_wire()
            .unwrap();
        assert_eq!(lat.value, Some(pb::property_value::Value::FloatValue(48.0)));
    }

    #[test]
    fn a_missing_required_property_is_named() {
        let raw = json!({ "aliases": [] });
        assert_eq!(
            context().fit(raw.as_object().unwrap()),
            Err(vec!["name".to_owned()])
        );
    }
}
