//! Texts to model input: the embedding's tokens, and the hashed lexical features of the attention
//! classifier's n-gram weights (bigrams with the raw word before, character n-grams, unknown
//! words), on embeddings trained from a real (small) corpus.

use std::path::Path;

use sinr_embed::{Corpus, SinrConfig, SinrModel};
use sinr_models::data::{feature_bucket, lexical_features};
use sinr_models::{Encoder, LexicalConfig, TaskKind};
use sinr_util::NoProgress;

fn model() -> SinrModel {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sinr-cli/tests/fixtures/washington-1790-1796.txt");
    let mut cfg = SinrConfig::default();
    cfg.tokenizer.min_freq = 20;
    sinr_embed::train(&Corpus::new([corpus]), &cfg, &NoProgress).unwrap()
}

const TEXT: &str = "The United States are not the Zzqxv of public Government.";

#[test]
fn feature_hash_is_pinned() {
    // FNV-1a 64 of the kind byte then the text, modulo the buckets (worked out independently):
    // a trained model must read the same buckets on every platform and version.
    assert_eq!(feature_bucket(b'c', "<ab", 1 << 18), 225_833);
    assert_eq!(feature_bucket(b'b', "not good", 1 << 18), 151_575);
    assert!(feature_bucket(b'b', "not good", 7) < 7);
}

#[test]
fn lexical_features_of_one_token() {
    let mut cfg = LexicalConfig {
        unigrams: false,
        bigrams: true,
        chars: Some([3, 4]),
        unknown_words: false,
        tfidf: false,
        buckets: 1 << 18,
        scale: 1.0,
        l2: 0.0,
        naive_bayes: false,
    };
    let f = lexical_features(&cfg, Some("not"), "good");
    // One bigram, then `<good>`'s 4 trigrams and 3 four-grams.
    assert_eq!(f.len(), 1 + 4 + 3);
    assert_eq!(f[0], feature_bucket(b'b', "not good", 1 << 18));
    assert_eq!(f[1], feature_bucket(b'c', "<go", 1 << 18));
    assert_eq!(f[7], feature_bucket(b'c', "ood>", 1 << 18));
    // At the start of a text the bigram's left word is `<s>`.
    assert_eq!(
        lexical_features(&cfg, None, "good")[0],
        feature_bucket(b'b', "<s> good", 1 << 18)
    );
    // The word itself comes first when asked for.
    cfg.unigrams = true;
    let f = lexical_features(&cfg, Some("not"), "good");
    assert_eq!(f.len(), 1 + 1 + 4 + 3);
    assert_eq!(f[0], feature_bucket(b'u', "good", 1 << 18));
}

