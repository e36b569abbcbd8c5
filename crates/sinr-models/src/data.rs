//! From texts to batches: tokenising with the embedding's own tokenizer, mapping words to rows
//! of the frozen embedding, and padding into tensors.
//!
//! Row 0 of every embedding is the padding / unknown word (a zero vector). For sequence tasks,
//! unknown words are left out of the model's input (they carry no vector), unless the n-gram
//! weights of an attention classifier keep them (row 0) for their hashed lexical features. For
//! token tasks (NER) every token stays, and a few surface features (capitalised, all caps,
//! digits, sentence start) join the input as extra, named dimensions.

use burn::prelude::*;

use sinr_data::TaskData;
use sinr_embed::{SinrModel, StopSet, TokenizerConfig, Vocabulary};

use crate::features::{DocumentIndex, Gazetteer, TagFeatures};
use crate::models::{LexicalConfig, ModelConfig};

/// Names of the surface features of token tasks, in column order.
pub const SURFACE_FEATURES: [&str; 4] = [
    "feature:capitalised",
    "feature:all-caps",
    "feature:digit",
    "feature:sentence-start",
];

pub use sinr_schema::TaskKind;

/// One encoded example.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Example {
    /// Embedding rows of the model input (1 + word id; 0 = unknown, kept only for token tasks
    /// and for the n-gram features of unknown words, [`LexicalConfig::unknown_words`]).
    pub rows: Vec<u32>,
    /// Surface form of every model-input position.
    pub surface: Vec<String>,
    /// `[len][SURFACE_FEATURES.len()]` surface features (token tasks only, else empty).
    pub features: Vec<[f32; 4]>,
    /// Label index (sequence tasks) or one per position (token tasks).
    pub labels: Vec<usize>,
    /// Hashed lexical features `(position, bucket)` of the model-input positions, in position
    /// order (only for an attention classifier with n-gram weights, else empty).
    pub lexical: Vec<(u32, u32)>,
}

impl Example {
    /// The example restricted to the positions where `keep` is true (missing entries: false).
    /// Surface forms, surface features, lexical features and the tags of a token task follow
    /// their positions; a sequence task's label stays.
    pub fn subset(&self, keep: &[bool], kind: TaskKind) -> Example {
        let mut new_pos = vec![None; self.rows.len()];
        let mut n = 0u32;
        for (i, slot) in new_pos.iter_mut().enumerate() {
            if keep.get(i).copied().unwrap_or(false) {
                *slot = Some(n);
                n += 1;
            }
        }
        let pick = |i: usize| new_pos.get(i).is_some_and(Option::is_some);
        Example {
            rows: (0..self.rows.len())
                .filter(|&i| pick(i))
                .map(|i| self.rows[i])
                .collect(),
            surface: (0..self.surface.len())
                .filter(|&i| pick(i))
                .map(|i| self.surface[i].clone())
                .collect(),
            features: (0..self.features.len())
                .filter(|&i| pick(i))
                .map(|i| self.features[i])
                .collect(),
            labels: if kind == TaskKind::Tag {
                (0..self.labels.len())
                    .filter(|&i| pick(i))
                    .map(|i| self.labels[i])
                    .collect()
            } else {
                self.labels.clone()
            },
            lexical: self
                .lexical
                .iter()
                .filter_map(|&(p, f)| new_pos.get(p as usize).copied().flatten().map(|q| (q, f)))
                .collect(),
        }
    }
}

/// FNV-1a (64 bits) of `kind` then `text`, to a bucket in `0..buckets`: a fixed, portable hash,
/// so a trained model reads the same features everywhere.
pub fn feature_bucket(kind: u8, text: &str, buckets: usize) -> u32 {
    use std::hash::Hasher;
    let mut h = sinr_util::Fnv1a::default();
    h.write(&[kind]);
    h.write(text.as_bytes());
    (h.finish() % buckets.max(1) as u64) as u32
}

