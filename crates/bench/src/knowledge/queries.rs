//! The queries of the latency phases, each chosen by its sample number (same number, same
//! query): entity candidates for a mention (a third exact names, a third partial names, a
//! third misspelt; always with a short description, a third also with a type), free-text
//! block searches (phrases from the word lists, or a few words cut from a stored text), and
//! entity contexts to block level 3. Only the first `loaded` entities are asked about.

use exobrain_proto::knowledge as pb;
use fastrand::Rng;

use super::data::{Dataset, Entity};
use super::words::{CITIES, FIELDS, HOBBIES, INDUSTRIES, MONTHS, OCCASIONS, PROFESSIONS};

/// Candidates asked for per query (the RPC's default).
const LIMIT: u32 = 10;

fn pick<'a>(data: &'a Dataset, loaded: usize, rng: &mut Rng) -> &'a Entity {
    &data.entities[rng.usize(..loaded.min(data.entities.len()))]
}

/// `FindEntityCandidates` number `n`.
pub fn candidates(data: &Dataset, loaded: usize, n: u64) -> pb::FindEntityCandidatesRequest {
    let mut rng = Rng::with_seed(n ^ 0xCA7D);
    let entity = pick(data, loaded, &mut rng);
    let name = match n % 3 {
        0 => entity.name.clone(),
        1 => partial(&entity.name, &mut rng),
        _ => misspelt(&entity.name, &mut rng),
    };
    let potential_type_ids = if rng.u8(..3) == 0 {
        vec![entity.kind.broader().to_owned()]
    } else {
        Vec::new()
    };
    pb::FindEntityCandidatesRequest {
        names: vec![name],
        potential_type_ids,
        short_description: entity.short.clone(),
        user_id: String::new(),
        limit: Some(LIMIT),
    }
}

/// `SearchBlocks` number `n`.
pub fn search(data: &Dataset, loaded: usize, n: u64) -> pb::SearchBlocksRequest {
    let mut rng = Rng::with_seed(n ^ 0x5EA2C4);
    let mut one = |list: &[&str]| list[rng.usize(..list.len())].to_owned();
    let query = match n % 6 {
        0 => format!("{} in {}", one(PROFESSIONS), one(CITIES)),
        1 => format!("who likes {}", one(HOBBIES)),
        2 => format!("{} company", one(INDUSTRIES).to_lowercase()),
        3 => format!("{} in {}", one(OCCASIONS).to_lowercase(), one(MONTHS)),
        4 => format!("notes about {}", one(FIELDS)),
        _ => excerpt(&pick(data, loaded, &mut rng).description, &mut rng),
    };
    pb::SearchBlocksRequest {
        user_id: String::new(),
        query,
        limit: Some(LIMIT),
        entity_id: None,
    }
}

/// `GetEntityContext` number `n`.
pub fn context(data: &Dataset, loaded: usize, n: u64) -> pb::GetEntityContextRequest {
    let mut rng = Rng::with_seed(n ^ 0xC0273);
    pb::GetEntityContextRequest {
        entity_id: pick(data, loaded, &mut rng).id.to_string(),
        user_id: String::new(),
        max_block_level: 3,
        include_history: false,
    }
}

/// Part of a name: one of its longer words, or the first two of three or more, or the
/// first letters of a one-word name.
fn partial(name: &str, rng: &mut Rng) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let long: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.chars().count() > 3)
        .collect();
    if words.len() >= 3 && rng.bool() {
        return words[..2].join(" ");
    }
    if words.len() >= 2 && !long.is_empty() {
        return long[rng.usize(..long.len())].to_owned();
    }
    let chars: Vec<char> = name.chars().collect();
    let keep = (chars.len() * 2 / 3).max(3).min(chars.len());
    chars[..keep].iter().collect()
}

/// The name with one or two typing mistakes: swapped, dropped or doubled letters, or a
/// wrong vowel.
fn misspelt(name: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let edits = if rng.u8(..10) < 7 { 1 } else { 2 };
    for _ in 0..edits {
        let letters: Vec<usize> = (1..chars.len())
            .filter(|i| chars[*i].is_alphabetic())
            .collect();
        let Some(&at) = letters.get(rng.usize(..letters.len().max(1))) else {
            break;
        };
        match rng.u8(..4) {
            0 if at + 1 < chars.len() && chars[at + 1].is_alphabetic() => chars.swap(at, at + 1),
            1 if chars.len() > 4 => {
                chars.remove(at);
            }
            2 => chars.insert(at, chars[at]),
            _ => {
                const VOWELS: [char; 5] = ['a', 'e', 'i', 'o', 'u'];
                let other = VOWELS[rng.usize(..VOWELS.len())];
                if VOWELS.contains(&chars[at]) && chars[at] != other {
                    chars[at] = other;
                } else {
                    chars.insert(at, other);
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// Three to six consecutive words of `text`.
fn excerpt(text: &str, rng: &mut Rng) -> String {
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let length = rng.usize(3..=6).min(words.len());
    let start = rng.usize(..=words.len() - length);
    words[start..start + length].join(" ")
}