#[test]
fn lexical_features_follow_their_tokens() {
    let m = model();
    let plain = Encoder::new(&m, 64).encode_text(TEXT, 1);
    assert!(plain.lexical.is_empty());
    assert!(plain.rows.iter().all(|&r| r != 0));
    let words: Vec<&str> = plain.surface.iter().map(String::as_str).collect();
    assert!(words.contains(&"united") && words.contains(&"government"));

    // Bigrams only, unknown words left out: the same positions as the plain encoder.
    let mut enc = Encoder::new(&m, 64);
    enc.lexical = Some(LexicalConfig {
        unigrams: false,
        buckets: 1 << 18,
        ..LexicalConfig::default()
    });
    let ex = enc.encode_text(TEXT, 1);
    assert_eq!(ex.rows, plain.rows);
    assert_eq!(ex.surface, plain.surface);
    assert_eq!(ex.labels, vec![1]);
    assert_eq!(ex.lexical.len(), ex.rows.len(), "one bigram per token");
    let b = |s: &str| feature_bucket(b'b', s, 1 << 18);
    let at = |w: &str| ex.surface.iter().position(|s| s == w).unwrap() as u32;
    // The word before is the raw one, stop word included: `the united`, `public government`.
    assert!(ex.lexical.contains(&(at("united"), b("the united"))));
    assert!(
        ex.lexical
            .contains(&(at("government"), b("public government")))
    );

    // Unknown words kept (row 0) with their character n-grams, counted in the positions.
    enc.lexical = Some(LexicalConfig {
        unigrams: false,
        chars: Some([3, 3]),
        unknown_words: true,
        buckets: 1 << 18,
        ..LexicalConfig::default()
    });
    let ex = enc.encode_text(TEXT, 0);
    let z = ex.surface.iter().position(|s| s == "zzqxv").unwrap();
    assert_eq!(ex.rows[z], 0);
    assert_eq!(ex.rows.len(), plain.rows.len() + 1);
    let zz: Vec<u32> = ex
        .lexical
        .iter()
        .filter(|f| f.0 == z as u32)
        .map(|f| f.1)
        .collect();
    // `<zzqxv>`: 5 trigrams, after its bigram `the zzqxv`.
    assert_eq!(zz.len(), 1 + 5);
    assert_eq!(zz[0], b("the zzqxv"));
    assert_eq!(zz[1], feature_bucket(b'c', "<zz", 1 << 18));
    // Their names, for explanations: one per feature, on the same positions.
    let names = enc.lexical_names(TEXT);
    assert_eq!(names.len(), ex.lexical.len());
    assert!(names.iter().zip(&ex.lexical).all(|(n, f)| n.1 == f.0));
    assert!(names.contains(&("bigram the zzqxv".to_owned(), z as u32)));
    assert!(names.contains(&("chars <zz".to_owned(), z as u32)));
    assert!(Encoder::new(&m, 64).lexical_names(TEXT).is_empty());
    // Positions in order, each feature on a real position.
    assert!(ex.lexical.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(ex.lexical.iter().all(|f| (f.0 as usize) < ex.rows.len()));

    // Truncation keeps the features of the kept positions only.
    enc.max_len = 2;
    let short = enc.encode_text(TEXT, 0);
    assert_eq!(short.rows, ex.rows[..2]);
    assert_eq!(
        short.lexical,
        ex.lexical
            .iter()
            .copied()
            .filter(|f| f.0 < 2)
            .collect::<Vec<_>>()
    );
}

#[test]
fn subsets_carry_their_features() {
    let m = model();
    let mut enc = Encoder::new(&m, 64);
    enc.lexical = Some(LexicalConfig {
        chars: Some([3, 3]),
        ..LexicalConfig::default()
    });
    let ex = enc.encode_text(TEXT, 1);
    let n = ex.rows.len();
    assert!(n >= 3);
    // Drop the second position: later features move down by one, its own are gone.
    let keep: Vec<bool> = (0..n).map(|i| i != 1).collect();
    let sub = ex.subset(&keep, TaskKind::Classify);
    assert_eq!(sub.rows.len(), n - 1);
    assert_eq!(sub.surface[1], ex.surface[2]);
    assert_eq!(sub.labels, vec![1]);
    let expected: Vec<(u32, u32)> = ex
        .lexical
        .iter()
        .filter(|f| f.0 != 1)
        .map(|&(p, f)| (if p > 1 { p - 1 } else { p }, f))
        .collect();
    assert_eq!(sub.lexical, expected);
    // Keeping everything is the identity; keeping nothing leaves no feature.
    assert_eq!(ex.subset(&vec![true; n], TaskKind::Classify), ex);
    let none = ex.subset(&[], TaskKind::Classify);
    assert!(none.rows.is_empty() && none.lexical.is_empty());
}

#[test]
fn long_texts_keep_their_head_or_their_head_and_tail() {
    let m = model();
    // The text four times, each time with a different word at the front, so that the kept
    // positions tell which part was read.
    let text = ["war", "peace", "treaty", "army"]
        .iter()
        .map(|w| format!("{w} {TEXT}"))
        .collect::<Vec<_>>()
        .join(" ");
    let all = Encoder::new(&m, 1000).encode_text(&text, 0);
    assert!(
        all.rows.len() > 8,
        "the text is longer than the limit below: {:?}",
        all.surface
    );
    let mut enc = Encoder::new(&m, 8);
    assert_eq!(enc.encode_text(&text, 0).rows, all.rows[..8]);
    // Head and tail: the first quarter and the last three quarters of the limit.
    enc.truncation = sinr_models::Truncation::HeadTail;
    let ex = enc.encode_text(&text, 0);
    let n = all.rows.len();
    let mut want = all.rows[..2].to_vec();
    want.extend_from_slice(&all.rows[n - 6..]);
    assert_eq!(ex.rows, want);
    assert_eq!(ex.surface.len(), 8);
    // With lexical features: the same tokens, the features renumbered to the kept positions,
    // and a kept token's bigram still names the raw word before it in the text.
    enc.lexical = Some(LexicalConfig {
        unigrams: false,
        buckets: 1 << 18,
        ..LexicalConfig::default()
    });
    let lex = enc.encode_text(&text, 0);
    assert_eq!(lex.rows, want);
    assert_eq!(lex.surface, ex.surface);
    assert_eq!(lex.lexical.len(), 8, "one bigram per kept token");
    assert!(lex.lexical.iter().enumerate().all(|(i, f)| f.0 == i as u32));
    let b = |s: &str| feature_bucket(b'b', s, 1 << 18);
    // The last kept token is the text's last known word, "government", after "public".
    assert_eq!(lex.surface[7], "government");
    assert_eq!(lex.lexical[7], (7, b("public government")));
    // The names of the features follow the same positions.
    let names = enc.lexical_names(&text);
    assert_eq!(names.len(), 8);
    assert_eq!(names[7], ("bigram public government".to_owned(), 7));
}

#[test]
fn an_own_vocabulary_reads_every_word() {
    let m = model();
    let mut enc = Encoder::new(&m, 64);
    let sinr = enc.encode_text(TEXT, 0);
    // The training texts' words seen twice: the text's own words, stop words included.
    let data = sinr_data::TaskData::Classify(sinr_data::tasks::ClassificationTask {
        name: "t".into(),
        labels: vec!["0".into(), "1".into()],
        train: [TEXT, TEXT, "the end"]
            .iter()
            .map(|t| sinr_data::readers::LabeledText {
                text: (*t).to_owned(),
                label: "0".into(),
                source: None,
                line: 0,
            })
            .collect(),
        dev: Vec::new(),
        test: Vec::new(),
    });
    let vocab = enc.vocabulary_of(&data, 2);
    assert!(vocab.id("the").is_some() && vocab.id("of").is_some() && vocab.id("zzqxv").is_some());
    assert!(vocab.id("end").is_none(), "seen once");
    enc.own = Some(vocab.clone());
    assert_eq!(enc.rows(), vocab.len() + 2);
    let own = enc.encode_text(&format!("{TEXT} end"), 0);
    // Every token is read (the stop words and the unknown "end" too), none as padding.
    assert!(own.rows.len() > sinr.rows.len());
    assert!(own.rows.iter().all(|&r| r >= 1));
    assert_eq!(*own.rows.last().unwrap(), Encoder::UNKNOWN);
    assert_eq!(own.surface.first().map(String::as_str), Some("the"));
}

#[test]
fn tagged_tokens_carry_their_lexical_features_and_names() {
    let m = model();
    let mut enc = Encoder::new(&m, 64);
    let toks: Vec<String> = ["The", "United", "States", "Zzqxv", "1796"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert!(enc.encode_tokens(&toks, &[0; 5]).lexical.is_empty());
    let f = sinr_models::TagFeatures {
        affixes: 2,
        ..Default::default()
    };
    enc.tag_features = Some(f.clone());
    let ex = enc.encode_tokens(&toks, &[0; 5]);
    let names = enc.tag_feature_names(&toks);
    assert_eq!(names.len(), ex.lexical.len());
    // The features follow their tokens, in order, and the names say which they are.
    for ((p, _), (_, q)) in ex.lexical.iter().zip(&names) {
        assert_eq!(p, q);
    }
    let of = |i: u32| -> Vec<&str> {
        names
            .iter()
            .filter(|n| n.1 == i)
            .map(|n| n.0.as_str())
            .collect()
    };
    let states = of(2);
    assert_eq!(
        &states[..6],
        [
            "word States",
            "prefix S-",
            "suffix -s",
            "prefix St-",
            "suffix -es",
            "shape Xxx"
        ]
    );
    // A known word has a class at every level of the embeddings; an unknown word and a number
    // none.
    let classes = |i: u32| of(i).iter().filter(|n| n.starts_with("class ")).count();
    assert_eq!(classes(2), m.dendrogram.levels.len());
    assert_eq!(classes(3), 0);
    assert_eq!(classes(4), 0);
    assert!(of(4).contains(&"shape dd"));
    // The buckets are the features' hashes.
    let want = f.buckets_of("States", &[]);
    let got: Vec<u32> = ex
        .lexical
        .iter()
        .filter(|l| l.0 == 2)
        .map(|l| l.1)
        .collect();
    assert_eq!(&got[..6], &want[..6]);
    // Character n-grams follow the affixes, named, and still in step with the buckets.
    enc.tag_features = Some(sinr_models::TagFeatures { ngrams: 3, ..f });
    let ex = enc.encode_tokens(&toks, &[0; 5]);
    let names = enc.tag_feature_names(&toks);
    assert_eq!(names.len(), ex.lexical.len());
    for ((p, _), (_, q)) in ex.lexical.iter().zip(&names) {
        assert_eq!(p, q);
    }
    let states: Vec<&str> = names
        .iter()
        .filter(|n| n.1 == 2)
        .map(|n| n.0.as_str())
        .collect();
    assert_eq!(
        &states[5..11],
        [
            "characters <st",
            "characters sta",
            "characters tat",
            "characters ate",
            "characters tes",
            "characters es>"
        ]
    );
}

/// A run's encoder cleans web text unless the training says otherwise: a link's letter runs
/// ("government" in a made-up URL) are not read as words; a hashtag's words are.
#[test]
fn runs_read_web_text_clean_by_default() {
    let m = model();
    let cfg = sinr_models::ModelConfig::default_of("attention").unwrap();
    let text = "see https://government.example/public @congress #UnitedStates";
    let words = |train: &sinr_models::TrainConfig| -> Vec<String> {
        Encoder::for_run(&m, &cfg, train)
            .encode_text(text, 0)
            .surface
            .into_iter()
            .map(|s| s.to_lowercase())
            .collect()
    };
    let clean = sinr_models::TrainConfig::default();
    assert!(clean.web_text);
    let raw = sinr_models::TrainConfig {
        web_text: false,
        ..clean.clone()
    };
    assert_eq!(words(&clean), ["united", "states"]);
    let raw_words = words(&raw);
    for w in ["government", "public", "congress"] {
        assert!(raw_words.contains(&w.to_owned()), "{raw_words:?}");
    }
}
