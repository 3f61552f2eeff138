//! The job type registry: for each known type its payload rules, timeout and attempt budget.
//! The API checks requests against it; the worker picks handlers and limits from it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::InvalidField;
use super::ids::JobType;

/// How a job type's payload is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadRule {
    /// The typed `knowledge_update` message (see [`super::KnowledgeUpdate`]).
    KnowledgeUpdate,
    /// Any JSON object.
    AnyObject,
    /// `{"ms": 0..=60000}`.
    Sleep,
    /// `{"fail_attempts": 0..=100}`.
    Fail,
    /// `{"steps": 1..=20, "step_ms": 0..=3000, "fail_attempts": 0..=100, "fail_at_step": n}`.
    Steps,
}

/// What the system knows about one job type.
#[derive(Debug, Clone)]
pub struct JobTypeSpec {
    /// The type's name.
    pub job_type: JobType,
    /// How its payload is checked.
    pub payload: PayloadRule,
    /// How long one attempt may run.
    pub timeout: Duration,
    /// Attempts before the job fails for good.
    pub max_attempts: u32,
}

/// Every job type this deployment accepts.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    specs: BTreeMap<String, JobTypeSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SleepPayload {
    ms: u64,
    /// Record a side effect in `diagnostic_effects` before sleeping (tests of exactly-once
    /// effects across redeliveries).
    #[serde(default)]
    #[allow(dead_code)]
    record_effect: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailPayload {
    fail_attempts: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepsPayload {
    steps: u32,
    #[serde(default)]
    step_ms: u64,
    #[serde(default)]
    fail_attempts: u32,
    /// The step at which a planned failure happens (default: after the last step).
    #[serde(default)]
    fail_at_step: Option<u32>,
}

impl StepsPayload {
    fn check(&self) -> Result<(), InvalidField> {
        let field = |name: &str| format!("payload_json.{name}");
        if !(1..=20).contains(&self.steps) {
            return Err(InvalidField::new(field("steps"), "must be 1 to 20"));
        }
        if self.step_ms > 3_000 {
            return Err(InvalidField::new(field("step_ms"), "must be at most 3000"));
        }
        if self.fail_attempts > 100 {
            return Err(InvalidField::new(
                field("fail_attempts"),
                "must be at most 100",
            ));
        }
        if self
            .fail_at_step
            .is_some_and(|step| !(1..=self.steps).contains(&step))
        {
            return Err(InvalidField::new(
                field("fail_at_step"),
                "must be one of the steps",
            ));
        }
        Ok(())
    }
}

impl Registry {
    /// `knowledge.update`, plus the diagnostic types (`diagnostics.echo`, `.sleep`, `.fail`,
    /// `.steps`) when `diagnostics` is on.
    pub fn standard(max_attempts: u32, diagnostics: bool) -> Self {
        let mut registry = Self::default();
        registry.register(
            "knowledge.update",
            PayloadRule::KnowledgeUpdate,
            Duration::from_secs(600),
            max_attempts,
        );
        if diagnostics {
            registry.register(
                "diagnostics.echo",
                PayloadRule::AnyObject,
                Duration::from_secs(30),
                max_attempts,
            );
            registry.register(
                "diagnostics.sleep",
                PayloadRule::Sleep,
                Duration::from_secs(90),
                max_attempts,
            );
            registry.register(
                "diagnostics.fail",
                PayloadRule::Fail,
                Duration::from_secs(30),
                max_attempts,
            );
            registry.register(
                "diagnostics.steps",
                PayloadRule::Steps,
                Duration::from_secs(90),
                max_attempts,
            );
        }
        registry
    }

    fn register(&mut self, name: &str, payload: PayloadRule, timeout: Duration, max_attempts: u32) {
        if let Ok(job_type) = JobType::parse("job_type", name) {
            self.specs.insert(
                name.to_owned(),
                JobTypeSpec {
                    job_type,
                    payload,
                    timeout,
                    max_attempts,
                },
            );
        }
    }

    /// The spec of a known type, or an error naming the known ones.
    pub fn spec(&self, job_type: &JobType) -> Result<&JobTypeSpec, InvalidField> {
        self.specs.get(job_type.as_str()).ok_or_else(|| {
            let known: Vec<_> = self.specs.keys().map(String::as_str).collect();
            InvalidField::new(
                "job_type",
                format!(
                    "unknown job type `{job_type}` (known: {})",
                    known.join(", ")
                ),
            )
        })
    }

    /// Checks a payload as stored with a job (the worker re-checks before running it, in
    /// case the job was written by another version or by hand).
    pub fn check_stored(
        spec: &JobTypeSpec,
        payload: &serde_json::Value,
    ) -> Result<(), InvalidField> {
        if spec.payload == PayloadRule::KnowledgeUpdate {
            return serde_json::from_value::<super::KnowledgeUpdate>(payload.clone())
                .map(|_| ())
                .map_err(|error| {
                    InvalidField::new("payload", format!("is not a knowledge update: {error}"))
                });
        }
        Self::validate_json(spec, &payload.to_string(), usize::MAX).map(|_| ())
    }

    /// All registered types.
    pub fn specs(&self) -> impl Iterator<Item = &JobTypeSpec> {
        self.specs.values()
    }

    /// Checks a `payload_json` body against `spec`, returning the parsed object.
    pub fn validate_json(
        spec: &JobTypeSpec,
        raw: &str,
        max_bytes: usize,
    ) -> Result<serde_json::Value, InvalidField> {
        const FIELD: &str = "payload_json";
        if spec.payload == PayloadRule::KnowledgeUpdate {
            return Err(InvalidField::new(
                "knowledge_update",
                format!("is required for {} jobs", spec.job_type),
            ));
        }
        if raw.len() > max_bytes {
            return Err(InvalidField::new(
                FIELD,
                format!("is {} bytes; at most {max_bytes} are allowed", raw.len()),
            ));
        }
        let value: serde_json::Value = serde_json::from_str(raw)
            .map_err(|error| InvalidField::new(FIELD, format!("is not valid JSON: {error}")))?;
        if !value.is_object() {
            return Err(InvalidField::new(FIELD, "must be a JSON object"));
        }
        match spec.payload {
            PayloadRule::Sleep => {
                let sleep: SleepPayload =
                    serde_json::from_value(value.clone()).map_err(|error| {
                        InvalidField::new(
                            FIELD,
                            format!("expected {{\"ms\": <milliseconds>, \"record_effect\": <bool, optional>}}: {error}"),
                        )
                    })?;
                if sleep.ms > 60_000 {
                    return Err(InvalidField::new(
                        format!("{FIELD}.ms"),
                        "must be at most 60000",
                    ));
                }
            }
            PayloadRule::Fail => {
                let fail: FailPayload = serde_json::from_value(value.clone()).map_err(|error| {
                    InvalidField::new(
                        FIELD,
                        format!("expected {{\"fail_attempts\": <count>}}: {error}"),
                    )
                })?;
                if fail.fail_attempts > 100 {
                    return Err(InvalidField::new(
                        format!("{FIELD}.fail_attempts"),
                        "must be at most 100",
                    ));
                }
            }
            PayloadRule::Steps => {
                let steps: StepsPayload =
                    serde_json::from_value(value.clone()).map_err(|error| {
                        InvalidField::new(
                            FIELD,
                            format!("expected {{\"steps\": <count>, \"step_ms\", \"fail_attempts\", \"fail_at_step\": <optional>}}: {error}"),
                        )
                    })?;
                steps.check()?;
            }
            PayloadRule::AnyObject | PayloadRule::KnowledgeUpdate => {}
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job_type(name: &str) -> JobType {
        JobType::parse("job_type", name).expect("name")
    }

    #[test]
    fn diagnostics_are_registered_only_when_enabled() {
        let with = Registry::standard(3, true);
        let without = Registry::standard(3, false);
        assert!(with.spec(&job_type("diagnostics.sleep")).is_ok());
        let error = without
            .spec(&job_type("diagnostics.sleep"))
            .expect_err("not registered");
        assert!(error.problem.contains("known: knowledge.update"), "{error}");
    }

    #[test]
    fn json_payloads_follow_their_type() {
        let registry = Registry::standard(3, true);
        let sleep = registry.spec(&job_type("diagnostics.sleep")).expect("spec");
        assert!(Registry::validate_json(sleep, r#"{"ms": 50}"#, 1024).is_ok());
        assert!(Registry::validate_json(sleep, r#"{"ms": 50, "x": 1}"#, 1024).is_err());
        assert_eq!(
            Registry::validate_json(sleep, r#"{"ms": 70000}"#, 1024)
                .expect_err("cap")
                .field,
            "payload_json.ms"
        );
        assert!(
            Registry::validate_json(sleep, "[1]", 1024)
                .expect_err("array")
                .problem
                .contains("object")
        );
        assert!(
            Registry::validate_json(sleep, "{", 1024)
                .expect_err("syntax")
                .problem
                .contains("not valid JSON")
        );

        let steps = registry.spec(&job_type("diagnostics.steps")).expect("spec");
        assert!(Registry::validate_json(steps, r#"{"steps": 3, "fail_at_step": 3}"#, 1024).is_ok());
        assert_eq!(
            Registry::validate_json(steps, r#"{"steps": 3, "fail_at_step": 4}"#, 1024)
                .expect_err("past the last step")
                .field,
            "payload_json.fail_at_step"
        );
        assert!(Registry::validate_json(steps, r#"{"steps": 0}"#, 1024).is_err());

        let echo = registry.spec(&job_type("diagnostics.echo")).expect("spec");
        assert!(
            Registry::validate_json(echo, &format!(r#"{{"a":"{}"}}"#, "x".repeat(100)), 50)
                .is_err()
        );
    }

    #[test]
    fn knowledge_updates_need_the_typed_payload() {
        let registry = Registry::standard(3, false);
        let spec = registry.spec(&job_type("knowledge.update")).expect("spec");
        let error = Registry::validate_json(spec, "{}", 1024).expect_err("typed only");
        assert_eq!(error.field, "knowledge_update");
        assert_eq!(spec.max_attempts, 3);
    }
}
