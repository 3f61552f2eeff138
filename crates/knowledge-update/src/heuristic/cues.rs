//! What the words in and around a name say about it: a kind (person, place, company, ...)
//! with a strength, and maybe a description ("the user's sister"). Also the fall-back chain
//! from a kind to a node type the schema has.

use super::lexicon::{self as lx, CITIES, COUNTRIES};
use super::text::Token;

/// What an entity is, least to most preferred when two cues of one strength disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    /// Nothing more specific is known.
    Entity,
    /// A location.
    Place,
    /// A country (a place).
    Country,
    /// A city (a place).
    City,
    /// Something that happens.
    Event,
    /// People belonging together.
    Group,
    /// An organisation.
    Institution,
    /// A business (an institution).
    Company,
    /// A human being.
    Person,
}

impl Kind {
    /// The node types to try, most specific first, before `node.entity`.
    fn chain(self) -> &'static [&'static str] {
        match self {
            Kind::Entity => &[],
            Kind::Place => &["node.place"],
            Kind::Country => &["node.country", "node.place"],
            Kind::City => &["node.city", "node.place"],
            Kind::Event => &["node.event"],
            Kind::Group => &["node.group"],
            Kind::Institution => &["node.institution"],
            Kind::Company => &["node.company", "node.institution"],
            Kind::Person => &["node.person"],
        }
    }

    /// The most specific node type of the kind that the schema has, else `node.entity`.
    pub(super) fn node_type(self, has_type: &dyn Fn(&str) -> bool) -> String {
        let found = self.chain().iter().find(|t| has_type(t));
        found.map_or("node.entity", |t| t).to_owned()
    }
}

/// A kind with the strength of its evidence; the greater hint wins (strength first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Hint {
    /// 0 none, 1 a weak context word ("in", "met"), 2 the name itself ("Café", a known city),
    /// 3 an explicit cue ("my sister", "Dr.", "works at", "GmbH").
    pub strength: u8,
    /// The kind it points to.
    pub kind: Kind,
}

/// No evidence at all.
pub(super) const NO_HINT: Hint = Hint {
    strength: 0,
    kind: Kind::Entity,
};

const fn hint(strength: u8, kind: Kind) -> Hint {
    Hint { strength, kind }
}

/// What the cues of one mention say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cue {
    /// The strongest hint of the mention.
    pub hint: Hint,
    /// A description from the cue, may be empty.
    pub description: String,
    /// Whether a word after the name or a known city or country supports a name standing alone
    /// at the start of a sentence.
    pub admits: bool,
}

