//! Where a command's data comes from: a built-in task by name (fetched, checksummed and cached
//! on first use), or a user's own file (a CSV, a TSV, or a `.conll` file).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fetch::{Cache, Clients};
use crate::manifest::{Manifest, find_manifest};
use crate::readers::{TaggedSentence, read_conll};
use crate::tasks::{
    CLASSIFICATION_TASKS, ClassificationTask, TaggingTask, labels_of, load_classification,
    load_conll2003, load_user_file, load_user_files, read_user_file, tagging_task,
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
    /// columns chosen by number or the first and the last, is split by position,
    /// the first 80 % to train, the next 10 % to dev, the rest to test; a CSV or TSV by a
    /// seeded stratified draw), else the built-in task of that name.
    ///
    /// # Errors
    /// A file that does not parse (named, with its line), a name that is neither a file nor a
    /// built-in task, or a built-in task that cannot be fetched.
    pub fn load(&self, log: &dyn Fn(&str)) -> Result<TaskData> {
        let path = Path::new(&self.data);
        if self.dev.is_some() || self.test.is_some() {
            return self.load_files();
        }
        if path.is_file() {
            if path.extension().is_some_and(|e| e == "conll") {
                let mut train = self.read_conll(path)?;
                let n = train.len();
                let test = train.split_off(n * 9 / 10);
                let dev = train.split_off(n * 8 / 10);
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
    /// absent: the last tenth of a `.conll` training file, a stratified tenth of a CSV or TSV),
    /// [`DataSource::test`] tests (whole; absent: no test split).
    fn load_files(&self) -> Result<TaskData> {
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
            let mut sentences = self.read_conll(train)?;
            let dev = match &self.dev {
                Some(p) => self.read_conll(p)?,
                None => sentences.split_off(sentences.len() - sentences.len() / 10),
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
        let manifest = Manifest::load(find_manifest().ok_or(Error::NoManifest)?)?;
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
