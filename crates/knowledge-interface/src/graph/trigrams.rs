//! Trigrams as pg_trgm makes them, so a similarity computed here equals PostgreSQL's
//! `similarity()` (both graph stores rank fuzzy name matches with it): the text is lower-cased and split into words of letters and digits, each
//! word is padded with two spaces in front and one behind, and its windows of three characters
//! are the trigrams; a string's trigrams are a sorted set. Similarity is shared trigrams over
//! the union of both sets, as a 32-bit float like pg_trgm's. (pg_trgm stores a trigram of more
//! than three bytes as a checksum; comparing the characters themselves differs only where two
//! such checksums collide.)

/// One trigram: three characters.
pub type Trigram = [char; 3];

/// The sorted, distinct trigrams of `text`.
pub fn trigrams(text: &str) -> Vec<Trigram> {
    let lowered = text.to_lowercase();
    let mut found = Vec::new();
    for word in lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let padded: Vec<char> = [' ', ' ']
            .into_iter()
            .chain(word.chars())
            .chain([' '])
            .collect();
        found.extend(padded.windows(3).map(|w| [w[0], w[1], w[2]]));
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// pg_trgm's similarity of two strings with `shared` trigrams in common out of `left` and
/// `right` trigrams.
pub fn similarity_of_counts(shared: usize, left: usize, right: usize) -> f64 {
    let union = left + right - shared;
    if union == 0 {
        return 0.0;
    }
    f64::from(shared as f32 / union as f32)
}

/// How many trigrams two sorted sets share.
pub fn shared(left: &[Trigram], right: &[Trigram]) -> usize {
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                count += 1;
                i += 1;
                j += 1;
            }
        }
    }
    count
}

/// pg_trgm's `similarity(left, right)`.
pub fn similarity(left: &str, right: &str) -> f64 {
    let (left, right) = (trigrams(left), trigrams(right));
    similarity_of_counts(shared(&left, &right), left.len(), right.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_padded_and_split_on_anything_but_letters_and_digits() {
        let found: Vec<String> = trigrams("Ab_c 12")
            .iter()
            .map(|t| t.iter().collect())
            .collect();
        assert_eq!(
            found,
            ["  1", "  a", "  c", " 12", " ab", " c ", "12 ", "ab "]
        );
    }

    #[test]
    fn similarity_is_shared_over_union() {
        // 13 and 14 distinct trigrams ("  j" and " jo" start both words), 12 shared.
        assert_eq!(
            similarity("jonas jorenman", "jonas jorenmann"),
            f64::from(0.8_f32)
        );
        assert_eq!(similarity("same", "same"), 1.0);
        assert_eq!(similarity("", "anything"), 0.0);
    }
}
