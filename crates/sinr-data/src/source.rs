//! Where a command's data comes from: a built-in task by name (fetched, checksummed and cached
//! on first use), or a user's own file (a CSV, a TSV, or a `.conll` file).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fetch::{Cache, Clients};
use crate::manifest::{Manifest, find_manifest};
use crate::readers::read_conll;
use crate::tasks::{
    CLASSIFICATION_TASKS, ClassificationTask, TaggingTask, load_classification, load_conll2003,
    load_user_file,
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
}

impl DataSource {
    /// A built-in task or a file with the default columns (`text`, `label`).
    pub fn new(data: &str) -> Self {
        Self {
            data: data.to_owned(),
            text_column: "text".into(),
            label_column: "label".into(),
            data_dir: None,
        }
    }

    /// Loads the data: a file if one exists at `data` (a `.conll` file is split by position,
    /// the first 80 % to train, the next 10 % to dev, the rest to test; a CSV or TSV by a
    /// seeded stratified draw), else the built-in task of that name.
    ///
    /// # Errors
    /// A file that does not parse (named, with its line), a name that is neither a file nor a
    /// built-in task, or a built-in task that cannot be fetched.
    pub fn load(&self, log: &dyn Fn(&str)) -> Result<TaskData> {
        let path = Path::new(&self.data);
        if path.is_file() {
            if path.extension().is_some_and(|e| e == "conll") {
                let sentences = read_conll(path, 0, -1)?;
                let n = sentences.len();
                let (a, b) = (n * 8 / 10, n * 9 / 10);
                let mut tags: Vec<String> = sentences
                    .iter()
                    .flat_map(|s| s.tags.iter().cloned())
                    .collect();
                tags.sort();
                tags.dedup();
                return Ok(TaskData::Tag(TaggingTask {
                    name: self.data.clone(),
                    tags,
                    train: sentences[..a].to_vec(),
                    dev: sentences[a..b].to_vec(),
                    test: sentences[b..].to_vec(),
                }));
            }
            return Ok(TaskData::Classify(load_user_file(
                path,
                &self.text_column,
                &self.label_column,
            )?));
        }
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
