//! Lexical features of a tagged token, as feature-rich taggers use them (Ratinov & Roth 2009;
//! the templates of linear-chain CRF taggers): the word as written, its prefixes and suffixes,
//! its shape (`Xxxx`, `XX`, `dd-dd`), and its SINr community at every Louvain level as a word
//! class (as Brown clusters are used: words of one community share a class, so a rare word
//! carries the evidence of its community). Each feature is hashed into a bucket of one weight
//! table, once per offset of the window that reads it (the word before, the word itself, the
//! word after…), so "`Mr` before" and "`Mr` here" have weights of their own; each weight is a
//! named, exact term of a tag's logit.
//!
//! With [`TagFeatures::document`], a capitalised word also reads its document (Ratinov & Roth
//! 2009's context aggregation, a non-local feature): the words around its other mentions, and
//! whether the document writes it elsewhere in lower case or capitalised inside a sentence. They
//! are features of the input text like the others, so the split of a tag's score stays exact.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::config::is_default;
use crate::data::feature_bucket;
use crate::error::{Error, Result};

/// The lexical features of a tagger ([`crate::models::TransformerConfig::features`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TagFeatures {
    /// The word as written, case kept (`Paris`, `paris` and `PARIS` are three features).
    pub words: bool,
    /// Prefixes and suffixes of 1 to `affixes` characters (0: none).
    pub affixes: usize,
    /// Character n-grams of this length inside the lower-cased word framed by `<` and `>`
    /// (`Hamburg`, 3: `<ha`, `ham`, …, `rg>`; 0: none), as fastText reads a word: what a name
    /// never seen in training shares with known ones (`-burg`, `-ski`, `-ovic` anywhere in it,
    /// not only at its ends). No difference on CoNLL-2003 dev (`docs/reproducing.md`), so off by
    /// default. Absent from a configuration file, and left out of it at 0, as the runs made
    /// before it were trained.
    #[serde(default, skip_serializing_if = "is_default")]
    pub ngrams: usize,
    /// The word's shape: upper-case letters `X`, lower-case `x`, digits `d`, other characters
    /// kept, runs longer than two collapsed (`Washington` → `Xxx`, `1996-08-22` → `dd-dd-dd`).
    pub shapes: bool,
    /// The word's SINr community at every Louvain level (the lower-cased word's; none for words
    /// the embeddings do not know).
    pub classes: bool,
    /// The features of the `window` tokens on each side are read too, each offset with its own
    /// weights.
    pub window: usize,
    /// Hash buckets of the weight table (shared by every feature and offset).
    pub buckets: usize,
    /// L2 penalty on the weights (most features are rare).
    pub l2: f64,
    /// Document context for a capitalised word ([`DocumentIndex`]): the words just before and
    /// after its other mentions in the document (at most [`DOCUMENT_CONTEXT`] each side, the
    /// most frequent), and whether the document writes it elsewhere in lower case or
    /// capitalised inside a sentence. Absent from a configuration file: off (as the runs made
    /// before it were trained).
    #[serde(default)]
    pub document: bool,
    /// Prediction history (Ratinov & Roth 2009's other non-local feature, read in two passes):
    /// a capitalised word also reads the tags given to the other capitalised mentions of its
    /// letters in other sentences of the document, as entity types ("document: another mention
    /// tagged ORG", "… outside any entity"), so that a name tagged with confidence in one
    /// sentence lends its type to its shorter or headline mentions. Training reads the gold tags of the other sentences, every other
    /// training sentence none (so that the tagger also learns to tag without them, and model
    /// selection on dev reads none); inference tags each document once without them (the first
    /// pass) and again reading the first pass's tags, which are then features of the text like
    /// the others, so the split of a tag's score stays exact. Needs `document`. On by default
    /// (CoNLL-2003 dev, `docs/reproducing.md`); absent from a configuration file, and left out
    /// of it when off, as the runs made before it were trained.
    #[serde(default, skip_serializing_if = "is_default")]
    pub history: bool,
    /// The entity names of the training data as a gazetteer ([`Gazetteer`]): a token inside a
    /// known name reads `B-ORG` (its first word) or `I-ORG`, once per type the name was tagged
    /// with (shown as "starts an ORG name of the training data"). Absent from a configuration
    /// file: off.
    #[serde(default)]
    pub gazetteer: bool,
    /// The name lists that packages reachable here ship, added to the gazetteer and read by
    /// every sentence (they are not the training data's): GeoNames cities, countries, US
    /// states and continents, the US Census surnames, first names of 54 countries
    /// (`sinr_data::tasks::load_name_lists`); a token inside a listed name reads
    /// `B-list:city`, `I-list:surname`… (shown as "starts a listed city"). Needs `gazetteer`.
    /// On by default (CoNLL-2003 dev, `docs/reproducing.md`); absent from a configuration
    /// file: off, as the runs made before it were trained (and left out of it when off).
    #[serde(default, skip_serializing_if = "is_default")]
    pub lists: bool,
    /// Feature dropout while training (Wager et al. 2013's dropout on sparse inputs): each read
    /// of a feature is dropped with this probability and the kept ones scaled by `1 / (1 − p)`,
    /// so that the tagger cannot lean on the word as written alone and learns the evidence of
    /// the affixes, shapes, classes and context that a name never seen in training still
    /// carries. Inference reads every feature (a tag's split stays exact). Absent from a
    /// configuration file, and left out of it at 0, as the runs made before it were trained.
    #[serde(default, skip_serializing_if = "is_default")]
    pub dropout: f64,
}

