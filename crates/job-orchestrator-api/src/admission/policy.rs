//! The job-type policy: which users may enqueue which job types. Read once at startup from the
//! JSON file named by `JOB_POLICY_PATH`; without one every registered type is allowed. The
//! file is checked completely (unknown fields, unregistered job types, malformed user ids, a
//! user both allowed and denied) so a typo stops startup instead of silently allowing.
//!
//! ```json
//! {
//!   "default": "allow",
//!   "job_types": {
//!     "knowledge.update": { "deny_users": ["user-123"] },
//!     "diagnostics.sleep": { "default": "deny", "allow_users": ["ops"] }
//!   }
//! }
//! ```
//! For a job type and user: a listed user gets what their list says; anyone else gets the type's
//! `default`, or the file's `default` (itself `allow` when absent).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use exobrain_jobs::domain::{InvalidField, JobType, Registry, UserId};
use serde::Deserialize;

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Allow,
    Deny,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    default: Option<Verdict>,
    #[serde(default)]
    job_types: BTreeMap<String, RuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    default: Option<Verdict>,
    #[serde(default)]
    allow_users: Vec<String>,
    #[serde(default)]
    deny_users: Vec<String>,
}

#[derive(Debug, Clone)]
struct Rule {
    default: Verdict,
    allow_users: BTreeSet<String>,
    deny_users: BTreeSet<String>,
}

/// Who may enqueue which job types.
#[derive(Debug, Clone)]
pub struct JobPolicy {
    default: Verdict,
    rules: BTreeMap<String, Rule>,
}

impl Default for JobPolicy {
    fn default() -> Self {
        Self::allow_all()
    }
}

impl JobPolicy {
    /// Every user may enqueue every registered type.
    pub fn allow_all() -> Self {
        Self {
            default: Verdict::Allow,
            rules: BTreeMap::new(),
        }
    }

    /// Reads the policy file at `path`, checking its job types against `registry`. The error
    /// names the file and every problem in it.
    pub fn load(path: &Path, registry: &Registry) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read policy file {}: {error}", path.display()))?;
        Self::parse(&text, registry)
            .map_err(|problem| format!("policy file {}: {problem}", path.display()))
    }

    /// Parses policy JSON, checking its job types against `registry`.
    pub fn parse(text: &str, registry: &Registry) -> Result<Self, String> {
        let file: PolicyFile = serde_json::from_str(text)
            .map_err(|error| format!("not valid policy JSON: {error}"))?;
        let default = file.default.unwrap_or(Verdict::Allow);
        let mut problems = Vec::new();
        let mut rules = BTreeMap::new();
        for (name, rule) in file.job_types {
            let field = format!("job_types.{name}");
            match JobType::parse(&field, &name) {
                Ok(job_type) => {
                    if let Err(mut unknown) = registry.spec(&job_type) {
                        unknown.field = field.clone();
                        problems.push(unknown);
                    }
                }
                Err(problem) => problems.push(problem),
            }
            let allow_users = users(&field, "allow_users", rule.allow_users, &mut problems);
            let deny_users = users(&field, "deny_users", rule.deny_users, &mut problems);
            for both in allow_users.intersection(&deny_users) {
                problems.push(InvalidField::new(
                    field.clone(),
                    format!("user `{both}` is both allowed and denied"),
                ));
            }
            let rule = Rule {
                default: rule.default.unwrap_or(default),
                allow_users,
                deny_users,
            };
            rules.insert(name, rule);
        }
        if problems.is_empty() {
            Ok(Self { default, rules })
        } else {
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            Err(problems.join("; "))
        }
    }

    /// Whether `user` may enqueue jobs of `job_type`.
    pub fn allows(&self, job_type: &JobType, user: &UserId) -> bool {
        let verdict = match self.rules.get(job_type.as_str()) {
            None => self.default,
            Some(rule) if rule.deny_users.contains(user.as_str()) => Verdict::Deny,
            Some(rule) if rule.allow_users.contains(user.as_str()) => Verdict::Allow,
            Some(rule) => rule.default,
        };
        verdict == Verdict::Allow
    }
}

fn users(
    field: &str,
    list: &str,
    raw: Vec<String>,
    problems: &mut Vec<InvalidField>,
) -> BTreeSet<String> {
    raw.into_iter()
        .enumerate()
        .filter_map(|(index, user)| {
            UserId::parse(&format!("{field}.{list}[{index}]"), &user)
                .map_err(|problem| problems.push(problem))
                .ok()
                .map(|user| user.as_str().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::standard(3, true)
    }

    fn allows(policy: &JobPolicy, job_type: &str, user: &str) -> bool {
        let job_type = JobType::parse("job_type", job_type).expect("type");
        policy.allows(&job_type, &UserId::parse("user_id", user).expect("user"))
    }

    #[test]
    fn listed_users_win_then_the_type_default_then_the_file_default() {
        let policy = JobPolicy::parse(
            r#"{
                "default": "deny",
                "job_types": {
                    "knowledge.update": { "default": "allow", "deny_users": ["mallory"] },
                    "diagnostics.sleep": { "allow_users": ["ops"] }
                }
            }"#,
            &registry(),
        )
        .expect("valid");
        assert!(allows(&policy, "knowledge.update", "alice"));
        assert!(!allows(&policy, "knowledge.update", "mallory"));
        assert!(allows(&policy, "diagnostics.sleep", "ops"));
        assert!(
            !allows(&policy, "diagnostics.sleep", "alice"),
            "type default inherits deny"
        );
        assert!(
            !allows(&policy, "diagnostics.echo", "alice"),
            "unlisted type"
        );
    }

    #[test]
    fn no_policy_allows_everything() {
        assert!(allows(
            &JobPolicy::allow_all(),
            "diagnostics.echo",
            "anyone"
        ));
        let empty = JobPolicy::parse("{}", &registry()).expect("empty file");
        assert!(allows(&empty, "knowledge.update", "anyone"));
    }

    #[test]
    fn every_problem_of_a_bad_file_is_reported() {
        let error = JobPolicy::parse(
            r#"{ "job_types": {
                    "mail.send": {},
                    "knowledge.update": { "allow_users": ["a", " padded"], "deny_users": ["a"] }
            } }"#,
            &registry(),
        )
        .expect_err("invalid");
        assert!(
            error.contains("job_types.mail.send: unknown job type `mail.send`"),
            "{error}"
        );
        assert!(
            error.contains("job_types.knowledge.update.allow_users[1]: must not start or end"),
            "{error}"
        );
        assert!(
            error.contains("user `a` is both allowed and denied"),
            "{error}"
        );
    }

    #[test]
    fn malformed_json_and_unknown_fields_are_refused() {
        for bad in [
            "{",
            r#"{ "defaults": "allow" }"#,
            r#"{ "default": "maybe" }"#,
            r#"{ "job_types": { "knowledge.update": { "allowed": [] } } }"#,
        ] {
            let error = JobPolicy::parse(bad, &registry()).expect_err(bad);
            assert!(error.starts_with("not valid policy JSON"), "{error}");
        }
    }

    #[test]
    fn a_missing_file_is_named() {
        let error = JobPolicy::load(Path::new("/nonexistent/policy.json"), &registry())
            .expect_err("missing");
        assert!(error.contains("/nonexistent/policy.json"), "{error}");
    }
}