/// The lexical features of token `word` with `prev` the raw word before it (`None` at the start
/// of the text), each once per occurrence in the token, as `(kind, text)`: `b'u'` the word,
/// `b'b'` the bigram `prev word` (`<s>` at the start), `b'c'` a character n-gram of `<word>`.
pub fn lexical_feature_keys(
    cfg: &LexicalConfig,
    prev: Option<&str>,
    word: &str,
) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    if cfg.unigrams {
        out.push((b'u', word.to_owned()));
    }
    if cfg.bigrams {
        out.push((b'b', format!("{} {word}", prev.unwrap_or("<s>"))));
    }
    if let Some([lo, hi]) = cfg.chars {
        let chars: Vec<char> = std::iter::once('<')
            .chain(word.chars())
            .chain(std::iter::once('>'))
            .collect();
        for n in lo..=hi {
            out.extend(chars.windows(n).map(|w| (b'c', w.iter().collect())));
        }
    }
    out
}

/// The hashed lexical features of a token ([`lexical_feature_keys`], each hashed with
/// [`feature_bucket`]).
pub fn lexical_features(cfg: &LexicalConfig, prev: Option<&str>, word: &str) -> Vec<u32> {
    lexical_feature_keys(cfg, prev, word)
        .iter()
        .map(|(kind, text)| feature_bucket(*kind, text, cfg.buckets))
        .collect()
}

/// A lexical feature as people read it: `word good`, `bigram not good`, `chars <go`.
pub fn lexical_feature_name(kind: u8, text: &str) -> String {
    match kind {
        b'u' => format!("word {text}"),
        b'b' => format!("bigram {text}"),
        _ => format!("chars {text}"),
    }
}

/// A task's training and dev examples, encoded for a model.
#[derive(Debug, Clone)]
pub struct EncodedTask {
    /// The task's name.
    pub name: String,
    /// Classification or tagging.
    pub kind: TaskKind,
    /// Label (or tag) names, sorted: an example's label is an index into them.
    pub labels: Vec<String>,
    /// Training examples.
    pub train: Vec<Example>,
    /// The index of every training example among the task's training items.
    pub train_index: Vec<usize>,
    /// Development examples.
    pub dev: Vec<Example>,
}

impl EncodedTask {
    /// Keeps a seeded random subset of at most `n` training examples, in their order.
    pub fn subsample_train(&mut self, n: usize, seed: u64) {
        if n >= self.train.len() {
            return;
        }
        let order = subsample_indices(self.train.len(), n, seed);
        let train = std::mem::take(&mut self.train);
        self.train = order.iter().map(|&i| train[i].clone()).collect();
        self.train_index = order.iter().map(|&i| self.train_index[i]).collect();
    }
}

/// The training examples [`EncodedTask::subsample_train`] keeps of `len` (at most `n`, seeded),
/// in order.
pub fn subsample_indices(len: usize, n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    if n < len {
        sinr_util::SplitMix64::new(seed).shuffle(&mut order);
        order.truncate(n);
        order.sort_unstable();
    }
    order
}

