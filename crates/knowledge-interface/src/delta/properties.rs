//! Property rules for one record: which keys its type allows (its own, its ancestors', the
//! global ones of its kind), which are required (checked after merging with what is stored,
//! so updates may send only what changes), value types (an int is accepted for a float),
//! enum values, patterns, numeric ranges and the `writable` flag. System fields can never be
//! set through properties.

use std::collections::HashMap;

use regex::Regex;

use crate::graph::value::{Properties, Value};
use crate::schema::Schema;
use crate::schema::model::{Property, ValueType};

/// Keys the service owns; a delta sets them through record fields or not at all.
const SYSTEM_KEYS: [&str; 6] = [
    "id",
    "type_id",
    "user_id",
    "visibility",
    "created_at",
    "updated_at",
];

/// Checks properties of records against a schema, caching compiled patterns.
#[derive(Debug)]
pub struct PropertyRules<'a> {
    schema: &'a Schema,
    patterns: HashMap<String, Option<Regex>>,
}

impl<'a> PropertyRules<'a> {
    /// Rules of `schema`.
    pub fn new(schema: &'a Schema) -> Self {
        Self {
            schema,
            patterns: HashMap::new(),
        }
    }

    /// Checks `sent` for a record of `type_id` at `at`, merged over `stored` (the record's
    /// current properties, if it exists). Returns the merged, normalised properties; problems
    /// are appended to `problems`.
    pub fn merge(
        &mut self,
        type_id: &str,
        at: &str,
        sent: &Properties,
        stored: Option<&Properties>,
        problems: &mut Vec<String>,
    ) -> Properties {
        let declared: HashMap<&str, &Property> = self
            .schema
            .properties_of(type_id, true)
            .into_iter()
            .map(|p| (p.prop_name.as_str(), p))
            .collect();
        let mut merged = stored.cloned().unwrap_or_default();
        for (key, value) in sent {
            if SYSTEM_KEYS.contains(&key.as_str()) {
                problems.push(format!(
                    "{at}: property `{key}` is set by the service, not by properties"
                ));
                continue;
            }
            let Some(property) = declared.get(key.as_str()) else {
                let mut allowed: Vec<&str> = declared
                    .keys()
                    .copied()
                    .filter(|k| !SYSTEM_KEYS.contains(k))
                    .collect();
                allowed.sort_unstable();
                problems.push(format!(
                    "{at}: property `{key}` is not allowed for {type_id} (allowed: {})",
                    allowed.join(", ")
                ));
                continue;
            };
            if !property.writable {
                problems.push(format!("{at}: property `{key}` is read-only"));
                continue;
            }
            if let Some(value) = self.value(property, at, value, problems) {
                merged.insert(key.clone(), value);
            }
        }
        let mut required: Vec<&str> = declared
            .values()
            .filter(|p| p.required && !SYSTEM_KEYS.contains(&p.prop_name.as_str()))
            .map(|p| p.prop_name.as_str())
            .filter(|key| !merged.contains_key(*key))
            .collect();
        required.sort_unstable();
        for key in required {
            problems.push(format!("{at}: property `{key}` is required for {type_id}"));
        }
        merged
    }

    fn value(
        &mut self,
        property: &Property,
        at: &str,
        value: &Value,
        problems: &mut Vec<String>,
    ) -> Option<Value> {
        let key = &property.prop_name;
        let value = match (property.value_type, value) {
            (ValueType::Float, Value::Int(number)) => Value::Float(*number as f64),
            (expected, value) if value.value_type() == expected => value.clone(),
            (expected, value) => {
                problems.push(format!(
                    "{at}: property `{key}` must be a {} value, not {}",
                    expected.as_str(),
                    value.value_type().as_str()
                ));
                return None;
            }
        };
        let constraints = &property.constraints;
        let before = problems.len();
        if let (Some(allowed), Some(text)) = (&constraints.enum_values, value.as_str())
            && !allowed.iter().any(|a| a == text)
        {
            problems.push(format!(
                "{at}: property `{key}` is `{text}`; allowed: {}",
                allowed.join(", ")
            ));
        }
        if let (Some(pattern), Some(text)) = (&constraints.pattern, value.as_str()) {
            match self.pattern(pattern) {
                Some(regex) if !regex.is_match(text) => problems.push(format!(
                    "{at}: property `{key}` (`{text}`) does not match {pattern}"
                )),
                _ => {}
            }
        }
        if let Some(number) = value.as_number() {
            let below = constraints.min.is_some_and(|min| number < min);
            let above = constraints.max.is_some_and(|max| number > max);
            if below || above {
                problems.push(format!(
                    "{at}: property `{key}` is {number}; it must be between {} and {}",
                    bound(constraints.min),
                    bound(constraints.max)
                ));
            }
        }
        (problems.len() == before).then_some(value)
    }

    /// A compiled pattern; a pattern the registry holds but that does not compile constrains
    /// nothing (it is reported in the logs once per delta).
    fn pattern(&mut self, pattern: &str) -> Option<&Regex> {
        self.patterns
            .entry(pattern.to_owned())
            .or_insert_with(|| match Regex::new(pattern) {
                Ok(regex) => Some(regex),
                Err(error) => {
                    tracing::warn!(%pattern, %error, "schema pattern does not compile");
                    None
                }
            })
            .as_ref()
    }
}

fn bound(limit: Option<f64>) -> String {
    limit.map_or_else(|| "any".to_owned(), |l| l.to_string())
}
