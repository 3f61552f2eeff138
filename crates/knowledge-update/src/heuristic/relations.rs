//! The relation pass of the offline extractor: for every sentence naming two or more entities,
//! one relation per pair, typed by the words between the names and the pair's node types,
//! among the edge types the schema allows; one relation per pair overall.

use std::cmp::Reverse;
use std::collections::HashMap;

use super::lexicon::WORK_WORDS;
use super::order::sentence_order;
use super::text::{self, Token};
use super::{Entity, Relation};

/// Confidence of a relation an explicit cue names ("in", "works at", "met").
const CUE: f64 = 0.8;
/// Confidence of a relation read from two names in one sentence alone.
const CO_OCCURRENCE: f64 = 0.5;
/// Entities of one sentence that are paired (the first ones named): bounds the pairs of a
/// sentence that lists many names.
const MAX_PER_SENTENCE: usize = 16;
/// Edge types that still say the same when read backwards.
const SYMMETRIC: &[&str] = &["edge.knows", "edge.related_to"];
/// Words between two people that say they met.
const SOCIAL: &[&str] = &[
    "met", "meet", "with", "called", "texted", "visited", "married", "dating", "talked", "spoke",
    "invited", "hugged",
];

/// What a node type is, for choosing an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Person,
    Organisation,
    Group,
    Event,
    Place,
    Other,
}

fn class(node_type: &str) -> Class {
    match node_type {
        "node.person" | "node.ai_agent" => Class::Person,
        "node.company" | "node.institution" => Class::Organisation,
        "node.group" => Class::Group,
        "node.event" | "node.task" | "node.recurring_event" => Class::Event,
        "node.place" | "node.city" | "node.country" => Class::Place,
        _ => Class::Other,
    }
}

/// An edge to try: from the first-named entity to the second (`forward`) or back.
#[derive(Debug, Clone, Copy)]
struct Choice {
    edge: &'static str,
    forward: bool,
    confidence: f64,
}

/// The edges to try for a pair, best first; `between` holds the lower-cased words between
/// the two names.
fn choices(a: Class, b: Class, between: &[&str]) -> Vec<Choice> {
    let cued = |edge, forward| Choice {
        edge,
        forward,
        confidence: CUE,
    };
    let typed = |edge, forward, cue: bool| Choice {
        edge,
        forward,
        confidence: if cue { CUE } else { CO_OCCURRENCE },
    };
    let near = between.len() <= 8;
    let has = |set: &[&str]| near && between.iter().any(|w| set.contains(w));
    let content: Vec<&str> = between
        .iter()
        .copied()
        .filter(|w| !["a", "an", "the"].contains(w))
        .collect();
    let mut out = Vec::new();
    match content[..] {
        ["owns" | "own" | "owned"] => out.push(cued("edge.owns", true)),
        ["has" | "have" | "had"] if a == Class::Person => out.push(cued("edge.owns", true)),
        ["has" | "have" | "had"] => out.push(cued("edge.contains", true)),
        _ => {}
    }
    let inside = ["is", "was", "lies", "located", "situated", "which", "that"];
    let lies_in = between
        .split_last()
        .is_some_and(|(last, rest)| *last == "in" && rest.iter().all(|w| inside.contains(w)));
    if a == Class::Place && b == Class::Place && lies_in {
        out.push(cued("edge.lies_in", true));
    }
    let works = near
        && between
            .windows(2)
            .any(|w| WORK_WORDS.contains(&w[0]) && ["at", "for", "by"].contains(&w[1]));
    match (a, b) {
        (Class::Person, Class::Organisation) if works => {
            out.push(cued("edge.affiliated_with", true))
        }
        (Class::Organisation, Class::Person) if has(&["employs", "employed", "hired"]) => {
            out.push(cued("edge.affiliated_with", false));
        }
        (Class::Person, Class::Person) => out.push(typed("edge.knows", true, has(SOCIAL))),
        (Class::Person, Class::Group) | (Class::Group, Class::Person) => {
            let cue = has(&["in", "joined", "member", "of"]);
            out.push(typed("edge.member_of", a == Class::Person, cue));
        }
        (Class::Person, Class::Event) | (Class::Event, Class::Person) => {
            let cue = has(&["at", "attended", "joined", "went", "in"]);
            out.push(typed("edge.participated_in", a == Class::Person, cue));
        }
        (Class::Event, Class::Place) | (Class::Place, Class::Event) => {
            out.push(typed(
                "edge.located_at",
                a == Class::Event,
                has(&["at", "in"]),
            ));
        }
        _ => {}
    }
    out.push(typed("edge.related_to", true, false));
    out
}

/// The schema's answers, asked once per pair of node types.
struct Allowed<'a> {
    ask: &'a dyn Fn(&str, &str) -> Vec<String>,
    known: HashMap<(String, String), Vec<String>>,
}