/// Maps texts to embedding rows with the tokenizer the embeddings were trained with.
#[derive(Debug, Clone)]
pub struct Encoder {
    tokenizer: TokenizerConfig,
    stop: StopSet,
    vocab: Vocabulary,
    /// Longest model input, in tokens (longer texts are truncated, documented).
    pub max_len: usize,
    /// Which part of a longer text is kept (n-gram models: the head).
    pub truncation: crate::config::Truncation,
    /// Hashed lexical features to compute for each position, if any.
    pub lexical: Option<LexicalConfig>,
    /// The model's own vocabulary instead of the embeddings' (a dense baseline's): every token
    /// is read, stop words and short words included; a word of it is row `2 + id`, any other
    /// row 1 (unknown); row 0 is padding.
    pub own: Option<Vocabulary>,
    /// A tagger's lexical features of every token, if any (token tasks).
    pub tag_features: Option<TagFeatures>,
    /// The names of the training data, when the tag features read a gazetteer
    /// ([`TagFeatures::gazetteer`]; `RUN/gazetteer.tsv`).
    pub gazetteer: Option<Gazetteer>,
    /// Every word's community at every Louvain level (`[level][word id]`), for the word-class
    /// features.
    classes: Vec<Vec<u32>>,
    /// The first label words of every community at every level (`[level][community]`), to
    /// name word-class features; empty unless the tag features use classes.
    class_labels: Vec<Vec<String>>,
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
            truncation: crate::config::Truncation::Head,
            lexical: None,
            own: None,
            tag_features: None,
            gazetteer: None,
            classes: model
                .dendrogram
                .levels
                .iter()
                .filter(|l| l.partition.len() == model.vocab.len())
                .map(|l| l.partition.clone())
                .collect(),
            class_labels: Vec::new(),
        }
    }

    /// The word classes of a token (its lower-cased letters' community at every level; empty
    /// for a word the embeddings do not know).
    fn classes_of(&self, letters: &str) -> Vec<u32> {
        match self.vocab.id(letters) {
            Some(id) => self.classes.iter().map(|l| l[id.index()]).collect(),
            None => Vec::new(),
        }
    }

    /// The names of a tagged sentence's lexical features ([`crate::features::tag_feature_name`])
    /// with their token's position, in the order of [`Encoder::encode_tokens`]' `lexical`
    /// (empty without tag features). The sentence is its own document.
    pub fn tag_feature_names(&self, tokens: &[String]) -> Vec<(String, u32)> {
        self.tag_feature_names_in(&self.alone(tokens), 0)
    }

    /// [`Encoder::tag_feature_names`] of sentence `s` of a document, in the order of
    /// [`Encoder::encode_tokens_in`]' `lexical`.
    pub fn tag_feature_names_in(&self, doc: &DocumentIndex, s: usize) -> Vec<(String, u32)> {
        let Some(f) = &self.tag_features else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for i in 0..doc.sentence(s).len().min(self.max_len) {
            out.extend(self.token_keys(f, doc, s, i).iter().map(|(k, t)| {
                let mut name = crate::features::tag_feature_name(*k, t);
                // A word class reads as its community's first label words.
                if *k == b'k'
                    && let Some((l, c)) = t.split_once(':')
                    && let (Ok(l), Ok(c)) = (l.parse::<usize>(), c.parse::<usize>())
                    && let Some(label) = self.class_labels.get(l).and_then(|ls| ls.get(c))
                {
                    name = format!("{name} ({label})");
                }
                (name, i as u32)
            }));
        }
        out
    }

    /// The tag features of token `i` of sentence `s` of a document, as `(kind, text)`: its
    /// own ([`TagFeatures::keys`]), its document's ([`TagFeatures::document_keys`]), then the
    /// gazetteer's ([`Gazetteer::keys`]; a training sentence reads the other folds' names).
    fn token_keys(
        &self,
        f: &TagFeatures,
        doc: &DocumentIndex,
        s: usize,
        i: usize,
    ) -> Vec<(u8, String)> {
        let tok = &doc.sentence(s)[i];
        let classes = self.classes_of(&letters_of(tok));
        let mut keys = f.keys(tok, &classes);
        keys.extend(f.document_keys(doc, s, i));
        if f.gazetteer
            && let Some(g) = &self.gazetteer
        {
            keys.extend(g.keys(doc.sentence(s), i, doc.fold(s)));
        }
        keys
    }

    /// The row of an unknown word when the encoder has its own vocabulary.
    pub const UNKNOWN: u32 = 1;

    /// A vocabulary of the words of `data`'s training split as this encoder reads them (every
    /// token of a text; a tagged token's lowercased letters), those seen at least `min_count`
    /// times.
    pub fn vocabulary_of(&self, data: &TaskData, min_count: u64) -> Vocabulary {
        let mut counts: std::collections::HashMap<String, u64> = Default::default();
        match data {
            TaskData::Classify(t) => {
                for x in &t.train {
                    for (tok, _) in self.raw_tokens(&x.text) {
                        *counts.entry(tok).or_default() += 1;
                    }
                }
            }
            TaskData::Tag(t) => {
                for s in &t.train {
                    for tok in &s.tokens {
                        *counts.entry(letters_of(tok)).or_default() += 1;
                    }
                }
            }
        }
        Vocabulary::from_counts(
            counts
                .into_iter()
                .filter(|(w, n)| *n >= min_count && !w.is_empty())
                .collect(),
        )
    }

    /// The encoder of a run: [`Encoder::for_model`] with the training's length, truncation
    /// and web-text cleaning ([`TrainConfig::web_text`](crate::TrainConfig::web_text)).
    pub fn for_run(model: &SinrModel, config: &ModelConfig, train: &crate::TrainConfig) -> Self {
        let mut enc = Self::for_model(model, config, train.max_len);
        enc.truncation = train.truncation;
        enc.tokenizer.web_text = train.web_text;
        enc
    }

    /// The encoder a model configuration reads its input with: the embedding's, plus the
    /// lexical features of an attention classifier with n-gram weights.
    pub fn for_model(model: &SinrModel, config: &ModelConfig, max_len: usize) -> Self {
        let mut enc = Self::new(model, max_len);
        enc.lexical = config.lexical().cloned();
        enc.tag_features = config.tag_features().cloned();
        if enc.tag_features.as_ref().is_some_and(|f| f.classes) {
            enc.class_labels = (0..enc.classes.len())
                .map(|l| {
                    model
                        .community_labels(l, 3, sinr_embed::LabelRanking::default())
                        .map(|ls| ls.into_iter().map(|w| w.join(", ")).collect())
                        .unwrap_or_default()
                })
                .collect();
        }
        enc
    }

    /// Every raw token of a text (the embedding's tokenizer without its stop words and with
    /// no minimum length), with whether the embedding's tokenizer keeps it.
    fn raw_tokens(&self, text: &str) -> Vec<(String, bool)> {
        let mut cfg = self.tokenizer.clone();
        cfg.min_token_len = 1;
        let mut out = Vec::new();
        self.each_token(text, &cfg, &StopSet::default(), |t| {
            let kept = self.tokenizer.pretokenized
                || (t.chars().count() >= self.tokenizer.min_token_len && !self.stop.contains(t));
            out.push((t.to_owned(), kept));
        });
        out
    }

    /// Calls `f` on every token of `text` (one unit, line breaks as spaces) under `cfg`, `stop`.
    fn each_token(
        &self,
        text: &str,
        cfg: &TokenizerConfig,
        stop: &StopSet,
        mut f: impl FnMut(&str),
    ) {
        let one_line: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        let chunk = sinr_embed::TextChunk::from_text("<text>", &one_line);
        let _ = chunk.for_each_unit(cfg, stop, |toks| toks.iter().for_each(|t| f(t)));
    }

    /// The row of a word (0 if unknown to the embeddings; with its own vocabulary,
    /// [`Encoder::UNKNOWN`]).
    pub fn row(&self, word: &str) -> u32 {
        if let Some(own) = &self.own {
            return own.id(word).map_or(Self::UNKNOWN, |id| id.0 + 2);
        }
        self.vocab.id(word).map_or(0, |id| id.0 + 1)
    }

    /// Number of rows of the embedding (vocabulary + padding, and the unknown row with its own
    /// vocabulary).
    pub fn rows(&self) -> usize {
        if let Some(own) = &self.own {
            return own.len() + 2;
        }
        self.vocab.len() + 1
    }

    /// Tokens of a text as the embeddings see them, with their rows (0 = unknown).
    pub fn tokenize(&self, text: &str) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        self.each_token(text, &self.tokenizer, &self.stop, |t| {
            out.push((t.to_owned(), self.row(t)));
        });
        out
    }

    /// The model-input tokens of a text under lexical features `lex`, in order: `visit(token,
    /// raw word before it, row)` for each (the known words, and the unknown ones if
    /// `lex.unknown_words`), at most `max_len`: the first ones, or with
    /// [`crate::Truncation::HeadTail`] the first quarter and the last three quarters of
    /// `max_len` (a token's bigram keeps the raw word before it in the text either way).
    fn walk_lexical(
        &self,
        text: &str,
        lex: &LexicalConfig,
        mut visit: impl FnMut(&str, Option<&str>, u32),
    ) {
        // The tokens read, each with the raw token before it (for bigrams), then the ones kept
        // within `max_len`: the head, or the head's quarter and the tail.
        let mut read: Vec<(String, Option<String>, u32)> = Vec::new();
        let mut prev: Option<String> = None;
        for (tok, kept) in self.raw_tokens(text) {
            if self.truncation == crate::config::Truncation::Head && read.len() == self.max_len {
                break;
            }
            let row = if kept { self.row(&tok) } else { 0 };
            if kept && (row != 0 || lex.unknown_words) {
                read.push((tok.clone(), prev.clone(), row));
            }
            prev = Some(tok);
        }
        if read.len() > self.max_len {
            let head = self.max_len / 4;
            let tail = self.max_len - head;
            let end = read.len() - tail;
            read.drain(head..end);
        }
        for (tok, prev, row) in &read {
            visit(tok, prev.as_deref(), *row);
        }
    }

    /// How the distinct hashed features of `texts` share the buckets (`None` without lexical
    /// features).
    pub fn ngram_collisions<'a>(
        &self,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Option<sinr_schema::NgramCollisions> {
        let lex = self.lexical.as_ref()?;
        let mut features: std::collections::HashSet<(u8, String)> = Default::default();
        for text in texts {
            self.walk_lexical(text, lex, |tok, prev, _| {
                features.extend(lexical_feature_keys(lex, prev, tok));
            });
        }
        let mut per_bucket: std::collections::HashMap<u32, usize> = Default::default();
        for (kind, text) in &features {
            *per_bucket
                .entry(feature_bucket(*kind, text, lex.buckets))
                .or_default() += 1;
        }
        Some(sinr_schema::NgramCollisions {
            features: features.len(),
            buckets: lex.buckets,
            buckets_used: per_bucket.len(),
            colliding_features: per_bucket.values().filter(|&&n| n > 1).sum(),
        })
    }

    /// The names of a text's lexical features ([`lexical_feature_name`]) with their positions,
    /// in the order of [`Encoder::encode_text`]'s `lexical` (empty without lexical features).
    pub fn lexical_names(&self, text: &str) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        if let Some(lex) = &self.lexical {
            let mut pos = 0u32;
            self.walk_lexical(text, lex, |tok, prev, _| {
                out.extend(
                    lexical_feature_keys(lex, prev, tok)
                        .iter()
                        .map(|(k, t)| (lexical_feature_name(*k, t), pos)),
                );
                pos += 1;
            });
        }
        out
    }

    /// A text for a sequence task: known words only (unknown ones too when the lexical
    /// features ask for them), truncated to `max_len`, with their lexical features if any.
    pub fn encode_text(&self, text: &str, label: usize) -> Example {
        if let Some(lex) = &self.lexical {
            let mut ex = Example {
                labels: vec![label],
                ..Example::default()
            };
            self.walk_lexical(text, lex, |tok, prev, row| {
                let pos = ex.rows.len() as u32;
                ex.lexical.extend(
                    lexical_features(lex, prev, tok)
                        .into_iter()
                        .map(|f| (pos, f)),
                );
                ex.rows.push(row);
                ex.surface.push(tok.to_owned());
            });
            return ex;
        }
        let mut known: Vec<(String, u32)> = if self.own.is_some() {
            // Every token, unknown ones included.
            self.raw_tokens(text)
                .into_iter()
                .map(|(t, _)| {
                    let r = self.row(&t);
                    (t, r)
                })
                .collect()
        } else {
            self.tokenize(text)
                .into_iter()
                .filter(|(_, r)| *r != 0)
                .collect()
        };
        if known.len() > self.max_len {
            match self.truncation {
                crate::config::Truncation::Head => known.truncate(self.max_len),
                crate::config::Truncation::HeadTail => {
                    let head = self.max_len / 4;
                    let tail = self.max_len - head;
                    known.drain(head..known.len() - tail);
                }
            }
        }
        let (surface, rows): (Vec<String>, Vec<u32>) = known.into_iter().unzip();
        Example {
            rows,
            surface,
            features: Vec::new(),
            labels: vec![label],
            lexical: Vec::new(),
        }
    }

    /// A tokenised sentence for a token task: every token, its row (lowercased letters only),
    /// its surface features, truncated to `max_len`. The sentence is its own document (see
    /// [`Encoder::encode_tokens_in`]).
    pub fn encode_tokens(&self, tokens: &[String], labels: &[usize]) -> Example {
        self.encode_tokens_in(&self.alone(tokens), 0, labels)
    }

    /// A sentence as its own document, indexed only when the tag features read documents.
    fn alone(&self, tokens: &[String]) -> DocumentIndex {
        if self.tag_features.as_ref().is_some_and(|f| f.document) {
            DocumentIndex::new(&[tokens])
        } else {
            DocumentIndex::sentences_only(&[tokens])
        }
    }

    /// Sentences of a CoNLL split, each read within its document (the consecutive sentences of
    /// the same `doc`), with their tags as label indices; no prediction history (a tagger
    /// without one, or the first of two passes: [`TagFeatures::history`]).
    pub fn encode_sentences(
        &self,
        sentences: &[sinr_data::readers::TaggedSentence],
        labels: &[Vec<usize>],
    ) -> Vec<Example> {
        self.encode_sentences_in_folds(sentences, labels, None, History::None)
    }

    /// [`Encoder::encode_sentences`] reading `history` as the documents' prediction history
    /// (ignored unless the tag features read it).
    pub fn encode_sentences_with(
        &self,
        sentences: &[sinr_data::readers::TaggedSentence],
        labels: &[Vec<usize>],
        history: History<'_>,
    ) -> Vec<Example> {
        self.encode_sentences_in_folds(sentences, labels, None, history)
    }

    /// [`Encoder::encode_sentences_with`] for training sentences of the gazetteer folds `folds`
    /// ([`Gazetteer::folds`]): each reads only the other folds' names.
    pub fn encode_sentences_in_folds(
        &self,
        sentences: &[sinr_data::readers::TaggedSentence],
        labels: &[Vec<usize>],
        folds: Option<&[u32]>,
        history: History<'_>,
    ) -> Vec<Example> {
        let mut out = Vec::with_capacity(sentences.len());
        for (start, end) in document_runs(sentences) {
            let mut doc = self.document_of(&sentences[start..end]);
            if let Some(folds) = folds {
                doc = doc.with_folds(&folds[start..end]);
            }
            doc = self.with_history(doc, history, start, end);
            for (s, tags) in labels[start..end].iter().enumerate() {
                out.push(self.encode_tokens_in(&doc, s, tags));
            }
        }
        out
    }

    /// The dev sentences of a tagging task read with the first pass's tags `first` (label
    /// indices into the task's tags, sentence by sentence) as their prediction history: the
    /// second pass that model selection scores ([`crate::train::FitContext::second_pass`]).
    /// Empty for a classification task.
    pub fn encode_dev_second_pass(&self, data: &TaskData, first: &[Vec<usize>]) -> Vec<Example> {
        let TaskData::Tag(t) = data else {
            return Vec::new();
        };
        let index = |l: &str| {
            t.tags
                .iter()
                .position(|x| x == l)
                .expect("labels come from the data")
        };
        let labels: Vec<Vec<usize>> = t
            .dev
            .iter()
            .map(|s| s.tags.iter().map(|x| index(x)).collect())
            .collect();
        let names: Vec<Vec<String>> = first
            .iter()
            .map(|s| s.iter().map(|&i| t.tags[i].clone()).collect())
            .collect();
        self.encode_sentences_with(&t.dev, &labels, History::Tags(&names))
    }

    /// Whether the tag features read a prediction history ([`TagFeatures::history`]).
    pub fn reads_history(&self) -> bool {
        self.tag_features
            .as_ref()
            .is_some_and(|f| f.document && f.history)
    }

    /// `doc`, sentences `start..end` of a split, with `history`'s tags of those sentences.
    fn with_history(
        &self,
        doc: DocumentIndex,
        history: History<'_>,
        start: usize,
        end: usize,
    ) -> DocumentIndex {
        if !self.reads_history() {
            return doc;
        }
        match history {
            History::None => doc,
            History::Tags(tags) => doc.with_history(&tags[start..end], None),
            History::Training(tags) => doc.with_history(&tags[start..end], Some(start)),
        }
    }

    /// The document of sentence `i` of a split (its run of sentences of the same `doc`) and
    /// the sentence's index in it: the input of [`Encoder::encode_tokens_in`] for a sentence
    /// read alone from its split (the analysis, an explanation). `history`: the split's
    /// prediction history, if the tagger reads one ([`crate::LoadedRun::first_pass`]).
    pub fn document_around(
        &self,
        sentences: &[sinr_data::readers::TaggedSentence],
        i: usize,
        history: History<'_>,
    ) -> (DocumentIndex, usize) {
        let (start, end) = document_range(sentences, i);
        let doc = self.document_of(&sentences[start..end]);
        (self.with_history(doc, history, start, end), i - start)
    }

    /// The index of a document's sentences: the whole document when the tag features read it,
    /// else the sentences alone (nothing else is needed).
    fn document_of(&self, sentences: &[sinr_data::readers::TaggedSentence]) -> DocumentIndex {
        if self.tag_features.as_ref().is_some_and(|f| f.document) {
            DocumentIndex::new(&sentences.iter().map(|s| &s.tokens[..]).collect::<Vec<_>>())
        } else {
            DocumentIndex::sentences_only(
                &sentences.iter().map(|s| &s.tokens[..]).collect::<Vec<_>>(),
            )
        }
    }

    /// Sentence `s` of a document for a token task ([`Encoder::encode_tokens`]), its lexical
    /// features with their document features ([`TagFeatures::document`]).
    pub fn encode_tokens_in(&self, doc: &DocumentIndex, s: usize, labels: &[usize]) -> Example {
        let tokens = doc.sentence(s);
        let n = tokens.len().min(self.max_len);
        let mut ex = Example {
            rows: Vec::with_capacity(n),
            surface: Vec::with_capacity(n),
            features: Vec::with_capacity(n),
            labels: labels[..n.min(labels.len())].to_vec(),
            lexical: Vec::new(),
        };
        for (i, tok) in tokens.iter().take(n).enumerate() {
            let letters = letters_of(tok);
            // Its own vocabulary reads every word; the embeddings' leave out short and stop words.
            let read = self.own.is_some()
                || (letters.chars().count() >= self.tokenizer.min_token_len
                    && !self.stop.contains(&letters));
            ex.rows.push(if read { self.row(&letters) } else { 0 });
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
            if let Some(f) = &self.tag_features {
                ex.lexical.extend(
                    self.token_keys(f, doc, s, i)
                        .iter()
                        .map(|(k, t)| (i as u32, feature_bucket(*k, t, f.buckets))),
                );
            }
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
    /// The examples' lexical features, if any has some.
    pub lexical: Option<LexicalBatch>,
}

/// The hashed lexical features of a batch, padded to the most features of one example.
#[derive(Debug, Clone)]
pub struct LexicalBatch {
    /// `[B, F]` feature buckets (0 for padding).
    pub buckets: Tensor<2, Int>,
    /// `[B, F]` the position of each feature's token (0 for padding).
    pub positions: Tensor<2, Int>,
    /// `[B, F]` for TF-IDF: `(1 + ln tf) / tf` of the feature's `tf` occurrences in its text
    /// (each occurrence carries its share of the sublinear term frequency), 0 for padding.
    pub shares: Tensor<2>,
    /// `[B, F]` `tf`, the occurrences in its text of the feature; 0 marks padding.
    pub counts: Tensor<2>,
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
            if kind == TaskKind::Tag {
                feats[(i * t + j) * 4..(i * t + j + 1) * 4].copy_from_slice(&e.features[j]);
                positions.push((i * t + j) as i64);
                targets.push(e.labels[j] as i64);
            }
        }
        if kind == TaskKind::Classify {
            targets.push(e.labels[0] as i64);
        }
    }
    let n = targets.len();
    let lexical = examples.iter().any(|e| !e.lexical.is_empty()).then(|| {
        let f = examples.iter().map(|e| e.lexical.len()).max().unwrap_or(0);
        let mut buckets = vec![0i64; b * f];
        let mut positions = vec![0i64; b * f];
        let mut shares = vec![0f32; b * f];
        let mut counts = vec![0f32; b * f];
        let mut sorted: Vec<u32> = Vec::new();
        for (i, e) in examples.iter().enumerate() {
            // A feature's occurrences in its text: its run in the text's sorted buckets.
            sorted.clear();
            sorted.extend(e.lexical.iter().map(|f| f.1));
            sorted.sort_unstable();
            let tf =
                |k: u32| sorted.partition_point(|&x| x <= k) - sorted.partition_point(|&x| x < k);
            for (j, &(p, k)) in e.lexical.iter().enumerate() {
                let n = tf(k) as f32;
                buckets[i * f + j] = i64::from(k);
                positions[i * f + j] = i64::from(p);
                shares[i * f + j] = (1.0 + n.ln()) / n;
                counts[i * f + j] = n;
            }
        }
        let int = |v: Vec<i64>| Tensor::from_data(TensorData::new(v, [b, f]), device);
        let float = |v: Vec<f32>| Tensor::from_data(TensorData::new(v, [b, f]), device);
        LexicalBatch {
            buckets: int(buckets),
            positions: int(positions),
            shares: float(shares),
            counts: float(counts),
        }
    });
    Batch {
        tokens: Tensor::from_data(TensorData::new(tokens, [b, t]), device),
        mask: Tensor::from_data(TensorData::new(mask, [b, t]), device),
        features: (kind == TaskKind::Tag).then(|| {
            Tensor::from_data(
                TensorData::new(feats, [b, t, SURFACE_FEATURES.len()]),
                device,
            )
        }),
        targets: Tensor::from_data(TensorData::new(targets, [n]), device),
        positions: (kind == TaskKind::Tag)
            .then(|| Tensor::from_data(TensorData::new(positions, [n]), device)),
        lexical,
    }
}

