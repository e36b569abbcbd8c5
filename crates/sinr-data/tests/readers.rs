//! Every reader on a tiny fixture of its format, including malformed lines, which must be
//! reported with the file and line.

use std::path::PathBuf;

use sinr_data::readers::{
    read_census_surnames, read_conll, read_csv, read_first_names, read_geonames, read_germeval,
    read_insults, read_labeled_csv, read_labeled_tsv, read_labeled_tsv_with_header,
    read_movie_reviews, read_pairs, read_vader,
};

fn fx(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn err_of<T: std::fmt::Debug>(r: sinr_data::Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn conll_sentences_and_errors() {
    let s = read_conll(&fx("tiny.conll"), 0, -1).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].tokens, ["EU", "rejects", "German", "call", "."]);
    assert_eq!(s[0].tags, ["B-ORG", "O", "B-MISC", "O", "O"]);
    assert_eq!(s[0].line, 3);
    assert_eq!(s[1].tags, ["B-PER", "I-PER"]);
    let e = err_of(read_conll(&fx("missing_tag.conll"), 0, -1));
    assert!(
        e.ends_with("missing_tag.conll:2: 1 columns: need a token and a tag"),
        "{e}"
    );
    let e = err_of(read_conll(&fx("bad_tag.conll"), 0, -1));
    assert!(e.contains("bad_tag.conll:2: field `tag`: `X-FOO`"), "{e}");
    // An entity opened by `I-` (IOB1) is named at its line.
    let e = err_of(read_conll(&fx("iob1.conll"), 0, -1));
    assert!(
        e.contains("iob1.conll:4: field `tag`: `I-LOC` follows `O`"),
        "{e}"
    );
}

#[test]
fn similarity_pairs() {
    let p = read_pairs(&fx("pairs.txt")).unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(
        (p[0].a.as_str(), p[0].b.as_str(), p[0].score),
        ("old", "new", 1.58)
    );
    assert_eq!(p[1].score, 9.2);
    let e = err_of(read_pairs(&fx("bad_pairs.txt")));
    assert!(
        e.ends_with("bad_pairs.txt:2: 2 fields, expected `word1 word2 score`"),
        "{e}"
    );
}

#[test]
fn insults_are_unescaped() {
    let r = read_insults(&fx("insults.csv")).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].text, "You fuck your dad.");
    assert_eq!(r[0].label, "1");
    assert_eq!(r[1].text, "i really don't understand\u{a0}your point.\n");
    assert_eq!(r[1].line, 3);
}

#[test]
fn movie_reviews_and_bad_label() {
    let r = read_movie_reviews(&fx("movie.csv")).unwrap();
    assert_eq!(r[0].text, "Great film,   loved it");
    assert_eq!(r[1].source.as_deref(), Some("rotten_tomatoes"));
    let e = err_of(read_movie_reviews(&fx("movie_bad_label.csv")));
    assert!(
        e.ends_with("movie_bad_label.csv:2: field `label`: `2` is not 0 or 1"),
        "{e}"
    );
}

#[test]
fn germeval_and_short_lines() {
    let r = read_germeval(&fx("germeval.tsv")).unwrap();
    assert_eq!(r[0].text, "Ein Tweet\nzweite Zeile");
    assert_eq!(r[0].label, "OFFENSE");
    let e = err_of(read_germeval(&fx("germeval_short.tsv")));
    assert!(
        e.ends_with("germeval_short.tsv:1: 2 tab-separated fields, expected at least 3"),
        "{e}"
    );
    let r = read_labeled_tsv(&fx("germeval.tsv"), 0, 2).unwrap();
    assert_eq!(r[1].label, "OTHER");
}

#[test]
fn vader_lexicon() {
    let r = read_vader(&fx("vader.txt")).unwrap();
    assert_eq!(r.len(), 3, "the duplicate `lol` keeps its first rating");
    assert_eq!(r[1].word, "good");
    assert_eq!(r[2].mean, 1.8);
    let e = err_of(read_vader(&fx("vader_bad.txt")));
    assert!(
        e.ends_with("vader_bad.txt:1: field `mean`: `not-a-number` is not a number"),
        "{e}"
    );
}

#[test]
fn user_csv_with_chosen_columns() {
    let r = read_labeled_csv(&fx("user.csv"), "tweet", "class", ',').unwrap();
    assert_eq!(r[0].text, "you are, like, the worst");
    assert_eq!(r[0].label, "offensive");
    let e = err_of(read_labeled_csv(&fx("user.csv"), "text", "class", ','));
    assert!(
        e.contains("no column `text` (columns: id, tweet, class)"),
        "{e}"
    );
    let e = err_of(read_labeled_csv(&fx("user_bad.csv"), "tweet", "class", ','));
    assert!(
        e.ends_with("user_bad.csv:2: unterminated quoted field (record 2)"),
        "{e}"
    );
    let e = err_of(read_csv(&fx("latin1.csv"), ','));
    assert!(
        e.ends_with("latin1.csv:2: invalid UTF-8 (byte 0xff)"),
        "{e}"
    );
    let e = err_of(read_csv(&fx("absent.csv"), ','));
    assert!(
        e.contains("absent.csv") && e.contains("No such file"),
        "{e}"
    );
}

