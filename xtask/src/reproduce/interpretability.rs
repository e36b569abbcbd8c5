//! Experiment `interpretability`: how complete, faithful, compact, stable and plausible the
//! explanations are, for every interpretable model and, with post-hoc methods, for the dense
//! baseline; and what the mechanisms look like. Uses the runs of the `tasks` experiment (it
//! trains them first if they are missing) and `sinr analyze` on test examples.
//!
//! Definitions: `sinr-metrics::interpretability` (each with its source).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde_json::{Value, json};
use sinr_metrics::interpretability as im;
use sinr_schema::{
    ClassificationAnalysis, ComponentKind, Document, MemoryProfile, Method, TaggingAnalysis,
    log_odds_of,
};

use super::Ctx;
use crate::report::{now, provenance, replace_block, write_atomic};
use crate::svg::{Panel, Series, render};
use crate::util::{exec, root};

/// Whether the cached analysis `out` can be reused: newer than the model of `run` and made by
/// this version of `sinr analyze` (an older version is redone; a file of this version that
/// does not parse is an error, see [`cached_analysis`]).
fn is_fresh<T: Document>(out: &Path, run: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if !matches!((modified(out), modified(&run.join("best.bpk"))), (Some(a), Some(m)) if a >= m) {
        return false;
    }
    sinr_schema::read_version::<T>(out).is_ok_and(|v| v == T::VERSION)
}

/// `sinr analyze RUN --data TASK --n N` into `out`, unless a fresh analysis is cached there;
/// the analysis, read once (a missing or unknown field is an error naming the file).
fn cached_analysis<T: Document>(
    ctx: &Ctx,
    run: &Path,
    task: &str,
    n: usize,
    out: &Path,
    what: &str,
) -> Result<T> {
    if !is_fresh::<T>(out, run) {
        std::fs::create_dir_all(out.parent().expect("parent"))?;
        eprintln!("  analysing {what}…");
        exec(
            Command::new(&ctx.sinr)
                .args(["--quiet", "analyze"])
                .arg(run)
                .args(["--data", task, "--n", &n.to_string(), "--out"])
                .arg(out),
        )?;
    }
    Ok(sinr_schema::read(out)?)
}

fn analyse(
    ctx: &Ctx,
    task: &str,
    model: &str,
    seed: u64,
    n: usize,
) -> Result<Option<ClassificationAnalysis>> {
    let run = ctx
        .work
        .join("runs")
        .join(format!("{task}-{model}-s{seed}"));
    // A finished run (evaluated on test), not one still training.
    if !run.join("test.json").exists() {
        return Ok(None);
    }
    let out = ctx
        .work
        .join("analysis")
        .join(format!("{task}-{model}-s{seed}.json"));
    let what = format!("{task} · {model} · seed {seed}");
    cached_analysis(ctx, &run, task, n, &out, &what).map(Some)
}

fn mean(v: &[f64]) -> f64 {
    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if f.is_empty() {
        f64::NAN
    } else {
        f.iter().sum::<f64>() / f.len() as f64
    }
}

fn f3(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "–".into()
    }
}

/// VADER words with their sign.
fn vader(ctx: &Ctx) -> Result<HashMap<String, f64>> {
    let d = ctx.manifest.dataset("vader")?;
    let p = ctx.cache.file(d, "lexicon", &ctx.clients, &ctx.log())?;
    Ok(sinr_data::readers::read_vader(&p)?
        .into_iter()
        .map(|e| (e.word.to_lowercase(), e.mean))
        .collect())
}

/// Aggregates of one (task, model).
#[derive(Default)]
struct Agg {
    completeness_max: f64,
    comp: BTreeMap<Method, Vec<f64>>,
    suff: BTreeMap<Method, Vec<f64>>,
    tau: BTreeMap<Method, f64>,
    overlap: BTreeMap<Method, f64>,
    tokens90: f64,
    comms90: f64,
    auprc: BTreeMap<Method, f64>,
    token_f1: BTreeMap<Method, f64>,
    shares: BTreeMap<ComponentKind, f64>,
    /// Mean share of the reference's log-odds (the model's offset) beside `shares`.
    offset: f64,
    entropy: BTreeMap<String, f64>,
    /// Per [`HEAD_PATTERNS`] entry: head → mean share.
    patterns: Vec<BTreeMap<String, f64>>,
    top_communities: Vec<Vec<u32>>,
    top_tokens: Vec<Vec<usize>>,
    examples: usize,
}

