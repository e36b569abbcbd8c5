//! `sinr embed …`: the SINr embedding commands.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use sinr_embed::{
    Corpus, InvalidUtf8, LouvainMode, Moves, PmiConvention, SinrConfig, SinrModel, StopWords,
    TokenizerConfig, Unit, train, write_tokenized,
};
use sinr_util::{Progress as _, write_atomically};

use crate::progress::Bars;

#[derive(Debug, Subcommand)]
pub enum EmbedCommand {
    /// Train SINr embeddings on text files (or on counts made by `sinr embed count`) and save
    /// the model.
    Train(Box<TrainArgs>),
    /// Count a corpus too large for one machine: map steps per shard, reduced by DataFusion
    /// (or a Ballista cluster) into a counts directory that `sinr embed train --counts DIR`
    /// embeds. See docs/scaling.md.
    #[command(subcommand)]
    Count(crate::count::CountCommand),
    /// General-purpose English embeddings in one command: builds `en-mix` (the experiments'
    /// eight English corpora, about 7.5 M tokens, fetched into the data cache by the
    /// registries' clients) and trains SINr on it with the settings of the task tables
    /// (multilevel Louvain, fine γ 50, coarse γ 5, minimum frequency 5), so that every model of
    /// `sinr train` can read it.
    Pretrained {
        /// Where to write the model (written atomically).
        #[arg(long)]
        out: PathBuf,
        /// Keep the English stop words in the vocabulary (the insults and NER tasks do: words
        /// such as "you" and "of" carry their signal); by default they are dropped, as the
        /// polarity tasks do.
        #[arg(long)]
        keep_stop_words: bool,
        /// Write the training summary as JSON here too.
        #[arg(long)]
        report: Option<PathBuf>,
        /// The data cache (default: SINR_DATA_DIR, else ~/.cache/sinr).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Show a word's strongest dimensions, each with its label (common words typical of the
    /// community), the reference's stereotypes and descriptors.
    Describe {
        /// Model file.
        model: PathBuf,
        /// The word.
        word: String,
        /// Number of dimensions to show.
        #[arg(long, default_value_t = 5)]
        dims: usize,
        /// Words shown per dimension.
        #[arg(long, default_value_t = 8)]
        words: usize,
    },
    /// The words closest to a word by cosine similarity.
    Similar {
        /// Model file.
        model: PathBuf,
        /// The word.
        word: String,
        /// Number of neighbours.
        #[arg(short, default_value_t = 10)]
        k: usize,
    },
    /// Export the vectors to another format.
    Export {
        /// Model file.
        model: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Word2vec)]
        format: ExportFormat,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Tokenise text files as `train` would, one unit per line (no frequency filter).
    Tokenize {
        /// Text files.
        #[arg(long, required = true, num_args = 1..)]
        corpus: Vec<PathBuf>,
        /// Output file (written atomically).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        tok: TokenizerArgs,
    },
    /// Dense word vectors from the same counts as `train`: a truncated SVD of the positive PMI
    /// matrix (Levy, Goldberg & Dagan 2015), in the word2vec text format. The pre-training of
    /// the dense baselines (`"vectors"` of the `dense` and `cnn` models).
    Vectors {
        /// Text files.
        #[arg(long, required = true, num_args = 1..)]
        corpus: Vec<PathBuf>,
        /// Output file (word2vec text format, written atomically).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        tok: TokenizerArgs,
        /// Co-occurrence window half-width.
        #[arg(long, default_value_t = 5)]
        window: usize,
        /// Dimensions of the vectors.
        #[arg(long, default_value_t = 128)]
        dim: usize,
        /// Context distribution smoothing α (1: none).
        #[arg(long, default_value_t = 0.75)]
        context_smoothing: f64,
        /// The vectors are `U Σ^p` with this `p`.
        #[arg(long, default_value_t = 0.5)]
        eigenvalue_weight: f64,
        /// Seed of the randomised SVD.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// SINr of any graph, or of co-occurrence counts made elsewhere (the reference's
    /// `load_from_graph`, `load_from_adjacency_matrix`, `load_from_cooc_pkl`): an edge list
    /// (`u v [weight]` lines, nodes by name) or a Matrix Market coordinate file (`.mtx`, a
    /// sparse adjacency matrix; `--names` names its rows). The graph is embedded as given
    /// (Louvain, node recall and post-processing of the settings below); with `--counts` the
    /// weights are co-occurrence counts and the PMI filter applies first, as for text.
    Graph(Box<GraphArgs>),
    /// Align the communities of two models (the reference's `transfert_communities_labels`):
    /// over the words both embed, each community of the first with the community of the second
    /// sharing most of its words, as TSV (ids, labels, sizes, shared words, Jaccard), and the
    /// partitions' NMI.
    Align {
        /// The first model.
        a: PathBuf,
        /// The second model.
        b: PathBuf,
        /// Level of the first model (0 = finest).
        #[arg(long, default_value_t = 0)]
        level_a: usize,
        /// Level of the second model.
        #[arg(long, default_value_t = 0)]
        level_b: usize,
    },
    /// A picture of words in community space (after SINrViz): an SVG heat map of the words'
    /// values on their strongest dimensions, each column labelled by its community's words,
    /// so that the stereotypes of several words (or of one word in two models) can be compared.
    Plot {
        /// Model file.
        model: PathBuf,
        /// The words.
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
        /// A second model: each word is shown in both (rows `word (A)`, `word (B)`), on the
        /// dimensions of each model side by side.
        #[arg(long)]
        compare: Option<PathBuf>,
        /// Strongest dimensions per word.
        #[arg(long, default_value_t = 4)]
        dims: usize,
        /// The SVG file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the communities of a Louvain level as `word<TAB>community` lines.
    Partition {
        /// Model file.
        model: PathBuf,
        /// Level (0 = finest).
        #[arg(long, default_value_t = 0)]
        level: usize,
    },
    /// Spearman correlation on word-similarity benchmarks (`word1 word2 score` files), with
    /// coverage, and the DistRatio of the dimensions.
    Evaluate {
        /// Model file.
        model: PathBuf,
        /// Benchmark files (space- or tab-separated `word1 word2 score`; `#` comments).
        #[arg(long = "benchmark", required = true, num_args = 1..)]
        benchmarks: Vec<PathBuf>,
        /// Keep the k largest values of each vector first.
        #[arg(long)]
        sparsify: Option<usize>,
        /// Missing words: leave the pair out (`skip`) or use the mean vector (`mean`, the reference).
        #[arg(long, value_enum, default_value_t = OovArg::Skip)]
        oov: OovArg,
        /// Also compute DistRatio (seeded word intrusion).
        #[arg(long)]
        dist_ratio: bool,
    },
    /// Print a model's config and training summary as JSON.
    Info {
        /// Model file.
        model: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// word2vec text format: a `rows cols` header, then `word v1 … vK` per line.
    Word2vec,
    /// A directory for other tools (scipy, networkit, R): `nr.mtx` (the sparse node-recall
    /// vectors, words × dimensions, Matrix Market), `words.txt` (row names), and
    /// `communities.json` (every level's partition, each dimension's community and label,
    /// stereotypes and descriptors).
    Sparse,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OovArg {
    /// Leave out pairs with a missing word.
    Skip,
    /// Use the mean vector for a missing word.
    Mean,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum UnitArg {
    Line,
    Sentence,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Utf8Arg {
    Skip,
    Fail,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PmiArg {
    Reference,
    Textbook,
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LouvainArg {
    Plm,
    Multilevel,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MovesArg {
    /// One node after the other: networkit's PLM on one thread, the reference's partition.
    Serial,
    /// Batches of nodes whose moves are chosen on every thread; deterministic, the same
    /// partition on any number of threads (not the reference's).
    Batched,
}

/// Every field of the config has a flag; a flag overrides `--config`, which overrides the
/// defaults (the reference's values).
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Text files (UTF-8); read in order, never held in memory.
    #[arg(long, required_unless_present = "counts", num_args = 1..)]
    corpus: Vec<PathBuf>,
    /// Embed the counts of a counts directory made by `sinr embed count` instead of counting a
    /// corpus: the tokenizer settings and the window are the ones the counts were made with
    /// (their flags are refused); the graph flags apply as usual.
    #[arg(long, conflicts_with_all = ["corpus", "window", "pretokenized", "no_lowercase", "web_text", "min_token_len", "stop_words", "unit", "min_unit_tokens", "min_freq", "max_vocab", "invalid_utf8", "max_line_bytes", "memory_limit"])]
    counts: Option<PathBuf>,
    /// Bound the memory of counting: the corpus is counted in shards, one at a time, through
    /// files in a temporary directory beside `--out`, and summed under this limit, spilling to
    /// disk (bytes, or `512M`, `16G`); the model is the same. See docs/scaling.md.
    #[arg(long, value_parser = crate::count::parse_size)]
    memory_limit: Option<usize>,
    /// With `--memory-limit`: the number of shards [default: 8 bytes of limit per byte of
    /// text, the ratio measured on en-mix, i.e. ⌈8 × corpus size / limit⌉].
    #[arg(long, requires = "memory_limit")]
    shards: Option<usize>,
    /// Where to write the model (written atomically).
    #[arg(long)]
    out: PathBuf,
    /// A TOML file with any part of the config (see `sinr embed info` for the layout).
    #[arg(long, conflicts_with = "preset")]
    config: Option<PathBuf>,
    /// The settings the flags change: `reference`, the Python reference's defaults (tokens of
    /// four letters or more, words seen 20 times, γ = 10, one level) [the default]; or
    /// `recommended`, what the experiments use and the classifiers want (tokens of two
    /// letters, words seen 5 times, γ = 50, multilevel Louvain with two coarse levels at γ = 5).
    /// The bracketed defaults of the other flags are the reference's.
    #[arg(long, value_enum)]
    preset: Option<Preset>,
    /// Write the training summary as JSON here too.
    #[arg(long)]
    report: Option<PathBuf>,

    #[command(flatten)]
    tok: TokenizerArgs,

    /// Co-occurrence window half-width [default: 5].
    #[arg(long)]
    window: Option<usize>,

    #[command(flatten)]
    graph: GraphSettings,
}

/// Arguments of `sinr embed graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The graph: an edge list, or a Matrix Market file (`.mtx`).
    input: PathBuf,
    /// Where to write the model (written atomically).
    #[arg(long)]
    out: PathBuf,
    /// The file's format [default: `mtx` for a `.mtx` file, else `edges`].
    #[arg(long, value_enum)]
    format: Option<GraphFormat>,
    /// Names of a Matrix Market file's rows, one per line (default: their 0-based numbers).
    #[arg(long)]
    names: Option<PathBuf>,
    /// The weights are co-occurrence counts (whole numbers): filter them by PMI first.
    #[arg(long)]
    counts: bool,
    /// A TOML file with any part of the config.
    #[arg(long, conflicts_with = "preset")]
    config: Option<PathBuf>,
    /// The settings the flags change (see `sinr embed train --help`) [default: reference].
    #[arg(long, value_enum)]
    preset: Option<Preset>,
    #[command(flatten)]
    graph: GraphSettings,
}

/// A graph file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// `u v [weight]` per line.
    Edges,
    /// Matrix Market coordinate.
    Mtx,
}

/// `sinr embed graph`.
fn graph_cmd(args: &GraphArgs, quiet: bool) -> Result<()> {
    let mut cfg = base_config(args.config.as_deref(), args.preset)?;
    args.graph.apply(&mut cfg);
    cfg.validate()?;
    check_output_dir(&args.out)?;
    let format = args
        .format
        .unwrap_or(if args.input.extension().is_some_and(|e| e == "mtx") {
            GraphFormat::Mtx
        } else {
            GraphFormat::Edges
        });
    let g = match format {
        GraphFormat::Edges => sinr_data::readers::read_edge_list(&args.input)?,
        GraphFormat::Mtx => {
            sinr_data::readers::read_matrix_market(&args.input, args.names.as_deref())?
        }
    };
    if !quiet {
        eprintln!(
            "{}: {} nodes, {} edge lines",
            args.input.display(),
            g.names.len(),
            g.edges.len()
        );
    }
    let bars = Bars::new(quiet);
    let model = if args.counts {
        let (vocab, counts) = counts_of(&args.input, g)?;
        sinr_embed::train_from_counts(vocab, counts, &cfg, &bars)?
    } else {
        sinr_embed::train_from_graph(g.names, g.edges, &cfg, &bars)?
    };
    model.save(&args.out)?;
    if !quiet {
        let r = &model.report;
        eprintln!(
            "{} nodes embedded, communities {:?}, {} dimensions; model {}",
            r.nodes,
            r.communities,
            r.dimensions,
            args.out.display()
        );
    }
    Ok(())
}

/// A graph file's weights as co-occurrence counts: the words sorted (the vocabulary's order),
/// each counted as its row's sum.
fn counts_of(
    path: &Path,
    g: sinr_data::readers::GraphFile,
) -> Result<(sinr_embed::Vocabulary, sinr_embed::CooccurrenceMatrix)> {
    let n = g.names.len();
    let mut total = vec![0u64; n];
    let mut entries = Vec::with_capacity(g.edges.len());
    for &(u, v, w) in &g.edges {
        if w.fract() != 0.0 || w > u64::MAX as f64 {
            bail!(
                "{}: with --counts the weights are counts; {w} (edge {} – {}) is not a whole number",
                path.display(),
                g.names[u as usize],
                g.names[v as usize]
            );
        }
        if u != v && w > 0.0 {
            total[u as usize] += w as u64;
            total[v as usize] += w as u64;
            entries.push((u, v, w as u64));
        }
    }
    let mut seen: Vec<&str> = g.names.iter().map(String::as_str).collect();
    seen.sort_unstable();
    if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
        bail!("{}: node name `{}` is given twice", path.display(), w[0]);
    }
    let vocab = sinr_embed::Vocabulary::from_counts(g.names.iter().cloned().zip(total).collect());
    // The vocabulary sorts the names: each old index's new id.
    let new_id: Vec<sinr_embed::WordId> = g
        .names
        .iter()
        .map(|w| vocab.id(w).expect("a name of the file"))
        .collect();
    let counts = sinr_embed::CooccurrenceMatrix::from_entries(
        n,
        entries
            .into_iter()
            .map(|(u, v, c)| (new_id[u as usize], new_id[v as usize], c)),
    );
    Ok((vocab, counts))
}

/// `sinr embed export --format sparse`: the vectors as Matrix Market and the communities as
/// JSON, in the directory `dir` (created; each file written atomically).
fn export_sparse(m: &SinrModel, dir: &Path) -> Result<()> {
    use std::fmt::Write as _;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (indptr, indices, values) = m.matrix.raw();
    let mut mtx = String::from("%%MatrixMarket matrix coordinate real general\n");
    let _ = writeln!(
        mtx,
        "% SINr node recall: rows are the words of words.txt, columns the dimensions of communities.json"
    );
    let _ = writeln!(
        mtx,
        "{} {} {}",
        m.matrix.n_rows(),
        m.matrix.n_cols(),
        values.len()
    );
    for r in 0..m.matrix.n_rows() {
        for k in indptr[r]..indptr[r + 1] {
            let _ = writeln!(mtx, "{} {} {}", r + 1, indices[k] + 1, values[k]);
        }
    }
    write_atomically(&dir.join("nr.mtx"), |w| w.write_all(mtx.as_bytes()))?;
    let mut words = m.vocab.words().join("\n");
    words.push('\n');
    write_atomically(&dir.join("words.txt"), |w| w.write_all(words.as_bytes()))?;
    let ranking = sinr_embed::LabelRanking::default();
    let labels = m.label_words(m.level, 5, ranking)?;
    let mut dimensions = Vec::with_capacity(m.dimensions());
    for (d, label) in labels.iter().enumerate() {
        let scored = |xs: Vec<sinr_embed::Scored>| -> Vec<serde_json::Value> {
            xs.into_iter()
                .map(|s| serde_json::json!([s.word, s.score]))
                .collect()
        };
        dimensions.push(serde_json::json!({
            "dimension": d,
            "community": m.columns[d],
            "label": label,
            "stereotypes": scored(m.stereotypes(d, 10)?),
            "descriptors": scored(m.descriptors(d, 10)?),
        }));
    }
    let levels: Vec<serde_json::Value> = m
        .dendrogram
        .levels
        .iter()
        .map(|l| {
            serde_json::json!({
                "communities": l.n_communities,
                "modularity": l.modularity,
                "resolution": l.resolution,
                "partition": l.partition,
            })
        })
        .collect();
    let json = serde_json::json!({
        "level": m.level,
        "levels": levels,
        "dimensions": dimensions,
    });
    let text = serde_json::to_string_pretty(&json)?;
    write_atomically(&dir.join("communities.json"), |w| {
        w.write_all(text.as_bytes())
    })?;
    Ok(())
}

/// `sinr embed plot`: an SVG heat map, rows the words (of each model), columns the union of
/// their strongest dimensions (per model), cells shaded by the value, columns titled by their
/// communities' labels.
fn stereotype_plot(models: &[(&str, SinrModel)], words: &[String], k: usize) -> Result<String> {
    use std::fmt::Write as _;
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    // Columns: (model index, dimension), in order of first use.
    let mut columns: Vec<(usize, usize)> = Vec::new();
    let mut rows: Vec<(String, usize, String)> = Vec::new();
    for (mi, (name, m)) in models.iter().enumerate() {
        for w in words {
            let id = m.id(w).with_context(|| format!("model {name}"))?;
            let (idx, val) = m.matrix.row(id.index());
            let mut top: Vec<(u32, f64)> = idx.iter().copied().zip(val.iter().copied()).collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            for &(d, _) in top.iter().take(k) {
                if !columns.contains(&(mi, d as usize)) {
                    columns.push((mi, d as usize));
                }
            }
            let label = if models.len() > 1 {
                format!("{} ({name})", m.vocab.word(id))
            } else {
                m.vocab.word(id).to_owned()
            };
            rows.push((label, mi, m.vocab.word(id).to_owned()));
        }
    }
    let ranking = sinr_embed::LabelRanking::default();
    let labels: Vec<Vec<Vec<String>>> = models
        .iter()
        .map(|(_, m)| m.label_words(m.level, 3, ranking))
        .collect::<std::result::Result<_, _>>()?;
    // Each row's value on each column (NaN: a column of the other model).
    let mut values: Vec<Vec<f64>> = Vec::with_capacity(rows.len());
    for (_, mi, word) in &rows {
        let (idx, val) = models[*mi].1.vector(word)?;
        values.push(
            columns
                .iter()
                .map(|&(cm, d)| {
                    if cm == *mi {
                        idx.iter()
                            .position(|&x| x as usize == d)
                            .map_or(0.0, |p| val[p])
                    } else {
                        f64::NAN
                    }
                })
                .collect(),
        );
    }
    // Shaded against the largest value shown: node recall spreads a word over many
    // communities, so its values are often far below 1.
    let max = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let footnote = format!(
        "each cell: the word's value (node recall) on the community its column names; the darkest is {max:.3}{}",
        if models.len() > 1 {
            "; grey: the other model's dimension"
        } else {
            ""
        }
    );
    let (cell, left, top) = (46.0, 150.0, 190.0);
    // Room for the last column's slanted label, and for the footnote.
    let width = (left + cell * columns.len() as f64 + 170.0)
        .max(left + 6.5 * footnote.chars().count() as f64 + 20.0);
    let height = top + cell * rows.len() as f64 + 40.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<title>Words on their strongest SINr dimensions</title><rect width="100%" height="100%" fill="white"/>"#
    );
    for (c, &(mi, d)) in columns.iter().enumerate() {
        let x = left + cell * c as f64 + cell / 2.0;
        let prefix = if models.len() > 1 {
            format!("{}: ", models[mi].0)
        } else {
            String::new()
        };
        let _ = writeln!(
            svg,
            r#"<text transform="translate({x:.1},{:.1}) rotate(-55)">{}{}</text>"#,
            top - 8.0,
            esc(&prefix),
            esc(&labels[mi][d].join(", "))
        );
    }
    for (r, (label, _, _)) in rows.iter().enumerate() {
        let y = top + cell * r as f64;
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 8.0,
            y + cell / 2.0 + 4.0,
            esc(label)
        );
        for (c, &v) in values[r].iter().enumerate() {
            let x = left + cell * c as f64;
            let (fill, text) = if v.is_nan() {
                ("#f4f4f4".to_owned(), String::new())
            } else {
                // White to dark blue, the largest value shown the darkest.
                let t = if max > 0.0 {
                    (v / max).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let ch = |lo: f64, hi: f64| (lo + (hi - lo) * t).round() as u8;
                (
                    format!(
                        "#{:02x}{:02x}{:02x}",
                        ch(255.0, 8.0),
                        ch(255.0, 48.0),
                        ch(255.0, 107.0)
                    ),
                    if v >= 0.1 {
                        format!("{v:.2}")
                    } else if v > 0.0 {
                        format!("{v:.3}")
                    } else {
                        String::new()
                    },
                )
            };
            let _ = writeln!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{cell}" height="{cell}" fill="{fill}" stroke="white"><title>{}: {}</title></rect>"#,
                esc(label),
                if text.is_empty() {
                    "0".to_owned()
                } else {
                    text.clone()
                }
            );
            if !text.is_empty() {
                let colour = if v > 0.5 * max { "white" } else { "black" };
                let _ = writeln!(
                    svg,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="{colour}">{text}</text>"#,
                    x + cell / 2.0,
                    y + cell / 2.0 + 4.0
                );
            }
        }
    }
    let _ = writeln!(
        svg,
        r##"<text x="{left}" y="{:.1}" fill="#555">{}</text>"##,
        height - 14.0,
        esc(&footnote)
    );
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// The settings from counts on (PMI filter, Louvain, node recall and post-processing), shared by
/// `train` and `graph`.
#[derive(Debug, Args)]
pub struct GraphSettings {
    /// PMI convention of the edge filter [default: reference].
    #[arg(long, value_enum)]
    pmi: Option<PmiArg>,
    /// Minimum PMI of a kept edge [default: 0].
    #[arg(long)]
    min_pmi: Option<f64>,

    /// Louvain resolution γ [default: 10].
    #[arg(long)]
    gamma: Option<f64>,
    /// One level as networkit PLM (`plm`), or every level (`multilevel`) [default: plm].
    #[arg(long, value_enum)]
    louvain: Option<LouvainArg>,
    /// Maximum extra passes of a move phase [default: 32].
    #[arg(long)]
    max_iterations: Option<usize>,
    /// Visit nodes in a random order drawn from this seed (default: id order, as the reference).
    #[arg(long)]
    seed: Option<u64>,
    /// How the move phase visits nodes: `serial` (networkit's order on one thread, the
    /// reference's partition) or `batched` (in parallel, about twice as fast on two cores,
    /// a partition of nearly the same modularity) [default: serial].
    #[arg(long, value_enum)]
    moves: Option<MovesArg>,
    /// Resolution of the Louvain levels above the first, in multilevel mode [default: γ].
    #[arg(long)]
    coarse_gamma: Option<f64>,
    /// Maximum number of Louvain levels [default: 32].
    #[arg(long)]
    max_levels: Option<usize>,
    /// Louvain level of the vectors (0 = finest) [default: 0].
    #[arg(long)]
    level: Option<usize>,

    /// Zero node-recall values below this (the reference's thresholded builder uses 0.01).
    #[arg(long)]
    threshold: Option<f64>,
    /// Keep the k largest values of each vector.
    #[arg(long)]
    sparsify: Option<usize>,
    /// Drop dimensions active for fewer words.
    #[arg(long)]
    filter_min_nnz: Option<usize>,
    /// Drop dimensions active for more words.
    #[arg(long)]
    filter_max_nnz: Option<usize>,
}

impl GraphSettings {
    fn apply(&self, cfg: &mut SinrConfig) {
        if let Some(p) = self.pmi {
            cfg.pmi.convention = match p {
                PmiArg::Reference => PmiConvention::Reference,
                PmiArg::Textbook => PmiConvention::Textbook,
                PmiArg::None => PmiConvention::None,
            };
        }
        set(&mut cfg.pmi.min_pmi, self.min_pmi);
        let l = &mut cfg.louvain;
        set(&mut l.resolution, self.gamma);
        if let Some(m) = self.louvain {
            l.mode = match m {
                LouvainArg::Plm => LouvainMode::Plm,
                LouvainArg::Multilevel => LouvainMode::Multilevel,
            };
        }
        set(&mut l.max_iterations, self.max_iterations);
        if self.seed.is_some() {
            l.seed = self.seed;
        }
        if let Some(m) = self.moves {
            l.moves = match m {
                MovesArg::Serial => Moves::Serial,
                MovesArg::Batched => Moves::Batched,
            };
        }
        set(&mut l.max_levels, self.max_levels);
        if self.coarse_gamma.is_some() {
            l.coarse_resolution = self.coarse_gamma;
        }
        set(&mut cfg.level, self.level);
        let p = &mut cfg.postprocess;
        if self.threshold.is_some() {
            p.threshold = self.threshold;
        }
        if self.sparsify.is_some() {
            p.sparsify = self.sparsify;
        }
        if self.filter_min_nnz.is_some() {
            p.filter_min_nnz = self.filter_min_nnz;
        }
        if self.filter_max_nnz.is_some() {
            p.filter_max_nnz = self.filter_max_nnz;
        }
    }
}

/// Tokenizer flags, shared by `train` and `tokenize`.
#[derive(Debug, Args)]
pub struct TokenizerArgs {
    /// Input is already tokenised: one unit per line, whitespace-separated tokens.
    #[arg(long)]
    pretokenized: bool,
    /// Keep case (the default lowercases).
    #[arg(long)]
    no_lowercase: bool,
    /// Web text (tweets, forum posts): drop URLs, e-mail addresses and @handles and split
    /// #hashtags into words before tokenising, so that a link's letters do not become words
    /// and communities. Off by default, as in the reference; `sinr train` cleans the texts it
    /// classifies.
    #[arg(long)]
    web_text: bool,
    /// Minimum token length in characters [default: 4].
    #[arg(long)]
    min_token_len: Option<usize>,
    /// Stop words: `none`, `english`, or a file with one word per line [default: english].
    #[arg(long)]
    stop_words: Option<String>,
    /// Unit that windows never cross [default: sentence].
    #[arg(long, value_enum)]
    unit: Option<UnitArg>,
    /// Units with fewer tokens are dropped [default: 3].
    #[arg(long)]
    min_unit_tokens: Option<usize>,
    /// Words seen fewer times are dropped [default: 20].
    #[arg(long)]
    min_freq: Option<u64>,
    /// Keep at most this many words, the most frequent [default: no limit].
    #[arg(long)]
    max_vocab: Option<usize>,
    /// Lines that are not UTF-8: skip (and count) or fail [default: skip].
    #[arg(long, value_enum)]
    invalid_utf8: Option<Utf8Arg>,
    /// Longest accepted line in bytes [default: 67108864].
    #[arg(long)]
    max_line_bytes: Option<usize>,
    /// Read chunk size in bytes [default: 1048576].
    #[arg(long)]
    chunk_bytes: Option<usize>,
}

/// A starting configuration of `sinr embed train`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// The Python reference's defaults.
    Reference,
    /// What the experiments use ([`SinrConfig::recommended`]).
    Recommended,
}

/// The configuration the flags change: a TOML file's, else the preset's.
pub(crate) fn base_config(config: Option<&Path>, preset: Option<Preset>) -> Result<SinrConfig> {
    Ok(match config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config {}", path.display()))?;
            toml::from_str::<SinrConfig>(&text)
                .with_context(|| format!("invalid config {}", path.display()))?
        }
        None => match preset {
            None | Some(Preset::Reference) => SinrConfig::default(),
            Some(Preset::Recommended) => SinrConfig::recommended(),
        },
    })
}

impl TrainArgs {
    fn config(&self) -> Result<SinrConfig> {
        let mut cfg = base_config(self.config.as_deref(), self.preset)?;
        self.tok.apply(&mut cfg.tokenizer)?;
        set(&mut cfg.cooccurrence.window, self.window);
        self.graph.apply(&mut cfg);
        cfg.validate()?;
        Ok(cfg)
    }
}

impl TokenizerArgs {
    pub(crate) fn apply(&self, t: &mut TokenizerConfig) -> Result<()> {
        if self.pretokenized {
            t.pretokenized = true;
        }
        if self.no_lowercase {
            t.lowercase = false;
        }
        if self.web_text {
            t.web_text = true;
        }
        set(&mut t.min_token_len, self.min_token_len);
        if let Some(s) = &self.stop_words {
            t.stop_words = match s.as_str() {
                "none" => StopWords::None,
                "english" => StopWords::English,
                file => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("cannot read stop-word list {file}"))?;
                    StopWords::List(
                        text.lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    )
                }
            };
        }
        if let Some(u) = self.unit {
            t.unit = match u {
                UnitArg::Line => Unit::Line,
                UnitArg::Sentence => Unit::Sentence,
            };
        }
        set(&mut t.min_unit_tokens, self.min_unit_tokens);
        set(&mut t.min_freq, self.min_freq);
        if self.max_vocab.is_some() {
            t.max_vocab = self.max_vocab;
        }
        if let Some(p) = self.invalid_utf8 {
            t.invalid_utf8 = match p {
                Utf8Arg::Skip => InvalidUtf8::Skip,
                Utf8Arg::Fail => InvalidUtf8::Fail,
            };
        }
        set(&mut t.max_line_bytes, self.max_line_bytes);
        set(&mut t.chunk_bytes, self.chunk_bytes);
        Ok(())
    }
}

