//! Where a command's data comes from: a built-in task by name (fetched, checksummed and cached
//! on first use), or a user's own file (a CSV, a TSV, or a `.conll` file).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fetch::{Cache, Clients};
use crate::manifest::Manifest;
use crate::readers::{TaggedSentence, read_conll};
use crate::splits::block_split;
use crate::tasks::{
    CLASSIFICATION_TASKS, ClassificationTask, NameList, SPLIT_SEED, TaggingTask, labels_of,
    load_classification, load_conll2003, load_name_lists, load_user_file, load_user_files,
    read_user_file, tagging_task,
};

/// The built-in tagging tasks.
pub const TAGGING_TASKS: &[&str] = &["conll2003"];

/// A task's data, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskData {
    /// Labelled texts.
    Classify(ClassificationTask),
    /// Tagged sentences.
    Tag(TaggingTask),
}

/// Where the data of a command comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// A built-in task's name, or a file.
    pub data: String,
    /// The text column of a CSV or TSV (a header name, or a 0-based number for a TSV without
    /// a header line).
    pub text_column: String,
    /// The label column, likewise.
    pub label_column: String,
    /// The data cache (`None`: [`Cache::default_root`]).
    pub data_dir: Option<PathBuf>,
    /// A file of dev examples, when `data` is a training file (a benchmark's own splits).
    pub dev: Option<PathBuf>,
    /// A file of test examples, likewise.
    pub test: Option<PathBuf>,
}

impl DataSource {
    /// A built-in task or a file with the default columns (`text`, `label`).
    pub fn new(data: &str) -> Self {
        Self {
            data: data.to_owned(),
            text_column: "text".into(),
            label_column: "label".into(),
            data_dir: None,
            dev: None,
            test: None,
        }
    }

    /// Loads the data: a file if one exists at `data` (a `.conll` file, its token and tag
    /// columns chosen by number or the first and the last, is split 80/10/10 by document, as
    /// [`split_sentences`] says; a CSV or TSV by a seeded stratified draw), else the built-in
    /// task of that name.
    ///
    /// # Errors
    /// A file that does not parse (named, with its line), a name that is neither a file nor a
    /// built-in task, or a built-in task that cannot be fetched.
    pub fn load(&self, log: &dyn Fn(&str)) -> Result<TaskData> {
        let path = Path::new(&self.data);
        if self.dev.is_some() || self.test.is_some() {
            return self.load_files(log);
        }
        if path.is_file() {
            if path.extension().is_some_and(|e| e == "conll") {
                let (train, dev, test) = split_sentences(self.read_conll(path)?, true, log);
                return Ok(TaskData::Tag(tagging_task(&self.data, train, dev, test)));
            }
            return Ok(TaskData::Classify(load_user_file(
                path,
                &self.text_column,
                &self.label_column,
            )?));
        }
        self.builtin(log)
    }

    /// A benchmark's own files: `data` trains (whole), [`DataSource::dev`] chooses (when
    /// absent: a tenth of a `.conll` training file's documents, as [`split_sentences`] draws
    /// them, a stratified tenth of a CSV or TSV), [`DataSource::test`] tests (whole; absent: no
    /// test split).
    fn load_files(&self, log: &dyn Fn(&str)) -> Result<TaskData> {
        let train = Path::new(&self.data);
        for p in std::iter::once(train)
            .chain(self.dev.as_deref())
            .chain(self.test.as_deref())
        {
            if !p.is_file() {
                return Err(Error::Parse {
                    path: p.to_path_buf(),
                    line: 0,
                    message: "no such file (--dev and --test go with --data FILE, each a file of the same format)".into(),
                });
            }
        }
        if train.extension().is_some_and(|e| e == "conll") {
            let sentences = self.read_conll(train)?;
            let (sentences, dev) = match &self.dev {
                Some(p) => (sentences, self.read_conll(p)?),
                None => {
                    let (train, dev, _) = split_sentences(sentences, false, log);
                    (train, dev)
                }
            };
            let test = match &self.test {
                Some(p) => self.read_conll(p)?,
                None => Vec::new(),
            };
            return Ok(TaskData::Tag(tagging_task(
                &self.data, sentences, dev, test,
            )));
        }
        Ok(TaskData::Classify(load_user_files(
            train,
            self.dev.as_deref(),
            self.test.as_deref(),
            &self.text_column,
            &self.label_column,
        )?))
    }

