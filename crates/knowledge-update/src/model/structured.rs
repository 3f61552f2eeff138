//! A structured model call that the pipeline can trust: the reply is parsed and validated
//! against the step's JSON schema (and the step's own rules, such as "the id must be one of the
//! candidates"); an invalid reply is re-asked once with the errors; a second invalid reply
//! fails the step with its first errors.

use std::sync::atomic::{AtomicU64, Ordering};

use jsonschema::Validator;
use serde_json::Value;

use super::client::{ModelClient, ModelError, Turn};

/// How many errors a re-ask and a failure name.
const ERRORS_SHOWN: usize = 5;

/// One structured question.
#[derive(Debug)]
pub struct Ask<'a> {
    /// The step asking, for messages (`step 2 entity extraction`).
    pub step: &'a str,
    /// Model alias.
    pub alias: &'a str,
    /// Schema name sent to the provider.
    pub schema_name: &'a str,
    /// The reply's schema.
    pub schema: &'a Value,
    /// The instructions.
    pub system: &'a str,
    /// The input.
    pub user: String,
}

/// Why a structured question got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    /// The call itself failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Two replies in a row broke the schema or the step's rules.
    #[error("{step}: the model's reply was invalid twice: {errors}")]
    Invalid {
        /// The step.
        step: String,
        /// Its first errors, joined.
        errors: String,
    },
}

/// Counts of calls made, for the job's summary and the benchmark.
#[derive(Debug, Default)]
pub struct Asked {
    calls: AtomicU64,
    tokens: AtomicU64,
}

impl Asked {
    /// Model calls made.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Tokens used.
    pub fn tokens(&self) -> u64 {
        self.tokens.load(Ordering::Relaxed)
    }
}

impl ModelClient {
    /// Asks `ask`, validating the reply against its schema and `rules` (which return the
    /// reply's problems, empty when it is usable).
    pub async fn ask(
        &self,
        ask: Ask<'_>,
        counts: &Asked,
        rules: impl Fn(&Value) -> Vec<String>,
    ) -> Result<Value, AskError> {
        let validator =
            jsonschema::validator_for(ask.schema).map_err(|error| AskError::Invalid {
                step: ask.step.to_owned(),
                errors: format!("the step's own schema does not compile: {error}"),
            })?;
        let mut turns = vec![
            Turn {
                role: "system",
                text: ask.system.to_owned(),
            },
            Turn {
                role: "user",
                text: ask.user,
            },
        ];
        let mut errors = Vec::new();
        for round in 0..2 {
            let reply = self
                .structured(ask.alias, ask.schema_name, ask.schema, &turns)
                .await?;
            counts.calls.fetch_add(1, Ordering::Relaxed);
            counts
                .tokens
                .fetch_add(reply.total_tokens, Ordering::Relaxed);
            errors = problems(&validator, &reply.text, &rules);
            if errors.is_empty() {
                return serde_json::from_str(&reply.text).map_err(|error| AskError::Invalid {
                    step: ask.step.to_owned(),
                    errors: error.to_string(),
                });
            }
            if round == 0 {
                tracing::info!(
                    step = ask.step,
                    errors = errors.len(),
                    "invalid model reply; asking again"
                );
                turns.push(Turn {
                    role: "assistant",
                    text: reply.text,
                });
                turns.push(Turn {
                    role: "user",
                    text: format!(
                        "Your reply was invalid. Fix these problems and answer again with the \
                         complete JSON document only:\n- {}",
                        errors.join("\n- ")
                    ),
                });
            }
        }
        Err(AskError::Invalid {
            step: ask.step.to_owned(),
            errors: errors.join("; "),
        })
    }
}

/// The first problems of `text` as a reply: not JSON, against the schema, or against `rules`.
fn problems(
    validator: &Validator,
    text: &str,
    rules: &impl Fn(&Value) -> Vec<String>,
) -> Vec<String> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => return vec![format!("the reply is not a JSON document: {error}")],
    };
    let mut found: Vec<String> = validator
        .iter_errors(&value)
        .take(ERRORS_SHOWN)
        .map(|error| {
            let path = error.instance_path().as_str().to_owned();
            let at = if path.is_empty() {
                "/".to_owned()
            } else {
                path
            };
            format!("at {at}: {error}")
        })
        .collect();
    if found.is_empty() {
        found = rules(&value);
        found.truncate(ERRORS_SHOWN);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn problems_name_the_path_and_rules_run_only_on_schema_valid_replies() {
        let schema = json!({
            "type": "object",
            "properties": { "name": { "type": "string", "minLength": 1 } },
            "required": ["name"],
            "additionalProperties": false
        });
        let validator = jsonschema::validator_for(&schema).unwrap();
        let rule = |value: &Value| {
            if value["name"] == "bad" {
                vec!["name must not be bad".to_owned()]
            } else {
                Vec::new()
            }
        };
        assert!(problems(&validator, "{\"name\":\"ok\"}", &rule).is_empty());
        let wrong = problems(&validator, "{\"name\":\"\"}", &rule);
        assert!(wrong[0].starts_with("at /name:"), "{wrong:?}");
        assert_eq!(
            problems(&validator, "{\"name\":\"bad\"}", &rule),
            ["name must not be bad"]
        );
        assert!(problems(&validator, "not json", &rule)[0].contains("not a JSON document"));
    }
}
