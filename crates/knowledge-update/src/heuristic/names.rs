//! Proper-noun phrases of a sentence: runs of capitalised words, joined by connectors such as
//! "of" or "van", without pronouns, weekdays, months, greetings, a common sentence opener or a
//! leading title ("Dr.").

use super::lexicon;
use super::text::Token;

/// Marks after which a word starts a sentence of its own (a quote, a colon).
const OPENERS: &[&str] = &[":", "\"", "“", "„", "«", "‘"];

/// A proper-noun phrase: the tokens `start..end` of its sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Run {
    /// First token of the name (after any title).
    pub start: usize,
    /// One past its last token.
    pub end: usize,
    /// Whether the phrase is one word at the start of the sentence: such a word is a name only
    /// if something else supports it.
    pub initial_single: bool,
}

/// The proper-noun phrases of a sentence's tokens, in order.
pub(super) fn runs(tokens: &[Token<'_>]) -> Vec<Run> {
    if shouting(tokens) {
        return Vec::new();
    }
    let first_word = tokens.iter().position(|t| t.is_word);
    let initial =
        |i: usize| Some(i) == first_word || (i > 0 && OPENERS.contains(&tokens[i - 1].text));
    let name_word = |i: usize| {
        tokens.get(i).is_some_and(|t| {
            t.is_word
                && t.capitalised
                && !lexicon::is_never(&t.lower)
                && !(initial(i) && lexicon::is_initial_stop(&t.lower))
        })
    };
    let lower_word = |i: usize, f: fn(&str) -> bool| {
        tokens
            .get(i)
            .is_some_and(|t| t.is_word && !t.capitalised && f(&t.lower))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !name_word(i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        loop {
            // A possessive ends the name ("Anna's sister") unless a head word follows it
            // ("St. Stephen's Cathedral").
            let head_follows = name_word(end) && lexicon::is_head_word(&tokens[end].lower);
            if tokens[end - 1].possessive && !head_follows {
                break;
            }
            if name_word(end) {
                end += 1;
                continue;
            }
            let mut k = end;
            if lower_word(k, lexicon::is_connector) {
                k += 1;
                if lower_word(k, |w| w == "the" || lexicon::is_connector(w)) {
                    k += 1;
                }
            }
            if k == end || !name_word(k) {
                break;
            }
            end = k + 1;
        }
        i = end;
        let after_titles = (start..end)
            .find(|&s| lexicon::title(&tokens[s].lower).is_none())
            .unwrap_or(end);
        if after_titles < end {
            out.push(Run {
                start: after_titles,
                end,
                initial_single: initial(start) && end - start == 1,
            });
        }
    }
    out
}

/// Whether a sentence of three or more words is written in capitals only: its capitals mark
/// emphasis, not names.
fn shouting(tokens: &[Token<'_>]) -> bool {
    let mut words = 0;
    for t in tokens
        .iter()
        .filter(|t| t.is_word && t.text.chars().any(char::is_alphabetic))
    {
        if t.text.chars().any(char::is_lowercase) {
            return false;
        }
        words += 1;
    }
    words >= 3
}

/// The name a run spells, its words joined by single spaces (an inner possessive kept, a final
/// one dropped), and its key (the name lower-cased).
pub(super) fn name_and_key(tokens: &[Token<'_>], run: Run) -> (String, String) {
    let mut name = String::new();
    let mut key = String::new();
    for (i, t) in tokens[run.start..run.end].iter().enumerate() {
        if i > 0 {
            name.push(' ');
            key.push(' ');
        }
        name.push_str(t.text);
        key.push_str(&t.lower);
        if t.possessive && run.start + i + 1 < run.end {
            name.push_str("'s");
            key.push_str("'s");
        }
    }
    (name, key)
}
