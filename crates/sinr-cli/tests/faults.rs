//! Fault injection: `sinr embed train` and `sinr train` killed with SIGKILL at random moments,
//! and a file-size limit (a full disk), never leave a torn output; a killed training run resumed
//! with `--resume` ends exactly as an uninterrupted one.
//!
//! The kill moments are drawn from a seeded generator over the duration of an uninterrupted run,
//! so every phase (reading, counting, Louvain, writing; every epoch and every checkpoint commit)
//! is hit over the iterations. Unix only (signals, `ulimit`).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sinr_util::SplitMix64;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sinr")
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("run sinr")
}

fn spawn(args: &[&str]) -> Child {
    Command::new(bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sinr")
}

fn p(x: &Path) -> &str {
    x.to_str().unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/washington-1790-1796.txt")
}

/// Lets `child` run for `delay`, then kills it (if it has not finished); returns whether it
/// finished on its own, successfully.
fn kill_after(mut child: Child, delay: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < delay {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill(); // SIGKILL
    let status = child.wait().expect("reap");
    status.success()
}

fn embed_args<'a>(corpus: &'a str, out: &'a str, gamma: &'a str) -> Vec<&'a str> {
    vec![
        "-q",
        "embed",
        "train",
        "--corpus",
        corpus,
        corpus,
        corpus,
        "--out",
        out,
        "--min-freq",
        "2",
        "--min-token-len",
        "3",
        "--gamma",
        gamma,
        "--louvain",
        "multilevel",
    ]
}