/// The most context words of a word's other mentions read on each side
/// ([`TagFeatures::document`]).
pub const DOCUMENT_CONTEXT: usize = 8;

impl Default for TagFeatures {
    fn default() -> Self {
        Self {
            words: true,
            affixes: 4,
            ngrams: 0,
            shapes: true,
            classes: true,
            window: 1,
            buckets: 1 << 18,
            l2: 0.0,
            document: true,
            history: true,
            gazetteer: true,
            lists: true,
            dropout: 0.0,
        }
    }
}

impl TagFeatures {
    /// Checks every field.
    ///
    /// # Errors
    /// A field out of its range, named.
    pub fn validate(&self) -> Result<()> {
        if !(1..=1 << 24).contains(&self.buckets) {
            return Err(Error::config(
                "buckets",
                format!("must be in 1..=16777216, got {}", self.buckets),
            ));
        }
        if self.affixes > 8 {
            return Err(Error::config(
                "affixes",
                format!("must be at most 8 characters, got {}", self.affixes),
            ));
        }
        if self.ngrams == 1 || self.ngrams > 8 {
            return Err(Error::config(
                "ngrams",
                format!("must be 0 (none) or 2 to 8 characters, got {}", self.ngrams),
            ));
        }
        if self.window > 4 {
            return Err(Error::config(
                "window",
                format!("must be at most 4 tokens, got {}", self.window),
            ));
        }
        if !self.l2.is_finite() || self.l2 < 0.0 {
            return Err(Error::config("l2", "must be a finite number ≥ 0"));
        }
        if self.lists && !self.gazetteer {
            return Err(Error::config(
                "lists",
                "the name lists are read through the gazetteer: set `gazetteer: true` too",
            ));
        }
        if self.history && !self.document {
            return Err(Error::config(
                "history",
                "the prediction history is read through the document: set `document: true` too",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(Error::config(
                "dropout",
                format!("must be in [0, 1), got {}", self.dropout),
            ));
        }
        Ok(())
    }

    /// The offsets that read a token's features, in weight order: `−w, …, w`.
    pub fn offsets(&self) -> Vec<isize> {
        let w = self.window as isize;
        (-w..=w).collect()
    }

    /// The features of one token, as `(kind, text)`: `w` the word, `p`/`s` a prefix/suffix,
    /// `n` a character n-gram, `h` the shape, `k` a word class (`level:community`). `classes`:
    /// the word's community at every level (empty for an unknown word).
    pub fn keys(&self, token: &str, classes: &[u32]) -> Vec<(u8, String)> {
        let mut out = Vec::new();
        if self.words {
            out.push((b'w', token.to_owned()));
        }
        let chars: Vec<char> = token.chars().collect();
        for n in 1..=self.affixes.min(chars.len()) {
            out.push((b'p', chars[..n].iter().collect()));
            out.push((b's', chars[chars.len() - n..].iter().collect()));
        }
        if self.ngrams > 0 {
            let framed: Vec<char> = std::iter::once('<')
                .chain(token.chars().flat_map(char::to_lowercase))
                .chain(std::iter::once('>'))
                .collect();
            out.extend(
                framed
                    .windows(self.ngrams)
                    .map(|g| (b'n', g.iter().collect::<String>())),
            );
        }
        if self.shapes {
            out.push((b'h', word_shape(token)));
        }
        if self.classes {
            out.extend(
                classes
                    .iter()
                    .enumerate()
                    .map(|(l, c)| (b'k', format!("{l}:{c}"))),
            );
        }
        out
    }

    /// The document features of token `i` of sentence `s` of `doc` (empty unless
    /// [`TagFeatures::document`]), as `(kind, text)`: `b` a word before another mention, `a` a
    /// word after one (lower-cased), `c` how the document writes the word elsewhere (`lower`,
    /// `capitalised`), `y` the entity type (or `O`) of another mention ([`TagFeatures::history`]).
    pub fn document_keys(&self, doc: &DocumentIndex, s: usize, i: usize) -> Vec<(u8, String)> {
        if self.document {
            doc.keys(s, i)
        } else {
            Vec::new()
        }
    }

    /// The buckets of a token's features (at offset 0; see [`TagFeatures::at_offset`]).
    pub fn buckets_of(&self, token: &str, classes: &[u32]) -> Vec<u32> {
        self.keys(token, classes)
            .iter()
            .map(|(k, t)| feature_bucket(*k, t, self.buckets))
            .collect()
    }

    /// The bucket of a feature read at the `j`-th offset of [`TagFeatures::offsets`]: its own
    /// bucket moved by a fixed odd stride per offset, so each offset has weights of its own.
    pub fn at_offset(&self, bucket: u32, j: usize) -> u32 {
        ((u64::from(bucket) + j as u64 * 0x9E37_79B1) % self.buckets as u64) as u32
    }
}

/// A feature as people read it: `word Paris`, `prefix Par`, `suffix -ton`, `shape Xxx`,
/// `class 1:127` (community 127 of level 1).
pub fn tag_feature_name(kind: u8, text: &str) -> String {
    match kind {
        b'w' => format!("word {text}"),
        b'p' => format!("prefix {text}-"),
        b's' => format!("suffix -{text}"),
        b'n' => format!("characters {text}"),
        b'h' => format!("shape {text}"),
        b'b' => format!("document: «{text}» before another mention"),
        b'a' => format!("document: «{text}» after another mention"),
        b'c' => format!("document: written {text} elsewhere"),
        b'y' if text == "O" => "document: another mention outside any entity".to_owned(),
        b'y' => format!("document: another mention tagged {text}"),
        b'g' => gazetteer_feature_name(text),
        _ => format!("class {text}"),
    }
}

/// A gazetteer feature (`B-LOC`, `I-list:city`) as people read it: `starts an ORG name of the
/// training data`, `inside a listed city`.
fn gazetteer_feature_name(text: &str) -> String {
    let (at, ty) = match text.split_once('-') {
        Some(("B", ty)) => ("starts", ty),
        Some(("I", ty)) => ("inside", ty),
        _ => return format!("gazetteer {text}"),
    };
    match ty.strip_prefix(LISTED) {
        Some("state") => format!("{at} a listed US state"),
        Some(kind) => format!("{at} a listed {}", kind.replace('-', " ")),
        None => {
            let article = if ty.starts_with(['A', 'E', 'I', 'O', 'U']) {
                "an"
            } else {
                "a"
            };
            format!("{at} {article} {ty} name of the training data")
        }
    }
}

/// The prefix of a listed name's type in a [`Gazetteer`] (`list:city`), which keeps the lists
/// apart from the training data's entity types, whatever a data set calls them.
const LISTED: &str = "list:";

/// The longest name a [`Gazetteer`] matches, in tokens.
pub const GAZETTEER_LONGEST: usize = 6;

/// Folds of the training data for the [`Gazetteer`]'s jackknife.
pub const GAZETTEER_FOLDS: usize = 10;

/// The entity names of a tagger's training data, for [`TagFeatures::gazetteer`] (Ratinov &
/// Roth 2009 use gazetteers from Wikipedia; here they are built from the training data, with
/// the name lists of [`Gazetteer::add_list`] beside them when [`TagFeatures::lists`] is on).
/// Names are token sequences as written, at most [`GAZETTEER_LONGEST`] tokens.
///
/// A training sentence reads only the names of the other folds of the training data (a
/// jackknife, as stacked taggers are trained): otherwise every training name would be found in
/// the gazetteer and the tagger would learn to trust it more than it deserves on new text. The
/// folds are the training documents (document `d` in fold `d mod 10`), or the sentences when
/// there are fewer than ten documents. Dev, test and new text read every name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gazetteer {
    /// Name (tokens joined by spaces) → type → the folds it was seen in (a bit mask).
    names: HashMap<String, Vec<(String, u16)>>,
}

impl Gazetteer {
    /// The names of the tagged training sentences (BIO tags `B-X`, `I-X`, `O`) that are
    /// trained on (`kept`, indices into `train`; `None`: all), with the fold of each sentence
    /// ([`Gazetteer::folds`] of the whole training split).
    pub fn from_training(
        train: &[sinr_data::readers::TaggedSentence],
        kept: Option<&[usize]>,
    ) -> Self {
        let folds = Self::folds(train);
        let all: Vec<usize>;
        let kept = match kept {
            Some(k) => k,
            None => {
                all = (0..train.len()).collect();
                &all
            }
        };
        let mut g = Gazetteer::default();
        for &i in kept {
            let (s, fold) = (&train[i], folds[i]);
            for (start, end, ty) in spans(&s.tags) {
                if end - start <= GAZETTEER_LONGEST {
                    g.add(&s.tokens[start..end].join(" "), ty, 1 << fold);
                }
            }
        }
        g
    }

