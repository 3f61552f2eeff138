//! `POST /v1/embeddings` on the wire: the request for one batch, and the checks that turn the
//! reply into one vector per text in input order. Order comes from each item's `index`, never
//! from its position, and a reply that does not answer every text exactly once, with finite
//! vectors of one length, is refused rather than patched.

use serde::{Deserialize, Serialize};

/// The request for one batch.
#[derive(Debug, Serialize)]
pub(super) struct EmbeddingsRequest<'a> {
    /// The alias.
    pub model: &'a str,
    /// The texts, none empty.
    pub input: &'a [String],
}

/// The reply, in OpenAI's shape.
#[derive(Debug, Deserialize)]
pub(super) struct EmbeddingsReply {
    data: Vec<Item>,
}

#[derive(Debug, Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

impl EmbeddingsReply {
    /// One vector per text of a batch of `expected` texts, in input order; what is wrong
    /// with the reply otherwise.
    pub(super) fn into_vectors(self, expected: usize) -> Result<Vec<Vec<f32>>, String> {
        if self.data.len() != expected {
            return Err(format!("{} vectors for {expected} texts", self.data.len()));
        }
        let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
        for item in self.data {
            let slot = slots.get_mut(item.index).ok_or_else(|| {
                format!("index {} is out of range for {expected} texts", item.index)
            })?;
            if slot.is_some() {
                return Err(format!("index {} appears twice", item.index));
            }
            *slot = Some(item.embedding);
        }
        // Equal counts and no repeats leave no slot empty.
        let vectors: Vec<Vec<f32>> = slots.into_iter().flatten().collect();
        check_vectors(&vectors)?;
        Ok(vectors)
    }
}

/// Every vector is non-empty, of one length, and finite.
pub(super) fn check_vectors(vectors: &[Vec<f32>]) -> Result<(), String> {
    let Some(first) = vectors.first() else {
        return Ok(());
    };
    for (index, vector) in vectors.iter().enumerate() {
        if vector.is_empty() {
            return Err(format!("vector {index} is empty"));
        }
        if vector.len() != first.len() {
            return Err(format!(
                "vector {index} has {} values but vector 0 has {}",
                vector.len(),
                first.len()
            ));
        }
        if vector.iter().any(|value| !value.is_finite()) {
            return Err(format!("vector {index} holds a non-finite value"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(items: serde_json::Value) -> EmbeddingsReply {
        serde_json::from_value(serde_json::json!({ "data": items })).expect("reply shape")
    }

    #[test]
    fn items_are_placed_by_index_not_by_position() {
        let vectors = reply(serde_json::json!([
            { "index": 1, "embedding": [1.0, 1.0] },
            { "index": 0, "embedding": [0.0, 0.5] },
        ]))
        .into_vectors(2)
        .expect("valid");
        assert_eq!(vectors, [vec![0.0, 0.5], vec![1.0, 1.0]]);
    }

    #[test]
    fn replies_that_do_not_answer_each_text_once_are_refused() {
        let cases = [
            (
                serde_json::json!([{ "index": 0, "embedding": [1.0] }]),
                "1 vectors for 2 texts",
            ),
            (
                serde_json::json!([{ "index": 0, "embedding": [1.0] }, { "index": 0, "embedding": [1.0] }]),
                "index 0 appears twice",
            ),
            (
                serde_json::json!([{ "index": 0, "embedding": [1.0] }, { "index": 2, "embedding": [1.0] }]),
                "index 2 is out of range",
            ),
            (
                serde_json::json!([{ "index": 0, "embedding": [1.0] }, { "index": 1, "embedding": [1.0, 2.0] }]),
                "vector 1 has 2 values but vector 0 has 1",
            ),
            (
                serde_json::json!([{ "index": 0, "embedding": [] }, { "index": 1, "embedding": [] }]),
                "vector 0 is empty",
            ),
            (
                serde_json::json!([{ "index": 0, "embedding": [1.0] }, { "index": 1, "embedding": [1e40] }]),
                "vector 1 holds a non-finite value",
            ),
        ];
        for (items, expected) in cases {
            let error = reply(items.clone()).into_vectors(2).expect_err("refused");
            assert!(error.contains(expected), "{items}: {error}");
        }
    }
}
