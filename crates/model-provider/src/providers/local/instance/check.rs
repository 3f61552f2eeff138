//! The `jsonschema` side of generation: the validator of the whole schema (formats asserted),
//! validators of single subschemas compiled on first use through a registry that holds the root
//! document, and pattern matching for property names with the validator's own regex engine.
//! It decides validity; it does not build values.

use std::collections::HashMap;

use jsonschema::{Draft, Registry, ValidationError, Validator};
use serde_json::{Value, json};

use super::InstanceError;
use super::pointer;

/// Where the root document lives in the registry; a relative root `$id` resolves against it.
/// It must differ from the validator's default base, where each wrapper schema is registered.
const BASE_URI: &str = "json-schema:///exobrain/instance";

/// Validators for the root schema and, lazily, for any of its subschemas.
pub(super) struct Checker<'a> {
    draft: Draft,
    root: Validator,
    registry: Registry<'a>,
    /// Keyed by schema pointer; `None` when the subschema does not compile on its own. Only
    /// looked up, never iterated, so its order cannot leak into the output.
    subschemas: HashMap<String, Option<Validator>>,
    /// Keyed by pattern; `None` when the pattern does not compile.
    patterns: HashMap<String, Option<Validator>>,
}

impl<'a> Checker<'a> {
    /// Compiles `root`; any error (bad keywords, unknown `$schema`, unresolvable or remote
    /// `$ref`) makes the schema invalid.
    pub(super) fn new(root: &'a Value) -> Result<Self, InstanceError> {
        let draft = Draft::default().detect(root);
        if draft == Draft::Unknown {
            return Err(InstanceError::InvalidSchema(
                "`$schema` names no known draft".to_owned(),
            ));
        }
        let invalid =
            |error: &dyn std::fmt::Display| InstanceError::InvalidSchema(error.to_string());
        let validator = jsonschema::options()
            .with_draft(draft)
            .should_validate_formats(true)
            .build(root)
            .map_err(|error| invalid(&error))?;
        let registry = Registry::new()
            .draft(draft)
            .add(BASE_URI, root)
            .and_then(|builder| builder.prepare())
            .map_err(|error| invalid(&error))?;
        Ok(Self {
            draft,
            root: validator,
            registry,
            subschemas: HashMap::new(),
            patterns: HashMap::new(),
        })
    }

    /// The draft the schema is read with.
    pub(super) fn draft(&self) -> Draft {
        self.draft
    }

    /// Checks `value` against the whole schema.
    pub(super) fn check_root(&self, value: &Value) -> Result<(), InstanceError> {
        self.root
            .validate(value)
            .map_err(|error| InstanceError::unsatisfiable("#", describe(&error)))
    }

    /// Checks `value` against the subschema at `at`. A subschema that does not compile on its
    /// own (it leans on context) passes here; the root check still covers it.
    pub(super) fn check(&mut self, at: &str, value: &Value) -> Result<(), InstanceError> {
        if at == "#" {
            return self.check_root(value);
        }
        if !self.subschemas.contains_key(at) {
            let wrapper = json!({ "$ref": format!("{BASE_URI}{}", pointer::uri_fragment(at)) });
            let validator = jsonschema::options()
                .with_draft(self.draft)
                .with_registry(&self.registry)
                .should_validate_formats(true)
                .build(&wrapper)
                .inspect_err(|error| {
                    tracing::debug!(pointer = at, %error, "subschema does not compile on its own");
                })
                .ok();
            self.subschemas.insert(at.to_owned(), validator);
        }
        match self.subschemas.get(at) {
            Some(Some(validator)) => validator
                .validate(value)
                .map_err(|error| InstanceError::unsatisfiable(at, describe(&error))),
            _ => Ok(()),
        }
    }

    /// Whether `text` matches `pattern` as the validator reads it; a pattern that does not
    /// compile matches nothing.
    pub(super) fn matches(&mut self, pattern: &str, text: &str) -> bool {
        let draft = self.draft;
        self.patterns
            .entry(pattern.to_owned())
            .or_insert_with(|| {
                jsonschema::options()
                    .with_draft(draft)
                    .build(&json!({ "pattern": pattern }))
                    .ok()
            })
            .as_ref()
            .is_some_and(|validator| validator.is_valid(&Value::String(text.to_owned())))
    }
}

/// A validator error in words, with the instance path it refers to.
fn describe(error: &ValidationError<'_>) -> String {
    let path = error.instance_path().as_str();
    let path = if path.is_empty() { "/" } else { path };
    format!("{error} (instance path {path})")
}