    /// The jackknife fold of every training sentence (see [`Gazetteer`]).
    pub fn folds(sentences: &[sinr_data::readers::TaggedSentence]) -> Vec<u32> {
        let mut docs: Vec<usize> = sentences.iter().map(|s| s.doc).collect();
        docs.dedup();
        if docs.len() >= GAZETTEER_FOLDS {
            // Consecutive document numbers, in order of appearance.
            let mut ordinal = 0u32;
            let mut out = Vec::with_capacity(sentences.len());
            for (i, s) in sentences.iter().enumerate() {
                if i > 0 && s.doc != sentences[i - 1].doc {
                    ordinal += 1;
                }
                out.push(ordinal % GAZETTEER_FOLDS as u32);
            }
            out
        } else {
            (0..sentences.len())
                .map(|i| (i % GAZETTEER_FOLDS) as u32)
                .collect()
        }
    }

    /// Adds a list of names of one kind (`city`, `surname`…: the type `list:city`, apart from
    /// the training data's types even where a data set tags cities as `city`), read by every
    /// sentence, training sentences included; names of more
    /// than [`GAZETTEER_LONGEST`] tokens are left out. Names are matched as the list writes
    /// them (adding them in capitals too, "NEW YORK", made no difference on CoNLL-2003 dev).
    pub fn add_list(&mut self, kind: &str, names: &[String]) {
        for name in names {
            let tokens: Vec<&str> = name.split_whitespace().collect();
            if !tokens.is_empty() && tokens.len() <= GAZETTEER_LONGEST {
                self.add(&tokens.join(" "), &format!("{LISTED}{kind}"), u16::MAX);
            }
        }
    }