#[test]
fn user_file_is_split_80_10_10_stratified_and_fixed() {
    let t = sinr_data::tasks::load_user_file(&fx("user50.csv"), "tweet", "class").unwrap();
    assert_eq!(t.labels, ["neither", "offensive"]);
    assert_eq!((t.train.len(), t.dev.len(), t.test.len()), (40, 5, 5));
    assert_eq!(t.train.iter().filter(|x| x.label == "offensive").count(), 8);
    let again = sinr_data::tasks::load_user_file(&fx("user50.csv"), "tweet", "class").unwrap();
    assert_eq!(t, again);
    let tsv = sinr_data::tasks::load_user_file(&fx("germeval.tsv"), "0", "1").unwrap();
    assert_eq!(tsv.labels, ["OFFENSE", "OTHER"]);
    // A name instead of a number means the first line is a header; germeval.tsv has none.
    let e = sinr_data::tasks::load_user_file(&fx("germeval.tsv"), "text", "1")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("germeval.tsv:1: no column `text` in the header"),
        "{e}"
    );
}

#[test]
fn user_tsv_with_a_header_and_named_columns() {
    // The OLID layout (id, tweet, subtask_a); the last record has an empty label.
    let path = fx("olid_header.tsv");
    let e = err_of(read_labeled_tsv_with_header(&path, "tweet", "subtask_a"));
    assert!(
        e.ends_with("olid_header.tsv:5: field `subtask_a` is empty"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("olid.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&good, text.lines().take(4).collect::<Vec<_>>().join("\n")).unwrap();
    let r = read_labeled_tsv_with_header(&good, "tweet", "subtask_a").unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[1].label, "OFF");
    assert!(r[1].text.starts_with("@USER @USER Go home"));
    assert_eq!(r[2].line, 4);
    let e = err_of(read_labeled_tsv_with_header(&good, "text", "subtask_a"));
    assert!(
        e.contains("no column `text` in the header (id, tweet, subtask_a)"),
        "{e}"
    );
}

#[test]
fn a_conll_files_columns_are_chosen_by_number() {
    let file = fx("tiny.conll");
    let load = |token: &str, tag: &str| {
        let mut s = sinr_data::DataSource::new(file.to_str().unwrap());
        s.text_column = token.into();
        s.label_column = tag.into();
        s.load_whole(&|_| {})
    };
    // By default the first column and the last: the entities.
    let sinr_data::TaskData::Tag(t) = load("text", "label").unwrap() else {
        panic!("a tagging task")
    };
    assert_eq!(t.test[0].tags, ["B-ORG", "O", "B-MISC", "O", "O"]);
    // Column 2 (the chunks) as the tags, column 1 (the parts of speech) as the tokens.
    let sinr_data::TaskData::Tag(t) = load("1", "2").unwrap() else {
        panic!("a tagging task")
    };
    assert_eq!(t.test[0].tokens, ["NNP", "VBZ", "JJ", "NN", "."]);
    assert_eq!(t.test[0].tags, ["B-NP", "B-VP", "B-NP", "I-NP", "O"]);
    assert!(t.tags.contains(&"I-NP".to_owned()));
    // A column name is an error naming the flag.
    let e = err_of(load("token", "label"));
    assert!(e.contains("--text-column") && e.contains("`token`"), "{e}");
}

#[test]
fn name_lists_and_their_errors() {
    let mut places = read_geonames(&fx("geonames.json")).unwrap();
    places.sort();
    // Each name once (two Berlins), as written.
    assert_eq!(places, ["Berlin", "Munich", "New York City"]);
    let e = err_of(read_geonames(&fx("geonames_bad.json")));
    assert!(
        e.ends_with("geonames_bad.json:2: place `5128581`: field `name` missing or not a string"),
        "{e}"
    );
    let e = err_of(read_geonames(&fx("vader.txt")));
    assert!(e.contains("vader.txt:1: not JSON"), "{e}");

    let surnames = read_census_surnames(&fx("surnames.txt")).unwrap();
    assert_eq!(surnames, ["Smith", "O'brien", "Mcdonald"]);
    let e = err_of(read_census_surnames(&fx("surnames_bad.txt")));
    assert!(
        e.ends_with("surnames_bad.txt:2: field `name`: `Smith` is not an upper-case name"),
        "{e}"
    );

    let first = read_first_names(&fx("first_names.txt")).unwrap();
    // Comments and equivalences skipped, `+` read three ways, a repeated name kept once.
    assert_eq!(first, ["Aad", "Ådne", "Jun-Wei", "Jun Wei", "Junwei"]);
    let e = err_of(read_first_names(&fx("first_names_bad.txt")));
    assert!(
        e.ends_with(
            "first_names_bad.txt:2: field `gender`: `X` is none of M, 1M, ?M, F, 1F, ?F, ?"
        ),
        "{e}"
    );
}