fn aggregate(
    a: &ClassificationAnalysis,
    lexicon: Option<&HashMap<String, f64>>,
    labels: &[String],
) -> Agg {
    let ex = &a.examples;
    let mut agg = Agg {
        completeness_max: 0.0,
        comp: BTreeMap::new(),
        suff: BTreeMap::new(),
        tau: BTreeMap::new(),
        overlap: BTreeMap::new(),
        tokens90: f64::NAN,
        comms90: f64::NAN,
        auprc: BTreeMap::new(),
        token_f1: BTreeMap::new(),
        shares: BTreeMap::new(),
        offset: f64::NAN,
        entropy: BTreeMap::new(),
        patterns: Vec::new(),
        top_communities: Vec::new(),
        top_tokens: Vec::new(),
        examples: ex.len(),
    };
    let mut comp: BTreeMap<Method, Vec<Vec<f64>>> = BTreeMap::new();
    let mut suff: BTreeMap<Method, Vec<Vec<f64>>> = BTreeMap::new();
    let mut tau: BTreeMap<Method, Vec<f64>> = BTreeMap::new();
    let mut ovl: BTreeMap<Method, Vec<f64>> = BTreeMap::new();
    let mut auprc: BTreeMap<Method, Vec<f64>> = BTreeMap::new();
    let mut tf1: BTreeMap<Method, Vec<f64>> = BTreeMap::new();
    let mut shares: BTreeMap<ComponentKind, Vec<f64>> = BTreeMap::new();
    let mut offsets: Vec<f64> = Vec::new();
    let mut ent: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut patterns: Vec<BTreeMap<String, Vec<f64>>> = vec![BTreeMap::new(); HEAD_PATTERNS.len()];
    let (mut t90, mut c90) = (Vec::new(), Vec::new());
    for e in ex {
        let x = &e.analysis;
        if let Some(err) = x.completeness_error {
            agg.completeness_max = agg.completeness_max.max(err);
        }
        let imp = &x.importances;
        for (k, v) in &x.comprehensiveness {
            comp.entry(*k).or_default().push(v.clone());
        }
        for (k, v) in &x.sufficiency {
            suff.entry(*k).or_default().push(v.clone());
        }
        let reference = imp
            .get(&Method::Exact)
            .or_else(|| imp.get(&Method::GradientTimesInput));
        if let Some(r) = reference {
            for (k, v) in imp {
                if Some(v) != Some(r) && *k != Method::Random {
                    tau.entry(*k).or_default().push(im::kendall_tau(r, v));
                    ovl.entry(*k).or_default().push(im::top_k_overlap(r, v, 3));
                }
            }
            agg.top_tokens
                .push(im::ranking(r).into_iter().take(3).collect());
        }
        if let Some(v) = x.tokens_for_90 {
            t90.push(v as f64);
        }
        if let Some(v) = x.communities_for_90 {
            c90.push(v as f64);
        }
        agg.top_communities.push(x.top_communities.clone());
        for (k, v) in &x.component_shares {
            shares.entry(*k).or_default().push(*v);
        }
        offsets.extend(x.offset_share);
        for (k, v) in &x.head_entropy {
            ent.entry(k.clone()).or_default().push(*v);
        }
        for ((into, (_, from)), chance) in patterns
            .iter_mut()
            .zip(HEAD_PATTERNS)
            .zip(sinr_schema::HEAD_PATTERN_KEYS)
        {
            for (k, v) in from(x) {
                into.entry(k.clone()).or_default().push(*v);
            }
            if let Some(v) = x.head_chance.get(chance) {
                into.entry(CHANCE.to_owned()).or_default().push(*v);
            }
        }
        // Plausibility: words of the VADER lexicon whose sign agrees with the predicted class.
        if let Some(lex) = lexicon {
            let positive = labels.get(x.predicted).is_some_and(|l| l == "positive");
            let relevant: Vec<bool> = x
                .tokens
                .iter()
                .map(|t| {
                    lex.get(t)
                        .is_some_and(|&m| if positive { m > 0.0 } else { m < 0.0 })
                })
                .collect();
            let n_rel = relevant.iter().filter(|&&r| r).count();
            if n_rel > 0 {
                for (k, v) in imp {
                    auprc
                        .entry(*k)
                        .or_default()
                        .push(im::average_precision(&relevant, v));
                    tf1.entry(*k)
                        .or_default()
                        .push(im::token_f1(&relevant, v, n_rel));
                }
            }
        }
    }
    let mean_curve = |rows: &[Vec<f64>]| -> Vec<f64> {
        (0..im::ERASER_FRACTIONS.len())
            .map(|i| {
                mean(
                    &rows
                        .iter()
                        .map(|r| r.get(i).copied().unwrap_or(f64::NAN))
                        .collect::<Vec<_>>(),
                )
            })
            .collect()
    };
    agg.comp = comp.iter().map(|(k, v)| (*k, mean_curve(v))).collect();
    agg.suff = suff.iter().map(|(k, v)| (*k, mean_curve(v))).collect();
    agg.tau = tau.iter().map(|(k, v)| (*k, mean(v))).collect();
    agg.overlap = ovl.iter().map(|(k, v)| (*k, mean(v))).collect();
    agg.tokens90 = mean(&t90);
    agg.comms90 = mean(&c90);
    agg.auprc = auprc.iter().map(|(k, v)| (*k, mean(v))).collect();
    agg.token_f1 = tf1.iter().map(|(k, v)| (*k, mean(v))).collect();
    agg.shares = shares.iter().map(|(k, v)| (*k, mean(v))).collect();
    agg.offset = mean(&offsets);
    agg.entropy = ent.iter().map(|(k, v)| (k.clone(), mean(v))).collect();
    agg.patterns = patterns
        .iter()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), mean(v))).collect())
        .collect();
    agg
}

/// Mean Jaccard overlap of per-example top sets between two seeds' analyses (same examples).
fn stability<T: std::hash::Hash + Eq + Clone>(a: &[Vec<T>], b: &[Vec<T>]) -> f64 {
    mean(
        &a.iter()
            .zip(b)
            .map(|(x, y)| im::jaccard(x, y))
            .collect::<Vec<_>>(),
    )
}

/// DistRatio per dimension of the task embedding at the model's level.
fn dist_ratio_per_dimension(emb: &Path, level: usize) -> Result<Vec<f64>> {
    let m = sinr_embed::SinrModel::load(emb)?;
    let mat = if level == m.level {
        sinr_embed::sparsify(&m.matrix, 100)
    } else {
        m.at_level(level)?
    };
    let (indptr, indices, values) = mat.raw();
    let v = sinr_metrics::CsrView {
        n_cols: mat.n_cols(),
        indptr,
        indices,
        values,
    };
    Ok(sinr_metrics::dist_ratio(v, &sinr_metrics::DistRatioConfig::default()).per_dimension)
}