    fn add(&mut self, name: &str, ty: &str, folds: u16) {
        let types = self.names.entry(name.to_owned()).or_default();
        match types.iter_mut().find(|(t, _)| t == ty) {
            Some((_, f)) => *f |= folds,
            None => {
                types.push((ty.to_owned(), folds));
                types.sort();
            }
        }
    }

    /// How many names it holds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether it holds no name.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The gazetteer features of token `i` of `tokens` (`B-X` or `I-X` for every known name of
    /// type `X` that covers it), reading the names of every fold but `fold` (`None`: all).
    pub fn keys(&self, tokens: &[String], i: usize, fold: Option<u32>) -> Vec<(u8, String)> {
        let visible = fold.map_or(u16::MAX, |f| !(1u16 << f));
        let mut out: Vec<(u8, String)> = Vec::new();
        for start in i.saturating_sub(GAZETTEER_LONGEST - 1)..=i {
            for end in i + 1..=(start + GAZETTEER_LONGEST).min(tokens.len()) {
                let Some(types) = self.names.get(&tokens[start..end].join(" ")) else {
                    continue;
                };
                let at = if start == i { "B" } else { "I" };
                for (ty, folds) in types {
                    let key = (b'g', format!("{at}-{ty}"));
                    if folds & visible != 0 && !out.contains(&key) {
                        out.push(key);
                    }
                }
            }
        }
        out
    }

    /// One line per name, `name<TAB>type type…`, sorted (the file of a run, `RUN/gazetteer.tsv`;
    /// the folds are for training only and are not kept).
    pub fn to_lines(&self) -> String {
        let mut names: Vec<(&String, &Vec<(String, u16)>)> = self.names.iter().collect();
        names.sort();
        let mut out = String::new();
        for (name, types) in names {
            let types: Vec<&str> = types.iter().map(|(t, _)| t.as_str()).collect();
            out.push_str(&format!("{name}\t{}\n", types.join(" ")));
        }
        out
    }

    /// A gazetteer read back from [`Gazetteer::to_lines`]; `Err(line)` names the first
    /// malformed line (1-based).
    pub fn from_lines(text: &str) -> std::result::Result<Self, usize> {
        let mut g = Gazetteer::default();
        for (i, line) in text.lines().enumerate() {
            let (name, types) = line.split_once('\t').ok_or(i + 1)?;
            if name.is_empty() || types.is_empty() {
                return Err(i + 1);
            }
            for ty in types.split(' ') {
                g.add(name, ty, u16::MAX);
            }
        }
        Ok(g)
    }
}

/// The entity spans `(start, end, type)` of a BIO tag sequence (an `I-X` that does not continue
/// an `X` opens one, as conlleval reads it).
fn spans(tags: &[String]) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let (prefix, ty) = tag.split_once('-').unwrap_or((tag.as_str(), ""));
        let continues = prefix == "I" && open.is_some_and(|(_, t)| t == ty);
        if !continues {
            if let Some((s, t)) = open.take() {
                out.push((s, i, t));
            }
            if prefix == "B" || prefix == "I" {
                open = Some((i, ty));
            }
        }
    }
    if let Some((s, t)) = open {
        out.push((s, tags.len(), t));
    }
    out
}

/// How often each word occurs at a place.
type Counts = HashMap<String, usize>;

/// The mentions of a document's words, for [`TagFeatures::document`]: a document is the
/// sentences between two `-DOCSTART-` lines of a CoNLL file (a sentence given alone is its own
/// document). A capitalised token reads the words around the other mentions of the same token
/// (as written), and how the other mentions of its lower-cased letters are written.
#[derive(Debug, Clone, Default)]
pub struct DocumentIndex {
    /// Every token of the document: `[sentence][position]`.
    sentences: Vec<Vec<String>>,
    /// The [`Gazetteer`] fold of each training sentence (empty outside the training data).
    folds: Vec<u32>,
    /// A token as written → the counts of the words before and after its mentions.
    context: HashMap<String, [Counts; 2]>,
    /// Lower-cased letters → how many mentions are written in lower case, and capitalised
    /// inside a sentence.
    writing: HashMap<String, (usize, usize)>,
    /// Lower-cased letters → the sentence and tag of each capitalised mention
    /// ([`DocumentIndex::with_history`]).
    history: HashMap<String, Vec<(usize, String)>>,
    /// Whether each sentence reads the history (empty: every sentence).
    reads_history: Vec<bool>,
}