pub(crate) fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

fn check_output_dir(out: &Path) -> Result<()> {
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir
        && !dir.is_dir()
    {
        bail!(
            "output directory {} does not exist (for --out {})",
            dir.display(),
            out.display()
        );
    }
    if out.is_dir() {
        bail!("--out {} is a directory; give a file name", out.display());
    }
    Ok(())
}

/// The `sinr embed train` arguments of `sinr embed pretrained`: the full tasks setting of
/// `experiments.toml` (fine γ 50, multilevel with coarse γ 5 and three levels, minimum
/// frequency 5, tokens of two letters or more).
fn pretrained_args(
    corpus: &Path,
    out: &Path,
    keep_stop_words: bool,
    report: Option<&Path>,
) -> Result<TrainArgs> {
    #[derive(clap::Parser)]
    struct Wrap {
        #[command(flatten)]
        args: TrainArgs,
    }
    let mut argv: Vec<std::ffi::OsString> = vec!["train".into(), "--corpus".into(), corpus.into()];
    argv.extend(["--out".into(), out.as_os_str().to_owned()]);
    for (k, v) in [
        ("--preset", "recommended"),
        (
            "--stop-words",
            if keep_stop_words { "none" } else { "english" },
        ),
    ] {
        argv.extend([k.into(), v.into()]);
    }
    if let Some(r) = report {
        argv.extend(["--report".into(), r.as_os_str().to_owned()]);
    }
    Ok(<Wrap as clap::Parser>::try_parse_from(argv)?.args)
}