/// Reads the cues of the name at tokens `start..end`, whose key is `key`.
pub(super) fn read(tokens: &[Token<'_>], start: usize, end: usize, key: &str) -> Cue {
    let words: Vec<&str> = tokens[start..end]
        .iter()
        .map(|t| t.lower.as_str())
        .collect();
    let single = words.len() == 1;
    let possessive = tokens[end - 1].possessive;
    let (before, before_text) = before(tokens, start, single, possessive);
    let (after, after_text) = after(tokens, end);
    let inside = inside(&words, key);
    let description = if before_text.is_empty() {
        after_text
    } else {
        before_text
    };
    Cue {
        hint: before.max(after).max(inside),
        description,
        admits: after.strength > 0 || CITIES.contains(&key) || COUNTRIES.contains(&key),
    }
}

/// The lower-cased token `back` places before `start` ("" before the sentence).
fn word_before<'t>(tokens: &'t [Token<'_>], start: usize, back: usize) -> &'t str {
    start
        .checked_sub(back)
        .and_then(|i| tokens.get(i))
        .map_or("", |t| if t.is_word { t.lower.as_str() } else { t.text })
}

/// The cue of the words before a name: a title, a person noun ("my sister"), a work phrase
/// ("works at"), a verb taking a person ("met", "with" a lone word), or a place preposition.
fn before(tokens: &[Token<'_>], start: usize, single: bool, possessive: bool) -> (Hint, String) {
    let w = |back: usize| word_before(tokens, start, back);
    if let Some(description) = lx::title(w(1)) {
        return (hint(3, Kind::Person), description.to_owned());
    }
    let noun = if lx::PERSON_NOUNS.contains(&w(1)) {
        Some(1)
    } else if w(1) == "," && lx::PERSON_NOUNS.contains(&w(2)) {
        Some(2)
    } else {
        None
    };
    if let Some(back) = noun {
        return (hint(3, Kind::Person), relative(tokens, start - back));
    }
    let a = usize::from(w(1) == "the");
    if ["at", "for", "by"].contains(&w(1 + a)) && lx::WORK_WORDS.contains(&w(2 + a)) {
        let own = [w(3 + a), w(4 + a)]
            .iter()
            .any(|s| ["i", "i'm", "i've", "my", "we"].contains(s));
        let description = if own { "the user's employer" } else { "" };
        return (hint(3, Kind::Company), description.to_owned());
    }
    let talked_to = ["to", "with"].contains(&w(1)) && lx::TALK_VERBS.contains(&w(2));
    let with = single && ["with", "visited", "visit", "visiting"].contains(&w(1));
    if talked_to || with || lx::PERSON_VERBS.contains(&w(1)) {
        return (hint(1, Kind::Person), String::new());
    }
    let p = w(1 + a);
    let place = lx::PLACE_PREPOSITIONS.contains(&p)
        || (["to", "from"].contains(&p) && lx::MOTION.contains(&w(2 + a)))
        || (p == "visited" && !single);
    if place && !possessive {
        return (hint(1, Kind::Place), String::new());
    }
    (NO_HINT, String::new())
}

/// "the user's sister" for "my sister" (or "my little sister"), else "a sister".
fn relative(tokens: &[Token<'_>], noun: usize) -> String {
    let owner = (1..=3)
        .map_while(|back| noun.checked_sub(back).and_then(|i| tokens.get(i)))
        .take_while(|t| t.is_word)
        .position(|t| t.lower == "my" || t.lower == "our");
    match owner {
        Some(k) => {
            let words: Vec<String> = tokens[noun - k..=noun]
                .iter()
                .map(|t| {
                    if t.possessive {
                        format!("{}'s", t.lower)
                    } else {
                        t.lower.clone()
                    }
                })
                .collect();
            format!("the user's {}", words.join(" "))
        }
        None => {
            let lower = tokens[noun].lower.as_str();
            let article = if lower.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{article} {lower}")
        }
    }
}

/// The cue of the words after a name: an apposition ("Anna, my sister") or a verb of a person
/// ("Anna called").
fn after(tokens: &[Token<'_>], end: usize) -> (Hint, String) {
    let comma = tokens.get(end).is_some_and(|t| t.text == ",");
    let next = tokens.get(end + usize::from(comma)).filter(|t| t.is_word);
    let Some(next) = next else {
        return (NO_HINT, String::new());
    };
    if comma && (next.lower == "my" || next.lower == "our") {
        let first = end + 2;
        let noun = (first..first + 3)
            .take_while(|&i| tokens.get(i).is_some_and(|t| t.is_word))
            .find(|&i| lx::PERSON_NOUNS.contains(&tokens[i].lower.as_str()));
        if let Some(noun) = noun {
            return (hint(3, Kind::Person), relative(tokens, noun));
        }
    }
    if lx::FOLLOW_VERBS.contains(&next.lower.as_str()) {
        return (hint(1, Kind::Person), String::new());
    }
    (NO_HINT, String::new())
}

/// What the name itself says: a known city or country, a legal suffix, or the head word
/// ("Café Central", "University of Vienna", "Bank of America").
fn inside(words: &[&str], key: &str) -> Hint {
    if CITIES.contains(&key) {
        return hint(2, Kind::City);
    }
    if COUNTRIES.contains(&key) {
        return hint(2, Kind::Country);
    }
    if words.len() < 2 {
        return NO_HINT;
    }
    if words
        .last()
        .is_some_and(|w| lx::COMPANY_SUFFIXES.contains(w))
    {
        return hint(3, Kind::Company);
    }
    let head = words
        .iter()
        .position(|w| lx::is_connector(w))
        .map_or(words.len() - 1, |c| c.saturating_sub(1));
    let kind_of = |w: &str| {
        [
            (lx::INSTITUTION_WORDS, Kind::Institution),
            (lx::COMPANY_WORDS, Kind::Company),
            (lx::GROUP_WORDS, Kind::Group),
            (lx::EVENT_WORDS, Kind::Event),
            (lx::PLACE_WORDS, Kind::Place),
        ]
        .into_iter()
        .find(|(list, _)| list.contains(&w))
        .map(|(_, kind)| kind)
    };
    let kind = kind_of(words[head]).or_else(|| words.iter().find_map(|w| kind_of(w)));
    kind.map_or(NO_HINT, |kind| hint(2, kind))
}
