//! Helpers shared by the commands: the workspace root, running programs, building `sinr`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs `cmd`, inheriting stdio; fails with the command line if it exits non-zero.
pub fn exec(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!("command failed ({status}): {cmd:?}");
    }
    Ok(())
}

/// Runs `cmd` and returns its stdout; stderr is inherited.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!("command failed ({}): {cmd:?}", out.status);
    }
    String::from_utf8(out.stdout).context("command output is not UTF-8")
}

/// Builds the `sinr` binary in release mode and returns its path.
pub fn build_sinr() -> Result<PathBuf> {
    eprintln!("building sinr (release)…");
    exec(Command::new(env!("CARGO")).current_dir(root()).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "sinr-cli",
    ]))?;
    let exe = root().join("target/release/sinr");
    if !exe.exists() {
        bail!("{} was not built", exe.display());
    }
    Ok(exe)
}
