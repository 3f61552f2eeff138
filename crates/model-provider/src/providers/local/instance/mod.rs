//! Minimal valid instances of JSON Schemas, for the offline `local` chat provider: structured
//! output and forced tool calls get JSON that validates against the caller's schema. Owns the
//! generator, its limits and its error type. The same schema and seed always give the same
//! value, and every value is checked with `jsonschema` before it leaves, so the result is either
//! valid or an error. It never fetches remote `$ref`s and never panics, however odd the schema;
//! choosing when to call it (which request, which seed) is the chat provider's business.

mod array;
mod check;
mod generate;
mod kind;
mod node;
mod number;
mod object;
mod pattern;
mod pointer;
mod text;

use serde_json::Value;

use check::Checker;
use generate::Generator;

/// Deepest nesting of JSON values accepted in a schema document.
const MAX_SCHEMA_DEPTH: usize = 128;
/// Most JSON values accepted in a schema document.
const MAX_SCHEMA_VALUES: usize = 100_000;
/// Deepest nesting of generated values.
const MAX_INSTANCE_DEPTH: usize = 64;
/// How often one `$ref` may be open inside itself before recursion is cut.
const MAX_REF_DEPTH: usize = 8;
/// Subschema visits before the search gives up (bounds `anyOf` backtracking).
const MAX_STEPS: usize = 20_000;
/// Largest array, object or string (in chars) the generator builds.
const MAX_SIZE: u64 = 10_000;

/// Why no instance could be produced.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// The schema is not a JSON Schema `jsonschema` accepts (unknown `$schema`, remote or
    /// unresolvable `$ref`, bad keyword values), or it is nested or sized beyond the limits.
    #[error("invalid schema: {0}")]
    InvalidSchema(String),
    /// No value was found for the subschema at `pointer`, a URI-fragment JSON pointer into the
    /// schema (`#` is the root, `#/properties/name` a property): it admits nothing, or nothing
    /// within the generator's limits (recursion depth, sizes, search steps).
    #[error("unsatisfiable schema at {pointer}: {reason}")]
    Unsatisfiable {
        /// Where in the schema the generator gave up.
        pointer: String,
        /// What went wrong there, in words; validator failures include the instance path.
        reason: String,
    },
}

impl InstanceError {
    fn unsatisfiable(pointer: &str, reason: impl Into<String>) -> Self {
        Self::Unsatisfiable {
            pointer: pointer.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A minimal instance of `schema`, deterministic for the same (schema, seed).
///
/// Required properties are always present and optional scalar properties are filled in where
/// the schema allows; `const` and the first fitting `enum` value win; numbers sit at 0 or the
/// nearest bound; strings come from a slug of `seed` (e.g. the last user message), or from the
/// `format` or `pattern`; arrays hold `minItems` items (one when no minimum is given).
/// `$ref`s are resolved locally; `anyOf`/`oneOf` take the first branch that yields a valid value,
/// preferring non-null ones. The draft is read from `$schema` (2020-12 when absent) and the value
/// is validated, with formats asserted, before it is returned.
pub fn instance(schema: &Value, seed: &str) -> Result<Value, InstanceError> {
    check_size(schema)?;
    let checker = Checker::new(schema)?;
    let value = Generator::new(schema, seed, checker).root()?;
    Ok(value)
}

/// Refuses documents too deep for the validator's recursion or too large to search.
fn check_size(schema: &Value) -> Result<(), InstanceError> {
    let mut stack = vec![(schema, 1_usize)];
    let mut seen = 0_usize;
    while let Some((value, depth)) = stack.pop() {
        seen += 1;
        if depth > MAX_SCHEMA_DEPTH {
            return Err(InstanceError::InvalidSchema(format!(
                "nested deeper than {MAX_SCHEMA_DEPTH} levels"
            )));
        }
        if seen > MAX_SCHEMA_VALUES {
            return Err(InstanceError::InvalidSchema(format!(
                "more than {MAX_SCHEMA_VALUES} values"
            )));
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|item| (item, depth + 1))),
            Value::Object(map) => stack.extend(map.values().map(|item| (item, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}
