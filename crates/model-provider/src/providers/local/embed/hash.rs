//! The fallback embedder: signed feature hashing of lowercased word unigrams, word bigrams
//! and character trigrams into a fixed number of buckets, L2-normalised. Lexical only (it knows
//! "cat" and "cats" are close, not "cat" and "kitten"), but deterministic across runs, builds
//! and machines, because it hashes with its own FNV-1a rather than the std hasher.

use super::{EmbedError, Embedder, l2_normalise};

/// Words carry the meaning; bigrams add word order; trigrams give tolerance to inflections
/// and typos without drowning the words (a word yields len + 2 trigrams).
const WORD_WEIGHT: f32 = 1.0;
const BIGRAM_WEIGHT: f32 = 0.7;
const TRIGRAM_WEIGHT: f32 = 0.3;

/// Feature kinds hash into separate spaces, so the word "the" and the trigram "the" differ.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Kind {
    Word = 1,
    Bigram = 2,
    Trigram = 3,
}

/// Deterministic hashing embedder, reported as "hash".
#[derive(Debug, Clone)]
pub struct HashEmbedder {
    dims: usize,
}

impl HashEmbedder {
    /// An embedder producing `dims`-long vectors (with 0, every vector is empty).
    pub fn new(dims: usize) -> Self {
        Self { dims }
    }

    fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut vector = vec![0.0; self.dims];
        if self.dims == 0 {
            return vector;
        }
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let mut add = |hash: Fnv, weight: f32| {
            let (bucket, sign) = hash.bucket(self.dims);
            vector[bucket] += sign * weight;
        };
        for word in &words {
            add(Fnv::new(Kind::Word).str(word), WORD_WEIGHT);
            let padded: Vec<char> = [' '].into_iter().chain(word.chars()).chain([' ']).collect();
            for trigram in padded.windows(3) {
                let hash = trigram
                    .iter()
                    .fold(Fnv::new(Kind::Trigram), |h, &c| h.char(c));
                add(hash, TRIGRAM_WEIGHT);
            }
        }
        for pair in words.windows(2) {
            let hash = Fnv::new(Kind::Bigram).str(pair[0]).char(' ').str(pair[1]);
            add(hash, BIGRAM_WEIGHT);
        }
        l2_normalise(&mut vector);
        vector
    }
}

impl Embedder for HashEmbedder {
    fn name(&self) -> &'static str {
        "hash"
    }

    fn dimensions(&self) -> usize {
        self.dims
    }

    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(texts.iter().map(|text| self.embed_one(text)).collect())
    }
}

/// 64-bit FNV-1a, fixed forever: changing it changes every stored hash vector.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;

    fn new(kind: Kind) -> Self {
        Self(Self::OFFSET).bytes(&[kind as u8])
    }

    fn bytes(self, bytes: &[u8]) -> Self {
        Self(
            bytes
                .iter()
                .fold(self.0, |h, &b| (h ^ u64::from(b)).wrapping_mul(Self::PRIME)),
        )
    }

    fn str(self, s: &str) -> Self {
        self.bytes(s.as_bytes())
    }

    fn char(self, c: char) -> Self {
        self.bytes(c.encode_utf8(&mut [0; 4]).as_bytes())
    }

    /// Bucket in `0..dims` and sign, from a final avalanche so both use well-mixed bits.
    fn bucket(self, dims: usize) -> (usize, f32) {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        let bucket = usize::try_from(h % dims as u64).unwrap_or_default();
        let sign = if h >> 63 == 1 { -1.0 } else { 1.0 };
        (bucket, sign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embed(dims: usize, text: &str) -> Vec<f32> {
        HashEmbedder::new(dims).embed_one(text)
    }

    #[test]
    fn case_and_punctuation_do_not_matter() {
        assert_eq!(embed(128, "The Cat, sat!"), embed(128, "the cat sat"));
    }

    #[test]
    fn word_order_matters_through_bigrams() {
        assert_ne!(embed(128, "dog bites man"), embed(128, "man bites dog"));
    }

    #[test]
    fn zero_dimensions_give_empty_vectors() {
        assert!(embed(0, "anything").is_empty());
    }

    #[test]
    fn feature_buckets_and_signs_are_pinned_across_builds() {
        let signed_buckets: Vec<(usize, f32)> = embed(384, "cat")
            .iter()
            .enumerate()
            .filter(|(_, x)| **x != 0.0)
            .map(|(i, x)| (i, x.signum()))
            .collect();
        assert_eq!(
            signed_buckets,
            [(67, 1.0), (148, -1.0), (234, -1.0), (306, -1.0)]
        );
    }
}