fn median(v: &[f64]) -> f64 {
    let mut f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if f.is_empty() {
        return f64::NAN;
    }
    f.sort_by(f64::total_cmp);
    f[f.len() / 2]
}

/// Each kept n-gram feature's contribution to class `k`'s log-odds (its term for `k` minus the
/// mean of the others', as the token importances count it: [`log_odds_of`]), summed by feature
/// name over the analysed examples: `name → ([sum per class], examples where it is kept)`. Each
/// example keeps its 30 largest feature terms (`analysis.lexical`, named by `lexical_names`).
fn lexical_sums(analysis: &ClassificationAnalysis) -> (BTreeMap<String, (Vec<f64>, usize)>, usize) {
    let mut by: BTreeMap<String, (Vec<f64>, usize)> = BTreeMap::new();
    let mut examples = 0;
    for x in &analysis.examples {
        if x.analysis.lexical.is_empty() {
            continue;
        }
        examples += 1;
        for ((_, terms), name) in x.analysis.lexical.iter().zip(&x.lexical_names) {
            let v: Vec<f64> = terms.iter().map(|&t| f64::from(t)).collect();
            let c = v.len();
            if c < 2 {
                continue;
            }
            let e = by.entry(name.clone()).or_insert_with(|| (vec![0.0; c], 0));
            for (k, s) in e.0.iter_mut().enumerate() {
                *s += log_odds_of(&v, k);
            }
            e.1 += 1;
        }
    }
    (by, examples)
}

/// The n-gram features that carry the most of a model's decisions toward each class, as a
/// table (empty for a model without n-gram weights).
fn lexical_table(
    task: &str,
    model: &str,
    analysis: &ClassificationAnalysis,
    labels: &[String],
) -> String {
    let (by, examples) = lexical_sums(analysis);
    if by.is_empty() {
        return String::new();
    }
    let classes = by.values().next().map_or(0, |v| v.0.len());
    let mut t = format!(
        "\n**{task}** — the n-gram features that weigh most in the decisions of the {model} model: over the {examples} analysed test examples, each example's 30 largest feature terms, summed by feature as contributions to the class's log-odds (in brackets: the examples in which the feature is among the 30):\n\n| toward | features |\n| --- | --- |\n"
    );
    for k in 0..classes {
        let mut top: Vec<(&String, f64, usize)> = by
            .iter()
            .map(|(name, (s, n))| (name, s[k], *n))
            .filter(|x| x.1 > 0.0)
            .collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let cells: Vec<String> = top
            .iter()
            .take(12)
            .map(|(name, s, n)| format!("`{name}` {s:.2} ({n})"))
            .collect();
        let label = labels.get(k).map_or_else(|| k.to_string(), Clone::clone);
        t.push_str(&format!("| {} | {} |\n", label, cells.join(", ")));
    }
    t
}

/// The most active feed-forward memories of a transformer, as a table.
fn memory_table(task: &str, model: &str, mems: &[MemoryProfile]) -> String {
    let mut t = format!(
        "\n**{task}** — feed-forward memories of the {model} (after Geva et al.): the most active memories of each layer, the tokens typical of each and common (mean activation where the token fires the memory × ln of the number of times it does, as community labels rank words; in brackets the mean and the count), and the communities their values write most beyond what their layer writes on average, each memory weighted by its activation (what every active memory of the layer writes alike; each by its words):\n\n| layer | memory | mean activation | top triggering tokens | writes into communities |\n| ---: | ---: | ---: | --- | --- |\n"
    );
    for m in mems {
        let toks: Vec<String> = m
            .top_tokens
            .iter()
            .take(6)
            .map(|p| match p.count {
                0 => format!("{} ({:.2})", p.token, p.activation),
                n => format!("{} ({:.2} ×{n})", p.token, p.activation),
            })
            .collect();
        let writes: Vec<String> = m
            .writes
            .iter()
            .map(|w| {
                let words: Vec<&str> = w.words.iter().map(String::as_str).take(5).collect();
                format!("{} ({:.2}): {}", w.dimension, w.weight, words.join(", "))
            })
            .collect();
        t.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            m.layer,
            m.memory,
            f3(m.mean_activation),
            toks.join(", "),
            writes.join("; ")
        ));
    }
    t
}

