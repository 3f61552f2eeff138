//! Lexical matching done in Rust for the Memgraph store, mirroring what the PostgreSQL store
//! does in SQL: folding (case and accents, like `kg_fold`), whole-word tests in both
//! directions, pg_trgm's trigram similarity (`graph::trigrams`, shared with the PostgreSQL
//! store), and the cheap substring probes a Cypher pre-filter uses to fetch candidates.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

pub use crate::graph::reads::word_runs;
pub use crate::graph::trigrams::similarity;

/// Lower case without accents, whitespace collapsed ("  José  Saramago" → "jose saramago").
pub fn fold(text: &str) -> String {
    let stripped: String = text.nfd().filter(|c| !is_combining_mark(*c)).collect();
    stripped
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The alphanumeric words of folded text.
pub fn words(folded: &str) -> Vec<&str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether one folded text appears in the other as whole consecutive words.
pub fn whole_words(name: &str, query: &str) -> bool {
    let (name, query) = (words(name), words(query));
    let contains = |outer: &[&str], inner: &[&str]| {
        !inner.is_empty() && outer.windows(inner.len()).any(|window| window == inner)
    };
    contains(&name, &query) || contains(&query, &name)
}

/// Substrings a fuzzy candidate's folded name must contain one of: every three-letter
/// sequence of the query's words, and each word's first two letters (so "jon" still finds
/// "joe"). A name sharing none of them is too far off to reach the similarity threshold in
/// practice; this is the approximation the Memgraph store's candidate pre-filter accepts.
pub fn probes(folded: &str) -> Vec<String> {
    let mut probes: Vec<String> = Vec::new();
    for word in words(folded) {
        let chars: Vec<char> = word.chars().collect();
        let mut add = |probe: String| {
            if !probes.contains(&probe) {
                probes.push(probe);
            }
        };
        add(chars.iter().take(2).collect());
        for window in chars.windows(3) {
            add(window.iter().collect());
        }
    }
    probes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_accents_and_extra_spaces() {
        assert_eq!(fold("  José   SARAMAGO "), "jose saramago");
        assert_eq!(fold("Ærø Café"), "ærø cafe");
    }

    #[test]
    fn whole_words_hold_in_both_directions() {
        assert!(whole_words("ada", "ada lovelace"));
        assert!(whole_words("ada lovelace", "lovelace"));
        assert!(!whole_words("adam", "ada"));
        assert!(!whole_words("ada lovelace", "lovelace ada"));
    }

    #[test]
    fn similarity_follows_pg_trgm() {
        assert!((similarity("ada", "adam") - 0.5).abs() < 1e-9);
        assert!((similarity("jon", "joe") - 2.0 / 6.0).abs() < 1e-6);
        assert_eq!(similarity("ada", "ada"), 1.0);
        assert_eq!(similarity("", "ada"), 0.0);
        assert!(similarity("grace hopper", "grace hoper") > 0.3);
    }

    #[test]
    fn probes_cover_word_starts_and_trigrams() {
        assert_eq!(probes("jon"), ["jo", "jon"]);
        assert_eq!(probes("ab cd"), ["ab", "cd"]);
        assert_eq!(word_runs("a b c").len(), 6);
    }
}