/// The only files a directory may hold after a kill besides the outputs: none of ours
/// (temporary files are cleaned or named so that nothing mistakes them for outputs).
fn outputs_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn killed_embedding_training_never_leaves_a_torn_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.sinr");
    let corpus = fixture();
    // A complete model to start from, and the time an uninterrupted run takes.
    let t = Instant::now();
    let o = run(&embed_args(p(&corpus), p(&out), "5"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let full = t.elapsed();
    let mut versions = vec![std::fs::read(&out).unwrap()];
    let mut rng = SplitMix64::new(7);
    let (mut killed, mut finished) = (0, 0);
    for i in 0..24 {
        let gamma = ["1", "2", "5", "10"][i % 4];
        // Kill moments spread over a full run; every sixth run is left to finish (a busy
        // machine makes runs slower than the first one timed, so no delay guarantees that).
        let delay = if i % 6 == 5 {
            Duration::from_secs(600)
        } else {
            full.mul_f64(rng.below(1000) as f64 / 1000.0)
        };
        if kill_after(spawn(&embed_args(p(&corpus), p(&out), gamma)), delay) {
            finished += 1;
        } else {
            killed += 1;
        }
        // The model file is always a complete model: it loads (checksum and all).
        let o = run(&["-q", "embed", "info", p(&out)]);
        assert!(
            o.status.success(),
            "iteration {i}: torn model after a kill at {delay:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let bytes = std::fs::read(&out).unwrap();
        if !versions.contains(&bytes) {
            versions.push(bytes);
        }
        // Nothing else in the directory that looks like a model.
        for name in outputs_in(dir.path()) {
            assert!(
                name == "model.sinr" || name.starts_with('.'),
                "iteration {i}: unexpected file {name}"
            );
        }
    }
    eprintln!(
        "embed train: {killed} killed, {finished} finished, {} distinct complete models seen",
        versions.len()
    );
    assert!(
        killed >= 5,
        "only {killed} runs were killed: the test did not test"
    );
    assert!(finished >= 4, "only {finished} runs finished");
}

/// A labelled CSV made of the fixture's sentences (as in `classify.rs`).
fn labelled_csv(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let mut csv = String::from("text,label\n");
    for s in text
        .split(['.', ';'])
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 5)
        .take(300)
    {
        let lower = s.to_lowercase();
        let label = if ["war", "arms", "militia", "hostil", "troops", "military"]
            .iter()
            .any(|w| lower.contains(w))
        {
            "war"
        } else {
            "peace"
        };
        csv.push_str(&format!("\"{}\",{label}\n", s.replace('"', "\"\"")));
    }
    let path = dir.join("data.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn train_args<'a>(data: &'a str, emb: &'a str, out: &'a str, resume: bool) -> Vec<&'a str> {
    let mut v = vec![
        "-q",
        "train",
        "--data",
        data,
        "--model",
        "attention",
        "--embeddings",
        emb,
        "--out",
        out,
        "--epochs",
        "6",
        "--patience",
        "6",
        "--batch-size",
        "8",
        "--lr",
        "0.03",
        "--seed",
        "5",
    ];
    if resume {
        v.push("--resume");
    }
    v
}

#[test]
fn killed_training_resumes_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let emb = dir.path().join("emb.sinr");
    let o = run(&embed_args(p(&fixture()), p(&emb), "5"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let data = labelled_csv(dir.path());

    let whole = dir.path().join("whole");
    let t = Instant::now();
    let o = run(&train_args(p(&data), p(&emb), p(&whole), false));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let full = t.elapsed();

    let mut rng = SplitMix64::new(11);
    let mut total_kills = 0;
    for trial in 0..3 {
        let run_dir = dir.path().join(format!("killed-{trial}"));
        let mut attempts = 0;
        loop {
            attempts += 1;
            assert!(attempts < 60, "never finished");
            // Short delays at first (kills in every phase), then long enough to finish.
            let frac = rng.below(600) as f64 / 1000.0 + 0.02 * attempts as f64;
            let done = kill_after(
                spawn(&train_args(p(&data), p(&emb), p(&run_dir), true)),
                full.mul_f64(frac),
            );
            if done {
                break;
            }
            total_kills += 1;
            // Whatever the moment, the run directory is consistent: a state that exists names
            // checkpoint files that exist.
            let state = run_dir.join("state.json");
            if state.is_file() {
                let s: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&state).unwrap())
                        .expect("state.json is complete JSON");
                if let Some(ck) = s["checkpoint"].as_array() {
                    for f in ck {
                        assert!(
                            run_dir.join(f.as_str().unwrap()).is_file(),
                            "state names a missing file {f}"
                        );
                    }
                }
            }
        }
        // Same history, same best, same predictions as the uninterrupted run.
        let metrics = |d: &Path| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(d.join("metrics.json")).unwrap()).unwrap()
        };
        let strip = |mut m: serde_json::Value| {
            for e in m["history"].as_array_mut().unwrap() {
                e.as_object_mut().unwrap().remove("seconds");
            }
            m
        };
        assert_eq!(
            strip(metrics(&whole)),
            strip(metrics(&run_dir)),
            "trial {trial}: a resumed run differs from the uninterrupted one"
        );
        let text = "the militia and the troops were called to arms";
        let a = run(&["predict", p(&whole), text]);
        let b = run(&["predict", p(&run_dir), text]);
        assert_eq!(a.stdout, b.stdout);
    }
    eprintln!("sinr train: {total_kills} kills over 3 resumed runs (a full run: {full:?})");
    assert!(total_kills >= 3, "only {total_kills} kills");
}

#[test]
fn a_full_disk_is_a_clear_error_and_leaves_no_partial_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.sinr");
    // `ulimit -f` caps the size of any file the process writes (in 512-byte blocks here).
    let script = format!(
        "ulimit -f 8 && exec '{}' -q embed train --corpus '{}' --out '{}' --min-freq 2 --min-token-len 3",
        bin(),
        p(&fixture()),
        p(&out)
    );
    let o = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "a 4 KiB file limit should fail");
    assert!(
        o.status.code() == Some(1) && err.contains("model.sinr"),
        "expected a clear error naming the output, got status {:?}: {err}",
        o.status
    );
    assert!(!out.exists(), "a partial model was left behind");
    assert_eq!(outputs_in(dir.path()), Vec::<String>::new());
}
