//! The local embedders: all-MiniLM-L6-v2 on the real weights (fetched by
//! scripts/agent/fetch-embedding-model.sh, which scripts/test.sh runs first; without them these
//! tests fail and say so), the hashing fallback, and the choice `load` makes between them.

use std::path::{Path, PathBuf};

use exobrain_testkit::unique_suffix;
use model_provider::providers::local::embed::{
    DEFAULT_MODEL_DIR, Embedder, FETCH_SCRIPT, HashEmbedder, MiniLm, load,
};

fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(DEFAULT_MODEL_DIR)
}

fn minilm() -> MiniLm {
    let dir = model_dir();
    MiniLm::load(&dir).unwrap_or_else(|err| {
        panic!(
            "all-MiniLM-L6-v2 is not usable in {}: {err}\nrun {FETCH_SCRIPT} first (scripts/test.sh does)",
            dir.display()
        )
    })
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn embed_one(embedder: &dyn Embedder, text: &str) -> Vec<f32> {
    let mut vectors = embedder.embed(&texts(&[text])).expect("embed");
    assert_eq!(vectors.len(), 1);
    vectors.remove(0)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b) / (norm(a) * norm(b))
}

/// Cosines of `anchor` with the two `others`, each text embedded alone.
fn similarities(embedder: &dyn Embedder, anchor: &str, others: [&str; 2]) -> (f32, f32) {
    let anchor = embed_one(embedder, anchor);
    let [a, b] = others.map(|text| cosine(&anchor, &embed_one(embedder, text)));
    (a, b)
}

fn assert_close(a: &[f32], b: &[f32], tolerance: f32) {
    assert_eq!(a.len(), b.len());
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(worst <= tolerance, "vectors differ by {worst}");
}

/// An empty folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("exobrain-embed-{}", unique_suffix()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn minilm_puts_a_paraphrase_closer_than_an_unrelated_sentence() {
    let (near, far) = similarities(
        &minilm(),
        "a cat sits on the mat",
        ["a kitten rests on a rug", "quarterly tax filing deadline"],
    );
    assert!(near > far + 0.2, "paraphrase {near}, unrelated {far}");
}

#[test]
fn minilm_vectors_have_384_dimensions_and_unit_norm() {
    let model = minilm();
    assert_eq!(model.name(), "all-minilm-l6-v2");
    assert_eq!(model.dimensions(), 384);
    let vectors = model
        .embed(&texts(&["hello world", "", "Ünïcödé and emoji 🚀"]))
        .expect("embed");
    assert_eq!(vectors.len(), 3);
    for vector in &vectors {
        assert_eq!(vector.len(), 384);
        assert!((norm(vector) - 1.0).abs() < 1e-4, "norm {}", norm(vector));
    }
    assert!(model.embed(&[]).expect("embed nothing").is_empty());
}

#[test]
fn minilm_batch_of_40_matches_texts_embedded_one_by_one_in_order() {
    let model = minilm();
    let batch: Vec<String> = (0..40)
        .map(|i| format!("note {i}: {}", "meeting moved ".repeat(i % 4 + 1)))
        .collect();
    let together = model.embed(&batch).expect("embed batch");
    assert_eq!(together.len(), batch.len());
    for (text, vector) in batch.iter().zip(&together) {
        assert_close(vector, &embed_one(&model, text), 1e-4);
    }
}

/// Past 512 tokens BERT has no position embeddings, so this only works when truncated.
#[test]
fn minilm_truncates_a_text_longer_than_256_tokens() {
    let model = minilm();
    let long = "knowledge graphs link entities with typed relations ".repeat(80);
    let vector = embed_one(&model, &long);
    assert_eq!(vector.len(), 384);
    assert!((norm(&vector) - 1.0).abs() < 1e-4);
}

#[test]
fn load_picks_minilm_when_the_weights_are_fetched() {
    let (embedder, reason) = load(&model_dir(), 64);
    assert_eq!(
        reason, None,
        "run {FETCH_SCRIPT} first (scripts/test.sh does)"
    );
    assert_eq!(embedder.name(), "all-minilm-l6-v2");
}

#[test]
fn load_on_an_empty_folder_falls_back_to_hash_and_says_to_run_the_script() {
    let dir = TempDir::new();
    let (embedder, reason) = load(&dir.0, 256);
    assert_eq!(embedder.name(), "hash");
    assert_eq!(embedder.dimensions(), 256);
    let reason = reason.expect("a fallback reason");
    assert!(reason.contains("missing"), "{reason}");
    assert!(reason.contains(FETCH_SCRIPT), "{reason}");
}

#[test]
fn load_with_corrupt_weights_falls_back_naming_the_bad_file() {
    let dir = TempDir::new();
    for file in ["config.json", "tokenizer.json"] {
        std::fs::copy(model_dir().join(file), dir.0.join(file))
            .unwrap_or_else(|err| panic!("copy {file}: {err}; run {FETCH_SCRIPT} first"));
    }
    std::fs::write(dir.0.join("model.safetensors"), b"not safetensors").expect("write");
    let (embedder, reason) = load(&dir.0, 32);
    assert_eq!(embedder.name(), "hash");
    let reason = reason.expect("a fallback reason");
    assert!(reason.contains("model.safetensors"), "{reason}");
}

#[test]
fn hash_embedder_is_deterministic_with_configured_dims_and_unit_norm() {
    let embedder = HashEmbedder::new(256);
    assert_eq!(embedder.name(), "hash");
    assert_eq!(embedder.dimensions(), 256);
    let input = texts(&["the quick brown fox", "jumps over the lazy dog"]);
    let first = embedder.embed(&input).expect("embed");
    assert_eq!(first, HashEmbedder::new(256).embed(&input).expect("embed"));
    for vector in &first {
        assert_eq!(vector.len(), 256);
        assert!((norm(vector) - 1.0).abs() < 1e-5);
    }
}

#[test]
fn hash_embedder_puts_similar_texts_closer_than_unrelated_ones() {
    let (near, far) = similarities(
        &HashEmbedder::new(384),
        "the cat sat on the mat",
        ["the cats sat on a mat", "quarterly tax filing deadline"],
    );
    assert!(near > far + 0.3, "similar {near}, unrelated {far}");
}

#[test]
fn hash_embedder_gives_a_zero_vector_for_empty_text() {
    let embedder = HashEmbedder::new(64);
    for text in ["", "   ", "?!,."] {
        assert_eq!(embed_one(&embedder, text), vec![0.0; 64]);
    }
    assert!(embedder.embed(&[]).expect("embed nothing").is_empty());
}
