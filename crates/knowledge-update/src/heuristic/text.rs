//! Text plumbing of the offline extractor: the sentences of a message and the tokens (words
//! and punctuation marks) of a sentence. Works on any Unicode text and never slices inside a
//! character.

use super::lexicon;

/// Marks that end a sentence when a space or the end of the text follows.
const TERMINATORS: &[char] = &['.', '!', '?', '…'];
/// Marks of scripts written without spaces: they end a sentence wherever they stand.
const WIDE_TERMINATORS: &[char] = &['。', '！', '？'];
/// Closing marks that stay with the sentence they close.
const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»'];
/// Marks that join two letters or digits into one word ("Jean-Luc", "AT&T", "3.5", "I'm").
const JOINERS: &[char] = &['\'', '’', '-', '&', '.'];

/// Splits `text` into trimmed, non-empty sentences: at line breaks and at `.`, `!`, `?`, `…`
/// followed by a space or the end (not after an abbreviation such as "Dr." or an initial, and
/// not inside a number such as "3.5").
pub(super) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = if c == '\n' || c == '\r' || WIDE_TERMINATORS.contains(&c) {
            Some(i + c.len_utf8())
        } else if TERMINATORS.contains(&c) && !(c == '.' && abbreviation_before(text, i)) {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if !TERMINATORS.contains(&d) && !CLOSERS.contains(&d) {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            match chars.peek() {
                Some(&(_, d)) if !d.is_whitespace() => None,
                _ => Some(end),
            }
        } else {
            None
        };
        if let Some(end) = end {
            push_trimmed(&mut out, &text[start..end]);
            start = end;
        }
    }
    push_trimmed(&mut out, &text[start..]);
    out
}

fn push_trimmed<'a>(out: &mut Vec<&'a str>, sentence: &'a str) {
    let sentence = sentence.trim();
    if !sentence.is_empty() {
        out.push(sentence);
    }
}

/// Whether the word ending right before byte `dot` of `text` is an abbreviation.
fn abbreviation_before(text: &str, dot: usize) -> bool {
    let head = &text[..dot];
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map_or(dot, |(i, _)| i);
    start < dot && lexicon::is_abbreviation(&head[start..])
}

/// A word or a punctuation mark of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token<'a> {
    /// The word as written without a possessive `'s`, or the mark.
    pub text: &'a str,
    /// The word lower-cased with plain apostrophes; empty for a mark.
    pub lower: String,
    /// Whether this is a word (letters, digits and inner joiners) rather than a mark.
    pub is_word: bool,
    /// Whether the word starts with an upper-case letter.
    pub capitalised: bool,
    /// Whether a possessive `'s` followed the word ("Anna's").
    pub possessive: bool,
}

/// Whether `c` continues a word: a letter, a digit or a combining mark.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}')
        || matches!(c, '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// Whether `c` is a symbol that says nothing about names (an emoji, an arrow, a dingbat, a
/// joiner or variation selector): skipped like a space.
fn is_symbol(c: char) -> bool {
    !c.is_alphanumeric()
        && (u32::from(c) >= 0x2190
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{fe00}'..='\u{fe0f}'))
}

/// The tokens of `sentence`: words (with a dot kept after an abbreviation, a possessive `'s`
/// removed) and every other character, but spaces and symbols, as a mark of its own.
pub(super) fn tokens(sentence: &str) -> Vec<Token<'_>> {
    let chars: Vec<(usize, char)> = sentence.char_indices().collect();
    let byte_end = |k: usize| chars.get(k).map_or(sentence.len(), |&(b, _)| b);
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&(begin, c)) = chars.get(i) {
        if c.is_whitespace() || is_symbol(c) {
            i += 1;
            continue;
        }
        if !c.is_alphanumeric() {
            i += 1;
            out.push(Token {
                text: &sentence[begin..byte_end(i)],
                lower: String::new(),
                is_word: false,
                capitalised: false,
                possessive: false,
            });
            continue;
        }
        let mut j = i + 1;
        while let Some(&(_, d)) = chars.get(j) {
            let joined =
                JOINERS.contains(&d) && chars.get(j + 1).is_some_and(|&(_, e)| is_word_char(e));
            if !is_word_char(d) && !joined {
                break;
            }
            j += 1;
        }
        let mut word = &sentence[begin..byte_end(j)];
        if chars.get(j).is_some_and(|&(_, d)| d == '.') && lexicon::is_abbreviation(word) {
            j += 1;
            word = &sentence[begin..byte_end(j)];
        }
        i = j;
        out.push(word_token(word));
    }
    out
}

fn word_token(written: &str) -> Token<'_> {
    let stripped = ["'s", "’s", "'S", "’S"]
        .iter()
        .find_map(|s| written.strip_suffix(s))
        .filter(|rest| !rest.is_empty());
    let text = stripped.unwrap_or(written);
    let mut lower = text.to_lowercase();
    if lower.contains('’') {
        lower = lower.replace('’', "'");
    }
    Token {
        text,
        lower,
        is_word: true,
        capitalised: text.chars().next().is_some_and(char::is_uppercase),
        possessive: stripped.is_some(),
    }
}
