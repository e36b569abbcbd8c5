//! `sinr train`, `sinr predict`, `sinr explain` end to end on real text (George Washington's
//! annual messages), and their answers to bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sinr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sinr"))
        .args(args)
        .output()
        .expect("run sinr")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/washington-1790-1796.txt")
}

fn p(x: &Path) -> &str {
    x.to_str().unwrap()
}

/// Multilevel embeddings, and a labelled CSV made of the fixture's sentences: label `war` for
/// sentences about war and arms, `peace` otherwise.
fn setup(dir: &Path) -> (PathBuf, PathBuf) {
    let emb = dir.join("emb.sinr");
    let out = sinr(&[
        "-q",
        "embed",
        "train",
        "--corpus",
        p(&fixture()),
        "--out",
        p(&emb),
        "--min-freq",
        "2",
        "--min-token-len",
        "3",
        "--gamma",
        "5",
        "--louvain",
        "multilevel",
        "--coarse-gamma",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(fixture()).unwrap();
    let mut csv = String::from("text,label\n");
    for s in text
        .split(['.', ';'])
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 5)
        .take(400)
    {
        let lower = s.to_lowercase();
        let label = if [
            "war", "arms", "militia", "hostil", "troops", "defense", "military",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            "war"
        } else {
            "peace"
        };
        csv.push_str(&format!("\"{}\",{label}\n", s.replace('"', "\"\"")));
    }
    let data = dir.join("data.csv");
    std::fs::write(&data, csv).unwrap();
    (emb, data)
}

fn train(dir: &Path, emb: &Path, data: &Path, model: &str, run: &str) -> Output {
    sinr(&[
        "-q",
        "train",
        "--data",
        p(data),
        "--model",
        model,
        "--embeddings",
        p(emb),
        "--out",
        p(&dir.join(run)),
        "--epochs",
        "3",
        "--batch-size",
        "16",
        "--lr",
        "0.01",
    ])
}

/// Headless Chromium, as `.ci/run` installs it (`/usr/bin/chromium`, or `SINR_CHROMIUM`).
/// `sinr evaluate RUN --data DATA --out OUT`, which must succeed; the typed report.
/// `sinr evaluate RUN --data DATA --out OUT` with `extra` flags, its report.
fn evaluate(run: &Path, data: &Path, out: &Path, extra: &[&str]) -> sinr_schema::Evaluation {
    let mut args = vec!["-q", "evaluate", p(run), "--data", p(data), "--out", p(out)];
    args.extend_from_slice(extra);
    let o = sinr(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    sinr_schema::read(out).unwrap()
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("SINR_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.is_file().then_some(path)
}

/// Runs headless Chromium on `page` with a fresh profile; returns its stdout.
fn run_chromium(exe: &Path, profile: &Path, args: &[&str], page: &Path) -> String {
    let out = Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The browser test of an explanation page: Chromium opens the file (no network), its rendered
/// DOM holds the shaded token spans with their community tooltips and the community table, and a
/// screenshot is a real PNG of the page. Skipped (with a message) when Chromium is not installed,
/// unless `SINR_REQUIRE_BROWSER` is set, as in CI.
fn open_in_browser(page: &Path, dir: &Path, expected: &[&str]) -> Option<String> {
    let Some(exe) = chromium() else {
        assert!(
            std::env::var_os("SINR_REQUIRE_BROWSER").is_none(),
            "SINR_REQUIRE_BROWSER is set but /usr/bin/chromium is missing (apt-get install chromium)"
        );
        eprintln!("skipping the browser check: no /usr/bin/chromium");
        return None;
    };
    let dom = run_chromium(&exe, &dir.join("profile-dom"), &["--dump-dom"], page);
    let tokens = dom.matches("class=\"tok\"").count();
    assert!(
        tokens >= 5,
        "rendered page has {tokens} token spans:\n{dom}"
    );
    assert!(dom.contains("class=\"tip\""), "no community tooltips");
    assert!(dom.contains("class=\"community\""), "no community table");
    for part in expected {
        assert!(dom.contains(part), "the rendered page lacks {part}:\n{dom}");
    }
    let shot = dir.join("explanation.png");
    let arg = format!("--screenshot={}", shot.display());
    run_chromium(
        &exe,
        &dir.join("profile-shot"),
        &[&arg, "--window-size=1000,1400"],
        page,
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 10_000,
        "screenshot of {} bytes: blank page?",
        png.len()
    );
    if let Some(keep) = std::env::var_os("SINR_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("copy screenshot");
    }
    Some(dom)
}

#[test]
fn train_predict_explain_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (emb, data) = setup(dir.path());

    // No --model: the recommended model of the task kind, with its kind's training.
    let out = sinr(&[
        "train",
        "--data",
        p(&data),
        "--embeddings",
        p(&emb),
        "--out",
        p(&dir.path().join("default")),
        "--epochs",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("no --model: training the recommended model"));
    let spec = sinr_models::load_spec(&dir.path().join("default")).unwrap();
    assert_eq!(
        serde_json::to_value(&spec.model).unwrap(),
        serde_json::to_value(sinr_models::recommended_model(
            sinr_models::TaskKind::Classify
        ))
        .unwrap()
    );
    let expected = sinr_models::TrainConfig {
        epochs: 1,
        ..sinr_models::TrainConfig::recommended_for("attention")
    };
    assert_eq!(spec.train, expected);
    // The split is written into the run: every example once, by its file line.
    let split: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("default/split.json")).unwrap(),
    )
    .unwrap();
    let mut lines: Vec<u64> = ["train", "dev", "test"]
        .iter()
        .flat_map(|s| {
            split[s]["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_u64().unwrap())
        })
        .collect();
    let n = lines.len();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!(lines.len(), n, "no example in two splits");
    assert_eq!(split["seed"], 2026);
    assert!(split["test"]["examples"].as_u64().unwrap() > 0);

    // The console names every score; --predictions writes one line per test text.
    let preds = dir.path().join("predictions.tsv");
    let o = sinr(&[
        "evaluate",
        p(&dir.path().join("default")),
        "--data",
        p(&data),
        "--predictions",
        p(&preds),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("accuracy") && text.contains("macro-F1") && text.contains("  war: precision"),
        "{text}"
    );
    let tsv = std::fs::read_to_string(&preds).unwrap();
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "text\tgold\tpredicted\tp(peace)\tp(war)"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    let n = text
        .split(" texts)")
        .next()
        .and_then(|h| h.rsplit(", ").next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("the summary gives the number of texts");
    assert_eq!(rows.len(), n);
    for r in &rows {
        assert_eq!(r.len(), 5);
        assert!(["war", "peace"].contains(&r[2]));
        let total: f64 = r[3].parse::<f64>().unwrap() + r[4].parse::<f64>().unwrap();
        assert!((total - 1.0).abs() < 1e-4);
    }

    // A run moved with its embeddings, used from another directory: the embeddings are found
    // beside it (the recorded paths no longer exist).
    // (Deep enough that the original embeddings, in `dir`, are not among the places searched.)
    let moved = dir.path().join("x/y/moved");
    std::fs::create_dir_all(moved.join("default")).unwrap();
    std::fs::copy(&emb, moved.join("emb.sinr")).unwrap();
    for f in std::fs::read_dir(dir.path().join("default")).unwrap() {
        let f = f.unwrap();
        if f.path().is_file() {
            std::fs::copy(f.path(), moved.join("default").join(f.file_name())).unwrap();
        }
    }
    let spec_file = moved.join("default/run.json");
    let mut run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spec_file).unwrap()).unwrap();
    run["embeddings"]["path"] = "gone/emb.sinr".into();
    run["embeddings"]["absolute"] = "/nonexistent/emb.sinr".into();
    std::fs::write(&spec_file, run.to_string()).unwrap();
    let predict_in = |cwd: &Path, run: &Path| {
        Command::new(env!("CARGO_BIN_EXE_sinr"))
            .current_dir(cwd)
            .args(["predict", p(run), "the troops were called to arms"])
            .output()
            .unwrap()
    };
    let o = predict_in(Path::new("/"), &moved.join("default"));
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(moved.join("emb.sinr")).unwrap();
    let o = predict_in(Path::new("/"), &moved.join("default"));
    assert!(
        !o.status.success()
            && stderr(&o).contains("embeddings are not found")
            && stderr(&o).contains("--embeddings"),
        "{}",
        stderr(&o)
    );

    for model in ["attention", "transformer", "hierarchical", "dense", "cnn"] {
        let out = train(dir.path(), &emb, &data, model, model);
        assert!(out.status.success(), "{model}: {}", stderr(&out));
        let run = dir.path().join(model);
        for f in [
            "run.json",
            "best.bpk",
            "metrics.json",
            "state.json",
            "resources.json",
        ] {
            assert!(run.join(f).is_file(), "{model}: {f} missing");
        }
        let out = sinr(&[
            "predict",
            p(&run),
            "the militia and the troops were called to arms against the hostile tribes",
        ]);
        assert!(out.status.success(), "{model}: {}", stderr(&out));
        let line = stdout(&out);
        assert!(
            line.starts_with("war\t") || line.starts_with("peace\t"),
            "{line}"
        );
    }

    // The dense baselines started from PPMI-SVD vectors of the same corpus (`sinr embed
    // vectors`, every token kept as their own vocabulary reads them).
    let vectors = dir.path().join("vectors.txt");
    let out = sinr(&[
        "-q",
        "embed",
        "vectors",
        "--corpus",
        p(&fixture()),
        "--out",
        p(&vectors),
        "--dim",
        "16",
        "--min-freq",
        "2",
        "--min-token-len",
        "1",
        "--stop-words",
        "none",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let header = std::fs::read_to_string(&vectors).unwrap();
    let header = header.lines().next().unwrap().to_owned();
    assert!(header.ends_with(" 16"), "{header}");
    for kind in ["dense", "cnn"] {
        let name = format!("{kind}-vectors");
        let cfg = dir.path().join(format!("{name}.json"));
        let extra = if kind == "dense" {
            r#", "heads": 4"#
        } else {
            ""
        };
        std::fs::write(
            &cfg,
            format!(
                r#"{{"kind": "{kind}", "dim": 16{extra}, "vectors": {}}}"#,
                serde_json::to_string(p(&vectors)).unwrap()
            ),
        )
        .unwrap();
        let out = sinr(&[
            "train",
            "--data",
            p(&data),
            "--model",
            p(&cfg),
            "--embeddings",
            p(&emb),
            "--out",
            p(&dir.path().join(&name)),
            "--epochs",
            "1",
        ]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("word embeddings started from") && err.contains(" words found"),
            "{name}: {err}"
        );
    }

    // The variants that read more paths: the attention classifier with the mean and with the
    // word weights, the hierarchical model at every level; their explanations show the extra
    // splits.
    for (name, cfg, shows) in [
        (
            "attention-mean",
            r#"{"kind": "attention", "mean_pooling": true}"#,
            "embedding (via mean pooling)",
        ),
        (
            "attention-words",
            r#"{"kind": "attention", "mean_pooling": true, "word_weights": true}"#,
            "word weights (via mean pooling)",
        ),
        (
            "attention-ngrams",
            r#"{"kind": "attention", "word_weights": true, "ngrams": {"chars": [3, 4], "unknown_words": true, "buckets": 4096}}"#,
            "n-gram weights (via TF-IDF)",
        ),
        (
            "hierarchical-every",
            r#"{"kind": "hierarchical", "every_level": true}"#,
            "by Louvain level",
        ),
    ] {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, cfg).unwrap();
        let out = train(dir.path(), &emb, &data, p(&file), name);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let page = dir.path().join(format!("{name}.html"));
        let out = sinr(&[
            "explain",
            p(&dir.path().join(name)),
            "the militia and the troops were called to arms",
            "--html",
            p(&page),
        ]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert!(stdout(&out).contains(shows), "{name}: {}", stdout(&out));
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.contains(shows), "{name}: the page lacks {shows}");
        if name == "attention-ngrams" {
            // The n-gram weights by feature, named: a word, a bigram with the raw word before
            // it (a stop word), character n-grams.
            assert!(
                stdout(&out).contains("n-gram features:"),
                "{}",
                stdout(&out)
            );
            assert!(html.contains("The n-gram weights by feature"));
            assert!(html.contains("class=\"ngram\""));
            assert!(
                ["word ", "bigram ", "chars "]
                    .iter()
                    .any(|k| html.contains(&format!("<td>{k}"))),
                "{name}: the page names the features"
            );
        }
    }

    // Explanations: text on stdout, an HTML page, JSON.
    let run = dir.path().join("transformer");
    let html = dir.path().join("e.html");
    let json = dir.path().join("e.json");
    let out = sinr(&[
        "explain",
        p(&run),
        "the militia and the troops were called to arms",
        "--html",
        p(&html),
        "--json",
        p(&json),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("completeness error"),
        "{}",
        stdout(&out)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("class=\"tok\"")
            && page.contains("class=\"community\"")
            && !page.contains("<script")
    );
    // Every community row the page shows, ranked against the reference, carries its words
    // (a bare "community 2 (level 1)" is the fallback of one left unlabelled).
    assert!(!page.contains("<td>community "), "{page}");
    let e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(e["model"], "transformer");
    // The layers write into the stream's communities: each community's term has the part its
    // words' own vectors carry, and the page says how much the layers wrote.
    let o = &e["outputs"][0];
    assert_eq!(
        o["community_own"].as_array().map(Vec::len),
        o["communities"].as_array().map(Vec::len)
    );
    assert!(page.contains("written by the layers"), "{page}");
    // `sinr train` wrote what explanations are read against: the mean of training texts, each
    // named component's mean term, summing to the mean logits.
    assert!(run.join("reference.json").is_file());
    let texts = e["reference_texts"].as_u64().unwrap();
    assert!(texts > 10, "{texts}");
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    let mean = e["reference_logits"].as_array().unwrap();
    let comps = e["reference_components"].as_array().unwrap();
    assert!(comps.iter().any(|c| c["kind"] == "heads"));
    for (k, l) in mean.iter().enumerate() {
        let sum: f64 = comps.iter().map(|c| f(&c["values"][k])).sum();
        assert!((sum - f(l)).abs() < 1e-3, "{sum} vs {l}");
    }
    assert!(
        stdout(&out).contains("on an average training text")
            && stdout(&out).contains("beyond what each gives an average training text"),
        "{}",
        stdout(&out)
    );
    // The rendered page names the predicted class, reads the decision against the training
    // texts' mean, and labels communities by words; the read-out bias, the same on every text,
    // is no row.
    if let Some(dom) = open_in_browser(
        &html,
        dir.path(),
        &["militia", "On an average training text"],
    ) {
        assert!(
            ["war", "peace"]
                .iter()
                .any(|c| dom.contains(&format!("Prediction: <b>{c}</b>"))),
            "{dom}"
        );
        assert!(dom.contains("beyond what it gives an average"), "{dom}");
        assert!(!dom.contains("<td>read-out bias</td>"), "{dom}");
    }
    // Without its reference file (a run of a file's data cannot make one), the empty text.
    std::fs::rename(
        run.join("reference.json"),
        dir.path().join("reference.json"),
    )
    .unwrap();
    let out = sinr(&[
        "explain",
        p(&run),
        "the militia and the troops",
        "--html",
        p(&html),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("With no word at all") && page.contains("beyond the empty text"),
        "{page}"
    );
    std::fs::rename(
        dir.path().join("reference.json"),
        run.join("reference.json"),
    )
    .unwrap();

    // The model card: per class what pushes toward it, and the confident predictions' pages.
    let card = dir.path().join("card.html");
    let card_json = dir.path().join("card.json");
    let out = sinr(&[
        "explain",
        p(&run),
        "--model-card",
        "--data",
        p(&data),
        "--n",
        "40",
        "--html",
        p(&card),
        "--json",
        p(&card_json),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(&card).unwrap();
    assert!(page.contains("Toward <b>war</b>") && page.contains("Toward <b>peace</b>"));
    assert!(page.contains("class=\"term\"") && !page.contains("<script"));
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&card_json).unwrap()).unwrap();
    assert_eq!(c["examples"], 40);
    // How much of the stream's community terms the layers wrote, a share.
    let w = c["stream_written"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&w), "{w}");
    assert!(page.contains("of the stream's community terms"), "{page}");
    // Its lean and its components read against the training texts' mean.
    assert!(c["reference_texts"].as_u64().unwrap() > 10);
    assert!(page.contains("On an average training text"), "{page}");
    // Heads and memories say what they are: a head the pattern of its attention over the
    // card's texts, a memory the words that fire it.
    let mut described = 0;
    for ev in c["evidence"].as_array().unwrap() {
        for t in ev["components"].as_array().unwrap() {
            let (name, about) = (t["name"].as_str().unwrap(), t["about"].as_str());
            if name.contains(" memory ") {
                assert!(about.is_some_and(|a| a.starts_with("fires on ")), "{t}");
                described += 1;
            } else if name.contains(" head ") {
                assert!(about.is_some_and(|a| !a.is_empty()), "{t}");
                described += 1;
            }
        }
    }
    assert!(described > 0, "{c}");
    let right = c["right"].as_array().unwrap().len();
    assert!(right > 0);
    // Every linked page exists and explains its text.
    let pages = dir.path().join("card-pages");
    for i in 1..=right {
        let f = pages.join(format!("right-{i:02}.html"));
        assert!(page.contains(&format!("card-pages/right-{i:02}.html")));
        assert!(
            std::fs::read_to_string(&f)
                .unwrap()
                .contains("Prediction: ")
        );
    }
    // A model card needs an exact model, and --html.
    let out = sinr(&[
        "explain",
        p(&dir.path().join("dense")),
        "--model-card",
        "--data",
        p(&data),
        "--html",
        p(&card),
    ]);
    assert!(
        !out.status.success() && stderr(&out).contains("does not split exactly"),
        "{}",
        stderr(&out)
    );
    let out = sinr(&["explain", p(&run), "--model-card"]);
    assert!(
        !out.status.success() && stderr(&out).contains("--html"),
        "{}",
        stderr(&out)
    );

    // The measurement of explanations: exact contributions are complete, every method is
    // scored, and the memories are profiled.
    let analyze = |run: &Path, n: &str| -> sinr_schema::ClassificationAnalysis {
        let analysis = dir.path().join("analysis.json");
        let out = sinr(&[
            "-q",
            "analyze",
            p(run),
            "--data",
            p(&data),
            "--n",
            n,
            "--out",
            p(&analysis),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        // The typed file xtask reads: every field present, none unknown, this version.
        sinr_schema::read(&analysis).unwrap()
    };
    let a = analyze(&run, "5");
    assert_eq!(a.version, sinr_schema::ANALYSIS_VERSION);
    assert!(!a.examples.is_empty());
    for x in &a.examples {
        let x = &x.analysis;
        assert!(x.completeness_error.unwrap() < 1e-4);
        use sinr_schema::Method;
        for m in [
            Method::Exact,
            Method::GradientTimesInput,
            Method::LeaveOneOut,
            Method::Random,
        ] {
            assert_eq!(x.comprehensiveness[&m].len(), 5, "{m}");
        }
        // The components' log-odds terms against the training sample's mean terms sum to the
        // prediction's log-odds minus the reference's; their shares and the offset's sum to 1.
        let p = x.probability;
        let terms: f64 = x.component_log_odds.values().sum();
        let expected = (p / (1.0 - p)).ln() - x.reference_log_odds.unwrap();
        assert!((terms - expected).abs() < 1e-3, "{terms} vs {expected}");
        let shares: f64 = x.component_shares.values().sum::<f64>() + x.offset_share.unwrap();
        assert!((shares - 1.0).abs() < 1e-9, "{shares}");
        // The transformer's heads are profiled by every position pattern.
        assert!(!x.head_first.is_empty() && !x.head_previous.is_empty());
    }
    assert!(!a.memories.is_empty() && !a.memories[0].top_tokens.is_empty());
    // An n-gram model's analysis keeps its largest feature terms, each named.
    let a = analyze(&dir.path().join("attention-ngrams"), "3");
    for x in &a.examples {
        let terms = &x.analysis.lexical;
        let names = &x.lexical_names;
        assert!(!terms.is_empty() && terms.len() <= 30 && names.len() == terms.len());
        assert!(names.iter().all(|n| {
            ["word ", "bigram ", "chars "]
                .iter()
                .any(|k| n.starts_with(k))
        }));
    }

    // Bad input: each a clear error and a non-zero exit.
    let bad = |args: &[&str], needle: &str| {
        let out = sinr(args);
        assert!(!out.status.success(), "should fail: {args:?}");
        assert!(
            stderr(&out).contains(needle),
            "{args:?}: expected {needle:?} in {}",
            stderr(&out)
        );
    };
    // An unknown device is a usage error listing the known ones.
    bad(
        &["--device", "tpu", "predict", p(&run), "war"],
        "possible values: cpu, flex, ndarray, wgpu, cuda",
    );
    bad(
        &["--device", "wgpu", "predict", p(&run), "war"],
        "rebuild with `--features wgpu`",
    );
    bad(&["predict", p(&run), "   "], "empty text");
    bad(&["explain", p(&run), "zzzz qqqq"], "no known word");
    bad(
        &["explain", p(&dir.path().join("dense")), "the militia"],
        "no exact decomposition",
    );
    bad(&["predict", p(&dir.path().join("nope")), "war"], "run.json");
    let cfg = dir.path().join("bad.json");
    std::fs::write(&cfg, r#"{"kind": "transformer", "layerz": 2}"#).unwrap();
    bad(
        &[
            "train",
            "--data",
            p(&data),
            "--model",
            p(&cfg),
            "--embeddings",
            p(&emb),
            "--out",
            p(&dir.path().join("x")),
        ],
        "layerz",
    );
    let cfg2 = dir.path().join("bad2.json");
    std::fs::write(&cfg2, r#"{"kind": "dense", "dim": 10, "heads": 3}"#).unwrap();
    bad(
        &[
            "train",
            "--data",
            p(&data),
            "--model",
            p(&cfg2),
            "--embeddings",
            p(&emb),
            "--out",
            p(&dir.path().join("x")),
        ],
        "heads",
    );
    let cfg3 = dir.path().join("bad3.json");
    std::fs::write(&cfg3, r#"{"kind": "cnn", "widths": [3, 0]}"#).unwrap();
    bad(
        &[
            "train",
            "--data",
            p(&data),
            "--model",
            p(&cfg3),
            "--embeddings",
            p(&emb),
            "--out",
            p(&dir.path().join("x")),
        ],
        "widths",
    );
    bad(
        &[
            "train",
            "--data",
            p(&data),
            "--model",
            "lstm",
            "--embeddings",
            p(&emb),
            "--out",
            p(&dir.path().join("x")),
        ],
        "not a model kind",
    );
    bad(
        &[
            "train",
            "--data",
            p(&data),
            "--model",
            "attention",
            "--embeddings",
            p(&emb),
            "--out",
            p(&dir.path().join("x")),
            "--label-column",
            "class",
        ],
        "no column `class`",
    );
    // A PLM (one-level) embedding cannot feed the hierarchical model.
    let flat = dir.path().join("flat.sinr");
    assert!(
        sinr(&[
            "-q",
            "embed",
            "train",
            "--corpus",
            p(&fixture()),
            "--out",
            p(&flat),
            "--min-freq",
            "3",
            "--min-token-len",
            "3",
            "--gamma",
            "5"
        ])
        .status
        .success()
    );
    bad(
        &[
            "train",
            "--data",
            p(&data),
            "--model",
            "hierarchical",
            "--embeddings",
            p(&flat),
            "--out",
            p(&dir.path().join("x")),
        ],
        "multilevel",
    );
    // Embeddings that do not match the run.
    bad(
        &["predict", p(&run), "war", "--embeddings", p(&flat)],
        "do not match",
    );

    // An out-of-vocabulary-only text gets the model's prior, said so.
    let out = sinr(&["predict", p(&dir.path().join("attention")), "zzzz qqqq"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("no known word"), "{}", stdout(&out));
}

/// Tagging a user's CoNLL file with the SINr transformer's window and fine-level read-out:
/// train, evaluate (strict span F1), explain as text and as a page that shows the fine
/// communities. The tags are made from the fixture: a run of capitalised words inside a
/// sentence is a `NAME` entity.
#[test]
fn tag_a_conll_file_with_the_fine_window() {
    let dir = tempfile::tempdir().unwrap();
    let (emb, _) = setup(dir.path());
    let text = std::fs::read_to_string(fixture()).unwrap();
    let mut conll = String::from("-DOCSTART- -X- -X- O\n\n");
    let mut sentences = 0;
    for s in text.split(['.', ';', '?']).map(str::trim) {
        let toks: Vec<&str> = s
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        if toks.len() < 5 {
            continue;
        }
        let mut prev_name = false;
        for (i, t) in toks.iter().enumerate() {
            let name = i > 0 && t.chars().next().is_some_and(char::is_uppercase);
            let tag = match (name, prev_name) {
                (true, false) => "B-NAME",
                (true, true) => "I-NAME",
                _ => "O",
            };
            prev_name = name;
            conll.push_str(&format!("{t} X X {tag}\n"));
        }
        conll.push('\n');
        sentences += 1;
        if sentences == 300 {
            break;
        }
    }
    let data = dir.path().join("names.conll");
    std::fs::write(&data, &conll).unwrap();
    // A benchmark's own splits: the same sentences as three files.
    let blocks: Vec<&str> = conll
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .collect();
    let n = blocks.len();
    let (train_file, dev_file, test_file) = (
        dir.path().join("b-train.conll"),
        dir.path().join("b-dev.conll"),
        dir.path().join("b-test.conll"),
    );
    let write = |p: &Path, part: &[&str]| std::fs::write(p, part.join("\n\n") + "\n").unwrap();
    write(&train_file, &blocks[..n * 8 / 10]);
    write(&dev_file, &blocks[n * 8 / 10..n * 9 / 10]);
    write(&test_file, &blocks[n * 9 / 10..]);
    let cfg = dir.path().join("tagger.json");
    std::fs::write(
        &cfg,
        // The default features but the name lists, which `cargo test` cannot fetch, and with
        // the prediction history (two passes: evaluation, predictions and explanations of a
        // file's sentences read the first pass's tags).
        r#"{"kind": "transformer", "layers": 1, "heads": 2, "memories": 8, "window": 1, "fine_level": 0, "features": {"document": true, "gazetteer": true, "history": true}}"#,
    )
    .unwrap();
    let out = train(dir.path(), &emb, &data, p(&cfg), "tagger");
    assert!(out.status.success(), "{}", stderr(&out));
    let run = dir.path().join("tagger");
    // The report is the typed one xtask reads: every field present, none unknown.
    let s = evaluate(&run, &data, &dir.path().join("scores.json"), &[]);
    let t = s.scores.tag().expect("tagging scores");
    assert!((0.0..=1.0).contains(&t.span_f1) && (0.0..=1.0).contains(&t.span_f1_argmax));
    assert_eq!(s.model, "transformer");
    // Its epochs were chosen by what `sinr evaluate` scores on dev, the two passes: the best dev
    // score of training is the evaluation's.
    let dev = evaluate(
        &run,
        &data,
        &dir.path().join("dev-scores.json"),
        &["--split", "dev"],
    );
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    let best = metrics["best_score"].as_f64().unwrap();
    let dev_f1 = dev.scores.tag().unwrap().span_f1;
    assert!((best - dev_f1).abs() < 1e-6, "{best} against {dev_f1}");
    // --predictions writes the tagged sentences as conlleval reads them: the gold column is the
    // file's, and the span F1 of the written tags is the report's.
    let tagged = dir.path().join("tagged.conll");
    let out = sinr(&[
        "-q",
        "evaluate",
        p(&run),
        "--data",
        p(&data),
        "--predictions",
        p(&tagged),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&tagged).unwrap();
    let blocks: Vec<Vec<Vec<&str>>> = written
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| b.lines().map(|l| l.split(' ').collect()).collect())
        .collect();
    assert_eq!(blocks.len(), t.sentences, "one block per test sentence");
    let spans = |col: usize, b: &[Vec<&str>]| -> Vec<(usize, usize, String)> {
        let mut out: Vec<(usize, usize, String)> = Vec::new();
        for (i, cols) in b.iter().enumerate() {
            assert_eq!(cols.len(), 3, "{cols:?}");
            let tag = cols[col];
            match (tag.strip_prefix("B-"), tag.strip_prefix("I-")) {
                (Some(k), _) => out.push((i, i + 1, k.to_owned())),
                (_, Some(k)) => {
                    let last = out.last_mut().filter(|s| s.1 == i && s.2 == k);
                    assert!(last.is_some(), "{tag} opens no span: valid BIO");
                    last.unwrap().1 = i + 1;
                }
                _ => assert_eq!(tag, "O"),
            }
        }
        out
    };
    let (mut right, mut gold, mut predicted) = (0usize, 0usize, 0usize);
    for b in &blocks {
        let (g, q) = (spans(1, b), spans(2, b));
        right += q.iter().filter(|x| g.contains(x)).count();
        gold += g.len();
        predicted += q.len();
    }
    let f1 = 2.0 * right as f64 / (gold + predicted).max(1) as f64;
    assert!((f1 - t.span_f1).abs() < 1e-9, "{f1} against {}", t.span_f1);
    assert!(gold > 0 && right > 0, "names are found: {right} of {gold}");
    // Predicted tags follow the BIO order: an I-X only continues a B-X or an I-X.
    let out = sinr(&[
        "-q",
        "predict",
        p(&run),
        "the Congress of the United States met at Philadelphia and New York",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut prev = "O".to_owned();
    for pair in stdout(&out).split_whitespace() {
        let tag = pair.rsplit_once('/').unwrap().1.to_owned();
        if let Some(kind) = tag.strip_prefix("I-") {
            assert!(
                prev == format!("B-{kind}") || prev == tag,
                "{tag} after {prev}: {}",
                stdout(&out)
            );
        }
        prev = tag;
    }
    let page = dir.path().join("tagged.html");
    let out = sinr(&[
        "explain",
        p(&run),
        "the Congress of the United States met at Philadelphia",
        "--html",
        p(&page),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("fine communities (level 0"),
        "{}",
        stdout(&out)
    );
    // The CRF's path: every tag's transition is a named term, in the text and on the page.
    assert!(
        stdout(&out).contains("; transition start → "),
        "{}",
        stdout(&out)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("The decision by fine community") && !html.contains("<script"));
    open_in_browser(
        &page,
        dir.path(),
        &[
            "Philadelphia",
            "The tags, decided together",
            "class=\"path\"",
            "→ end",
        ],
    );
    // A sentence of a tagging file, explained within its document (as `sinr evaluate` reads
    // it): its features include what the document says of its capitalised words.
    let explain_sentence = |n: &str, extra: &[&str]| {
        let mut args = vec![
            "-q",
            "explain",
            p(&run),
            "--data",
            p(&data),
            "--sentence",
            n,
        ];
        args.extend_from_slice(extra);
        sinr(&args)
    };
    let explain_third = |flag: &str, out: &Path| explain_sentence("3", &[flag, p(out)]);
    let js = dir.path().join("in-doc.json");
    let out = explain_third("--json", &js);
    assert!(out.status.success(), "{}", stderr(&out));
    let e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&js).unwrap()).unwrap();
    let names: Vec<&str> = e["lexical_names"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n[0].as_str())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("document: ")),
        "{names:?}"
    );
    // … and the first pass's tags of its other mentions (the fixture's one document).
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("document: another mention ")),
        "{names:?}"
    );
    // A sentence of a data set carries its gold tags, one per token, and its page compares
    // them with the decided ones.
    let gold = e["gold_tags"].as_array().expect("gold tags");
    assert_eq!(gold.len(), e["tokens"].as_array().unwrap().len());
    assert!(
        gold.iter()
            .all(|g| ["O", "B-NAME", "I-NAME"].contains(&g.as_str().unwrap()))
    );
    let page = dir.path().join("in-doc.html");
    let out = explain_third("--html", &page);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(&page).unwrap();
    assert!(
        page.contains("<th>gold tag</th>") && page.contains("gold entities found exactly"),
        "{page}"
    );
    for (bad, why) in [("0", "numbered from 1"), ("100000", "test sentences")] {
        let out = explain_sentence(bad, &[]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(why), "{}", stderr(&out));
    }
    // The tagger reads the names of its training data (a gazetteer, kept with the run); a
    // damaged file is an error naming it, not a silently different model.
    let gaz = run.join("gazetteer.tsv");
    let names = std::fs::read_to_string(&gaz).unwrap();
    assert!(names.lines().any(|l| l.ends_with("\tNAME")), "{names}");
    std::fs::write(&gaz, names.replacen('\t', " ", 1)).unwrap();
    let out = sinr(&["-q", "predict", p(&run), "the Congress met"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("gazetteer.tsv") && stderr(&out).contains("line 1"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&gaz, &names).unwrap();
    // Bring your own benchmark: train on its training file, choose on its dev file; its test
    // file is scored whole.
    let small = dir.path().join("small.json");
    std::fs::write(
        &small,
        r#"{"kind": "transformer", "layers": 1, "heads": 2, "memories": 8}"#,
    )
    .unwrap();
    let bench = dir.path().join("bench");
    let out = sinr(&[
        "-q",
        "train",
        "--data",
        p(&train_file),
        "--dev",
        p(&dev_file),
        "--test",
        p(&test_file),
        "--model",
        p(&small),
        "--embeddings",
        p(&emb),
        "--out",
        p(&bench),
        "--epochs",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = evaluate(&bench, &test_file, &dir.path().join("whole.json"), &[]);
    assert_eq!(
        s.scores.tag().unwrap().sentences,
        n - n * 9 / 10,
        "every test sentence"
    );
    // A missing dev file is named.
    let out = sinr(&[
        "-q",
        "train",
        "--data",
        p(&train_file),
        "--dev",
        "nowhere.conll",
        "--model",
        p(&small),
        "--embeddings",
        p(&emb),
        "--out",
        p(&dir.path().join("x")),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nowhere.conll"), "{}", stderr(&out));
}

/// `sinr config` prints a model's whole configuration, a file's fields over the kind's
/// defaults; a bad field is an error naming it.
#[test]
fn config_prints_the_recommended_model_and_training() {
    let json = |args: &[&str]| -> serde_json::Value {
        let out = sinr(args);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let c = json(&["config"]);
    assert_eq!(
        (&c["kind"], &c["sparsify"], &c["mean_pooling"]),
        (&"attention".into(), &1000.into(), &true.into()),
        "{c}"
    );
    assert!(c["ngrams"].is_object(), "{c}");
    assert_eq!(json(&["config", "--task", "tag"])["kind"], "transformer");
    let t = json(&["config", "--model", "transformer", "--training"]);
    assert_eq!(
        (&t["optimizer"], &t["schedule"], &t["max_len"]),
        (&"adamw".into(), &"linear".into(), &512.into()),
        "{t}"
    );
    assert_eq!(json(&["config", "--training"])["learning_rate"], 0.03);
}

#[test]
fn config_prints_the_resolved_configuration() {
    let out = sinr(&["config", "--model", "transformer"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let c: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(c["kind"], "transformer");
    assert_eq!(c["layers"], 2, "{c}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.json");
    std::fs::write(&file, r#"{"kind": "transformer", "window": 2}"#).unwrap();
    let out = sinr(&["config", "--model", p(&file)]);
    let c: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (c["window"].as_u64(), c["heads"].as_u64()),
        (Some(2), Some(4)),
        "{c}"
    );
    std::fs::write(&file, r#"{"kind": "transformer", "window": 99}"#).unwrap();
    let out = sinr(&["config", "--model", p(&file)]);
    assert!(
        !out.status.success() && stderr(&out).contains("`window`"),
        "{}",
        stderr(&out)
    );
}
