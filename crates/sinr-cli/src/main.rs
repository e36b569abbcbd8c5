//! `sinr`: train, inspect and export SINr embeddings.
//!
//! A thin binary: it parses arguments, calls one library function per command and prints.
//! Errors are printed with their whole chain (`{:#}`) and exit with status 1; usage errors exit
//! with status 2.

mod embed;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Interpretable text classifiers on SINr embeddings.
#[derive(Debug, Parser)]
#[command(name = "sinr", version, about, propagate_version = true)]
struct Cli {
    /// Worker threads (0 = one per core).
    #[arg(long, global = true, default_value_t = 0)]
    threads: usize,
    /// No progress bars or stage lines on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// SINr word embeddings: train, describe, find neighbours, export.
    Embed {
        #[command(subcommand)]
        command: embed::EmbedCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.threads > 0
        && let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(cli.threads)
            .build_global()
    {
        eprintln!("error: cannot start {} threads: {e}", cli.threads);
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Embed { command } => embed::run(command, cli.quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