impl Encoder {
    /// The training and dev examples of a task (labels as indices into the task's sorted
    /// labels).
    pub fn encode_task(&self, data: &TaskData) -> EncodedTask {
        let index = |labels: &[String], l: &str| {
            labels
                .iter()
                .position(|x| x == l)
                .expect("labels come from the data")
        };
        match data {
            TaskData::Classify(t) => {
                let f = |xs: &[sinr_data::readers::LabeledText]| {
                    xs.iter()
                        .map(|x| self.encode_text(&x.text, index(&t.labels, &x.label)))
                        .collect()
                };
                EncodedTask {
                    name: t.name.clone(),
                    kind: TaskKind::Classify,
                    labels: t.labels.clone(),
                    train: f(&t.train),
                    train_index: (0..t.train.len()).collect(),
                    dev: f(&t.dev),
                }
            }
            TaskData::Tag(t) => {
                let f = |xs: &[sinr_data::readers::TaggedSentence],
                         folds: Option<&[u32]>,
                         train: bool| {
                    let labels: Vec<Vec<usize>> = xs
                        .iter()
                        .map(|s| s.tags.iter().map(|x| index(&t.tags, x)).collect())
                        .collect();
                    // Training reads its gold tags as history; dev none (the first pass: model
                    // selection reads dev again with its tags, `FitContext::second_pass`).
                    let gold: Vec<Vec<String>>;
                    let history = if train && self.reads_history() {
                        gold = xs.iter().map(|s| s.tags.clone()).collect();
                        History::Training(&gold)
                    } else {
                        History::None
                    };
                    self.encode_sentences_in_folds(xs, &labels, folds, history)
                };
                // Training sentences read the gazetteer's names of the other folds only.
                let folds = self.gazetteer.as_ref().map(|_| Gazetteer::folds(&t.train));
                EncodedTask {
                    name: t.name.clone(),
                    kind: TaskKind::Tag,
                    labels: t.tags.clone(),
                    train: f(&t.train, folds.as_deref(), true),
                    train_index: (0..t.train.len()).collect(),
                    dev: f(&t.dev, None, false),
                }
            }
        }
    }
}

