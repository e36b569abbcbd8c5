//! From texts to batches: tokenising with the embedding's own tokenizer, mapping words to rows
//! of the frozen embedding, and padding into tensors.
//!
//! Row 0 of every embedding is the padding / unknown word (a zero vector). For sequence tasks,
//! unknown words are left out of the model's input (they carry no vector) but kept in the list
//! of surface tokens, so an explanation can show the whole text. For token tasks (NER) every
//! token stays, and a few surface features (capitalised, all caps, digits, sentence start) join
//! the input as extra, named dimensions.

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use sinr_embed::{SinrModel, StopSet, TokenizerConfig, Vocabulary};

/// Names of the surface features of token tasks, in column order.
pub const SURFACE_FEATURES: [&str; 4] = [
    "feature:capitalised",
    "feature:all-caps",
    "feature:digit",
    "feature:sentence-start",
];

/// Sequence classification (one label per text) or token classification (one tag per token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// One label per text.
    Sequence,
    /// One label per token (BIO tags).
    Token,
}

/// One encoded example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Embedding rows of the model input (1 + word id; 0 = unknown, kept only for token tasks).
    pub rows: Vec<u32>,
    /// Surface form of every model-input position.
    pub surface: Vec<String>,
    /// `[len][SURFACE_FEATURES.len()]` surface features (token tasks only, else empty).
    pub features: Vec<[f32; 4]>,
    /// Label index (sequence tasks) or one per position (token tasks).
    pub labels: Vec<usize>,
}

/// Maps texts to embedding rows with the tokenizer the embeddings were trained with.
#[derive(Debug, Clone)]
pub struct Encoder {
    tokenizer: TokenizerConfig,
    stop: StopSet,
    vocab: Vocabulary,
    /// Longest model input, in tokens (longer texts are truncated, documented).
    pub max_len: usize,
}

impl Encoder {
    /// The encoder of a SINr model (its tokenizer minus the frequency filter).
    pub fn new(model: &SinrModel, max_len: usize) -> Self {
        let mut tokenizer = model.config.tokenizer.clone();
        tokenizer.min_unit_tokens = 0;
        tokenizer.unit = sinr_embed::Unit::Line;
        Self {
            stop: tokenizer.stop_set(),
            tokenizer,
            vocab: model.vocab.clone(),
            max_len,
        }
    }

    /// The row of a word (0 if unknown).
    pub fn row(&self, word: &str) -> u32 {
        self.vocab.id(word).map_or(0, |id| id.0 + 1)
    }

    /// Number of rows of the embedding (vocabulary + padding).
    pub fn rows(&self) -> usize {
        self.vocab.len() + 1
    }

    /// Tokens of a text as the embeddings see them, with their rows (0 = unknown).
    pub fn tokenize(&self, text: &str) -> Vec<(String, u32)> {
        let one_line: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        let mut out = Vec::new();
        let chunk = sinr_embed::TextChunk::from_text("<text>", &one_line);
        let _ = chunk.for_each_unit(&self.tokenizer, &self.stop, |toks| {
            out.extend(toks.iter().map(|t| ((*t).to_owned(), self.row(t))));
        });
        out
    }

    /// A text for a sequence task: known words only, truncated to `max_len`.
    pub fn encode_text(&self, text: &str, label: usize) -> Example {
        let (surface, rows): (Vec<String>, Vec<u32>) = self
            .tokenize(text)
            .into_iter()
            .filter(|(_, r)| *r != 0)
            .take(self.max_len)
            .unzip();
        Example {
            rows,
            surface,
            features: Vec::new(),
            labels: vec![label],
        }
    }

    /// A tokenised sentence for a token task: every token, its row (lowercased letters only),
    /// its surface features, truncated to `max_len`.
    pub fn encode_tokens(&self, tokens: &[String], labels: &[usize]) -> Example {
        let n = tokens.len().min(self.max_len);
        let mut ex = Example {
            rows: Vec::with_capacity(n),
            surface: Vec::with_capacity(n),
            features: Vec::with_capacity(n),
            labels: labels[..n.min(labels.len())].to_vec(),
        };
        for (i, tok) in tokens.iter().take(n).enumerate() {
            let letters: String = tok
                .chars()
                .filter(|c| c.is_alphabetic())
                .flat_map(char::to_lowercase)
                .collect();
            ex.rows.push(
                if letters.chars().count() >= self.tokenizer.min_token_len
                    && !self.stop.contains(&letters)
                {
                    self.row(&letters)
                } else {
                    0
                },
            );
            ex.surface.push(tok.clone());
            let first_upper = tok.chars().next().is_some_and(char::is_uppercase);
            let letters_only: Vec<char> = tok.chars().filter(|c| c.is_alphabetic()).collect();
            let all_caps = letters_only.len() > 1 && letters_only.iter().all(|c| c.is_uppercase());
            let digit = tok.chars().any(|c| c.is_ascii_digit());
            ex.features.push([
                f32::from(u8::from(first_upper)),
                f32::from(u8::from(all_caps)),
                f32::from(u8::from(digit)),
                f32::from(u8::from(i == 0)),
            ]);
        }
        ex
    }
}

/// A padded batch on a device.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `[B, T]` embedding rows (0 = padding).
    pub tokens: Tensor<2, Int>,
    /// `[B, T]` true where there is no token.
    pub mask: Tensor<2, Bool>,
    /// `[B, T, F]` surface features (token tasks), else `None`.
    pub features: Option<Tensor<3>>,
    /// Targets: `[B]` (sequence) or `[N]` for the `N` real positions (token tasks).
    pub targets: Tensor<1, Int>,
    /// Token tasks: the flat indices (`b·T + t`) of the real positions, `[N]`.
    pub positions: Option<Tensor<1, Int>>,
}

/// Pads `examples` into a batch.
pub fn make_batch(examples: &[&Example], kind: TaskKind, device: &Device) -> Batch {
    let b = examples.len();
    let t = examples
        .iter()
        .map(|e| e.rows.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut tokens = vec![0i64; b * t];
    let mut mask = vec![true; b * t];
    let mut feats = vec![0f32; b * t * SURFACE_FEATURES.len()];
    let mut targets = Vec::new();
    let mut positions = Vec::new();
    for (i, e) in examples.iter().enumerate() {
        for (j, &r) in e.rows.iter().enumerate() {
            tokens[i * t + j] = i64::from(r);
            mask[i * t + j] = false;
            if kind == TaskKind::Token {
                feats[(i * t + j) * 4..(i * t + j + 1) * 4].copy_from_slice(&e.features[j]);
                positions.push((i * t + j) as i64);
                targets.push(e.labels[j] as i64);
            }
        }
        if kind == TaskKind::Sequence {
            targets.push(e.labels[0] as i64);
        }
    }
    let n = targets.len();
    Batch {
        tokens: Tensor::from_data(TensorData::new(tokens, [b, t]), device),
        mask: Tensor::from_data(TensorData::new(mask, [b, t]), device),
        features: (kind == TaskKind::Token).then(|| {
            Tensor::from_data(
                TensorData::new(feats, [b, t, SURFACE_FEATURES.len()]),
                device,
            )
        }),
        targets: Tensor::from_data(TensorData::new(targets, [n]), device),
        positions: (kind == TaskKind::Token)
            .then(|| Tensor::from_data(TensorData::new(positions, [n]), device)),
    }
}