    /// Every example of a file as the test split (train and dev empty), to score a trained run
    /// on a whole file of one's own; a built-in set as [`DataSource::load`].
    ///
    /// # Errors
    /// As [`DataSource::load`].
    pub fn load_whole(&self, log: &dyn Fn(&str)) -> Result<TaskData> {
        let path = Path::new(&self.data);
        if !path.is_file() {
            return self.load(log);
        }
        if path.extension().is_some_and(|e| e == "conll") {
            let test = self.read_conll(path)?;
            return Ok(TaskData::Tag(tagging_task(
                &self.data,
                Vec::new(),
                Vec::new(),
                test,
            )));
        }
        let test = read_user_file(path, &self.text_column, &self.label_column)?;
        Ok(TaskData::Classify(ClassificationTask {
            name: self.data.clone(),
            labels: labels_of(&test),
            train: Vec::new(),
            dev: Vec::new(),
            test,
        }))
    }

    /// A `.conll` file's sentences, the token and tag columns as [`DataSource::text_column`]
    /// and [`DataSource::label_column`] say: 0-based numbers (negative: from the end), the
    /// first and the last column by default.
    fn read_conll(&self, path: &Path) -> Result<Vec<TaggedSentence>> {
        let bad = |what: &str, got: &str| Error::Parse {
            path: path.to_path_buf(),
            line: 0,
            message: format!(
                "--{what}-column: a .conll file's columns are 0-based numbers (negative: from the end), got `{got}`"
            ),
        };
        let token = match self.text_column.as_str() {
            "text" => 0,
            c => c.parse::<usize>().map_err(|_| bad("text", c))?,
        };
        let tag = match self.label_column.as_str() {
            "label" => -1,
            c => c.parse::<isize>().map_err(|_| bad("label", c))?,
        };
        read_conll(path, token, tag)
    }

    /// The name lists of a tagger's gazetteer ([`load_name_lists`]), from this source's data
    /// cache.
    pub fn name_lists(&self, log: &dyn Fn(&str)) -> Result<Vec<NameList>> {
        let cache = Cache::new(self.data_dir.clone().unwrap_or_else(Cache::default_root));
        load_name_lists(
            &cache,
            &Manifest::find_or_builtin()?,
            &Clients::default(),
            log,
        )
    }

    /// A built-in task.
    fn builtin(&self, log: &dyn Fn(&str)) -> Result<TaskData> {
        let builtin =
            |name: &str| CLASSIFICATION_TASKS.contains(&name) || TAGGING_TASKS.contains(&name);
        if !builtin(&self.data) {
            return Err(Error::UnknownData {
                name: self.data.clone(),
                known: CLASSIFICATION_TASKS
                    .iter()
                    .chain(TAGGING_TASKS)
                    .map(|s| (*s).to_owned())
                    .collect(),
            });
        }
        let cache = Cache::new(self.data_dir.clone().unwrap_or_else(Cache::default_root));
        let manifest = Manifest::find_or_builtin()?;
        let clients = Clients::default();
        if TAGGING_TASKS.contains(&self.data.as_str()) {
            Ok(TaskData::Tag(load_conll2003(
                &cache, &manifest, &clients, log,
            )?))
        } else {
            Ok(TaskData::Classify(load_classification(
                &self.data, &cache, &manifest, &clients, log,
            )?))
        }
    }
}

