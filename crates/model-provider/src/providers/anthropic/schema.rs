//! Tool input schemas as Anthropic accepts them: a `json_schema` envelope unwrapped, OpenAPI-only
//! keywords removed (`nullable: true` kept as a `null` type), `definitions` moved to `$defs`,
//! the root made an object schema, external `$ref`s refused, and the result checked against
//! the draft 2020-12 metaschema. Only schema positions are rewritten, so a property that
//! happens to be called `example` survives. It never fetches anything.

use serde_json::{Map, Value, json};

/// Keywords OpenAPI adds to JSON Schema.
const OPENAPI_ONLY: [&str; 7] = [
    "nullable",
    "discriminator",
    "example",
    "examples",
    "xml",
    "externalDocs",
    "deprecated",
];

/// Keywords whose value is a subschema or an array of subschemas.
const SUBSCHEMAS: [&str; 15] = [
    "items",
    "prefixItems",
    "additionalItems",
    "contains",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "allOf",
    "anyOf",
    "oneOf",
];

/// Keywords whose value maps names to subschemas.
const SCHEMA_MAPS: [&str; 6] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];

/// Keywords that point at another schema.
const REFERENCES: [&str; 3] = ["$ref", "$dynamicRef", "$recursiveRef"];

/// Where a non-object root schema is put (and where its value is found in the reply).
pub const WRAPPED_PROPERTY: &str = "input";

/// A schema ready for a tool's `input_schema`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSchema {
    /// The normalised schema (an object schema at the root).
    pub schema: Value,
    /// The given schema was not an object schema, so it sits under
    /// `properties.input` and the tool's input carries the value in `input`.
    pub wrapped: bool,
}

/// `schema` normalised for Anthropic, or why it cannot be used.
pub fn normalise(schema: &Value) -> Result<InputSchema, String> {
    let mut root = match unwrap_envelope(schema) {
        Value::Object(map) => map.clone(),
        _ => Map::from_iter([
            ("type".to_owned(), json!("object")),
            ("properties".to_owned(), json!({})),
        ]),
    };
    // Anthropic reads every schema as draft 2020-12; an older `$schema` would only mislead.
    root.remove("$schema");
    let mut root = Value::Object(root);
    visit(&mut root, &mut clean);
    let wrapped = match root.get("type") {
        None => {
            root["type"] = json!("object");
            false
        }
        Some(kind) => kind != "object",
    };
    if wrapped {
        root = wrap(root);
    }
    refuse_external_refs(&mut root)?;
    jsonschema::draft202012::new(&root)
        .map_err(|error| format!("not a valid JSON Schema (draft 2020-12): {error}"))?;
    Ok(InputSchema {
        schema: root,
        wrapped,
    })
}

/// The schema inside `{type: json_schema, json_schema: {schema}}` (or the bare `json_schema`).
fn unwrap_envelope(schema: &Value) -> &Value {
    let is_envelope = schema.get("type").is_none_or(|kind| kind == "json_schema");
    match schema.get("json_schema") {
        Some(inner) if is_envelope => inner.get("schema").unwrap_or(inner),
        _ => schema,
    }
}

/// Calls `apply` on every schema object in `schema`, parents before children.
fn visit(schema: &mut Value, apply: &mut impl FnMut(&mut Map<String, Value>)) {
    let Value::Object(map) = schema else {
        return;
    };
    apply(map);
    for (keyword, value) in map.iter_mut() {
        if SUBSCHEMAS.contains(&keyword.as_str()) {
            match value {
                Value::Array(items) => items.iter_mut().for_each(|item| visit(item, apply)),
                other => visit(other, apply),
            }
        } else if SCHEMA_MAPS.contains(&keyword.as_str())
            && let Value::Object(named) = value
        {
            named.values_mut().for_each(|item| visit(item, apply));
        }
    }
}

/// One schema object without OpenAPI keywords and with `definitions` as `$defs`.
fn clean(map: &mut Map<String, Value>) {
    if map.get("nullable") == Some(&Value::Bool(true)) {
        allow_null(map);
    }
    for keyword in OPENAPI_ONLY {
        map.remove(keyword);
    }
    if let Some(Value::Object(definitions)) = map.get("definitions").cloned() {
        map.remove("definitions");
        if let Value::Object(defs) = map.entry("$defs").or_insert_with(|| json!({})) {
            for (name, definition) in definitions {
                defs.entry(name).or_insert(definition);
            }
        }
    }
    if let Some(Value::String(reference)) = map.get_mut("$ref")
        && let Some(rest) = reference.strip_prefix("#/definitions/")
    {
        *reference = format!("#/$defs/{rest}");
    }
}

/// OpenAPI's `nullable: true` in JSON Schema terms: `null` added to `type` and `enum`.
fn allow_null(map: &mut Map<String, Value>) {
    match map.get_mut("type") {
        Some(Value::String(kind)) if kind != "null" => {
            let kind = std::mem::take(kind);
            map.insert("type".into(), json!([kind, "null"]));
        }
        Some(Value::Array(kinds)) if !kinds.contains(&json!("null")) => kinds.push(json!("null")),
        _ => {}
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// A non-object root as the one required property `input` of an object schema; `$defs` stay
/// at the root and references into the old root are re-aimed at its new place.
fn wrap(mut root: Value) -> Value {
    let defs = root.as_object_mut().and_then(|map| map.remove("$defs"));
    let mut wrapper = json!({
        "type": "object",
        "properties": {},
        "required": [WRAPPED_PROPERTY],
    });
    if let Some(defs) = defs {
        wrapper["$defs"] = defs;
    }
    wrapper["properties"][WRAPPED_PROPERTY] = root;
    let moved = format!("#/properties/{WRAPPED_PROPERTY}");
    visit(&mut wrapper, &mut |map| {
        for keyword in REFERENCES {
            if let Some(Value::String(reference)) = map.get_mut(keyword)
                && let Some(rest) = reference.strip_prefix('#')
                && !rest.starts_with("/$defs/")
                && (rest.is_empty() || rest.starts_with('/'))
            {
                *reference = format!("{moved}{rest}");
            }
        }
    });
    wrapper
}

/// An error naming the first reference outside the document.
fn refuse_external_refs(root: &mut Value) -> Result<(), String> {
    let mut external = None;
    visit(root, &mut |map| {
        for keyword in REFERENCES {
            if let Some(Value::String(reference)) = map.get(keyword)
                && !reference.starts_with('#')
                && external.is_none()
            {
                external = Some(reference.clone());
            }
        }
    });
    match external {
        Some(reference) => Err(format!(
            "external $ref \"{reference}\" is not allowed; only references within the schema (\"#…\") are"
        )),
        None => Ok(()),
    }
}
