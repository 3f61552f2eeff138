//! Minimal instances for the local provider's structured output: real schemas get values that
//! validate (checked here with an independent validator, formats asserted) and do not change
//! between calls; the seed changes strings only; unsatisfiable schemas name the offending place;
//! random satisfiable schemas always get an instance and random JSON never panics.

#[path = "schema_instances/random.rs"]
mod random;
#[path = "schema_instances/real_schemas.rs"]
mod real_schemas;

use model_provider::providers::local::instance::{InstanceError, instance};
use serde_json::{Value, json};

const SEED: &str = "Who founded the Acme Corporation, and when?";

/// Asserts `value` validates against `schema`, with formats asserted.
fn assert_valid(schema: &Value, value: &Value) {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the test schema compiles");
    if let Err(error) = validator.validate(value) {
        panic!("{value} is not valid against {schema}: {error}");
    }
}

/// The instance for `schema` and [`SEED`], checked for validity and determinism.
fn generated(schema: &Value) -> Value {
    let value = instance(schema, SEED).unwrap_or_else(|error| panic!("{schema}: {error}"));
    assert_valid(schema, &value);
    let again = instance(schema, SEED).expect("the second call succeeds too");
    assert_eq!(value, again, "the same schema and seed give the same value");
    value
}

/// The pointer of an `Unsatisfiable` error, failing on anything else.
fn unsatisfiable_at(schema: &Value) -> String {
    match instance(schema, SEED) {
        Err(InstanceError::Unsatisfiable { pointer, .. }) => pointer,
        other => panic!("{schema} should be unsatisfiable, got {other:?}"),
    }
}
#[test]
fn enum_and_const_take_the_first_value_that_fits() {
    assert_eq!(generated(&json!({"enum": ["red", "green"]})), "red");
    assert_eq!(
        generated(&json!({"type": "integer", "enum": ["one", 2, 3]})),
        2
    );
    assert_eq!(
        generated(&json!({"enum": ["a", "bb", "ccc"], "minLength": 2})),
        "bb"
    );
    assert_eq!(
        generated(&json!({"const": {"k": [1, 2]}})),
        json!({"k": [1, 2]})
    );
}

#[test]
fn numbers_honour_bounds_exclusivity_and_multiples() {
    let cases = [
        (json!({"type": "integer"}), json!(0)),
        (json!({"type": "integer", "exclusiveMinimum": 0}), json!(1)),
        (
            json!({"type": "integer", "minimum": 7, "multipleOf": 5}),
            json!(10),
        ),
        (
            json!({"type": "integer", "exclusiveMinimum": 10, "maximum": 20, "multipleOf": 5}),
            json!(15),
        ),
        (
            json!({"type": "integer", "minimum": -10, "maximum": -5}),
            json!(-10),
        ),
        (
            json!({"type": "integer", "exclusiveMaximum": -3}),
            json!(-4),
        ),
        (
            json!({"type": "number", "minimum": 0.25, "multipleOf": 0.1}),
            json!(0.3),
        ),
        (
            json!({"type": "number", "exclusiveMinimum": 1.5, "exclusiveMaximum": 1.75}),
            json!(1.625),
        ),
        (
            json!({"type": "integer", "multipleOf": 4, "allOf": [{"multipleOf": 6}], "minimum": 1}),
            json!(12),
        ),
    ];
    for (schema, expected) in cases {
        assert_eq!(generated(&schema), expected, "{schema}");
    }
}

#[test]
fn strings_fit_lengths_formats_and_patterns() {
    assert_eq!(
        generated(&json!({"type": "string", "maxLength": 7})),
        "who-fou"
    );
    assert_eq!(generated(&json!({"type": "string", "maxLength": 4})), "who");
    let long = generated(&json!({"type": "string", "minLength": 50}));
    assert_eq!(long.as_str().map(|s| s.chars().count()), Some(50));
    for format in [
        "date-time",
        "date",
        "time",
        "email",
        "uri",
        "uuid",
        "ipv4",
        "ipv6",
        "hostname",
    ] {
        generated(&json!({"type": "string", "format": format}));
    }
    let uuid = generated(&json!({"type": "string", "format": "uuid"}));
    assert_ne!(
        uuid,
        instance(&json!({"type": "string", "format": "uuid"}), "other seed").unwrap()
    );
    assert_eq!(
        generated(&json!({"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$"})),
        "AA-000"
    );
    assert_eq!(
        generated(&json!({"type": "string", "pattern": "^[a-z]+$", "minLength": 4})),
        "aaaa"
    );
    assert_eq!(
        generated(&json!({"type": "string", "pattern": "^[a-z-]+$"})),
        "who-founded-the-acme-corporation-and"
    );
}

