//! `sinr`: train, inspect and export SINr embeddings.
//!
//! A thin binary: it parses arguments, calls one library function per command and prints.
//! Errors are printed with their whole chain (`{:#}`) and exit with status 1; usage errors exit
//! with status 2.

mod classify;
mod count;
mod embed;
mod html;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sinr_schema::DeviceName;

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
    /// Device of the classifiers (`cpu`: the default CPU backend; the others need their cargo
    /// feature).
    #[arg(long, global = true, value_enum, default_value_t = DeviceName::Cpu)]
    device: DeviceName,
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
    /// Train an interpretable classifier (or the dense baseline) and write its run directory.
    Train(Box<classify::TrainArgs>),
    /// Measure explanations on test examples: faithfulness, agreement, compactness, mechanisms.
    Analyze(Box<classify::AnalyzeArgs>),
    /// Scores of a trained run on a split of its data (test by default).
    Evaluate(Box<classify::EvaluateArgs>),
    /// Predict labels of a text, or of every line of a file.
    Predict {
        /// The run directory.
        run: std::path::PathBuf,
        /// A text, or a file with one text per line.
        input: String,
        /// Embeddings to use instead of the path recorded in the run.
        #[arg(long)]
        embeddings: Option<std::path::PathBuf>,
    },
    /// Export a trained classifier for other tools: `DIR/model.safetensors` (its parameters by
    /// name), `DIR/config.json` (task, labels and class names, configuration, training,
    /// embeddings and tokenizer, the tensors' names and shapes) and `DIR/vocabulary.txt`.
    Export {
        /// The run directory.
        run: std::path::PathBuf,
        /// The directory to write.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Include the frozen SINr vectors the model reads (rebuilt from the embeddings
        /// otherwise; needed to serve the model without them).
        #[arg(long)]
        with_embeddings: bool,
        /// Embeddings to use instead of the path recorded in the run.
        #[arg(long)]
        embeddings: Option<std::path::PathBuf>,
    },
    /// Print a model's whole configuration as JSON: every field, the defaults filled in; without
    /// `--model`, the model `sinr train` trains when it is given none.
    Config {
        /// A model kind (`attention`, `transformer`, `hierarchical`, `dense`, `cnn`) or a JSON/TOML file
        /// with a `kind` and the fields to change.
        #[arg(long)]
        model: Option<String>,
        /// Without `--model`: the task kind whose recommended model is printed.
        #[arg(long, value_enum, default_value = "classify", conflicts_with = "model")]
        task: sinr_models::TaskKind,
        /// Print the model's default training instead (what `sinr train` uses without
        /// `--train-config` or training flags).
        #[arg(long)]
        training: bool,
    },
    /// Explain a prediction exactly: tokens, communities, heads and memories; or, with
    /// `--model-card`, the whole model over a test set.
    Explain {
        /// The run directory.
        run: std::path::PathBuf,
        /// The text (not with `--model-card` or `--sentence`).
        #[arg(
            required_unless_present_any = ["model_card", "sentence"],
            conflicts_with_all = ["model_card", "sentence"]
        )]
        text: Option<String>,
        /// A tagger: explain test sentence N (from 1) of `--data` (a built-in tagging task or a
        /// `.conll` file, read whole) within its document, as `sinr evaluate` reads it.
        #[arg(long, requires = "data", conflicts_with = "model_card")]
        sentence: Option<usize>,
        /// A model page instead: per class, the communities, n-gram features, heads and
        /// memories that push toward it over the test set, and the most confident right and
        /// wrong predictions, each explained on its own page (`--html` is required).
        #[arg(long, requires = "html")]
        model_card: bool,
        /// The model card's data: a built-in task (its test split is read; default: the run's
        /// own task, if built in) or a labelled CSV/TSV file with `text` and `label` columns
        /// (read whole, as `sinr evaluate --data FILE`); with `--sentence`, the tagging set.
        #[arg(long)]
        data: Option<String>,
        /// The model card's examples: N test texts with a known word (a seeded draw; all if
        /// fewer).
        #[arg(long, default_value_t = 500, requires = "model_card")]
        n: usize,
        /// Write a self-contained HTML page here.
        #[arg(long)]
        html: Option<std::path::PathBuf>,
        /// Write the whole explanation as JSON here.
        #[arg(long)]
        json: Option<std::path::PathBuf>,
        /// Embeddings to use instead of the path recorded in the run.
        #[arg(long)]
        embeddings: Option<std::path::PathBuf>,
    },
}

/// A full disk under a file-size limit (`ulimit -f`) raises SIGXFSZ, whose default action kills
/// the process without a word. With a handler installed, the write fails with `EFBIG` instead,
/// and the error path (temporary file removed, message naming the output) runs.
fn survive_file_size_limits() {
    #[cfg(unix)]
    {
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, flag);
    }
}

fn main() -> ExitCode {
    survive_file_size_limits();
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
        Command::Train(args) => classify::train(&args, cli.device, cli.quiet),
        Command::Evaluate(args) => classify::evaluate(&args, cli.device, cli.quiet),
        Command::Analyze(args) => classify::analyze(&args, cli.device, cli.quiet),
        Command::Config {
            model,
            task,
            training,
        } => classify::config(model.as_deref(), task, training),
        Command::Predict {
            run,
            input,
            embeddings,
        } => classify::predict(&run, &input, embeddings.as_deref(), cli.device),
        Command::Export {
            run,
            out,
            with_embeddings,
            embeddings,
        } => classify::export(
            &run,
            &out,
            with_embeddings,
            embeddings.as_deref(),
            cli.device,
            cli.quiet,
        ),
        Command::Explain {
            run,
            text,
            sentence,
            model_card,
            data,
            n,
            html,
            json,
            embeddings,
        } => match (model_card, text, html) {
            _ if data.is_some() && !model_card && sentence.is_none() => Err(anyhow::anyhow!(
                "--data goes with --model-card or --sentence"
            )),
            (false, None, html) if sentence.is_some() => classify::explain(
                &run,
                classify::Explained::Sentence {
                    data: data.as_deref().unwrap_or_default(),
                    n: sentence.unwrap_or_default(),
                },
                html.as_deref(),
                json.as_deref(),
                embeddings.as_deref(),
                cli.device,
                cli.quiet,
            ),
            (true, _, Some(html)) => classify::model_card(
                &run,
                data.as_deref(),
                n,
                &html,
                json.as_deref(),
                embeddings.as_deref(),
                cli.device,
                cli.quiet,
            ),
            (_, Some(text), html) => classify::explain(
                &run,
                classify::Explained::Text(&text),
                html.as_deref(),
                json.as_deref(),
                embeddings.as_deref(),
                cli.device,
                cli.quiet,
            ),
            _ => unreachable!("clap requires a text, or --html with --model-card"),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