impl DocumentIndex {
    /// The index of a document's sentences, in order.
    pub fn new<S: AsRef<[String]>>(sentences: &[S]) -> Self {
        let mut index = DocumentIndex {
            sentences: sentences.iter().map(|s| s.as_ref().to_vec()).collect(),
            ..Default::default()
        };
        for sent in &index.sentences {
            for i in 0..sent.len() {
                let (before, after) = neighbours(sent, i);
                let entry = index.context.entry(sent[i].clone()).or_default();
                if let Some(b) = before {
                    *entry[0].entry(b).or_default() += 1;
                }
                if let Some(a) = after {
                    *entry[1].entry(a).or_default() += 1;
                }
                let (lower, mid) = writing(sent, i);
                let letters = crate::data::letters_of(&sent[i]);
                if !letters.is_empty() {
                    let w = index.writing.entry(letters).or_default();
                    w.0 += usize::from(lower);
                    w.1 += usize::from(mid);
                }
            }
        }
        index
    }

    /// The sentences without their index (for a tagger that does not read documents).
    pub fn sentences_only<S: AsRef<[String]>>(sentences: &[S]) -> Self {
        DocumentIndex {
            sentences: sentences.iter().map(|s| s.as_ref().to_vec()).collect(),
            ..Default::default()
        }
    }

    /// The tokens of sentence `s`.
    pub fn sentence(&self, s: usize) -> &[String] {
        &self.sentences[s]
    }

    /// The same document as training sentences of the [`Gazetteer`] folds `folds` (one per
    /// sentence).
    pub fn with_folds(mut self, folds: &[u32]) -> Self {
        debug_assert_eq!(folds.len(), self.sentences.len());
        self.folds = folds.to_vec();
        self
    }

    /// The same document with the tags of its sentences as their prediction history
    /// ([`TagFeatures::history`]): `tags[s][i]` is the tag of token `i` of sentence `s` (the gold
    /// tag in training, the first pass's at inference). With `every_other`, only the sentences
    /// for which `first + s` is even read it (training: `first` is the document's first sentence
    /// in its split, so that half of a split's sentences learn to tag without it).
    pub fn with_history<S: AsRef<[String]>>(
        mut self,
        tags: &[S],
        every_other: Option<usize>,
    ) -> Self {
        debug_assert_eq!(tags.len(), self.sentences.len());
        self.history.clear();
        for (s, (sent, tags)) in self.sentences.iter().zip(tags).enumerate() {
            for (tok, tag) in sent.iter().zip(tags.as_ref()) {
                if tok.chars().next().is_some_and(char::is_uppercase) {
                    let letters = crate::data::letters_of(tok);
                    if !letters.is_empty() {
                        // The entity type: a later "Rice" alone and "Condoleezza Rice" are both
                        // PER mentions.
                        let ty = tag.split_once('-').map_or(tag.as_str(), |(_, ty)| ty);
                        self.history
                            .entry(letters)
                            .or_default()
                            .push((s, ty.to_owned()));
                    }
                }
            }
        }
        self.reads_history = match every_other {
            Some(first) => (0..self.sentences.len())
                .map(|s| (first + s) % 2 == 0)
                .collect(),
            None => Vec::new(),
        };
        self
    }

    /// The gazetteer fold of sentence `s`, if it is training data.
    pub fn fold(&self, s: usize) -> Option<u32> {
        self.folds.get(s).copied()
    }

    /// The document features of token `i` of sentence `s` ([`TagFeatures::document_keys`]);
    /// none for a token that does not start with a capital letter.
    pub fn keys(&self, s: usize, i: usize) -> Vec<(u8, String)> {
        let Some(tok) = self.sentences.get(s).and_then(|x| x.get(i)) else {
            return Vec::new();
        };
        if !tok.chars().next().is_some_and(char::is_uppercase) {
            return Vec::new();
        }
        let sent = &self.sentences[s];
        let mut out = Vec::new();
        let (lower, mid) = writing(sent, i);
        if let Some(&(l, m)) = self.writing.get(&crate::data::letters_of(tok)) {
            if l > usize::from(lower) {
                out.push((b'c', "lower-case".to_owned()));
            }
            if m > usize::from(mid) {
                out.push((b'c', "capitalised".to_owned()));
            }
        }
        if let Some([bs, as_]) = self.context.get(tok) {
            let (before, after) = neighbours(sent, i);
            for (kind, counts, own) in [(b'b', bs, before), (b'a', as_, after)] {
                let mut words: Vec<(usize, &String)> = counts
                    .iter()
                    .map(|(w, &n)| (n - usize::from(own.as_ref() == Some(w)), w))
                    .filter(|&(n, _)| n > 0)
                    .collect();
                words.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
                out.extend(
                    words
                        .into_iter()
                        .take(DOCUMENT_CONTEXT)
                        .map(|(_, w)| (kind, w.clone())),
                );
            }
        }
        if self.reads_history.get(s).copied().unwrap_or(true)
            && let Some(mentions) = self.history.get(&crate::data::letters_of(tok))
        {
            let mut tags: Vec<&String> = mentions
                .iter()
                .filter(|(t, _)| *t != s)
                .map(|(_, tag)| tag)
                .collect();
            tags.sort_unstable();
            tags.dedup();
            out.extend(tags.into_iter().map(|t| (b'y', t.clone())));
        }
        out
    }
}

/// The lower-cased tokens before and after position `i` (none at a sentence's ends).
fn neighbours(sent: &[String], i: usize) -> (Option<String>, Option<String>) {
    (
        i.checked_sub(1).map(|j| sent[j].to_lowercase()),
        sent.get(i + 1).map(|t| t.to_lowercase()),
    )
}

