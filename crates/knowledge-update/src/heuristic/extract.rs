//! The entity pass of the offline extractor: finds the names of the user's sentences, admits
//! the doubtful ones (a lone word at a sentence's start), merges mentions by key and first
//! names into full names, and types each entity from its strongest cue.

use std::collections::{HashMap, HashSet};

use super::cues::{self, Cue, Hint, Kind, NO_HINT};
use super::{Entity, Sentence, Turn, names, text};

/// One name as it stands in one sentence.
struct Candidate {
    sentence: usize,
    name: String,
    key: String,
    cue: Cue,
    /// A lone word at a sentence's start that nothing around it supports: a name only if the
    /// transcript names it elsewhere.
    needs_support: bool,
}

/// The mentions of one key, and of the first names merged into it.
struct Group {
    key: String,
    name: String,
    /// Ordinal of its first mention in the transcript.
    first: usize,
    hint: Hint,
    /// The first description, with the ordinal of its mention.
    description: Option<(usize, String)>,
    /// Indexes of the sentences naming it, ascending.
    sentences: Vec<usize>,
    aliases: Vec<String>,
    merged: bool,
}

impl Group {
    fn add(&mut self, candidate: &Candidate, ordinal: usize) {
        self.hint = self.hint.max(candidate.cue.hint);
        if self.description.is_none() && !candidate.cue.description.is_empty() {
            self.description = Some((ordinal, candidate.cue.description.clone()));
        }
        if self.sentences.last() != Some(&candidate.sentence) {
            self.sentences.push(candidate.sentence);
        }
    }
}

/// Whether a message's role is the user's: only what the person said is read, the assistant's
/// (and system's, and tools') words are not facts the person stated.
fn is_user(role: &str) -> bool {
    role.trim().eq_ignore_ascii_case("user")
}

/// See [`super::entities`].
pub(super) fn entities(turns: &[Turn], has_type: &dyn Fn(&str) -> bool) -> Vec<Entity> {
    let mut sentences: Vec<(i64, &str)> = Vec::new();
    let mut candidates = Vec::new();
    for turn in turns.iter().filter(|t| is_user(&t.role)) {
        for sentence in text::sentences(&turn.content) {
            let tokens = text::tokens(sentence);
            for run in names::runs(&tokens) {
                let (name, key) = names::name_and_key(&tokens, run);
                let cue = cues::read(&tokens, run.start, run.end, &key);
                let needs_support = run.initial_single && !cue.admits;
                candidates.push(Candidate {
                    sentence: sentences.len(),
                    name,
                    key,
                    cue,
                    needs_support,
                });
            }
            sentences.push((turn.sequence, sentence));
        }
    }
    let known = supported_keys(&candidates);
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    for (ordinal, candidate) in candidates.iter().enumerate() {
        if candidate.needs_support && !known.contains(candidate.key.as_str()) {
            continue;
        }
        let index = *by_key.entry(&candidate.key).or_insert_with(|| {
            groups.push(Group {
                key: candidate.key.clone(),
                name: candidate.name.clone(),
                first: ordinal,
                hint: NO_HINT,
                description: None,
                sentences: Vec::new(),
                aliases: Vec::new(),
                merged: false,
            });
            groups.len() - 1
        });
        groups[index].add(candidate, ordinal);
    }
    merge_first_names(&mut groups);
    groups.retain(|g| !g.merged);
    groups.sort_by_key(|g| g.first);
    groups
        .into_iter()
        .map(|g| Entity {
            node_type: g.hint.kind.node_type(has_type),
            key: g.key,
            name: g.name,
            aliases: g.aliases,
            description: g.description.map(|(_, d)| d).unwrap_or_default(),
            sentences: g
                .sentences
                .iter()
                .map(|&i| Sentence {
                    text: sentences[i].1.to_owned(),
                    sequence: sentences[i].0,
                })
                .collect(),
        })
        .collect()
}

/// Whether a hint leaves room for a person (it is one, or says nothing).
fn personish(hint: Hint) -> bool {
    hint.kind == Kind::Person || hint == NO_HINT
}

/// The keys that support a lone sentence-initial word: every name standing where a name is
/// sure (mid-sentence, with a cue), and the first word of such a multi-word name that may be a
/// person's ("Anna" of "Anna Berger").
fn supported_keys(candidates: &[Candidate]) -> HashSet<&str> {
    let mut known = HashSet::new();
    for candidate in candidates.iter().filter(|c| !c.needs_support) {
        known.insert(candidate.key.as_str());
        if let Some((first, _)) = candidate.key.split_once(' ')
            && personish(candidate.cue.hint)
        {
            known.insert(first);
        }
    }
    known
}

/// Merges a one-word name into the one multi-word person name it is the first word of ("Anna"
/// into "Anna Berger"), in whichever order they appear; an ambiguous first name (two people
/// called Anna) stays on its own.
fn merge_first_names(groups: &mut [Group]) {
    let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, group) in groups.iter().enumerate() {
        if let Some((first, _)) = group.key.split_once(' ')
            && personish(group.hint)
        {
            by_first.entry(first.to_owned()).or_default().push(i);
        }
    }
    for single in 0..groups.len() {
        let hint = groups[single].hint;
        if groups[single].key.contains(' ') || !personish(hint) {
            continue;
        }
        let Some(targets) = by_first.get(&groups[single].key) else {
            continue;
        };
        let fitting: Vec<usize> = targets
            .iter()
            .copied()
            .filter(|&m| hint.kind == Kind::Person || groups[m].hint.kind == Kind::Person)
            .collect();
        let [target] = fitting[..] else { continue };
        let alias = std::mem::take(&mut groups[single]);
        let merged = &mut groups[target];
        merged.first = merged.first.min(alias.first);
        merged.hint = merged.hint.max(alias.hint);
        merged.description = match (merged.description.take(), alias.description) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
        merged.sentences.extend(alias.sentences);
        merged.sentences.sort_unstable();
        merged.sentences.dedup();
        merged.aliases.push(alias.name);
    }
}

impl Default for Group {
    /// An emptied group, marked merged so that it is dropped.
    fn default() -> Self {
        Group {
            key: String::new(),
            name: String::new(),
            first: usize::MAX,
            hint: NO_HINT,
            description: None,
            sentences: Vec::new(),
            aliases: Vec::new(),
            merged: true,
        }
    }
}