/// The prediction history a split's documents read ([`TagFeatures::history`]): the tags of
/// every sentence of the split, by name.
#[derive(Debug, Clone, Copy)]
pub enum History<'a> {
    /// None: a tagger without history, or the first pass of one with.
    None,
    /// The first pass's tags, read by every sentence (inference).
    Tags(&'a [Vec<String>]),
    /// The gold tags of training, read by every other sentence of the split (so that the
    /// tagger also learns to tag without them, as the first pass does).
    Training(&'a [Vec<String>]),
}

/// The run `(start, end)` of consecutive sentences of the same document as sentence `i`.
pub fn document_range(
    sentences: &[sinr_data::readers::TaggedSentence],
    i: usize,
) -> (usize, usize) {
    document_runs(sentences)
        .into_iter()
        .find(|&(a, b)| (a..b).contains(&i))
        .unwrap_or((i, i + 1))
}

/// The runs `(start, end)` of consecutive sentences of the same document.
fn document_runs(sentences: &[sinr_data::readers::TaggedSentence]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=sentences.len() {
        if i == sentences.len() || sentences[i].doc != sentences[start].doc {
            if i > start {
                out.push((start, i));
            }
            start = i;
        }
    }
    out
}

/// A tagged token as a word: its letters, lowercased.
pub(crate) fn letters_of(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}