/// Whether token `i` is written in lower case (its first letter), and capitalised past the
/// sentence's first token.
fn writing(sent: &[String], i: usize) -> (bool, bool) {
    let first = sent[i].chars().find(|c| c.is_alphabetic());
    (
        first.is_some_and(char::is_lowercase),
        i > 0
            && first.is_some_and(char::is_uppercase)
            && sent[i].chars().next().is_some_and(char::is_uppercase),
    )
}

/// The shape of a word (see [`TagFeatures::shapes`]).
pub fn word_shape(word: &str) -> String {
    let mut out = String::new();
    let mut last = None;
    let mut run = 0;
    for ch in word.chars() {
        let s = if ch.is_uppercase() {
            'X'
        } else if ch.is_lowercase() {
            'x'
        } else if ch.is_ascii_digit() {
            'd'
        } else {
            ch
        };
        if Some(s) == last {
            run += 1;
        } else {
            run = 1;
            last = Some(s);
        }
        if run <= 2 {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_keys_by_hand() {
        assert_eq!(word_shape("Washington"), "Xxx");
        assert_eq!(word_shape("1996-08-22"), "dd-dd-dd");
        assert_eq!(word_shape("EU"), "XX");
        assert_eq!(word_shape("McDonald's"), "XxXxx'x");
        let f = TagFeatures {
            affixes: 2,
            ..TagFeatures::default()
        };
        let keys = f.keys("Paris", &[7, 3]);
        let names: Vec<String> = keys.iter().map(|(k, t)| tag_feature_name(*k, t)).collect();
        assert_eq!(
            names,
            [
                "word Paris",
                "prefix P-",
                "suffix -s",
                "prefix Pa-",
                "suffix -is",
                "shape Xxx",
                "class 0:7",
                "class 1:3"
            ]
        );
        // A one-letter word has affixes of one letter only; an unknown word no classes.
        assert_eq!(f.keys("I", &[]).len(), 1 + 2 + 1);
        // Character n-grams: of the lower-cased word framed by `<` and `>`, after the affixes.
        let g = TagFeatures {
            affixes: 0,
            ngrams: 3,
            shapes: false,
            classes: false,
            ..TagFeatures::default()
        };
        let names: Vec<String> = g
            .keys("PaRis", &[])
            .iter()
            .map(|(k, t)| tag_feature_name(*k, t))
            .collect();
        assert_eq!(
            names,
            [
                "word PaRis",
                "characters <pa",
                "characters par",
                "characters ari",
                "characters ris",
                "characters is>"
            ]
        );
        // A one-letter word has its framed self; `É` lower-cases to `é`.
        assert_eq!(g.keys("a", &[])[1], (b'n', "<a>".to_owned()));
        assert_eq!(g.keys("Éa", &[])[1], (b'n', "<éa".to_owned()));
        // Offsets move a bucket within the table, each to its own place.
        let b = f.buckets_of("Paris", &[])[0];
        let moved: Vec<u32> = (0..3).map(|j| f.at_offset(b, j)).collect();
        assert!(moved.iter().all(|&x| (x as usize) < f.buckets));
        assert_eq!(moved[0], b);
        assert!(moved[1] != moved[0] && moved[2] != moved[1]);
    }

    fn sentence(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn prediction_history_by_hand() {
        let sentences = [
            sentence("RICE WINS"),
            sentence("Condoleezza Rice , the winner , thanked Rice"),
            sentence("rice prices fell"),
            sentence("Unique name here"),
        ];
        let tags = [
            vec!["B-ORG", "O"],
            vec!["B-PER", "I-PER", "O", "O", "O", "O", "O", "B-PER"],
            vec!["O", "O", "O"],
            vec!["O", "O", "O"],
        ];
        let tags: Vec<Vec<String>> = tags
            .iter()
            .map(|t| t.iter().map(|&x| x.to_owned()).collect())
            .collect();
        let history = |doc: &DocumentIndex, s: usize, i: usize| -> Vec<String> {
            doc.keys(s, i)
                .iter()
                .filter(|(k, _)| *k == b'y')
                .map(|(k, t)| tag_feature_name(*k, t))
                .collect()
        };
        let doc = DocumentIndex::new(&sentences).with_history(&tags, None);
        // The headline's "RICE" reads the tags of the capitalised mentions of its letters in the
        // other sentences (once per tag, sorted), not the lower-case "rice".
        // B- and I- tags read as their type.
        assert_eq!(
            history(&doc, 0, 0),
            ["document: another mention tagged PER"]
        );
        // A mention does not read its own sentence's tags, only the other sentences'.
        assert_eq!(
            history(&doc, 1, 1),
            ["document: another mention tagged ORG"]
        );
        assert_eq!(
            history(&doc, 1, 7),
            ["document: another mention tagged ORG"]
        );
        // Lower-case words, and names mentioned in one sentence only, read no history.
        assert!(history(&doc, 2, 0).is_empty());
        assert!(history(&doc, 3, 0).is_empty());
        let mut outside = tags.clone();
        outside[0][0] = "O".to_owned();
        let doc = DocumentIndex::new(&sentences).with_history(&outside, None);
        assert_eq!(
            history(&doc, 1, 1),
            ["document: another mention outside any entity"]
        );
        assert!(history(&doc, 1, 0).is_empty());
        // Without history, and for the sentences that do not read it in training (those at odd
        // positions of their split), none.
        assert!(history(&DocumentIndex::new(&sentences), 0, 0).is_empty());
        let training = DocumentIndex::new(&sentences).with_history(&tags, Some(1));
        assert!(history(&training, 0, 0).is_empty());
        assert_eq!(
            history(&training, 1, 1),
            ["document: another mention tagged ORG"]
        );
        // The history is read through the document context.
        let no_document = TagFeatures {
            document: false,
            history: true,
            ..TagFeatures::default()
        };
        assert!(no_document.validate().is_err());
    }

    #[test]
    fn document_features_by_hand() {
        let doc = DocumentIndex::new(&[
            sentence("Rice wins the race"),
            sentence("The winner , Rice , thanked Mr Rice ' s coach"),
            sentence("rice prices fell"),
            sentence("Unique name here"),
        ]);
        let names = |s: usize, i: usize| -> Vec<String> {
            doc.keys(s, i)
                .iter()
                .map(|(k, t)| tag_feature_name(*k, t))
                .collect()
        };
        // "Rice" at a sentence's start: written in lower case and capitalised inside a sentence
        // elsewhere; the words around its two other mentions, its own context left out.
        assert_eq!(
            names(0, 0),
            [
                "document: written lower-case elsewhere",
                "document: written capitalised elsewhere",
                "document: «,» before another mention",
                "document: «mr» before another mention",
                "document: «'» after another mention",
                "document: «,» after another mention",
            ]
        );
        // Inside a sentence, its own capitalised mention does not count as another.
        let mid = names(1, 3);
        assert!(mid.contains(&"document: written capitalised elsewhere".to_owned()));
        assert!(mid.contains(&"document: «mr» before another mention".to_owned()));
        assert!(!mid.contains(&"document: «,» before another mention".to_owned()));
        assert!(mid.contains(&"document: «wins» after another mention".to_owned()));
        // A word in lower case reads nothing of its document; a word mentioned once only that
        // it is not written otherwise.
        assert!(doc.keys(2, 0).is_empty());
        assert!(doc.keys(3, 0).is_empty());
        // Off, the features read no document; on, they are hashed after the token's own.
        let off = TagFeatures {
            document: false,
            ..TagFeatures::default()
        };
        let on = TagFeatures::default();
        assert!(off.document_keys(&doc, 0, 0).is_empty());
        assert_eq!(on.document_keys(&doc, 0, 0), doc.keys(0, 0));
        // At most DOCUMENT_CONTEXT words per side, the most frequent first.
        let many: Vec<Vec<String>> = (0..20)
            .map(|i| sentence(&format!("w{i} Smith x{}", i % 3)))
            .collect();
        let doc = DocumentIndex::new(&many);
        let keys = doc.keys(0, 1);
        assert_eq!(
            keys.iter().filter(|k| k.0 == b'b').count(),
            DOCUMENT_CONTEXT
        );
        let after: Vec<&str> = keys
            .iter()
            .filter(|k| k.0 == b'a')
            .map(|k| k.1.as_str())
            .collect();
        // x0 has 7 mentions (6 besides this one), x1 7, x2 6; ties in text order.
        assert_eq!(after, ["x1", "x0", "x2"]);
    }

    /// A gazetteer's features of token `i` as keys (`B-LOC`) and as people read them.
    fn gazetteer_keys(g: &Gazetteer, toks: &[String], i: usize, fold: Option<u32>) -> Vec<String> {
        g.keys(toks, i, fold).into_iter().map(|(_, t)| t).collect()
    }

    fn gazetteer_names(g: &Gazetteer, toks: &[String], i: usize, fold: Option<u32>) -> Vec<String> {
        let keys = g.keys(toks, i, fold);
        keys.iter().map(|(k, t)| tag_feature_name(*k, t)).collect()
    }

    fn tagged(text: &str, tags: &str, doc: usize) -> sinr_data::readers::TaggedSentence {
        sinr_data::readers::TaggedSentence {
            tokens: sentence(text),
            tags: sentence(tags),
            line: 0,
            doc,
        }
    }

    #[test]
    fn gazetteer_names_folds_and_file() {
        // Twelve documents: document d in fold d mod 10.
        let mut train: Vec<_> = (0..12).map(|d| tagged("nothing here", "O O", d)).collect();
        train[1] = tagged(
            "New York Stock Exchange rose",
            "B-ORG I-ORG I-ORG I-ORG O",
            1,
        );
        train[2] = tagged("in New York", "O B-LOC I-LOC", 2);
        train[11] = tagged("York said", "I-PER O", 11);
        assert_eq!(Gazetteer::folds(&train)[11], 1);
        let g = Gazetteer::from_training(&train, None);
        assert_eq!(
            g.len(),
            3,
            "New York Stock Exchange, New York, York (an I- opens a name)"
        );
        let toks = sentence("the New York Stock Exchange");
        let keys = |i: usize, fold: Option<u32>| gazetteer_keys(&g, &toks, i, fold);
        assert!(keys(0, None).is_empty());
        assert_eq!(keys(1, None), ["B-LOC", "B-ORG"]);
        assert_eq!(keys(2, None), ["I-LOC", "I-ORG", "B-PER"]);
        // A training sentence of fold 1 does not read the names its fold taught (documents 1
        // and 11): only "New York" of fold 2 is left.
        assert_eq!(keys(1, Some(1)), ["B-LOC"]);
        assert_eq!(keys(2, Some(1)), ["I-LOC"]);
        assert_eq!(keys(2, Some(2)), ["I-ORG", "B-PER"]);
        // Only the sentences trained on give names.
        let kept = Gazetteer::from_training(&train, Some(&[0, 2]));
        assert_eq!(kept.len(), 1);
        // The run's file gives back the same names, for every fold.
        let back = Gazetteer::from_lines(&g.to_lines()).unwrap();
        assert_eq!(back.len(), g.len());
        for i in 0..toks.len() {
            assert_eq!(back.keys(&toks, i, None), g.keys(&toks, i, None));
        }
        assert_eq!(Gazetteer::from_lines("Paris\tLOC\nBerlin LOC\n"), Err(2));
        // Fewer than ten documents: the folds are the sentences.
        let few = vec![tagged("a", "O", 0); 12];
        assert_eq!(Gazetteer::folds(&few)[11], 1);
    }

    #[test]
    fn listed_names_are_read_by_every_fold() {
        let train = vec![tagged("in New York", "O B-LOC I-LOC", 0)];
        let mut g = Gazetteer::from_training(&train, None);
        let cities: Vec<String> = ["New York", "  York ", "a b c d e f g", ""]
            .map(String::from)
            .to_vec();
        g.add_list("city", &cities);
        g.add_list("surname", &["York".to_owned()]);
        // New York (LOC and city), York (city and surname); the seven-token name is too long.
        assert_eq!(g.len(), 2);
        let toks = sentence("New York");
        let names = |i: usize, fold: Option<u32>| gazetteer_keys(&g, &toks, i, fold);
        assert_eq!(names(0, None), ["B-LOC", "B-list:city"]);
        // The training name is hidden from its own fold, the listed ones are not.
        assert_eq!(names(0, Some(0)), ["B-list:city"]);
        assert_eq!(
            names(1, Some(0)),
            ["I-list:city", "B-list:city", "B-list:surname"]
        );
        // People read them in words.
        assert_eq!(
            gazetteer_names(&g, &toks, 0, None),
            [
                "starts a LOC name of the training data",
                "starts a listed city"
            ]
        );
        assert_eq!(
            tag_feature_name(b'g', "I-list:first-name"),
            "inside a listed first name"
        );
        assert_eq!(
            tag_feature_name(b'g', "B-list:state"),
            "starts a listed US state"
        );
        assert_eq!(
            tag_feature_name(b'g', "I-ORG"),
            "inside an ORG name of the training data"
        );
        // A data set's own type of the same name stays apart from the list's: the training
        // name is still hidden from its fold.
        let mut own = Gazetteer::from_training(&[tagged("in Paris", "O B-city", 0)], None);
        own.add_list("city", &["Paris".to_owned()]);
        let paris = sentence("Paris");
        let read = |fold: Option<u32>| gazetteer_names(&own, &paris, 0, fold);
        assert_eq!(
            read(None),
            [
                "starts a city name of the training data",
                "starts a listed city"
            ]
        );
        assert_eq!(read(Some(0)), ["starts a listed city"]);
        // The run's file keeps them.
        let back = Gazetteer::from_lines(&g.to_lines()).unwrap();
        assert_eq!(back.keys(&toks, 1, None), g.keys(&toks, 1, None));
        // The lists are read through the gazetteer.
        let bad = TagFeatures {
            lists: true,
            gazetteer: false,
            ..TagFeatures::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("lists"));
        let on = TagFeatures {
            lists: true,
            ..TagFeatures::default()
        };
        assert!(on.validate().is_ok());
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = TagFeatures {
            buckets: 0,
            ..TagFeatures::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("buckets"));
        let bad = TagFeatures {
            window: 9,
            ..TagFeatures::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("window"));
        let bad = TagFeatures {
            dropout: 1.0,
            ..TagFeatures::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("dropout"));
        for n in [1, 9] {
            let bad = TagFeatures {
                ngrams: n,
                ..TagFeatures::default()
            };
            assert!(bad.validate().unwrap_err().to_string().contains("ngrams"));
        }
    }

    #[test]
    fn optional_fields_are_written_only_when_set() {
        // Configurations (and so the stamps of the runs made before it) do not change.
        let off = serde_json::to_string(&TagFeatures::default()).unwrap();
        assert!(!off.contains("dropout") && !off.contains("ngrams"), "{off}");
        let on: TagFeatures = serde_json::from_str(r#"{"ngrams":3}"#).unwrap();
        assert_eq!(on.ngrams, 3);
        let on: TagFeatures = serde_json::from_str(r#"{"dropout":0.3}"#).unwrap();
        assert_eq!(on.dropout, 0.3);
        assert!(
            serde_json::to_string(&on)
                .unwrap()
                .contains(r#""dropout":0.3"#)
        );
    }
}
