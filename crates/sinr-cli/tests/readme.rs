//! The README's quick start on the examples the tests ship, run as written: the block after the
//! `quick-start` marker, line by line, with this build's `sinr` first on the `PATH`, in a
//! temporary directory where `crates/` leads to the workspace's.

use std::path::Path;
use std::process::Command;

#[test]
fn the_readme_quick_start_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let after = readme
        .split("<!-- quick-start: run by crates/sinr-cli/tests/readme.rs -->")
        .nth(1)
        .expect("the README marks its quick start");
    let block = after
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block after the marker");
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        root.join("crates").canonicalize().unwrap(),
        dir.path().join("crates"),
    )
    .unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_sinr"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut script = String::from("set -eu\n");
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        // Each command echoed first, so that a failure names it.
        script.push_str(&format!(
            "echo '+ {}' >&2\n{line}\n",
            line.replace('\'', "'\\''")
        ));
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    // What each step promises.
    assert!(dir.path().join("why.html").is_file());
    let preds = std::fs::read_to_string(dir.path().join("predictions.tsv")).unwrap();
    assert_eq!(preds.lines().count(), 1 + 120, "a line per test sentence");
    assert!(
        stdout.contains("macro-F1") && stdout.contains("  republican: precision"),
        "{stdout}"
    );
    assert!(
        stdout.contains("span F1") && stdout.contains("  LOC: precision"),
        "{stdout}"
    );
    assert!(
        stderr.contains("no --model: training the recommended model"),
        "{stderr}"
    );
    assert!(
        stderr.contains("40 documents split 80/10/10 by document"),
        "{stderr}"
    );
}
