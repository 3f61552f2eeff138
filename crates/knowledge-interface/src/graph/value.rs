//! Typed property values as the graph stores them. Each value keeps its type (stored as a
//! one-key JSON object such as `{"float": 0.8}`), so reads render it the way it was written
//! and temporal values stay comparable (datetimes are normalised to UTC RFC 3339).

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::schema::model::ValueType;

/// One property value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    /// Text.
    String(String),
    /// A finite double.
    Float(f64),
    /// A 64-bit integer.
    Int(i64),
    /// True or false.
    Bool(bool),
    /// A point in time.
    Datetime(DateTime<Utc>),
    /// A JSON document.
    Json(serde_json::Value),
}

/// Properties by key, ordered so comparisons and storage are deterministic.
pub type Properties = BTreeMap<String, Value>;

impl Value {
    /// Its value type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::String(_) => ValueType::String,
            Value::Float(_) => ValueType::Float,
            Value::Int(_) => ValueType::Int,
            Value::Bool(_) => ValueType::Bool,
            Value::Datetime(_) => ValueType::Datetime,
            Value::Json(_) => ValueType::Json,
        }
    }

    /// The value as a number, for range checks (ints widen to floats).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Float(number) => Some(*number),
            Value::Int(number) => Some(*number as f64),
            _ => None,
        }
    }

    /// The value as text, for string fields.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// How reads render it in string maps: floats and ints in their shortest form, datetimes
    /// as RFC 3339 UTC, JSON compact.
    pub fn render(&self) -> String {
        match self {
            Value::String(text) => text.clone(),
            Value::Float(number) => number.to_string(),
            Value::Int(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Datetime(at) => render_time(at),
            Value::Json(document) => document.to_string(),
        }
    }
}

/// RFC 3339 in UTC with a `Z` and only as many fraction digits as needed.
pub fn render_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_stored_form() {
        let at = DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00")
            .unwrap()
            .with_timezone(&Utc);
        let properties: Properties = [
            ("a".to_owned(), Value::Float(1.0)),
            ("b".to_owned(), Value::Datetime(at)),
            ("c".to_owned(), Value::Json(serde_json::json!(["x"]))),
        ]
        .into();
        let stored = serde_json::to_value(&properties).unwrap();
        assert_eq!(
            stored,
            serde_json::json!({"a": {"float": 1.0}, "b": {"datetime": "2024-05-01T08:00:00Z"}, "c": {"json": ["x"]}})
        );
        let back: Properties = serde_json::from_value(stored).unwrap();
        assert_eq!(back, properties);
        assert_eq!(properties["a"].render(), "1");
        assert_eq!(properties["b"].render(), "2024-05-01T08:00:00Z");
    }
}
