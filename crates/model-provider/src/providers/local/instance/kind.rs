//! Which kinds of value a flattened node admits, best first: its `const`, the `enum` values
//! that fit every `enum` and `type`, or the JSON types left by intersecting every `type` (null
//! last; inferred from the keywords when no `type` is given). Building the values is not its job.

use serde_json::Value;

use super::InstanceError;
use super::node::Atom;

/// A JSON Schema type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Type {
    Null,
    Boolean,
    Object,
    Array,
    Number,
    Integer,
    String,
}

impl Type {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "null" => Self::Null,
            "boolean" => Self::Boolean,
            "object" => Self::Object,
            "array" => Self::Array,
            "number" => Self::Number,
            "integer" => Self::Integer,
            "string" => Self::String,
            _ => return None,
        })
    }

    fn admits(self, value: &Value) -> bool {
        match self {
            Self::Null => value.is_null(),
            Self::Boolean => value.is_boolean(),
            Self::Object => value.is_object(),
            Self::Array => value.is_array(),
            Self::Number => value.is_number(),
            Self::Integer => {
                value.is_i64()
                    || value.is_u64()
                    || value.as_f64().is_some_and(|number| number.fract() == 0.0)
            }
            Self::String => value.is_string(),
        }
    }

    /// `self` as allowed by a `type` listing `others`: integers are numbers too.
    fn within(self, others: &[Type]) -> Option<Self> {
        if others.contains(&self) {
            Some(self)
        } else if matches!(self, Self::Number | Self::Integer) && others.contains(&Self::Integer)
            || self == Self::Integer && others.contains(&Self::Number)
        {
            Some(Self::Integer)
        } else {
            None
        }
    }
}

/// One way to produce candidates for a node.
#[derive(Debug)]
pub(super) enum Kind<'a> {
    /// Exactly these values, in order of preference.
    Values(Vec<&'a Value>),
    /// Any value of this type.
    Type(Type),
}

impl Kind<'_> {
    /// Whether the preferred value is neither an object nor an array.
    pub(super) fn is_scalar(&self) -> bool {
        match self {
            Self::Values(values) => values
                .first()
                .is_some_and(|value| !value.is_object() && !value.is_array()),
            Self::Type(kind) => !matches!(kind, Type::Object | Type::Array),
        }
    }
}

/// The kinds of value `atoms` admit, best first.
pub(super) fn kinds<'a>(atoms: &[Atom<'a, '_>], at: &str) -> Result<Vec<Kind<'a>>, InstanceError> {
    let types = declared(atoms, at)?;
    if let Some(value) = atoms.iter().find_map(|atom| atom.get("const")) {
        return Ok(vec![Kind::Values(vec![value])]);
    }
    let enums: Vec<(&str, &'a Vec<Value>)> = atoms
        .iter()
        .filter_map(|atom| match atom.get("enum") {
            Some(Value::Array(values)) => Some((atom.at, values)),
            _ => None,
        })
        .collect();
    if let Some(((enum_at, first), rest)) = enums.split_first() {
        let fitting: Vec<&Value> = first
            .iter()
            .filter(|value| rest.iter().all(|(_, other)| other.contains(value)))
            .filter(|value| {
                types
                    .as_ref()
                    .is_none_or(|types| types.iter().any(|kind| kind.admits(value)))
            })
            .collect();
        if fitting.is_empty() {
            return Err(InstanceError::unsatisfiable(
                enum_at,
                "no `enum` value has an allowed type and appears in every `enum`",
            ));
        }
        return Ok(vec![Kind::Values(fitting)]);
    }
    let types = types.unwrap_or_else(|| inferred(atoms));
    Ok(types.into_iter().map(Kind::Type).collect())
}

/// The intersection of every `type` in `atoms`, in the order of the first, null last; `None`
/// when no atom names a type.
fn declared(atoms: &[Atom<'_, '_>], at: &str) -> Result<Option<Vec<Type>>, InstanceError> {
    let mut result: Option<Vec<Type>> = None;
    for atom in atoms {
        let names: Vec<&str> = match atom.get("type") {
            Some(Value::String(name)) => vec![name.as_str()],
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        let listed: Vec<Type> = names.into_iter().filter_map(Type::parse).collect();
        result = Some(match result {
            None => listed,
            Some(before) => before
                .into_iter()
                .filter_map(|kind| kind.within(&listed))
                .collect(),
        });
    }
    let Some(listed) = result else {
        return Ok(None);
    };
    let mut types = Vec::with_capacity(listed.len());
    for kind in listed {
        if !types.contains(&kind) {
            types.push(kind);
        }
    }
    if types.is_empty() {
        return Err(InstanceError::unsatisfiable(
            at,
            "the `type`s that apply here admit no common type",
        ));
    }
    types.sort_by_key(|kind| *kind == Type::Null);
    Ok(Some(types))
}

/// Types suggested by the keywords present, then every other type as a fallback.
fn inferred(atoms: &[Atom<'_, '_>]) -> Vec<Type> {
    const HINTS: [(Type, &[&str]); 4] = [
        (
            Type::Object,
            &[
                "properties",
                "required",
                "additionalProperties",
                "patternProperties",
                "minProperties",
                "maxProperties",
                "propertyNames",
                "dependentRequired",
            ],
        ),
        (
            Type::Array,
            &[
                "items",
                "prefixItems",
                "minItems",
                "maxItems",
                "contains",
                "uniqueItems",
            ],
        ),
        (
            Type::String,
            &["minLength", "maxLength", "pattern", "format"],
        ),
        (
            Type::Number,
            &[
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "multipleOf",
            ],
        ),
    ];
    let mut types: Vec<Type> = HINTS
        .iter()
        .filter(|(_, keywords)| {
            atoms
                .iter()
                .any(|atom| keywords.iter().any(|keyword| atom.get(keyword).is_some()))
        })
        .map(|(kind, _)| *kind)
        .collect();
    for fallback in [
        Type::String,
        Type::Number,
        Type::Boolean,
        Type::Object,
        Type::Array,
        Type::Null,
    ] {
        if !types.contains(&fallback) {
            types.push(fallback);
        }
    }
    types
}
