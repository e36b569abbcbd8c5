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
    build_release("sinr-cli", "sinr")
}

/// Builds binary `bin` of workspace package `package` in release mode and returns its path.
pub fn build_release(package: &str, bin: &str) -> Result<PathBuf> {
    eprintln!("building {bin} (release)…");
    exec(Command::new(env!("CARGO")).current_dir(root()).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        package,
        "--bin",
        bin,
    ]))?;
    let exe = root().join("target/release").join(bin);
    if !exe.exists() {
        bail!("{} was not built", exe.display());
    }
    Ok(exe)
}

/// The Python of the virtual environment `target/<venv>`, made with `python` and `packages`
/// installed by pip on first use (`about`: what the user waits for); reused while `imports`
/// (a Python statement) runs in it.
pub fn python_venv(
    python: &str,
    venv: &str,
    imports: &str,
    packages: &[&str],
    about: &str,
) -> Result<PathBuf> {
    let venv = root().join("target").join(venv);
    let py = venv.join("bin/python");
    let ready = py.exists()
        && Command::new(&py)
            .args(["-c", imports])
            .output()
            .is_ok_and(|o| o.status.success());
    if ready {
        return Ok(py);
    }
    eprintln!(
        "creating {} with {} ({about})…",
        venv.display(),
        packages.join(", ")
    );
    exec(Command::new(python).args(["-m", "venv"]).arg(&venv))
        .with_context(|| format!("`{python} -m venv` failed: is Python 3 with venv installed?"))?;
    exec(
        Command::new(&py)
            .args(["-m", "pip", "install", "--quiet"])
            .args(packages),
    )
    .with_context(|| format!("pip could not install {}", packages.join(", ")))?;
    Ok(py)
}