/// `sinr embed pretrained`: `en-mix` built in the data cache, then SINr trained on it.
fn pretrained(
    out: &Path,
    keep_stop_words: bool,
    report: Option<&Path>,
    data_dir: Option<PathBuf>,
    quiet: bool,
) -> Result<()> {
    check_output_dir(out)?;
    let manifest = sinr_data::Manifest::find_or_builtin()?;
    let cache = sinr_data::Cache::new(data_dir.unwrap_or_else(sinr_data::Cache::default_root));
    let corpus = cache.root().join("en-mix.txt");
    let log = crate::classify::stage_log(quiet);
    if !quiet {
        eprintln!("building en-mix in {}…", corpus.display());
    }
    let mix = sinr_data::readers::build_en_mix(
        &cache,
        &manifest,
        &sinr_data::Clients::default(),
        &sinr_data::readers::EnMixOptions::default(),
        &corpus,
        &log,
    )?;
    if !quiet {
        let (lines, bytes) = mix
            .sources
            .iter()
            .fold((0, 0), |(l, b), s| (l + s.1, b + s.2));
        eprintln!(
            "en-mix: {} sources, {lines} lines, {:.1} MB (sha256 {})",
            mix.sources.len(),
            bytes as f64 / 1e6,
            mix.sha256
        );
    }
    let m = train_cmd(
        &pretrained_args(&corpus, out, keep_stop_words, report)?,
        quiet,
    )?;
    // Its settings and scores beside it: what a user checks before trusting the embeddings.
    let clients = sinr_data::Clients::default();
    let mut scores = Vec::new();
    for (name, dataset, file) in [("MEN", "men", "pairs"), ("WS353", "ws353", "all")] {
        let got = manifest
            .dataset(dataset)
            .and_then(|d| cache.file(d, file, &clients, &log))
            .and_then(|p| sinr_data::readers::read_pairs(&p));
        match got {
            Ok(pairs) => {
                let pairs: Vec<(String, String, f64)> =
                    pairs.into_iter().map(|p| (p.a, p.b, p.score)).collect();
                let (indptr, indices, values) = m.matrix.raw();
                let view = sinr_metrics::CsrView {
                    n_cols: m.matrix.n_cols(),
                    indptr,
                    indices,
                    values,
                };
                let r = sinr_metrics::evaluate_similarity(
                    &pairs,
                    view,
                    |w| m.vocab.id(w).map(|i| i.index()),
                    sinr_metrics::OovPolicy::Skip,
                );
                if !quiet {
                    eprintln!(
                        "  {name}: Spearman {:.3} on {} of {} pairs",
                        r.spearman,
                        r.used,
                        pairs.len()
                    );
                }
                scores.push(serde_json::json!({
                    "benchmark": name,
                    "spearman": r.spearman,
                    "coverage": r.coverage(),
                    "pairs_used": r.used,
                }));
            }
            Err(e) => eprintln!("warning: {name} not scored: {e}"),
        }
    }
    let beside = out.with_extension("json");
    let json = serde_json::json!({
        "model": out,
        "corpus": {"name": "en-mix", "sha256": mix.sha256, "sources": mix.sources},
        "settings": m.config,
        "summary": m.report,
        "similarity": scores,
        "note": "Spearman on the whole benchmarks (pairs with an unknown word left out); SINr's dimensions are read with `sinr embed describe`",
    });
    write_atomically(&beside, |w| {
        w.write_all(
            serde_json::to_string_pretty(&json)
                .map_err(std::io::Error::other)?
                .as_bytes(),
        )
    })?;
    if !quiet {
        eprintln!("settings and scores in {}", beside.display());
    }
    Ok(())
}

