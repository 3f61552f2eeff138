//! all-MiniLM-L6-v2 sentence embeddings on the CPU with candle: BERT forward pass, mean
//! pooling over the attention mask, L2 normalisation, 384 dimensions. Owns loading the model
//! folder and batching; it reads only local files (no hub, no download) and uses no unsafe
//! code, so the safetensors file is read into memory rather than mapped.

use std::fmt;
use std::path::{Path, PathBuf};

use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::{EmbedError, Embedder};

/// Longer inputs are truncated to this many tokens, [CLS] and [SEP] included (the
/// sentence-transformers `max_seq_length` of this model).
const MAX_TOKENS: usize = 256;
/// Texts per forward pass: bounds memory, since a batch is padded to its longest text.
const BATCH_SIZE: usize = 32;

const CONFIG_FILE: &str = "config.json";
const TOKENIZER_FILE: &str = "tokenizer.json";
const WEIGHTS_FILE: &str = "model.safetensors";

/// all-MiniLM-L6-v2 loaded from a local folder. Thread-safe: `embed` takes `&self`.
pub struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    dimensions: usize,
    dir: PathBuf,
}

impl MiniLm {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`. Fails with
    /// the first missing or unusable file; never touches the network.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let config_path = existing(dir, CONFIG_FILE)?;
        let tokenizer_path = existing(dir, TOKENIZER_FILE)?;
        let weights_path = existing(dir, WEIGHTS_FILE)?;

        let config: Config = serde_json::from_slice(&read(&config_path)?).map_err(|source| {
            EmbedError::BadConfig {
                path: config_path.clone(),
                source,
            }
        })?;
        let tokenizer = load_tokenizer(&tokenizer_path)?;
        let bad_weights = |source| EmbedError::BadWeights {
            path: weights_path.clone(),
            source,
        };
        let weights =
            VarBuilder::from_buffered_safetensors(read(&weights_path)?, DType::F32, &Device::Cpu)
                .map_err(bad_weights)?;
        let model = BertModel::load(weights, &config).map_err(bad_weights)?;

        Ok(Self {
            model,
            tokenizer,
            dimensions: config.hidden_size,
            dir: dir.to_path_buf(),
        })
    }

    /// One forward pass over at most [`BATCH_SIZE`] texts.
    fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let inputs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|source| EmbedError::Tokenize { source })?;
        let rows = encodings.len();
        let columns = encodings.first().map_or(0, |e| e.get_ids().len());
        let gather = |field: fn(&tokenizers::Encoding) -> &[u32]| {
            let flat: Vec<u32> = encodings
                .iter()
                .flat_map(|e| field(e).iter().copied())
                .collect();
            Tensor::from_vec(flat, (rows, columns), &Device::Cpu)
        };
        let ids = gather(tokenizers::Encoding::get_ids)?;
        let type_ids = gather(tokenizers::Encoding::get_type_ids)?;
        let mask = gather(tokenizers::Encoding::get_attention_mask)?;

        let hidden = self.model.forward(&ids, &type_ids, Some(&mask))?;
        let pooled = mean_pool(&hidden, &mask)?;
        let norms = pooled
            .sqr()?
            .sum_keepdim(D::Minus1)?
            .sqrt()?
            .clamp(1e-12, f32::MAX)?;
        Ok(pooled.broadcast_div(&norms)?.to_vec2::<f32>()?)
    }
}

impl Embedder for MiniLm {
    fn name(&self) -> &'static str {
        "all-minilm-l6-v2"
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(BATCH_SIZE) {
            vectors.extend(self.embed_batch(batch)?);
        }
        Ok(vectors)
    }
}

impl fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiniLm")
            .field("dir", &self.dir)
            .field("dimensions", &self.dimensions)
            .field("max_tokens", &MAX_TOKENS)
            .finish_non_exhaustive()
    }
}

/// Average of the token vectors `hidden` (batch, tokens, dims) where `mask` (batch, tokens) is 1.
fn mean_pool(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1e-9, f32::MAX)?;
    summed.broadcast_div(&counts)
}

/// The tokenizer with truncation at [`MAX_TOKENS`] and padding to the longest text of each
/// batch, replacing the fixed 128-token padding the file ships with.
fn load_tokenizer(path: &Path) -> Result<Tokenizer, EmbedError> {
    let bad = |source| EmbedError::BadTokenizer {
        path: path.to_path_buf(),
        source,
    };
    let mut tokenizer = Tokenizer::from_file(path).map_err(bad)?;
    let padding = PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        ..tokenizer.get_padding().cloned().unwrap_or_default()
    };
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..TruncationParams::default()
        }))
        .map_err(bad)?
        .with_padding(Some(padding));
    Ok(tokenizer)
}

/// `dir/name` when it is a file.
fn existing(dir: &Path, name: &str) -> Result<PathBuf, EmbedError> {
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(EmbedError::MissingFile { path })
    }
}

fn read(path: &Path) -> Result<Vec<u8>, EmbedError> {
    std::fs::read(path).map_err(|source| EmbedError::Unreadable {
        path: path.to_path_buf(),
        source,
    })
}
