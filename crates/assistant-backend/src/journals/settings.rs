//! Settings of the journal read cache, read from the environment. The service's `Config`
//! embeds them; tests build them directly with their own key prefix.

use std::time::Duration;

use exobrain_common::config::Env;

/// Key prefix and lifetimes of cached journal reads.
#[derive(Debug, Clone)]
pub struct JournalCacheSettings {
    /// `ASSISTANT_JOURNAL_CACHE_KEY_PREFIX` (default `assistant:journal-cache`); keys are
    /// `<prefix>:v1:user:<id>:journal:...`.
    pub key_prefix: String,
    /// `ASSISTANT_JOURNAL_CACHE_ENTRY_TTL_SECONDS` (30): one journal entry.
    pub entry_ttl: Duration,
    /// `ASSISTANT_JOURNAL_CACHE_NEGATIVE_TTL_SECONDS` (8): "no journal for this day".
    pub negative_ttl: Duration,
    /// `ASSISTANT_JOURNAL_CACHE_LIST_TTL_SECONDS` (20): one page of the journal list.
    pub list_ttl: Duration,
    /// `ASSISTANT_JOURNAL_CACHE_MESSAGES_TTL_SECONDS` (20): one page of messages.
    pub messages_ttl: Duration,
    /// `ASSISTANT_JOURNAL_CACHE_JITTER_MAX_SECONDS` (5): each TTL gets a random 0..=jitter
    /// whole seconds added, so pages cached together do not expire together.
    pub jitter_max_seconds: u64,
}

impl JournalCacheSettings {
    /// Reads the variables, recording bad values in `env`.
    pub fn from_env(env: &mut Env) -> Self {
        let prefix = env.string(
            "ASSISTANT_JOURNAL_CACHE_KEY_PREFIX",
            "assistant:journal-cache",
        );
        Self {
            key_prefix: prefix.trim_matches(':').to_owned(),
            entry_ttl: env.seconds(
                "ASSISTANT_JOURNAL_CACHE_ENTRY_TTL_SECONDS",
                Duration::from_secs(30),
            ),
            negative_ttl: env.seconds(
                "ASSISTANT_JOURNAL_CACHE_NEGATIVE_TTL_SECONDS",
                Duration::from_secs(8),
            ),
            list_ttl: env.seconds(
                "ASSISTANT_JOURNAL_CACHE_LIST_TTL_SECONDS",
                Duration::from_secs(20),
            ),
            messages_ttl: env.seconds(
                "ASSISTANT_JOURNAL_CACHE_MESSAGES_TTL_SECONDS",
                Duration::from_secs(20),
            ),
            jitter_max_seconds: env.bounded(
                "ASSISTANT_JOURNAL_CACHE_JITTER_MAX_SECONDS",
                5,
                0,
                3600,
            ),
        }
    }

    /// `ttl` plus this setting's jitter, in whole seconds, at least one.
    pub(crate) fn jittered_seconds(&self, ttl: Duration) -> u64 {
        ttl.as_secs().max(1) + fastrand::u64(0..=self.jitter_max_seconds)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use exobrain_common::config::Env;

    use super::JournalCacheSettings;

    #[test]
    fn defaults_match_the_reference_and_bad_values_are_reported() {
        let mut env = Env::from_map([("ASSISTANT_JOURNAL_CACHE_KEY_PREFIX", ":custom:prefix:")]);
        let settings = JournalCacheSettings::from_env(&mut env);
        assert!(env.finish().is_ok());
        assert_eq!(settings.key_prefix, "custom:prefix");
        assert_eq!(settings.entry_ttl, Duration::from_secs(30));
        assert_eq!(settings.negative_ttl, Duration::from_secs(8));
        assert_eq!(
            (settings.list_ttl, settings.messages_ttl),
            (Duration::from_secs(20), Duration::from_secs(20))
        );
        assert_eq!(settings.jitter_max_seconds, 5);
        let jittered = settings.jittered_seconds(settings.entry_ttl);
        assert!((30..=35).contains(&jittered), "{jittered}");

        let mut env = Env::from_map([("ASSISTANT_JOURNAL_CACHE_LIST_TTL_SECONDS", "-1")]);
        JournalCacheSettings::from_env(&mut env);
        assert!(env.finish().is_err());
    }
}