pub fn run(cmd: EmbedCommand, quiet: bool) -> Result<()> {
    match cmd {
        EmbedCommand::Train(args) => train_cmd(&args, quiet).map(drop),
        EmbedCommand::Count(cmd) => crate::count::run(cmd, quiet),
        EmbedCommand::Graph(args) => graph_cmd(&args, quiet),
        EmbedCommand::Align {
            a,
            b,
            level_a,
            level_b,
        } => {
            let (ma, mb) = (load(&a)?, load(&b)?);
            let al = sinr_embed::align_communities(&ma, level_a, &mb, level_b)?;
            let ranking = sinr_embed::LabelRanking::default();
            let (la, lb) = (
                ma.community_labels(level_a, 3, ranking)?,
                mb.community_labels(level_b, 3, ranking)?,
            );
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            writeln!(
                out,
                "community_a\tlabel_a\tcommunity_b\tlabel_b\twords_a\twords_b\tshared\tjaccard"
            )?;
            for c in &al.communities {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.3}",
                    c.a,
                    la[c.a as usize].join(", "),
                    c.b,
                    lb[c.b as usize].join(", "),
                    c.a_size,
                    c.b_size,
                    c.shared,
                    c.jaccard
                )?;
            }
            out.flush()?;
            if !quiet {
                eprintln!(
                    "{} words in both models; NMI of the two partitions on them {:.3}",
                    al.common_words,
                    sinr_metrics::normalized_mutual_information(&al.labels.0, &al.labels.1)
                );
            }
            Ok(())
        }
        EmbedCommand::Plot {
            model,
            words,
            compare,
            dims,
            out,
        } => {
            check_output_dir(&out)?;
            let mut models = vec![("A", load(&model)?)];
            if let Some(c) = compare {
                models.push(("B", load(&c)?));
            }
            let svg = stereotype_plot(&models, &words, dims)?;
            write_atomically(&out, |w| w.write_all(svg.as_bytes()))?;
            if !quiet {
                eprintln!("wrote {}", out.display());
            }
            Ok(())
        }
        EmbedCommand::Pretrained {
            out,
            keep_stop_words,
            report,
            data_dir,
        } => pretrained(&out, keep_stop_words, report.as_deref(), data_dir, quiet),
        EmbedCommand::Describe {
            model,
            word,
            dims,
            words,
        } => {
            let m = load(&model)?;
            let views = m.describe(&word, dims, words)?;
            let labels = m.label_words(m.level, words, sinr_embed::LabelRanking::default())?;
            println!(
                "{word}: {} non-zero dimensions of {}",
                m.vector(&word)?.0.len(),
                m.dimensions()
            );
            for v in views {
                let fmt = |xs: &[sinr_embed::Scored]| {
                    xs.iter()
                        .map(|s| format!("{} ({:.2})", s.word, s.score))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                println!(
                    "\ndimension {} “{}” (community {}), value {:.3}",
                    v.dimension,
                    labels[v.dimension].join(", "),
                    v.community,
                    v.value
                );
                println!("  stereotypes: {}", fmt(&v.stereotypes));
                println!("  descriptors: {}", fmt(&v.descriptors));
            }
            Ok(())
        }
        EmbedCommand::Similar { model, word, k } => {
            let m = load(&model)?;
            // The query as the corpus was written ("War" → "war").
            let word = m.vocab.word(m.id(&word)?).to_owned();
            for s in m.similarity_index().most_similar(&word, k)? {
                println!("{:.4}\t{}", s.score, s.word);
            }
            Ok(())
        }
        EmbedCommand::Export { model, format, out } => {
            if matches!(format, ExportFormat::Word2vec) {
                check_output_dir(&out)?;
            }
            let m = load(&model)?;
            match format {
                ExportFormat::Word2vec => m.export_word2vec(&out)?,
                ExportFormat::Sparse => export_sparse(&m, &out)?,
            }
            if !quiet {
                eprintln!(
                    "wrote {} vectors of {} dimensions to {}",
                    m.vocab.len(),
                    m.dimensions(),
                    out.display()
                );
            }
            Ok(())
        }
        EmbedCommand::Vectors {
            corpus,
            out,
            tok,
            window,
            dim,
            context_smoothing,
            eigenvalue_weight,
            seed,
        } => {
            let mut cfg = TokenizerConfig::default();
            tok.apply(&mut cfg)?;
            cfg.validate()?;
            check_output_dir(&out)?;
            let corpus = Corpus::new(corpus);
            corpus.check()?;
            let bars = Bars::new(quiet);
            let start = Instant::now();
            let (vocab, _) = sinr_embed::count_words(&corpus, &cfg, &bars)?;
            let cooc_cfg = sinr_embed::CooccurrenceConfig { window };
            let (cooc, stats) =
                sinr_embed::count_cooccurrences(&corpus, &cfg, &vocab, &cooc_cfg, &bars)?;
            let svd = sinr_embed::PpmiSvdConfig {
                dim,
                context_smoothing,
                eigenvalue_weight,
                seed,
                ..Default::default()
            };
            bars.start("PPMI-SVD", None, sinr_util::ProgressUnit::Items("steps"));
            let vectors = sinr_embed::ppmi_svd(&cooc, &vocab, &svd)?;
            bars.finish(&format!(
                "{} words × {} dimensions",
                vectors.words.len(),
                vectors.dim
            ));
            vectors.write_text(&out)?;
            if !quiet {
                eprintln!(
                    "{} tokens, {} words, {} pairs → {} ({:.1} s)",
                    stats.tokens,
                    vocab.len(),
                    cooc.nnz(),
                    out.display(),
                    start.elapsed().as_secs_f64()
                );
            }
            Ok(())
        }
        EmbedCommand::Tokenize { corpus, out, tok } => {
            let mut cfg = TokenizerConfig::default();
            tok.apply(&mut cfg)?;
            cfg.validate()?;
            check_output_dir(&out)?;
            let corpus = Corpus::new(corpus);
            corpus.check()?;
            let bars = Bars::new(quiet);
            let mut stats = None;
            write_atomically(&out, |w| {
                stats =
                    Some(write_tokenized(&corpus, &cfg, w, &bars).map_err(std::io::Error::other)?);
                Ok(())
            })?;
            if let (Some(st), false) = (stats, quiet) {
                eprintln!(
                    "wrote {} units, {} tokens to {} ({} lines skipped as invalid UTF-8)",
                    st.units,
                    st.tokens,
                    out.display(),
                    st.skipped_lines
                );
            }
            Ok(())
        }
        EmbedCommand::Partition { model, level } => {
            let m = load(&model)?;
            let l = m.dendrogram.level(level)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for (w, c) in m.vocab.words().iter().zip(&l.partition) {
                writeln!(out, "{w}\t{c}")?;
            }
            out.flush()?;
            Ok(())
        }
        EmbedCommand::Evaluate {
            model,
            benchmarks,
            sparsify,
            oov,
            dist_ratio,
        } => {
            let m = load(&model)?;
            let matrix = match sparsify {
                Some(k) => sinr_embed::sparsify(&m.matrix, k),
                None => m.matrix.clone(),
            };
            let (indptr, indices, values) = matrix.raw();
            let view = sinr_metrics::CsrView {
                n_cols: matrix.n_cols(),
                indptr,
                indices,
                values,
            };
            let policy = match oov {
                OovArg::Skip => sinr_metrics::OovPolicy::Skip,
                OovArg::Mean => sinr_metrics::OovPolicy::MeanVector,
            };
            println!("benchmark\tspearman\tcoverage\tpairs_used");
            for b in &benchmarks {
                let pairs: Vec<(String, String, f64)> = sinr_data::readers::read_pairs(b)?
                    .into_iter()
                    .map(|p| (p.a, p.b, p.score))
                    .collect();
                let r = sinr_metrics::evaluate_similarity(
                    &pairs,
                    view,
                    |w| m.vocab.id(w).map(|i| i.index()),
                    policy,
                );
                println!(
                    "{}\t{:.4}\t{:.3}\t{}",
                    b.display(),
                    r.spearman,
                    r.coverage(),
                    r.used
                );
            }
            if dist_ratio {
                let d = sinr_metrics::dist_ratio(view, &sinr_metrics::DistRatioConfig::default());
                println!(
                    "DistRatio\t{:.3}\t({} dimensions skipped)",
                    d.mean, d.skipped
                );
            }
            Ok(())
        }
        EmbedCommand::Info { model } => {
            let m = load(&model)?;
            let info = serde_json::json!({
                "format_version": sinr_embed::FORMAT_VERSION,
                "words": m.vocab.len(),
                "dimensions": m.dimensions(),
                "nnz": m.matrix.nnz(),
                "level": m.level,
                "levels": m.dendrogram.levels.iter().map(|l| serde_json::json!({
                    "communities": l.n_communities,
                    "modularity": l.modularity,
                    "standard_modularity": l.standard_modularity,
                })).collect::<Vec<_>>(),
                "config": m.config,
                "report": m.report,
            });
            println!("{}", serde_json::to_string_pretty(&info)?);
            Ok(())
        }
    }
}

