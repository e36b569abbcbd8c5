//! Project automation, run as `cargo xtask <command>` (matklad's xtask pattern): plain Rust, no
//! shell scripts, one module per command. It builds and runs the `sinr` binary; it never links
//! burn.

mod compare;
mod compare_torch;
mod data;
mod fuzz;
mod report;
mod reproduce;
mod svg;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Automation for the sinr-rs workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run sinr-rs and the Python reference (sinr 1.4.2) on the same tokenised corpus and print
    /// a side-by-side table of time, memory and results.
    CompareReference(compare::Args),
    /// Time the training step of the SINr transformer and the attention classifier against the
    /// same models in PyTorch (CPU): same batch, same initial parameters, same threads.
    CompareTorch(compare_torch::Args),
    /// The data sets of `datasets.toml`: list, fetch, verify.
    Data(data::Args),
    /// Run experiments and regenerate their results, tables and plots.
    Reproduce(reproduce::Args),
    /// Run the libFuzzer targets of `fuzz/` for a bounded time each.
    Fuzz(fuzz::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::CompareReference(args) => compare::run(&args),
        Command::CompareTorch(args) => compare_torch::run(&args),
        Command::Data(args) => data::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
