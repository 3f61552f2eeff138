//! Property tests: random schemas that are satisfiable by construction always get a valid
//! instance; composed schemas (`anyOf`, `oneOf`, `not`, `if`, `$ref`...) and arbitrary JSON
//! used as a schema never panic and never get an invalid value.

use model_provider::providers::local::instance::instance;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{SEED, assert_valid};

/// Leaf schemas that some value satisfies.
fn leaf_schema() -> impl Strategy<Value = Value> {
    let formats = ["date-time", "date", "time", "email", "uri", "uuid", "ipv4"];
    let enum_values = [json!("x"), json!(3), json!(null), json!([1])];
    prop_oneof![
        (0_u64..6, 0_u64..12).prop_map(|(min, extra)| {
            json!({"type": "string", "minLength": min, "maxLength": min + extra})
        }),
        (-50_i64..50, 0_i64..100, any::<bool>(), 1_i64..6).prop_map(
            |(low, span, exclusive, step)| {
                // The range spans two steps beyond `low`, so a multiple always fits.
                let high = low + span + 2 * step;
                let bound = if exclusive {
                    "exclusiveMinimum"
                } else {
                    "minimum"
                };
                json!({"type": "integer", bound: low, "maximum": high, "multipleOf": step})
            }
        ),
        (-1000.0_f64..1000.0, 0.001_f64..100.0).prop_map(|(low, span)| {
            json!({"type": "number", "exclusiveMinimum": low, "maximum": low + span})
        }),
        prop::sample::subsequence(enum_values.to_vec(), 1..4)
            .prop_map(|values| json!({"enum": values})),
        prop::sample::select(formats.to_vec())
            .prop_map(|format| json!({"type": "string", "format": format})),
        Just(json!({"type": "boolean"})),
        Just(json!({"type": ["null", "integer"]})),
        Just(json!({})),
    ]
}

/// Schemas up to depth 4 built from [`leaf_schema`], satisfiable by construction.
fn satisfiable_schema() -> impl Strategy<Value = Value> {
    leaf_schema().prop_recursive(4, 48, 5, |inner| {
        let property = (inner.clone(), any::<bool>());
        prop_oneof![
            (
                prop::collection::btree_map("[a-e]{1,4}", property, 0..5),
                any::<bool>()
            )
                .prop_map(|(properties, closed)| {
                    let required: Vec<&String> = properties
                        .iter()
                        .filter(|(_, (_, required))| *required)
                        .map(|(name, _)| name)
                        .collect();
                    let properties: Map<String, Value> = properties
                        .iter()
                        .map(|(name, (schema, _))| (name.clone(), schema.clone()))
                        .collect();
                    json!({
                        "type": "object",
                        "properties": properties,
                        "required": required,
                        "additionalProperties": !closed
                    })
                }),
            (inner.clone(), 0_u64..3, 0_u64..3).prop_map(|(items, min, extra)| {
                json!({"type": "array", "items": items, "minItems": min, "maxItems": min + extra})
            }),
            inner
                .clone()
                .prop_map(|schema| json!({"anyOf": [{"type": "null"}, schema]})),
            inner.prop_map(|schema| json!({"allOf": [schema]})),
        ]
    })
}

/// Well-formed schemas composed at random; many admit no value.
fn composed_schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            json!({"type": "string"}),
            json!({"type": ["integer", "null"]}),
            json!({"type": "object"}),
            json!({"type": "array"}),
            json!({"enum": [1, "a", null, [], {}]}),
            json!({"const": "x"}),
            json!({"format": "email"}),
            json!({"pattern": "^[a-c]{2,}$"}),
            json!({"uniqueItems": true}),
            json!({"required": ["a"]}),
            json!({"$ref": "#"}),
            json!({"$ref": "#/$defs/d"}),
            json!(true),
            json!(false),
        ]),
        (
            prop::sample::select(vec![
                "minLength",
                "maxLength",
                "minItems",
                "maxItems",
                "minProperties",
                "minimum",
                "exclusiveMaximum",
                "multipleOf",
            ]),
            1_u64..4,
        )
            .prop_map(|(keyword, n)| json!({ keyword: n })),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        let two = (inner.clone(), inner.clone());
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(|all| json!({"anyOf": all})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|all| json!({"oneOf": all})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|all| json!({"allOf": all})),
            inner.clone().prop_map(|schema| json!({"not": schema})),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(i, t, e)| json!({"if": i, "then": t, "else": e})),
            two.clone().prop_map(|(a, b)| {
                json!({"properties": {"a": a, "b": b}, "required": ["a"], "propertyNames": {"maxLength": 3}})
            }),
            two.clone().prop_map(|(a, b)| json!({"items": a, "contains": b})),
            two.prop_map(|(a, b)| json!({"prefixItems": [a], "items": b})),
            inner.prop_map(|schema| json!({"additionalProperties": schema, "minProperties": 1})),
        ]
    })
}

/// JSON that looks a little like schemas, to throw at the generator.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let strings = "# #/$defs/a #/properties/a string object array integer null ^[a-z]+$ ( uuid";
    let keys = "type properties required items prefixItems minItems maxItems uniqueItems \
        minLength maxLength pattern format minimum maximum exclusiveMinimum multipleOf enum \
        const anyOf oneOf allOf not if then else $ref $defs a additionalProperties \
        patternProperties propertyNames minProperties contains $schema";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(strings.split(' ').collect::<Vec<_>>()).prop_map(Value::from),
    ];
    let keys = prop::sample::select(keys.split_whitespace().collect::<Vec<_>>());
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(str::to_owned), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_satisfiable_schemas_get_valid_instances(
        schema in prop_oneof![
            satisfiable_schema(),
            satisfiable_schema().prop_map(|schema| json!({"$defs": {"a": schema}, "$ref": "#/$defs/a"})),
        ],
        seed in ".{0,40}",
    ) {
        let value = instance(&schema, &seed)
            .map_err(|error| TestCaseError::fail(format!("{schema}: {error}")))?;
        assert_valid(&schema, &value);
        prop_assert_eq!(instance(&schema, &seed).ok(), Some(value));
    }

    #[test]
    fn composed_schemas_get_a_valid_value_or_an_error(
        schema in composed_schema(),
        definition in composed_schema(),
    ) {
        let schema = json!({"$defs": {"d": definition}, "allOf": [schema]});
        if let Ok(value) = instance(&schema, SEED) {
            assert_valid(&schema, &value);
        }
    }

    #[test]
    fn arbitrary_json_as_a_schema_never_panics(schema in arbitrary_json()) {
        if let Ok(value) = instance(&schema, SEED) {
            assert_valid(&schema, &value);
        }
    }
}