#[test]
fn any_of_with_null_prefers_the_other_branch() {
    let schema = json!({"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]});
    assert_eq!(generated(&schema), 3);
    assert_eq!(
        generated(&json!({"type": ["null", "string"], "maxLength": 3})),
        "who"
    );
    assert_eq!(generated(&json!({"type": "null"})), Value::Null);
}

#[test]
fn one_of_matches_exactly_one_branch_at_any_depth() {
    let either = json!({"oneOf": [
        {"type": "string", "maxLength": 60},
        {"$ref": "#/$defs/word"},
        {"type": "integer"}
    ]});
    for id in [
        None,
        Some("https://example.com/schema.json"),
        Some("schema.json"),
    ] {
        let mut schema = json!({
            "type": "object",
            "required": ["either"],
            "properties": {"either": either},
            "$defs": {"word": {"type": "string", "minLength": 3}}
        });
        if let Some(id) = id {
            schema["$id"] = json!(id);
        }
        assert_eq!(generated(&schema), json!({"either": 0}), "{schema}");
    }
    let shapes = json!({"oneOf": [
        {"type": "object", "required": ["circle"], "properties": {"circle": {"type": "number", "minimum": 1}}},
        {"type": "object", "required": ["square"], "properties": {"square": {"type": "number"}}}
    ]});
    assert_eq!(generated(&shapes), json!({"circle": 1}));
}

#[test]
fn conditions_and_negations_are_respected() {
    let schema = json!({
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": ["person", "place"]}, "born": {"type": "integer"}},
        "if": {"properties": {"kind": {"const": "person"}}},
        "then": {"required": ["born"], "properties": {"born": {"minimum": 1900}}}
    });
    assert_eq!(generated(&schema), json!({"kind": "person", "born": 1900}));
    assert_eq!(generated(&json!({"not": {"type": "string"}})), 0);
    assert_eq!(
        generated(&json!({"type": "integer", "not": {"enum": [0, 1]}})),
        2
    );
}

#[test]
fn closed_objects_admit_no_extra_keys() {
    let schema = json!({
        "type": "object",
        "additionalProperties": false,
        "minProperties": 2,
        "properties": {"a": {"type": "object"}, "b": {"type": "array"}},
        "allOf": [{"properties": {"c": {"type": "boolean"}}}]
    });
    assert_eq!(
        generated(&schema),
        json!({"a": {}, "b": ["who-founded-the-acme-corporation-and"]})
    );
    let open = json!({"type": "object", "minProperties": 2, "patternProperties": {"^x_[0-9]$": {"type": "integer"}}});
    assert_eq!(generated(&open), json!({"x_1": 0, "x_2": 0}));
}

#[test]
fn unique_items_differ() {
    for items in [
        json!({"type": "string"}),
        json!({"type": "integer", "maximum": 2}),
        json!({"format": "date"}),
    ] {
        let schema = json!({"type": "array", "minItems": 3, "uniqueItems": true, "items": items});
        generated(&schema);
    }
    let tuples = json!({"type": "array", "minItems": 2, "uniqueItems": true, "prefixItems": [{"type": "boolean"}]});
    assert_eq!(
        generated(&tuples),
        json!([false, "who-founded-the-acme-corporation-and-2"])
    );
}

#[test]
fn the_seed_changes_strings_only() {
    let schema = json!({
        "type": "object",
        "required": ["title", "count", "flags", "when"],
        "properties": {
            "title": {"type": "string"},
            "count": {"type": "integer", "minimum": 2},
            "flags": {"type": "array", "items": {"type": "boolean"}},
            "when": {"type": "string", "format": "date"}
        }
    });
    let first = generated(&schema);
    let second = instance(&schema, "an entirely different question").unwrap();
    assert_valid(&schema, &second);
    assert_ne!(first["title"], second["title"]);
    for key in ["count", "flags", "when"] {
        assert_eq!(first[key], second[key], "{key} does not depend on the seed");
    }
    assert_eq!(
        instance(&json!({"type": "string"}), "  ?!  ").unwrap(),
        "text"
    );
}

#[test]
fn unsatisfiable_schemas_name_the_place() {
    let cases = [
        (json!(false), "#"),
        (
            json!({"type": "object", "properties": {"a": {"type": "string", "minLength": 5, "maxLength": 2}}, "required": ["a"]}),
            "#/properties/a",
        ),
        (json!({"type": "integer", "minimum": 10, "maximum": 3}), "#"),
        (
            json!({"type": "integer", "minimum": 1, "maximum": 4, "multipleOf": 5}),
            "#",
        ),
        (
            json!({"$defs": {"c": {"type": "string", "enum": [1, 2]}}, "$ref": "#/$defs/c"}),
            "#/$defs/c",
        ),
        (json!({"type": "array", "minItems": 3, "maxItems": 1}), "#"),
        (
            json!({"type": "object", "required": ["x"], "additionalProperties": false}),
            "#/additionalProperties",
        ),
        (
            json!({"type": "array", "minItems": 3, "uniqueItems": true, "items": {"type": "boolean"}}),
            "#",
        ),
    ];
    for (schema, pointer) in cases {
        assert_eq!(unsatisfiable_at(&schema), pointer, "{schema}");
    }
    let endless = json!({"$defs": {"n": {"type": "object", "required": ["n"], "properties": {"n": {"$ref": "#/$defs/n"}}}}, "$ref": "#/$defs/n"});
    assert!(unsatisfiable_at(&endless).ends_with("/$ref"));
}

#[test]
fn invalid_schemas_are_reported_as_such() {
    for schema in [
        json!({"type": 5}),
        json!({"$ref": "https://example.com/remote.json"}),
        json!({"$schema": "https://example.com/custom-meta", "type": "string"}),
        json!("not a schema"),
    ] {
        assert!(
            matches!(
                instance(&schema, SEED),
                Err(InstanceError::InvalidSchema(_))
            ),
            "{schema}"
        );
    }
    let mut deep = json!({"type": "string"});
    for _ in 0..100 {
        deep = json!({"type": "object", "required": ["a"], "properties": {"a": deep}});
    }
    assert!(instance(&deep, SEED).is_err());
}