fn load(path: &Path) -> Result<SinrModel> {
    SinrModel::load(path).with_context(|| format!("cannot load model {}", path.display()))
}

/// `sinr embed train`: trains, saves, reports; returns the model.
/// `sinr embed train --memory-limit`: counting in shards through a temporary counts directory
/// beside the output (removed after), reduced under the limit, then SINr from the counts.
fn bounded_train(
    corpus: &Corpus,
    cfg: &SinrConfig,
    limit: usize,
    shards: Option<usize>,
    out: &Path,
    bars: &Bars,
    quiet: bool,
) -> Result<SinrModel> {
    let bytes = corpus.check()?;
    let shards = shards
        .unwrap_or_else(|| (8.0 * bytes as f64 / limit as f64).ceil() as usize)
        .max(1);
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let work = tempfile::Builder::new()
        .prefix(".sinr-counts-")
        .tempdir_in(dir)
        .with_context(|| format!("cannot make a counts directory in {}", dir.display()))?;
    if !quiet {
        eprintln!(
            "counting in {shards} shard(s) under {:.0} MiB, through {}",
            limit as f64 / (1 << 20) as f64,
            work.path().display()
        );
    }
    let engine = sinr_scale::Engine::DataFusion {
        memory_limit: Some(limit),
        spill_dir: Some(work.path().join("spill")),
        partitions: None,
    };
    let (counted, [words_s, pairs_s]) = sinr_scale::count_locally(
        corpus,
        &sinr_scale::CountSettings::new(&cfg.tokenizer, &cfg.cooccurrence),
        shards,
        work.path(),
        &engine,
        bars,
    )?;
    let mut model = sinr_embed::train_from_corpus_counts(
        counted.vocab,
        counted.counts,
        &counted.stats,
        cfg,
        bars,
    )?;
    model.report.times.vocabulary = words_s;
    model.report.times.cooccurrence = pairs_s;
    Ok(model)
}

