//! Strings: a slug of the seed fitted to `minLength`/`maxLength` (in chars), examples of the
//! known `format`s (date-time, date, time, email, uri, uuid, ipv4 and a few more) and strings
//! built from the first `pattern`. Each is only a candidate; the caller keeps the first that
//! validates. Later variants differ (suffixes, other dates, other addresses) for unique items.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::generate::Generator;
use super::node::Atom;
use super::{InstanceError, MAX_SIZE, pattern};

/// Longest slug taken from the seed, in chars.
const SLUG_CHARS: usize = 40;

/// Lowercase words of `seed` joined by `-`, at most [`SLUG_CHARS`] long; "text" when the seed
/// has no letters or digits.
pub(super) fn slug(seed: &str) -> String {
    let mut out = String::new();
    let words = seed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty());
    for word in words {
        let word = word.to_lowercase();
        let used = out.chars().count();
        if used > 0 && used + 1 + word.chars().count() > SLUG_CHARS {
            break;
        }
        if used > 0 {
            out.push('-');
        }
        out.extend(word.chars().take(SLUG_CHARS));
    }
    if out.is_empty() {
        "text".to_owned()
    } else {
        out
    }
}

impl Generator<'_> {
    /// Candidate strings for `atoms`, best first.
    pub(super) fn strings(
        &mut self,
        atoms: &[Atom<'_, '_>],
        at: &str,
        variant: usize,
    ) -> Result<Vec<Value>, InstanceError> {
        let (min, max) = lengths(atoms)?;
        let mut out = Vec::new();
        let format = atoms
            .iter()
            .find_map(|atom| atom.get("format").and_then(Value::as_str));
        if let Some(examples) = format.and_then(|format| self.formatted(format, at, variant)) {
            out.extend(examples);
        } else {
            out.push(with_variant(&self.slug, min, max, variant));
        }
        if let Some(pattern) = atoms
            .iter()
            .find_map(|atom| atom.get("pattern").and_then(Value::as_str))
            && let Some(example) = pattern::example(pattern, variant, 0)
        {
            let short = min.saturating_sub(example.chars().count());
            out.push(example);
            if short > 0 {
                out.extend(pattern::example(pattern, variant, short));
            }
        }
        out.push(with_variant(&self.slug, min, max, variant + 1));
        let mut unique: Vec<Value> = Vec::with_capacity(out.len());
        for text in out {
            let text = Value::String(text);
            if !unique.contains(&text) {
                unique.push(text);
            }
        }
        Ok(unique)
    }

    /// Examples of `format` (most useful first), or `None` for a format without examples.
    fn formatted(&self, format: &str, at: &str, variant: usize) -> Option<Vec<String>> {
        let n = variant as u64;
        let ascii: String = self
            .slug
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let word = ascii
            .split('-')
            .find(|word| !word.is_empty())
            .unwrap_or("user");
        let suffix = if variant == 0 {
            String::new()
        } else {
            format!("-{}", variant + 1)
        };
        let (year, month, day) = (2024 + n / 336, n / 28 % 12 + 1, n % 28 + 1);
        let (hour, minute, second) = (n / 3600 % 24, n / 60 % 60, n % 60);
        Some(match format {
            "date-time" => {
                vec![format!(
                    "{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
                )]
            }
            "date" => vec![format!("{year}-{month:02}-{day:02}")],
            "time" => vec![format!("{hour:02}:{minute:02}:{second:02}Z")],
            "email" | "idn-email" => vec![
                format!("{word}{suffix}@example.com"),
                format!("user{suffix}@example.com"),
            ],
            "uri" | "iri" | "uri-reference" | "iri-reference" => vec![
                format!("https://example.com/{ascii}{suffix}"),
                format!("https://example.com/{}", variant + 1),
            ],
            "hostname" | "idn-hostname" => vec![
                format!("{ascii}{suffix}.example.com"),
                format!("host{}.example.com", variant + 1),
            ],
            "uuid" => vec![self.uuid(at, variant)],
            "ipv4" => vec![format!("192.0.2.{}", n % 254 + 1)],
            "ipv6" => vec![format!("2001:db8::{:x}", n % 0xffff + 1)],
            "duration" => vec![format!("P{}D", n + 1)],
            "json-pointer" => vec![format!("/{ascii}{suffix}")],
            _ => return None,
        })
    }

    /// A version-4 UUID from sha256 of the seed, the schema pointer and the variant.
    fn uuid(&self, at: &str, variant: usize) -> String {
        let digest = Sha256::new()
            .chain_update(self.seed.as_bytes())
            .chain_update([0])
            .chain_update(at.as_bytes())
            .chain_update(variant.to_le_bytes())
            .finalize();
        let mut bytes = [0_u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }
}

/// The tightest `minLength` and `maxLength` of `atoms`.
fn lengths(atoms: &[Atom<'_, '_>]) -> Result<(usize, Option<usize>), InstanceError> {
    let mut min = (0_u64, "#");
    let mut max: Option<(u64, &str)> = None;
    for atom in atoms {
        if let Some(value) = atom.get("minLength").and_then(count)
            && value > min.0
        {
            min = (value, atom.at);
        }
        if let Some(value) = atom.get("maxLength").and_then(count)
            && max.is_none_or(|(old, _)| value < old)
        {
            max = Some((value, atom.at));
        }
    }
    if let Some((high, at)) = max.filter(|(high, _)| *high < min.0) {
        return Err(InstanceError::unsatisfiable(
            at,
            format!("maxLength {high} is below minLength {}", min.0),
        ));
    }
    if min.0 > MAX_SIZE {
        return Err(InstanceError::unsatisfiable(
            min.1,
            format!(
                "minLength {} is above the generator's limit of {MAX_SIZE}",
                min.0
            ),
        ));
    }
    let to_usize = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
    Ok((to_usize(min.0), max.map(|(value, _)| to_usize(value))))
}

/// A non-negative whole number, also when written as `2.0`.
pub(super) fn count(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|number| *number >= 0.0 && number.fract() == 0.0)
            .map(|number| number.min(u64::MAX as f64) as u64)
    })
}

/// `base` made distinct for `variant` (a `-2`, `-3`... suffix, or letters when that does not
/// fit) and fitted to the length bounds.
fn with_variant(base: &str, min: usize, max: Option<usize>, variant: usize) -> String {
    if variant == 0 {
        return fit(base, min, max);
    }
    let suffix = format!("-{}", variant + 1);
    let room = max.map(|max| max.saturating_sub(suffix.len()));
    if room.is_none_or(|room| room > 0) {
        return fit(base, min.saturating_sub(suffix.len()), room) + &suffix;
    }
    let mut letters = String::new();
    let mut rest = variant;
    while letters.chars().count() < min.max(1) || rest > 0 {
        letters.push(char::from(b'a' + (rest % 26) as u8));
        rest /= 26;
    }
    letters
}

/// `text` cut to `max` chars (dropping a dangling `-`) or repeated up to exactly `min` chars.
fn fit(text: &str, min: usize, max: Option<usize>) -> String {
    let text = if text.is_empty() { "text" } else { text };
    let max = max.unwrap_or(usize::MAX);
    let mut out: String = text.chars().take(max).collect();
    while out.chars().count() < min {
        out.push('-');
        out.push_str(text);
    }
    let limit = if text.chars().count() < min { min } else { max };
    out = out.chars().take(limit).collect();
    if out.chars().count() > min && out.ends_with('-') {
        out.pop();
    }
    out
}
