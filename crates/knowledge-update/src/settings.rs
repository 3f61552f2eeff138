//! The pipeline's settings from env: which strategy reads the transcript, which model alias
//! each step asks, how many calls run at once, and how long a call may take.

use std::str::FromStr;
use std::time::Duration;

use exobrain_common::config::Env;
use serde::{Deserialize, Serialize};

/// `KNOWLEDGE_UPDATE_STRATEGY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategySetting {
    /// A model, unless the extraction alias is served by the offline `local` provider.
    Auto,
    /// Always a model.
    Model,
    /// Always the offline extractor.
    Heuristic,
}

impl FromStr for StrategySetting {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "model" => Ok(Self::Model),
            "heuristic" => Ok(Self::Heuristic),
            other => Err(format!("`{other}` is not auto, model or heuristic")),
        }
    }
}

/// The strategy a job runs with (kept as a checkpoint, so every attempt uses the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Model calls.
    Model,
    /// The offline extractor.
    Offline,
}

impl Strategy {
    /// Its name in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Offline => "offline",
        }
    }

    /// The provenance's `extractor`.
    pub fn extractor(self, settings: &Settings) -> String {
        match self {
            Self::Model => format!("knowledge.update model {}", settings.aliases.extraction),
            Self::Offline => "knowledge.update offline extractor".to_owned(),
        }
    }
}

/// The model alias of each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aliases {
    /// Step 2 (`KNOWLEDGE_UPDATE_EXTRACTION_MODEL`, default `worker`).
    pub extraction: String,
    /// Step 4 (`KNOWLEDGE_UPDATE_FOCUS_MODEL`, default `reasoner`).
    pub focus: String,
    /// Step 5 (`KNOWLEDGE_UPDATE_RESOLUTION_MODEL`, default `worker`).
    pub resolution: String,
    /// Steps 6 and 7 (`KNOWLEDGE_UPDATE_RELATIONSHIP_MODEL`, default `worker`).
    pub relationship: String,
    /// Step 8 for a new entity (`KNOWLEDGE_UPDATE_GRAPH_MODEL`, default `worker`).
    pub graph_new: String,
    /// Step 8 for a stored entity (`KNOWLEDGE_UPDATE_GRAPH_MATCHED_MODEL`, default
    /// `reasoner`).
    pub graph_matched: String,
    /// Step 10 (`KNOWLEDGE_UPDATE_MENTIONS_MODEL`, default `worker`).
    pub mentions: String,
}

/// Everything the pipeline is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `KNOWLEDGE_UPDATE_STRATEGY` (default `auto`).
    pub strategy: StrategySetting,
    /// Aliases per step.
    pub aliases: Aliases,
    /// Calls one job runs at once (`KNOWLEDGE_UPDATE_JOB_CONCURRENCY`, default 8).
    pub job_concurrency: usize,
    /// Model calls one worker runs at once across its jobs
    /// (`KNOWLEDGE_UPDATE_WORKER_MODEL_CALLS`, default 32).
    pub worker_model_calls: usize,
    /// Longest model call (`KNOWLEDGE_UPDATE_MODEL_TIMEOUT_SECONDS`, default 120).
    pub model_timeout: Duration,
    /// Longest knowledge-interface call (`KNOWLEDGE_UPDATE_KNOWLEDGE_TIMEOUT_SECONDS`,
    /// default 30).
    pub knowledge_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_env(&mut Env::from_map(Vec::<(String, String)>::new()))
    }
}

impl Settings {
    /// Reads the settings; bad values are recorded in `env`.
    pub fn from_env(env: &mut Env) -> Self {
        Self {
            strategy: env.parse("KNOWLEDGE_UPDATE_STRATEGY", StrategySetting::Auto),
            aliases: Aliases {
                extraction: env.string("KNOWLEDGE_UPDATE_EXTRACTION_MODEL", "worker"),
                focus: env.string("KNOWLEDGE_UPDATE_FOCUS_MODEL", "reasoner"),
                resolution: env.string("KNOWLEDGE_UPDATE_RESOLUTION_MODEL", "worker"),
                relationship: env.string("KNOWLEDGE_UPDATE_RELATIONSHIP_MODEL", "worker"),
                graph_new: env.string("KNOWLEDGE_UPDATE_GRAPH_MODEL", "worker"),
                graph_matched: env.string("KNOWLEDGE_UPDATE_GRAPH_MATCHED_MODEL", "reasoner"),
                mentions: env.string("KNOWLEDGE_UPDATE_MENTIONS_MODEL", "worker"),
            },
            job_concurrency: env.bounded("KNOWLEDGE_UPDATE_JOB_CONCURRENCY", 8, 1, 256),
            worker_model_calls: env.bounded("KNOWLEDGE_UPDATE_WORKER_MODEL_CALLS", 32, 1, 4096),
            model_timeout: env.seconds(
                "KNOWLEDGE_UPDATE_MODEL_TIMEOUT_SECONDS",
                Duration::from_secs(120),
            ),
            knowledge_timeout: env.seconds(
                "KNOWLEDGE_UPDATE_KNOWLEDGE_TIMEOUT_SECONDS",
                Duration::from_secs(30),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_a_bad_strategy_is_named() {
        let settings = Settings::default();
        assert_eq!(settings.strategy, StrategySetting::Auto);
        assert_eq!(settings.aliases.focus, "reasoner");
        let mut env = Env::from_map([("KNOWLEDGE_UPDATE_STRATEGY", "guess")]);
        let _ = Settings::from_env(&mut env);
        let error = env.finish().expect_err("refused").to_string();
        assert!(error.contains("KNOWLEDGE_UPDATE_STRATEGY"), "{error}");
    }
}