/// NER plausibility: does the tagging of an entity rest on the entity's own tokens? For the
/// SINr transformer (exact contributions and leave-one-out) and the dense baseline
/// (leave-one-out), over the gold entities of `n` test sentences of CoNLL-2003.
fn ner_plausibility(
    ctx: &Ctx,
    n: usize,
    results: &mut Vec<Value>,
    pages: &mut Vec<PathBuf>,
) -> Result<String> {
    let mut rows = String::new();
    for model in ["transformer", "dense"] {
        let run = ctx.work.join("runs").join(format!("conll2003-{model}-s1"));
        if !run.join("test.json").exists() {
            continue;
        }
        let out = ctx
            .work
            .join("analysis")
            .join(format!("conll2003-{model}-s1.json"));
        let what = format!("conll2003 · {model} · entities");
        let a: TaggingAnalysis = cached_analysis(ctx, &run, "conll2003", n, &out, &what)?;
        if model == "transformer" {
            pages.extend(ner_gallery(ctx, &run, &a)?);
        }
        let entities: Vec<&sinr_schema::EntityAttribution> =
            a.sentences.iter().flat_map(|s| &s.entities).collect();
        let chance = mean(&entities.iter().map(|e| e.chance_share).collect::<Vec<_>>());
        let correct = entities.iter().filter(|e| e.correct).count();
        type Field = fn(&sinr_schema::EntityAttribution) -> &BTreeMap<Method, f64>;
        let (own, inside): (Field, Field) = (|e| &e.own_share, |e| &e.top_inside);
        for m in [Method::Exact, Method::LeaveOneOut] {
            // The mean of one of an entity's measures by method `m`, over every entity or over
            // those predicted exactly.
            let get = |field: Field, only_correct: bool| {
                mean(
                    &entities
                        .iter()
                        .filter(|e| !only_correct || e.correct)
                        .filter_map(|e| field(e).get(&m).copied())
                        .collect::<Vec<_>>(),
                )
            };
            if get(own, false).is_nan() {
                continue;
            }
            rows.push_str(&format!(
                "| {model} | {m} | {} | {} | {} | {} | {} | {correct} / {} |\n",
                f3(get(own, false)),
                f3(get(own, true)),
                f3(get(inside, false)),
                f3(get(inside, true)),
                f3(chance),
                entities.len()
            ));
            results.push(json!({"task": "conll2003", "model": model, "method": m.name(), "entities": entities.len(), "correct": correct,
                "own_share": get(own, false), "own_share_correct": get(own, true),
                "top_inside": get(inside, false), "top_inside_correct": get(inside, true), "chance_share": chance}));
        }
    }
    if rows.is_empty() {
        return Ok(String::new());
    }
    Ok(format!(
        "**conll2003** — plausibility for NER: for every position of a gold entity, the share of the absolute token importance (for the predicted tag) on the entity's own tokens, and how often the most important token is one of them; \"chance\" is the share a uniform importance would give (entity length / sentence length). Leave-one-out replaces a word by the padding row (and drops its lexical features, for a tagger that reads them) and keeps its position and surface features.\n\n| model | method | own-token share | (correct entities) | top token inside | (correct entities) | chance | entities predicted exactly |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n{rows}\n"
    ))
}

/// Explanation pages of analysed CoNLL-2003 test sentences: two whose gold entities are all
/// tagged exactly, two with an entity tagged wrong.
fn ner_gallery(ctx: &Ctx, run: &Path, analysis: &TaggingAnalysis) -> Result<Vec<PathBuf>> {
    let dir = root()
        .join("results")
        .join("gallery")
        .join(ctx.setting.name());
    std::fs::create_dir_all(&dir)?;
    let sentences = &analysis.sentences;
    let mut out = Vec::new();
    for want_correct in [true, false] {
        let picks = sentences
            .iter()
            .filter(|s| {
                let all_correct = s.entities.iter().all(|e| e.correct);
                !s.entities.is_empty() && all_correct == want_correct && s.tokens.len() <= 30
            })
            .take(2);
        for (i, s) in picks.enumerate() {
            let path = dir.join(format!(
                "conll2003-transformer-{}-{}.html",
                if want_correct { "correct" } else { "wrong" },
                i + 1
            ));
            // The test sentence within its document, as the analysis read it.
            exec(
                Command::new(&ctx.sinr)
                    .args(["--quiet", "explain"])
                    .arg(run)
                    .args(["--data", "conll2003", "--sentence"])
                    .arg((s.index + 1).to_string())
                    .arg("--html")
                    .arg(&path)
                    .stdout(std::process::Stdio::null()),
            )?;
            out.push(path);
        }
    }
    Ok(out)
}