/// A `.conll` file's sentences split by document (runs of sentences between `-DOCSTART-`
/// lines), so that no document is cut, by [`block_split`]: in every ten consecutive documents,
/// a draw seeded with [`SPLIT_SEED`] sends eight to train, one to dev and one to test (with
/// `test` false: nine to train, one to dev, none to test). A file ordered by source or date
/// thus gives every part of it to every split. A file with fewer than ten documents (or none
/// marked) is split the same way by sentence.
pub fn split_sentences(
    sentences: Vec<TaggedSentence>,
    test: bool,
    log: &dyn Fn(&str),
) -> (
    Vec<TaggedSentence>,
    Vec<TaggedSentence>,
    Vec<TaggedSentence>,
) {
    let docs = sentences.last().map_or(0, |s| s.doc + 1);
    let by_doc = docs >= 10;
    let units = if by_doc { docs } else { sentences.len() };
    let (train, dev) = if test { (8, 1) } else { (9, 1) };
    let split = block_split(units, 10, train, dev, SPLIT_SEED);
    let shares = if test {
        "80/10/10"
    } else {
        "90/10 (train/dev)"
    };
    if by_doc {
        log(&format!(
            "{docs} documents split {shares} by document (seed {SPLIT_SEED}, in blocks of ten)"
        ));
    } else {
        log(&format!(
            "{docs} documents marked by -DOCSTART- (fewer than ten): {units} sentences split \
             {shares} by sentence (seed {SPLIT_SEED}, in blocks of ten)"
        ));
    }
    let mut part = vec![0u8; units];
    for &i in &split.dev {
        part[i] = 1;
    }
    for &i in &split.test {
        part[i] = 2;
    }
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for (i, s) in sentences.into_iter().enumerate() {
        let unit = if by_doc { s.doc } else { i };
        match part[unit] {
            0 => a.push(s),
            1 => b.push(s),
            _ => c.push(s),
        }
    }
    (a, b, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file ordered by source (the first half from one source, the second from another), each
    /// document of several sentences: every source reaches train, dev and test, and every
    /// document stays whole in one split.
    #[test]
    fn a_conll_file_ordered_by_source_is_split_by_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ordered.conll");
        let mut text = String::new();
        for d in 0..40 {
            let source = if d < 20 { "Reuters" } else { "Agence" };
            text.push_str("-DOCSTART- -X- -X- O\n\n");
            for s in 0..3 {
                text.push_str(&format!("{source} B-ORG\ndoc{d} O\nsent{s} O\n\n"));
            }
        }
        std::fs::write(&path, text).unwrap();
        let TaskData::Tag(t) = DataSource::new(path.to_str().unwrap())
            .load(&|_| {})
            .unwrap()
        else {
            panic!("a tagging task")
        };
        assert_eq!(
            (t.train.len(), t.dev.len(), t.test.len()),
            (32 * 3, 4 * 3, 4 * 3)
        );
        for split in [&t.train, &t.dev, &t.test] {
            for source in ["Reuters", "Agence"] {
                assert!(split.iter().any(|s| s.tokens[0] == source), "{source}");
            }
        }
        // No document cut: each document's three sentences are in one split.
        for d in 0..40 {
            let name = format!("doc{d}");
            let count = |v: &Vec<TaggedSentence>| v.iter().filter(|s| s.tokens[1] == name).count();
            let counts = [count(&t.train), count(&t.dev), count(&t.test)];
            assert!(
                counts.contains(&3) && counts.iter().sum::<usize>() == 3,
                "{counts:?}"
            );
        }
    }

    /// Without documents, a file is split by sentence, and a dev draw without a test file
    /// takes a tenth of the documents.
    #[test]
    fn sentences_when_no_documents_and_a_dev_tenth_otherwise() {
        let sentence = |d: usize| TaggedSentence {
            tokens: vec!["x".into()],
            tags: vec!["O".into()],
            line: d + 1,
            doc: d / 2,
        };
        let (a, b, c) = split_sentences((0..40).map(sentence).collect(), false, &|_| {});
        assert_eq!((a.len(), b.len(), c.len()), (36, 4, 0));
        let undocumented: Vec<TaggedSentence> = (0..30)
            .map(|i| TaggedSentence {
                doc: 0,
                ..sentence(i)
            })
            .collect();
        let (a, b, c) = split_sentences(undocumented, true, &|_| {});
        assert_eq!((a.len(), b.len(), c.len()), (24, 3, 3));
    }
}