impl Allowed<'_> {
    fn allows(&mut self, from: &str, to: &str, edge: &str) -> bool {
        let key = (from.to_owned(), to.to_owned());
        let ask = self.ask;
        self.known
            .entry(key)
            .or_insert_with(|| ask(from, to))
            .iter()
            .any(|e| e == edge)
    }
}

/// The edge for a pair of node types, the first named first, and whether it runs from the
/// first to the second: the first choice the schema allows, else a symmetric one backwards.
fn pick(allowed: &mut Allowed<'_>, ta: &str, tb: &str, between: &[&str]) -> Option<(Choice, bool)> {
    let options = choices(class(ta), class(tb), between);
    let forward = options.iter().find(|c| {
        let (from, to) = if c.forward { (ta, tb) } else { (tb, ta) };
        allowed.allows(from, to, c.edge)
    });
    if let Some(choice) = forward {
        return Some((*choice, choice.forward));
    }
    let mut backward = options.iter().filter(|c| SYMMETRIC.contains(&c.edge));
    backward
        .find(|c| allowed.allows(tb, ta, c.edge))
        .map(|c| (*c, false))
}

/// See [`super::relations`].
pub(super) fn relations(
    entities: &[Entity],
    allowed: &dyn Fn(&str, &str) -> Vec<String>,
) -> Vec<Relation> {
    let names: Vec<Vec<Vec<String>>> = entities
        .iter()
        .map(|e| {
            std::iter::once(&e.name)
                .chain(&e.aliases)
                .map(|n| {
                    text::tokens(n)
                        .into_iter()
                        .filter(|t| t.is_word)
                        .map(|t| t.lower)
                        .collect()
                })
                .filter(|words: &Vec<String>| !words.is_empty())
                .collect()
        })
        .collect();
    let mut allowed = Allowed {
        ask: allowed,
        known: HashMap::new(),
    };
    let mut out: Vec<Relation> = Vec::new();
    let mut by_pair: HashMap<(usize, usize), usize> = HashMap::new();
    for (sentence, members) in sentence_order(entities) {
        if members.len() < 2 {
            continue;
        }
        let tokens = text::tokens(&sentence.text);
        let mentions = locate(&tokens, &members, &names);
        for (i, &(_, a_end, a)) in mentions.iter().enumerate() {
            for &(b_start, _, b) in &mentions[i + 1..] {
                let between: Vec<&str> = tokens[a_end..b_start]
                    .iter()
                    .filter(|t| t.is_word)
                    .map(|t| t.lower.as_str())
                    .collect();
                let (ta, tb) = (&entities[a].node_type, &entities[b].node_type);
                let Some((choice, forward)) = pick(&mut allowed, ta, tb, &between) else {
                    continue;
                };
                let (from, to) = if forward { (a, b) } else { (b, a) };
                let relation = Relation {
                    from,
                    to,
                    edge_type: choice.edge.to_owned(),
                    confidence: choice.confidence,
                    evidence: sentence.clone(),
                };
                match by_pair.get(&(a.min(b), a.max(b))) {
                    Some(&k) if out[k].confidence < relation.confidence => out[k] = relation,
                    Some(_) => {}
                    None => {
                        by_pair.insert((a.min(b), a.max(b)), out.len());
                        out.push(relation);
                    }
                }
            }
        }
    }
    out
}

/// The first mention of each of `members` in a sentence's tokens, as (start, end, entity),
/// in order, without overlaps (the longer name wins), at most [`MAX_PER_SENTENCE`].
fn locate(
    tokens: &[Token<'_>],
    members: &[usize],
    names: &[Vec<Vec<String>>],
) -> Vec<(usize, usize, usize)> {
    let mut found: Vec<(usize, usize, usize)> = members
        .iter()
        .filter_map(|&e| {
            let spans = names[e]
                .iter()
                .filter_map(|n| find(tokens, n).map(|s| (s, s + n.len())));
            spans
                .min_by_key(|&(s, end)| (s, Reverse(end)))
                .map(|(s, end)| (s, end, e))
        })
        .collect();
    found.sort_by_key(|&(s, end, e)| (s, Reverse(end), e));
    let mut reach = 0;
    found.retain(|&(s, end, _)| {
        let keep = s >= reach;
        if keep {
            reach = end;
        }
        keep
    });
    found.truncate(MAX_PER_SENTENCE);
    found
}

/// Where the words `name` first stand next to each other in `tokens`.
fn find(tokens: &[Token<'_>], name: &[String]) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    tokens.windows(name.len()).position(|window| {
        window
            .iter()
            .zip(name)
            .all(|(t, w)| t.is_word && t.lower == *w)
    })
}