/// Writes explanation pages of correct and wrong test predictions.
fn gallery(
    ctx: &Ctx,
    task: &str,
    model: &str,
    analysis: &ClassificationAnalysis,
) -> Result<Vec<PathBuf>> {
    let run = ctx.work.join("runs").join(format!("{task}-{model}-s1"));
    let dir = root()
        .join("results")
        .join("gallery")
        .join(ctx.setting.name());
    std::fs::create_dir_all(&dir)?;
    let mut out = Vec::new();
    for want_correct in [true, false] {
        let picks: Vec<&sinr_schema::AnalysedExample> = analysis
            .examples
            .iter()
            .filter(|e| (e.analysis.predicted == e.analysis.gold) == want_correct)
            .filter(|e| e.text.len() < 600)
            .take(2)
            .collect();
        for (i, e) in picks.into_iter().enumerate() {
            let name = format!(
                "{task}-{model}-{}-{}.html",
                if want_correct { "correct" } else { "wrong" },
                i + 1
            );
            let path = dir.join(&name);
            exec(
                Command::new(&ctx.sinr)
                    .args(["--quiet", "explain"])
                    .arg(&run)
                    .arg(&e.text)
                    .arg("--html")
                    .arg(&path)
                    .stdout(std::process::Stdio::null()),
            )?;
            out.push(path);
        }
    }
    // The model's page over the test set (`sinr explain --model-card`), with its ten most
    // confident right and wrong predictions' pages beside it.
    let card = dir.join(format!("{task}-{model}-card.html"));
    exec(
        Command::new(&ctx.sinr)
            .args(["--quiet", "explain"])
            .arg(&run)
            .args(["--model-card", "--data", task, "--n"])
            .arg(if ctx.quick() { "100" } else { "500" })
            .arg("--html")
            .arg(&card)
            .stdout(std::process::Stdio::null()),
    )?;
    out.push(card);
    Ok(out)
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let started = now();
    let plan = &ctx.experiments.interpretability;
    let (n, seeds) = (plan.get(ctx.setting).examples, &plan.get(ctx.setting).seeds);
    let tasks: Vec<&str> = plan.tasks.iter().map(String::as_str).collect();
    let models: Vec<&str> = plan.models.iter().map(String::as_str).collect();
    // The runs come from the `tasks` experiment.
    for t in &ctx.tasks {
        if !tasks.contains(&t.as_str()) && t != "conll2003" {
            anyhow::bail!(
                "unknown task `{t}` for --tasks (known: {}, conll2003)",
                tasks.join(", ")
            );
        }
    }
    let missing = tasks.iter().any(|t| {
        !ctx.work
            .join("runs")
            .join(format!("{t}-attention-s1"))
            .join("best.bpk")
            .exists()
    });
    if missing && !ctx.available {
        eprintln!("  the task runs are missing: running the `tasks` experiment first");
        super::tasks::run_with(ctx, false)?;
    }
    let lex = vader(ctx)?;
    let setting = ctx.setting.name();
    let cmd = format!(
        "cargo xtask reproduce interpretability{}{}",
        if ctx.quick() { " --quick" } else { "" },
        if ctx.tasks.is_empty() {
            String::new()
        } else {
            format!(" --tasks {}", ctx.tasks.join(","))
        }
    );
    let mut md = format!(
        "Measured on {n} test examples per task and model with `sinr analyze` (seed 1{}). Importance methods: the interpretable models' **exact** contributions to the predicted class's log-odds (its logit minus the mean of the others', split exactly); their task-vector **attention**; **gradient × input** (of the same log-odds); **leave-one-out**; a seeded **random** ranking. ERASER comprehensiveness (higher is more faithful) and sufficiency (lower is better) at 1/5/10/20/50 % of the tokens, AOPC = their mean; agreement = Kendall τ and top-3 overlap with the exact contributions (with gradient × input for the dense baseline); compactness = tokens, and terms (communities, fine communities and each n-gram feature, the n-gram block split into its features; the hierarchical model's fine communities of its input and its levels' biases, not its top-level ancestors, which sum them), covering 90 % of the absolute contribution to the predicted class's log-odds; plausibility = AUPRC and token F1 of the importances against the VADER lexicon words whose sign agrees with the predicted class (polarity tasks). Command: `{cmd}`.\n\n",
        if seeds.len() > 1 {
            "; stability over seeds 1–3"
        } else {
            ""
        },
    );
    if ctx.available {
        md.push_str("*(Made with `--available`: only the task runs finished so far; a task or model missing below was not trained yet.)*\n\n");
    }
    if !ctx.tasks.is_empty() {
        md.push_str(&format!(
            "*(Made for the tasks {} only, with `--tasks`.)*\n\n",
            ctx.tasks.join(", ")
        ));
    }
    let mut results = Vec::new();
    let mut curves: Vec<Series> = Vec::new();
    let mut shares_series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut pages = Vec::new();
    for &task in &tasks {
        let finished = |m: &str| {
            ctx.work
                .join("runs")
                .join(format!("{task}-{m}-s1"))
                .join("test.json")
                .exists()
        };
        if !ctx.tasks.is_empty() && !ctx.tasks.iter().any(|t| t == task) {
            continue;
        }
        if ctx.available && !models.iter().any(|m| finished(m)) {
            // Said, so that a block made for a task whose runs are elsewhere does not read as
            // an analysis of it.
            md.push_str(&format!(
                "*({task}: no finished run of it on this machine, left out.)*\n\n"
            ));
            continue;
        }
        md.push_str(&format!("**{task}** — faithfulness and compactness:\n\n| model | method | compl. err. (max) | comp@20% | AOPC comp | suff@20% | AOPC suff | τ | top-3 overlap | tokens 90% | terms 90% |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"));
        let mut plaus = String::new();
        let mut mech = String::new();
        let mut memories = String::new();
        for &model in &models {
            let mut per_seed = Vec::new();
            for &s in seeds {
                if let Some(a) = analyse(ctx, task, model, s, n)? {
                    per_seed.push(a);
                }
            }
            let Some(first) = per_seed.first() else {
                continue;
            };
            // Class names (analyses cached before runs named their classes carry `0` and `1`).
            let labels = sinr_data::tasks::class_names(task, &first.labels);
            let polarity = task != "insults";
            let agg = aggregate(first, polarity.then_some(&lex), &labels);
            for m in Method::ALL {
                let Some(c) = agg.comp.get(&m) else { continue };
                let s = &agg.suff[&m];
                md.push_str(&format!(
                    "| {model} | {m} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    if m == Method::Exact {
                        format!("{:.1e}", agg.completeness_max)
                    } else {
                        "".into()
                    },
                    f3(c[3]),
                    f3(im::aopc(c)),
                    f3(s[3]),
                    f3(im::aopc(s)),
                    agg.tau.get(&m).map_or(String::new(), |v| f3(*v)),
                    agg.overlap.get(&m).map_or(String::new(), |v| f3(*v)),
                    if m == Method::Exact {
                        f3(agg.tokens90)
                    } else {
                        String::new()
                    },
                    if m == Method::Exact {
                        f3(agg.comms90)
                    } else {
                        String::new()
                    },
                ));
                if task == "rt" || task == tasks[0] {
                    curves.push(Series {
                        name: format!("{model} · {m}"),
                        points: im::ERASER_FRACTIONS
                            .iter()
                            .zip(c)
                            .map(|(f, v)| (*f * 100.0, *v))
                            .collect(),
                    });
                }
            }
            if polarity {
                for m in Method::ALL {
                    if let (Some(a), Some(f)) = (agg.auprc.get(&m), agg.token_f1.get(&m)) {
                        plaus.push_str(&format!("| {model} | {m} | {} | {} |\n", f3(*a), f3(*f)));
                    }
                }
            }
            let stab = if per_seed.len() > 1 {
                let others: Vec<Agg> = per_seed[1..]
                    .iter()
                    .map(|a| aggregate(a, None, &labels))
                    .collect();
                let c = mean(
                    &others
                        .iter()
                        .map(|o| stability(&agg.top_communities, &o.top_communities))
                        .collect::<Vec<_>>(),
                );
                let t = mean(
                    &others
                        .iter()
                        .map(|o| stability(&agg.top_tokens, &o.top_tokens))
                        .collect::<Vec<_>>(),
                );
                (c, t)
            } else {
                (f64::NAN, f64::NAN)
            };
            if model != "dense" {
                let sh = |k: ComponentKind| agg.shares.get(&k).copied().unwrap_or(0.0);
                let ent: Vec<String> = agg
                    .entropy
                    .iter()
                    .map(|(k, v)| format!("{k}: {v:.2}"))
                    .collect();
                let mut shares: Vec<String> =
                    ComponentKind::ALL.iter().map(|&k| f3(sh(k))).collect();
                shares.push(f3(agg.offset));
                mech.push_str(&format!(
                    "| {model} | {} | {} | {} | {} |\n",
                    shares.join(" | "),
                    if ent.is_empty() {
                        "–".into()
                    } else {
                        ent.join("; ")
                    },
                    f3(stab.0),
                    f3(stab.1)
                ));
                for k in ComponentKind::ALL {
                    let x = models.iter().position(|m| *m == model).unwrap_or(0) as f64 + 1.0;
                    shares_series
                        .entry(format!("{task} · {}", k.name()))
                        .or_default()
                        .push((x, sh(k)));
                }
                // Dimension quality of the communities the model relies on.
                let level = if model == "transformer" { 1 } else { 0 };
                let emb = super::tasks::embeddings_path(ctx, task)?;
                if let Ok(dr) = dist_ratio_per_dimension(&emb, level) {
                    let used: Vec<f64> = agg
                        .top_communities
                        .iter()
                        .flatten()
                        .filter_map(|&k| dr.get(k as usize).copied())
                        .collect();
                    mech.push_str(&format!(
                        "| {model} (DistRatio median: relied-on {} vs all {}) | | | | | | | | | |\n",
                        f3(median(&used)),
                        f3(median(&dr))
                    ));
                }
            }
            if !agg.entropy.is_empty() {
                memories.push_str(&head_table(task, model, &agg));
            }
            if !first.memories.is_empty() {
                memories.push_str(&memory_table(task, model, &first.memories));
            }
            memories.push_str(&lexical_table(task, model, first, &labels));
            if model == "transformer" || model == "attention" {
                pages.extend(gallery(ctx, task, model, first).unwrap_or_default());
            }
            results.push(json!({
                "task": task, "model": model, "examples": agg.examples, "completeness_max": agg.completeness_max,
                "comprehensiveness": agg.comp, "sufficiency": agg.suff, "kendall_tau": agg.tau, "top3_overlap": agg.overlap,
                "tokens_for_90": agg.tokens90, "communities_for_90": agg.comms90, "auprc": agg.auprc, "token_f1": agg.token_f1,
                "component_shares": agg.shares, "offset_share": agg.offset, "head_entropy": agg.entropy,
                "head_patterns": HEAD_PATTERNS.iter().map(|p| p.0).zip(&agg.patterns).collect::<BTreeMap<_, _>>(),
                "stability_communities": stab.0, "stability_tokens": stab.1,
            }));
        }
        if !plaus.is_empty() {
            md.push_str(&format!("\n**{task}** — plausibility against VADER:\n\n| model | method | AUPRC | token F1 |\n| --- | --- | ---: | ---: |\n{plaus}"));
        }
        md.push_str(&format!("\n**{task}** — mechanisms (shares of the predicted class's log-odds, which sum to 1 on each row: each kind of component by what it gives the text beyond its mean over {} training texts, the reference, so that a term the same on every text is no evidence; and the offset, the reference's own log-odds, where the read-out bias and every constant write end up; the kinds: the embedding's communities, the lexical weights of the words themselves (word and n-gram weights), heads, memories, biases that vary with the text (the hierarchical model's levels); mean attention entropy per head, nats) and stability (Jaccard of the top communities / top-3 tokens across seeds):\n\n| model | embedding | lexical | heads | memories | biases | offset | head entropy | stability (communities) | stability (tokens) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n{mech}\n{memories}", sinr_schema::REFERENCE_TEXTS));
    }
    if ctx.tasks.is_empty() || ctx.tasks.iter().any(|t| t == "conll2003") {
        md.push_str(&ner_plausibility(ctx, n, &mut results, &mut pages)?);
    }
    // With `--tasks`, the analysis of those tasks alone has its own block, file and plots, so
    // that it never overwrites the analysis of every task.
    let scope = if ctx.tasks.is_empty() {
        setting.to_owned()
    } else {
        format!("{setting}-{}", ctx.tasks.join("-"))
    };
    // Plots only of what was measured (an analysis of CoNLL-2003 alone has no curves).
    let plots = !curves.is_empty() || !shares_series.is_empty();
    let img1 = format!("img/interpretability-curves-{scope}.svg");
    let img2 = format!("img/interpretability-mechanisms-{scope}.svg");
    let svg = render(
        &[Panel {
            title: "rt: comprehensiveness by token fraction".into(),
            x_label: "% of tokens removed".into(),
            y_label: "drop of p(predicted)".into(),
            log_x: false,
            series: curves,
        }],
        &format!("Faithfulness ({setting})"),
    );
    if plots {
        write_atomic(&root().join("docs").join(&img1), svg.as_bytes())?;
    }
    let svg = render(
        &[Panel {
            title: "component shares (1 attention, 2 transformer, 3 hierarchical)".into(),
            x_label: "model".into(),
            y_label: "share".into(),
            log_x: false,
            series: shares_series
                .into_iter()
                .map(|(name, points)| Series { name, points })
                .collect(),
        }],
        &format!("Mechanisms ({setting})"),
    );
    if plots {
        write_atomic(&root().join("docs").join(&img2), svg.as_bytes())?;
        md.push_str(&format!(
            "![Comprehensiveness curves]({img1})\n\n![Mechanism shares]({img2})\n\n"
        ));
    }
    md.push_str(&format!(
        "Explanation pages (correct and wrong predictions): {}.\n",
        pages
            .iter()
            .map(|p| format!(
                "[{}](../{})",
                p.file_name().and_then(|f| f.to_str()).unwrap_or(""),
                p.strip_prefix(root()).unwrap_or(p).display()
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    replace_block(
        &root().join("docs/results.md"),
        &format!("interpretability-{scope}"),
        &md,
    )?;
    let out = json!({"experiment": "interpretability", "setting": setting, "provenance": provenance(&cmd, started), "examples_per_model": n, "seeds": seeds, "results": results});
    let path = root().join(format!("results/interpretability/{scope}.json"));
    write_atomic(&path, serde_json::to_string_pretty(&out)?.as_bytes()).context("results")?;
    eprintln!(
        "  wrote {}, docs/results.md, {}{} pages",
        path.display(),
        if plots {
            format!("docs/{img1}, docs/{img2}, ")
        } else {
            String::new()
        },
        pages.len()
    );
    Ok(())
}

/// The row of the heads table that holds what a uniform head would score (the chance level).
const CHANCE: &str = "uniform attention (chance)";

/// An analysis's per-head means of one attention pattern.
type PatternOf = fn(&sinr_schema::ExampleAnalysis) -> &BTreeMap<String, f64>;

/// The attention patterns of the heads table: column name and the analyses' per-head means, in
/// the order of `sinr_schema::HEAD_PATTERN_KEYS` (the keys of their chance levels).
const HEAD_PATTERNS: [(&str, PatternOf); 8] = [
    ("itself", |x| &x.head_self_attention),
    ("previous token", |x| &x.head_previous),
    ("next token", |x| &x.head_next),
    ("first token", |x| &x.head_first),
    ("same word", |x| &x.head_same_word),
    ("stop words", |x| &x.head_stop_words),
    ("punctuation", |x| &x.head_punctuation),
    ("negation scope", |x| &x.head_negation_scope),
];

/// The share of attention a head gives, on average, to what each pattern names, and the
/// pattern it follows (`sinr_schema::head_pattern_name`, read against a uniform
/// head's shares, the [`CHANCE`] row; a pattern whose chance level is unknown, in older
/// analyses, against 0).
fn head_pattern(agg: &Agg, head: &str, entropy: f64) -> (Vec<f64>, String) {
    let get = |m: &BTreeMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(f64::NAN);
    let shares: [f64; 8] = std::array::from_fn(|i| get(&agg.patterns[i], head));
    let chance: [f64; 8] = std::array::from_fn(|i| get(&agg.patterns[i], CHANCE));
    let pattern = sinr_schema::head_pattern_name(&shares, &chance, entropy);
    (shares.to_vec(), pattern)
}

/// What every head of a model attends to (mean over the analysed examples).
fn head_table(task: &str, model: &str, agg: &Agg) -> String {
    let mut rows = String::new();
    for (head, ent) in &agg.entropy {
        let (shares, pattern) = head_pattern(agg, head, *ent);
        let cells: Vec<String> = shares.iter().map(|&v| f3(v)).collect();
        rows.push_str(&format!(
            "| {head} | {ent:.2} | {} | {pattern} |\n",
            cells.join(" | ")
        ));
    }
    if agg.patterns.iter().any(|m| m.contains_key(CHANCE)) {
        let cells: Vec<String> = agg
            .patterns
            .iter()
            .map(|m| m.get(CHANCE).map_or("–".to_owned(), |&v| f3(v)))
            .collect();
        rows.push_str(&format!("| *{CHANCE}* | | {} | |\n", cells.join(" | ")));
    }
    let names: Vec<&str> = HEAD_PATTERNS.iter().map(|p| p.0).collect();
    format!(
        "\n**{task}** — {model}'s heads, after Clark et al. (2019): mean attention entropy (nats) and the mean share of attention to the token itself, to the previous, next and first tokens, to other occurrences of the same word, to stop words and to punctuation at other positions (texts that have some), and from a negator to the {scope} words after it (texts with a negator); the pattern: the largest share if at least 0.3 and 1.5 times its chance level, else sharp (mean entropy under {sharp} nat: few tokens, chosen by content) or broad; the last row is what a head attending uniformly would score on the same texts, the chance level each share is read against:\n\n| head | entropy | {} | pattern |\n| --- | ---: |{} --- |\n{rows}",
        names.join(" | "),
        " ---: |".repeat(names.len()),
        scope = sinr_schema::NEGATION_SCOPE,
        sharp = sinr_schema::SHARP_BELOW,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heads table's naming rule: a pattern is named only at a share of at least 0.3 and
    /// 1.5 times its chance level; otherwise the head is sharp or broad by its entropy; a
    /// negator's scope is named beside, on the same bar.
    #[test]
    fn a_head_is_named_by_a_pattern_only_well_above_chance() {
        // The table's columns are the library's names of the patterns, in its order.
        assert_eq!(HEAD_PATTERNS.map(|p| p.0), sinr_schema::HEAD_PATTERN_NAMES);
        let idx = |name: &str| HEAD_PATTERNS.iter().position(|(n, _)| *n == name).unwrap();
        let agg = |values: &[(&str, f64, f64)]| {
            let mut a = Agg {
                patterns: vec![BTreeMap::new(); HEAD_PATTERNS.len()],
                ..Agg::default()
            };
            for &(name, share, chance) in values {
                a.patterns[idx(name)].insert("h".to_owned(), share);
                a.patterns[idx(name)].insert(CHANCE.to_owned(), chance);
            }
            a
        };
        // The largest share that passes wins; "itself" at 0.4 is under 1.5 × its chance 0.3.
        let a = agg(&[
            ("itself", 0.40, 0.30),
            ("previous token", 0.35, 0.20),
            ("first token", 0.32, 0.05),
        ]);
        assert_eq!(head_pattern(&a, "h", 2.0).1, "previous token (0.35)");
        // Nothing passes: sharp under 1 nat of entropy, broad above.
        let a = agg(&[("itself", 0.29, 0.05), ("stop words", 0.6, 0.5)]);
        assert_eq!(head_pattern(&a, "h", 0.5).1, "sharp, by content");
        assert_eq!(head_pattern(&a, "h", 1.5).1, "broad");
        // A negator's scope does not compete: it is named beside.
        let a = agg(&[("same word", 0.5, 0.1), ("negation scope", 0.47, 0.28)]);
        assert_eq!(
            head_pattern(&a, "h", 2.0).1,
            "same word (0.50); negator → scope (0.47)"
        );
        // A head absent from the analyses (NaN shares) is only sharp or broad.
        assert_eq!(head_pattern(&a, "other head", 2.0).1, "broad");
    }

    /// An analysis whose examples keep the given n-gram feature terms, named.
    fn with_lexical(examples: &[&[(&str, &[f32])]]) -> ClassificationAnalysis {
        let example = |terms: &[(&str, &[f32])]| sinr_schema::AnalysedExample {
            index: 0,
            text: String::new(),
            analysis: sinr_schema::ExampleAnalysis {
                lexical: terms
                    .iter()
                    .enumerate()
                    .map(|(i, (_, v))| (i as u32, v.to_vec()))
                    .collect(),
                ..sinr_schema::ExampleAnalysis::new(0, 0, 1.0, Vec::new())
            },
            lexical_names: terms.iter().map(|(n, _)| (*n).to_owned()).collect(),
        };
        ClassificationAnalysis {
            version: sinr_schema::ANALYSIS_VERSION,
            model: "attention".into(),
            labels: Vec::new(),
            examples: examples.iter().map(|t| example(t)).collect(),
            memories: Vec::new(),
        }
    }

    #[test]
    fn lexical_features_are_summed_by_name_as_log_odds() {
        let a = with_lexical(&[
            &[
                ("word good", &[1.0, -1.0]),
                ("bigram not good", &[0.0, 0.5]),
            ],
            &[("word good", &[0.5, 0.0])],
            &[],
        ]);
        let (by, n) = lexical_sums(&a);
        assert_eq!(n, 2);
        assert_eq!(by["word good"], (vec![2.5, -2.5], 2));
        assert_eq!(by["bigram not good"], (vec![-0.5, 0.5], 1));
        let t = lexical_table("rt", "attention", &a, &["neg".into(), "pos".into()]);
        assert!(t.contains("| neg | `word good` 2.50 (2) |"), "{t}");
        assert!(t.contains("| pos | `bigram not good` 0.50 (1) |"), "{t}");
        // The built-in sets' `0` and `1` are named by the caller.
        let names = sinr_data::tasks::class_names("rt", &["0".into(), "1".into()]);
        let t = lexical_table("rt", "attention", &a, &names);
        assert!(t.contains("| negative | `word good`"), "{t}");
        // Three classes: a class's term minus the mean of the others'.
        let a = with_lexical(&[&[("chars <go", &[3.0, 0.0, 0.0])]]);
        assert_eq!(lexical_sums(&a).0["chars <go"].0, vec![3.0, -1.5, -1.5]);
        // A model without n-gram weights has no table.
        assert_eq!(
            lexical_table("rt", "transformer", &with_lexical(&[&[]]), &[]),
            ""
        );
    }

    #[test]
    fn a_cached_analysis_is_reused_only_if_newer_and_of_this_version() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir_all(&run).unwrap();
        let out = dir.path().join("a.json");
        let fresh = || is_fresh::<ClassificationAnalysis>(&out, &run);
        // No analysis yet.
        std::fs::write(run.join("best.bpk"), b"model").unwrap();
        assert!(!fresh());
        // Made after the model, this version: reused.
        sinr_schema::write(&out, &with_lexical(&[])).unwrap();
        assert!(fresh());
        // Another version (or none): redone.
        std::fs::write(&out, b"{\"version\": 1}").unwrap();
        assert!(!fresh());
        std::fs::write(&out, b"{\"x\": 1}").unwrap();
        assert!(!fresh());
        // The model changed after the analysis: redone.
        sinr_schema::write(&out, &with_lexical(&[])).unwrap();
        let later = std::fs::metadata(&out).unwrap().modified().unwrap()
            + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(run.join("best.bpk"))
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert!(!fresh());
    }
}