fn train_cmd(args: &TrainArgs, quiet: bool) -> Result<SinrModel> {
    let cfg = args.config()?;
    check_output_dir(&args.out)?;
    if let Some(r) = &args.report {
        check_output_dir(r)?;
    }
    let bars = Bars::new(quiet);
    let start = Instant::now();
    let (model, cfg) = if let Some(dir) = &args.counts {
        let counted = sinr_scale::load_counts(dir)?;
        if !quiet {
            eprintln!(
                "training SINr on the counts of {} ({} words, {} pairs) with {} thread(s)",
                dir.display(),
                counted.vocab.len(),
                counted.counts.nnz(),
                rayon::current_num_threads()
            );
        }
        let cfg = SinrConfig {
            tokenizer: counted.settings.tokenizer,
            cooccurrence: counted.settings.cooccurrence,
            ..cfg
        };
        let m = sinr_embed::train_from_corpus_counts(
            counted.vocab,
            counted.counts,
            &counted.stats,
            &cfg,
            &bars,
        )?;
        (m, cfg)
    } else {
        let corpus = Corpus::new(args.corpus.iter().cloned());
        corpus.check()?;
        if !quiet {
            eprintln!(
                "training SINr on {} file(s) with {} thread(s)",
                corpus.paths.len(),
                rayon::current_num_threads()
            );
        }
        let model = match args.memory_limit {
            None => train(&corpus, &cfg, &bars)?,
            Some(limit) => {
                bounded_train(&corpus, &cfg, limit, args.shards, &args.out, &bars, quiet)?
            }
        };
        (model, cfg)
    };
    let t = Instant::now();
    model.save(&args.out)?;
    let save_s = t.elapsed().as_secs_f64();
    let total_s = start.elapsed().as_secs_f64();
    let r = &model.report;
    let peak = sinr_util::peak_rss_kib();
    let summary = sinr_schema::EmbeddingRun {
        version: sinr_schema::EMBEDDING_RUN_VERSION,
        corpus: args.corpus.clone(),
        out: args.out.clone(),
        report: r.clone(),
        save_s,
        total_s,
        peak_rss_kib: peak,
        threads: rayon::current_num_threads(),
    };
    if let Some(path) = &args.report {
        sinr_schema::write(path, &summary)?;
    }
    if !quiet {
        let levels: Vec<String> = r
            .communities
            .iter()
            .zip(&r.modularity)
            .map(|(c, q)| format!("{c} (Q_γ {q:.4})"))
            .collect();
        eprintln!("\nsummary");
        eprintln!(
            "  text            {} lines, {} MB",
            r.lines,
            r.bytes / 1_000_000
        );
        if r.skipped_lines > 0 {
            eprintln!(
                "  skipped         {} lines that are not UTF-8",
                r.skipped_lines
            );
        }
        eprintln!("  tokens          {}", r.tokens);
        eprintln!(
            "  vocabulary      {} words (min_freq {})",
            r.vocabulary, cfg.tokenizer.min_freq
        );
        eprintln!(
            "  pairs           {} counted, {} kept by PMI",
            r.pairs, r.edges
        );
        eprintln!("  embedded words  {}", r.nodes);
        eprintln!(
            "  communities     {} (γ = {})",
            levels.join(" → "),
            cfg.louvain.resolution
        );
        eprintln!(
            "  vectors         {} dimensions, {} non-zeros",
            r.dimensions, r.nnz
        );
        eprintln!(
            "  time            {:.2} s (vocabulary {:.2}, co-occurrence {:.2}, PMI {:.2}, graph {:.2}, Louvain {:.2}, node recall {:.2}, save {:.2})",
            total_s,
            r.times.vocabulary,
            r.times.cooccurrence,
            r.times.pmi,
            r.times.graph,
            r.times.louvain,
            r.times.node_recall,
            save_s
        );
        if let Some(p) = peak {
            eprintln!("  peak memory     {:.1} MiB", p as f64 / 1024.0);
        }
        eprintln!("  model           {}", args.out.display());
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretrained_trains_with_the_task_tables_settings() {
        let a =
            pretrained_args(Path::new("en-mix.txt"), Path::new("en.sinr"), false, None).unwrap();
        assert_eq!(a.corpus, [PathBuf::from("en-mix.txt")]);
        let c = a.config().unwrap();
        assert_eq!(
            (c.louvain.resolution, c.louvain.coarse_resolution),
            (50.0, Some(5.0))
        );
        assert_eq!(
            (c.louvain.mode, c.louvain.max_levels),
            (sinr_embed::LouvainMode::Multilevel, 3)
        );
        assert_eq!((c.tokenizer.min_freq, c.tokenizer.min_token_len), (5, 2));
        assert_eq!(c.tokenizer.stop_words, StopWords::English);
        assert!(a.report.is_none());
        // The recommended preset is what the experiments use; the default, the reference's.
        assert_eq!(c, SinrConfig::recommended());
        let plain = pretrained_args(Path::new("c"), Path::new("o"), false, None).unwrap();
        let reference = TrainArgs {
            preset: None,
            ..plain
        };
        assert_eq!(reference.config().unwrap(), SinrConfig::default());
        let k = pretrained_args(
            Path::new("c"),
            Path::new("o"),
            true,
            Some(Path::new("r.json")),
        )
        .unwrap();
        assert_eq!(k.tok.stop_words.as_deref(), Some("none"));
        assert_eq!(k.report, Some(PathBuf::from("r.json")));
    }
}
