//! The alias file (`config/models.yaml`): parsed and checked completely at startup, so a typo
//! stops the service with every problem named instead of failing a request later. Aliases keep
//! the file's order. Which provider actually answers an alias is decided in [`routes`].

pub mod routes;

use std::path::Path;

use serde::Deserialize;

/// Who answers an alias, as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// api.openai.com (or `base_url`), chat completions and embeddings.
    Openai,
    /// The Anthropic Messages API.
    Anthropic,
    /// Any server speaking the OpenAI API (Ollama, vLLM, LM Studio); needs `base_url`.
    OpenaiCompatible,
    /// The built-in offline provider.
    Local,
}

impl ProviderKind {
    /// The name used in the file, logs, metrics and `/v1/models`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::OpenaiCompatible => "openai_compatible",
            ProviderKind::Local => "local",
        }
    }
}

/// What an alias is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Chat completions.
    Chat,
    /// Embeddings.
    Embeddings,
}

impl Mode {
    /// The name used in the file and `/v1/models` (`chat`, `embedding`).
    pub fn kind(self) -> &'static str {
        match self {
            Mode::Chat => "chat",
            Mode::Embeddings => "embedding",
        }
    }
}

/// Reasoning effort for models that have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// Minimal reasoning.
    Minimal,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// Request fields an alias fills in when the request leaves them out.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Sampling temperature (0..=2).
    pub temperature: Option<f64>,
    /// Most output tokens.
    pub max_output_tokens: Option<u32>,
    /// Reasoning effort (OpenAI reasoning models).
    pub reasoning_effort: Option<ReasoningEffort>,
}

/// A request field a model refuses; the gateway drops it instead of failing upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Param {
    /// `temperature`.
    Temperature,
    /// `reasoning_effort`.
    ReasoningEffort,
    /// `stop`.
    Stop,
}

/// One alias as configured.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alias {
    /// The alias (the key in the file).
    #[serde(skip)]
    pub name: String,
    /// Configured provider.
    pub provider: ProviderKind,
    /// Chat or embeddings.
    pub mode: Mode,
    /// The provider's model name.
    pub upstream_model: String,
    /// Defaults for requests.
    #[serde(default)]
    pub defaults: Defaults,
    /// Embedding dimensions asked of the provider.
    #[serde(default)]
    pub dimensions: Option<u32>,
    /// The provider's API base URL.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Variable holding the key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Fields this model refuses.
    #[serde(default)]
    pub unsupported_params: Vec<Param>,
}

/// Every alias of the file, in file order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    aliases: Vec<Alias>,
}

/// Why the alias file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be read.
    #[error("cannot read the model alias file {path}: {cause} (set MODEL_PROVIDER_CONFIG_PATH)")]
    Unreadable {
        /// The path.
        path: String,
        /// Why.
        cause: String,
    },
    /// The content is wrong; every problem is listed.
    #[error("the model alias file {path} is invalid: {}", .problems.join("; "))]
    Invalid {
        /// The path.
        path: String,
        /// What to fix.
        problems: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    aliases: serde_yaml_ng::Mapping,
}

impl Catalog {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Self, CatalogError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| CatalogError::Unreadable {
            path: shown.clone(),
            cause: error.to_string(),
        })?;
        Self::parse(&text).map_err(|problems| CatalogError::Invalid {
            path: shown,
            problems,
        })
    }

    /// Parses and checks `text`, returning every problem found.
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        let file: File = serde_yaml_ng::from_str(text).map_err(|error| vec![error.to_string()])?;
        let mut problems = Vec::new();
        let mut aliases = Vec::new();
        for (key, value) in file.aliases {
            let Some(name) = key.as_str().map(str::to_owned) else {
                problems.push(format!("alias name {key:?} must be a string"));
                continue;
            };
            match serde_yaml_ng::from_value::<Alias>(value) {
                Ok(mut alias) => {
                    alias.name = name;
                    problems.extend(alias.problems());
                    aliases.push(alias);
                }
                Err(error) => problems.push(format!("alias `{name}`: {error}")),
            }
        }
        if aliases.is_empty() && problems.is_empty() {
            problems.push("`aliases` lists no alias".into());
        }
        if problems.is_empty() {
            Ok(Self { aliases })
        } else {
            Err(problems)
        }
    }

    /// The alias named `name`.
    pub fn get(&self, name: &str) -> Option<&Alias> {
        self.aliases.iter().find(|alias| alias.name == name)
    }

    /// Every alias, in file order.
    pub fn aliases(&self) -> &[Alias] {
        &self.aliases
    }
}

impl Alias {
    /// What is wrong with this alias beyond its shape.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let at = |what: &str| format!("alias `{}`: {what}", self.name);
        if self.name.trim().is_empty() || self.name.chars().any(char::is_whitespace) {
            problems.push(at("the name must be non-empty without spaces"));
        }
        if self.upstream_model.trim().is_empty() {
            problems.push(at("upstream_model must not be empty"));
        }
        if self.provider == ProviderKind::OpenaiCompatible && self.base_url.is_none() {
            problems.push(at("provider openai_compatible needs base_url"));
        }
        if let Some(url) = &self.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            problems.push(at("base_url must start with http:// or https://"));
        }
        if self.provider == ProviderKind::Anthropic && self.mode == Mode::Embeddings {
            problems.push(at(
                "anthropic has no embeddings; use openai, openai_compatible or local",
            ));
        }
        if let Some(temperature) = self.defaults.temperature
            && !(0.0..=2.0).contains(&temperature)
        {
            problems.push(at("defaults.temperature must be within 0..=2"));
        }
        if self.defaults.max_output_tokens == Some(0) {
            problems.push(at("defaults.max_output_tokens must be positive"));
        }
        if self.mode == Mode::Chat && self.dimensions.is_some() {
            problems.push(at("dimensions applies to embeddings aliases only"));
        }
        if self.dimensions == Some(0) {
            problems.push(at("dimensions must be positive"));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_is_valid_and_keeps_its_order() {
        let text = include_str!("../../../../config/models.yaml");
        let catalog = Catalog::parse(text).expect("valid");
        let names: Vec<_> = catalog.aliases().iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "router",
                "worker",
                "reasoner",
                "coder",
                "agent",
                "architect",
                "all-purpose"
            ]
        );
        let reasoner = catalog.get("reasoner").expect("reasoner");
        assert_eq!(
            reasoner.defaults.reasoning_effort,
            Some(ReasoningEffort::High)
        );
        assert_eq!(
            catalog.get("all-purpose").expect("embeddings").mode,
            Mode::Embeddings
        );
    }

    #[test]
    fn every_problem_is_reported_by_alias() {
        let problems = Catalog::parse(
            "aliases:\n  a: {provider: openai_compatible, mode: chat, upstream_model: ' '}\n  \
             b: {provider: anthropic, mode: embeddings, upstream_model: x, defaults: {temperature: 3}}\n  \
             c: {provider: nope, mode: chat, upstream_model: x}\n  \
             d: {provider: openai, mode: chat, upstream_model: x, colour: red}\n",
        )
        .expect_err("invalid");
        let text = problems.join("\n");
        for expected in [
            "alias `a`: upstream_model must not be empty",
            "alias `a`: provider openai_compatible needs base_url",
            "alias `b`: anthropic has no embeddings",
            "alias `b`: defaults.temperature must be within 0..=2",
            "alias `c`: unknown variant `nope`",
            "alias `d`: unknown field `colour`",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }
}
