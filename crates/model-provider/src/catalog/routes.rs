//! Which provider answers each alias, decided once at startup. An alias whose provider has
//! no key (or every alias, with `MODEL_PROVIDER_OFFLINE`) is answered by the built-in `local`
//! provider, and the reason is kept for the startup log and `/v1/models`.

use secrecy::SecretString;

use super::{Alias, Catalog, ProviderKind};

/// Default base URL of the OpenAI API (`OPENAI_BASE_URL` overrides it).
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// Default base URL of the Anthropic API (`ANTHROPIC_BASE_URL` overrides it).
pub const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";

/// Where an alias's requests go.
#[derive(Debug, Clone)]
pub enum Route {
    /// The built-in offline provider.
    Local,
    /// An upstream HTTP API.
    Upstream {
        /// Its protocol.
        kind: ProviderKind,
        /// Its base URL, without a trailing slash.
        base_url: String,
        /// The key sent, if any.
        api_key: Option<SecretString>,
    },
}

/// An alias with the route it takes.
#[derive(Debug, Clone)]
pub struct Routed {
    /// The alias as configured.
    pub alias: Alias,
    /// Where its requests go.
    pub route: Route,
    /// Why it is served locally although another provider was configured.
    pub fallback: Option<String>,
}

impl Routed {
    /// The provider that actually answers.
    pub fn provider(&self) -> ProviderKind {
        match &self.route {
            Route::Local => ProviderKind::Local,
            Route::Upstream { kind, .. } => *kind,
        }
    }
}

/// How to find keys and base URLs.
pub trait Lookup {
    /// The trimmed, non-empty value of `var`.
    fn get(&self, var: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Lookup for F {
    fn get(&self, var: &str) -> Option<String> {
        self(var)
    }
}

/// Routes every alias of `catalog`, reading keys and base URLs through `lookup`.
pub fn route_all(catalog: &Catalog, lookup: &dyn Lookup, offline: bool) -> Vec<Routed> {
    catalog
        .aliases()
        .iter()
        .map(|alias| route(alias, lookup, offline))
        .collect()
}

fn route(alias: &Alias, lookup: &dyn Lookup, offline: bool) -> Routed {
    let local = |fallback: Option<String>| Routed {
        alias: alias.clone(),
        route: Route::Local,
        fallback,
    };
    if alias.provider == ProviderKind::Local {
        return local(None);
    }
    if offline {
        return local(Some("MODEL_PROVIDER_OFFLINE is set".into()));
    }
    let key_var = alias.api_key_env.clone().or(match alias.provider {
        ProviderKind::Openai => Some("OPENAI_API_KEY".to_owned()),
        ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY".to_owned()),
        ProviderKind::OpenaiCompatible | ProviderKind::Local => None,
    });
    let api_key = key_var.as_deref().and_then(|var| lookup.get(var));
    if let (Some(var), None) = (&key_var, &api_key) {
        return local(Some(format!("{var} is not set")));
    }
    let base_url = alias
        .base_url
        .clone()
        .or_else(|| match alias.provider {
            ProviderKind::Openai => Some(
                lookup
                    .get("OPENAI_BASE_URL")
                    .unwrap_or_else(|| OPENAI_BASE_URL.into()),
            ),
            ProviderKind::Anthropic => Some(
                lookup
                    .get("ANTHROPIC_BASE_URL")
                    .unwrap_or_else(|| ANTHROPIC_BASE_URL.into()),
            ),
            ProviderKind::OpenaiCompatible | ProviderKind::Local => None,
        })
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    Routed {
        alias: alias.clone(),
        route: Route::Upstream {
            kind: alias.provider,
            base_url,
            api_key: api_key.map(SecretString::from),
        },
        fallback: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn catalog() -> Catalog {
        Catalog::parse(
            "aliases:\n  gpt: {provider: openai, mode: chat, upstream_model: gpt-x}\n  \
             claude: {provider: anthropic, mode: chat, upstream_model: c}\n  \
             llama: {provider: openai_compatible, mode: chat, upstream_model: l, base_url: 'http://127.0.0.1:11434/v1/'}\n  \
             own: {provider: openai, mode: chat, upstream_model: o, api_key_env: TEAM_KEY}\n",
        )
        .expect("valid")
    }

    fn routes(vars: &[(&str, &str)], offline: bool) -> HashMap<String, Routed> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = move |var: &str| vars.get(var).cloned();
        route_all(&catalog(), &lookup, offline)
            .into_iter()
            .map(|routed| (routed.alias.name.clone(), routed))
            .collect()
    }

    #[test]
    fn a_missing_key_falls_back_to_local_and_says_which_variable() {
        let routes = routes(&[("OPENAI_API_KEY", "sk-1")], false);
        assert_eq!(routes["gpt"].provider(), ProviderKind::Openai);
        assert_eq!(routes["claude"].provider(), ProviderKind::Local);
        assert_eq!(
            routes["claude"].fallback.as_deref(),
            Some("ANTHROPIC_API_KEY is not set")
        );
        assert_eq!(
            routes["own"].fallback.as_deref(),
            Some("TEAM_KEY is not set")
        );
        let Route::Upstream { base_url, .. } = &routes["llama"].route else {
            panic!("an openai_compatible alias needs no key")
        };
        assert_eq!(base_url, "http://127.0.0.1:11434/v1");
    }

    #[test]
    fn base_urls_come_from_the_environment_unless_the_alias_sets_one() {
        let routes = routes(
            &[
                ("OPENAI_API_KEY", "sk"),
                ("OPENAI_BASE_URL", "http://fake:1/v1"),
            ],
            false,
        );
        let Route::Upstream { base_url, .. } = &routes["gpt"].route else {
            panic!("upstream")
        };
        assert_eq!(base_url, "http://fake:1/v1");
    }

    #[test]
    fn offline_serves_everything_locally() {
        let routes = routes(
            &[("OPENAI_API_KEY", "sk"), ("ANTHROPIC_API_KEY", "ak")],
            true,
        );
        assert!(routes.values().all(|r| r.provider() == ProviderKind::Local));
    }
}
