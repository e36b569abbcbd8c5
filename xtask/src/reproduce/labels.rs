//! Experiment `labels`: can a person read a community by its label? SINr is trained with the
//! tasks' settings on four fifths of `en-mix` (every line but the 1st, 6th, 11th… — those are
//! held out: lines 0, 10, 20… are the `valid` reference, lines 5, 15, 25… the `test` one, each
//! with half of the IMDB reviews, which these embeddings never read), and
//! at every level of its dendrogram the labels of each ranking of `sinr_embed::LabelRanking`
//! are measured by
//!
//! - **NPMI coherence** (Röder et al. 2015, C_NPMI: boolean sliding windows of 10 tokens,
//!   within a unit) of every community's 10 label words on the references, tokenised by the
//!   model's own tokenizer: the ranking is chosen on `valid`, the table reports `test`;
//! - the **corpus count** of the label words (how common they are);
//! - **DistRatio** over the label words (word intrusion with the label as the top words).
//!
//! Most fine communities are small groups of rare words (dictionary entries, names) that a
//! reader seldom meets, so the medians are **weighted by the community's corpus mass** (the
//! summed counts of its members: the community of a random token), the unweighted median beside.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};
use sinr_embed::{LabelRanking, SinrModel};
use sinr_metrics::{
    DistRatioConfig, Interval, WindowIndex, bootstrap_interval, dist_ratio_of_labels,
};

use super::Ctx;
use super::embeddings::view;
use super::experiments::StopWords;
use crate::report::{now, provenance, replace_block, write_atomic};
use crate::util::root;

/// Words per label scored for coherence (Röder et al.'s top 10).
const LABEL_WORDS: usize = 10;
/// Tokens per sliding window.
const WINDOW: usize = 10;
/// The floor on the median corpus count of label words (issue: "common words").
const MIN_MEDIAN_COUNT: f64 = 50.0;

/// Bootstrap resamples of the paired comparison.
const RESAMPLES: usize = 1000;

/// Lines `i` with `i % HOLD_OUT_PERIOD` = 0 (valid) or = half of it (test) are held out.
const HOLD_OUT_PERIOD: usize = 10;

/// IMDB reviews added to each reference in the quick setting (all of them in the full one).
const QUICK_REVIEWS: usize = 2000;

/// One ranking at one level.
#[derive(Debug, Clone)]
struct Cell {
    level: usize,
    communities: usize,
    ranking: LabelRanking,
    /// Mass-weighted median NPMI over the communities with a scored pair, on `valid` and
    /// `test`, and the unweighted median on `test`.
    npmi_valid: f64,
    npmi_test: f64,
    npmi_test_unweighted: f64,
    /// Mass-weighted median NPMI on the larger references of [`cells_of`] (`valid` + `test`,
    /// then the training lines), in that order.
    npmi_larger: Vec<f64>,
    /// Communities with a scored pair (test).
    scored: usize,
    /// `npmi_test` minus node recall's, on the communities both score, with its 95 %
    /// bootstrap interval over communities (`None` for node recall itself).
    vs_node_recall: Option<(f64, Interval)>,
    /// Mass-weighted median corpus count of the label words.
    median_count: f64,
    /// Median DistRatio over the labels (5 words).
    dist_ratio: f64,
    /// Three example labels (the largest communities).
    examples: Vec<String>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The weighted median: the smallest value at which the cumulative weight reaches half.
fn weighted_median(mut v: Vec<(f64, f64)>) -> f64 {
    v.retain(|x| x.0.is_finite() && x.1 > 0.0);
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = v.iter().map(|x| x.1).sum::<f64>() / 2.0;
    let mut acc = 0.0;
    for (x, w) in &v {
        acc += w;
        if acc >= half {
            return *x;
        }
    }
    v[v.len() - 1].0
}

/// en-mix split into the training four fifths (written to `out` unless `made_from` already
/// holds their fingerprint) and the held-out lines (`valid`, `test`), with the fingerprint.
fn split_en_mix(
    ctx: &Ctx,
    out: &Path,
    made_from: &Path,
) -> Result<(String, Vec<String>, Vec<String>, String)> {
    let enmix = super::tasks::en_mix_tasks(ctx)?;
    let text = std::fs::read_to_string(&enmix).with_context(|| enmix.display().to_string())?;
    let (mut train, mut valid, mut test) = (String::new(), Vec::new(), Vec::new());
    for (i, l) in text.lines().enumerate() {
        match i % HOLD_OUT_PERIOD {
            0 => valid.push(l.to_owned()),
            r if r == HOLD_OUT_PERIOD / 2 => test.push(l.to_owned()),
            _ => {
                train.push_str(l);
                train.push('\n');
            }
        }
    }
    // The fingerprint of the training lines; the file is written (and SINr trained again) only
    // when it changes.
    let fp = format!("{:016x}", sinr_util::fnv1a(train.as_bytes()));
    if std::fs::read_to_string(made_from).ok().as_deref() != Some(fp.as_str()) || !out.exists() {
        write_atomic(out, train.as_bytes())?;
    }
    Ok((train, valid, test, fp))
}

/// The IMDB reviews (all 24,904 of the movie-review package's IMDB part, never read by these
/// embeddings; quick: the first 2 × `QUICK_REVIEWS`), alternately to the `valid` and the `test`
/// reference: the held-out fifth of `en-mix` alone (~0.75 M tokens each) leaves most pairs of
/// mid-frequency words without a shared window.
fn imdb_reviews(ctx: &Ctx) -> Result<(Vec<String>, Vec<String>)> {
    let t = sinr_data::tasks::load_classification(
        "imdb",
        &ctx.cache,
        &ctx.manifest,
        &ctx.clients,
        &ctx.log(),
    )?;
    let cap = if ctx.quick() {
        2 * QUICK_REVIEWS
    } else {
        usize::MAX
    };
    let (mut valid, mut test) = (Vec::new(), Vec::new());
    for (i, x) in t
        .train
        .iter()
        .chain(&t.dev)
        .chain(&t.test)
        .take(cap)
        .enumerate()
    {
        if i % 2 == 0 { &mut valid } else { &mut test }.push(x.text.replace('\n', " "));
    }
    Ok((valid, test))
}

/// A reference corpus as the model sees it: every unit of every line, in vocabulary ids.
type Units = Vec<Vec<Option<u32>>>;

fn units<'a>(model: &SinrModel, lines: impl IntoIterator<Item = &'a str>) -> Result<Units> {
    let mut docs = Units::new();
    for l in lines {
        for unit in sinr_embed::tokenize_text(l, &model.config.tokenizer)? {
            docs.push(
                unit.iter()
                    .map(|w| model.vocab.id(w).map(|i| i.0))
                    .collect(),
            );
        }
    }
    Ok(docs)
}

/// The sliding windows of one or more tokenised references, in order.
fn index(model: &SinrModel, parts: &[&Units]) -> WindowIndex {
    WindowIndex::new(
        model.vocab.len(),
        WINDOW,
        parts.iter().flat_map(|u| u.iter().map(Vec::as_slice)),
    )
}

/// The difference of the mass-weighted median coherence of two labellings over the
/// communities both score, with a 95 % percentile bootstrap interval (1,000 resamples of the
/// communities, seed 0).
fn paired_difference(a: &[Option<f64>], b: &[Option<f64>], mass: &[f64]) -> (f64, Interval) {
    let pairs: Vec<(f64, f64, f64)> = a
        .iter()
        .zip(b)
        .zip(mass)
        .filter_map(|((x, y), &w)| Some(((*x)?, (*y)?, w)))
        .collect();
    let diff = |idx: &[usize]| {
        let side = |f: fn(&(f64, f64, f64)) -> f64| {
            weighted_median(idx.iter().map(|&i| (f(&pairs[i]), pairs[i].2)).collect())
        };
        side(|p| p.0) - side(|p| p.1)
    };
    let all: Vec<usize> = (0..pairs.len()).collect();
    (
        diff(&all),
        bootstrap_interval(pairs.len(), diff, RESAMPLES, 0.95, 0),
    )
}

fn cells_of(
    model: &SinrModel,
    valid: &WindowIndex,
    test: &WindowIndex,
    larger: &[&WindowIndex],
) -> Result<Vec<Cell>> {
    let counts = model.vocab.counts();
    let mut out = Vec::new();
    for level in model.level..model.dendrogram.levels.len() {
        let m = if level == model.level {
            Cow::Borrowed(&model.matrix)
        } else {
            Cow::Owned(model.at_level(level)?)
        };
        let lvl = &model.dendrogram.levels[level];
        // Every community's corpus mass (its members' counts).
        let mut mass_of = vec![0.0f64; lvl.n_communities];
        for (w, &c) in lvl.partition.iter().enumerate() {
            mass_of[c as usize] += counts[w] as f64;
        }
        let mass: Vec<f64> = (0..m.n_cols())
            .map(|d| {
                mass_of[if level == model.level {
                    model.columns[d] as usize
                } else {
                    d
                }]
            })
            .collect();
        let mut dims: Vec<usize> = (0..m.n_cols()).collect();
        dims.sort_by(|&a, &b| mass[b].total_cmp(&mass[a]).then(a.cmp(&b)));
        // Node recall's per-community coherence on test (the first ranking measured), for the
        // paired comparison of the others.
        let mut base: Vec<Option<f64>> = Vec::new();
        for ranking in LabelRanking::MEASURED {
            let ids: Vec<Vec<u32>> = model
                .labels_with(level, &m, LABEL_WORDS, ranking)?
                .iter()
                .map(|l| l.iter().map(|w| w.0).collect())
                .collect();
            let per_test: Vec<Option<f64>> = ids.iter().map(|l| test.coherence(l)).collect();
            let weighted = |per: &[Option<f64>]| -> Vec<(f64, f64)> {
                per.iter()
                    .zip(&mass)
                    .filter_map(|(c, &w)| c.map(|c| (c, w)))
                    .collect()
            };
            let per_valid: Vec<Option<f64>> = ids.iter().map(|l| valid.coherence(l)).collect();
            let test_scores = weighted(&per_test);
            let vs_node_recall = if ranking == LabelRanking::NodeRecall {
                base = per_test.clone();
                None
            } else {
                Some(paired_difference(&per_test, &base, &mass))
            };
            let word_counts: Vec<(f64, f64)> = ids
                .iter()
                .zip(&mass)
                .flat_map(|(l, &w)| l.iter().map(move |&x| (counts[x as usize] as f64, w)))
                .collect();
            let dr = dist_ratio_of_labels(view(&m), &ids, &DistRatioConfig::default());
            out.push(Cell {
                level,
                communities: m.n_cols(),
                ranking,
                npmi_valid: weighted_median(weighted(&per_valid)),
                vs_node_recall,
                npmi_test: weighted_median(test_scores.clone()),
                npmi_test_unweighted: median(test_scores.iter().map(|x| x.0).collect()),
                npmi_larger: larger
                    .iter()
                    .map(|r| {
                        let per: Vec<Option<f64>> = ids.iter().map(|l| r.coherence(l)).collect();
                        weighted_median(weighted(&per))
                    })
                    .collect(),
                scored: test_scores.len(),
                median_count: weighted_median(word_counts),
                dist_ratio: dr.median,
                examples: dims
                    .iter()
                    .take(3)
                    .map(|&d| {
                        ids[d]
                            .iter()
                            .take(5)
                            .map(|&w| model.vocab.word(sinr_embed::WordId(w)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}

/// The reference-size paragraph and table of the labels block.
fn reference_size_table(cells: &[Cell], windows: [u64; 3]) -> String {
    let mut md = format!(
        "\n**How much the reference's size decides these numbers**: the same labels (mass-weighted median NPMI) scored on `valid` alone ({} windows), on `valid` and `test` together ({}), and on the lines the embeddings were trained on ({} windows: in-sample, so an upper bound and not a held-out measure). A pair of label words that never shares a window scores between about −0.2 (rare words) and −0.7 (common ones), so a small reference pulls every median down. The embeddings read all of `en-mix` but the held-out fifth, and the references already hold every IMDB review; the only other English text this project fetches is the other tasks' (Rotten Tomatoes, insults, CoNLL-2003: under a million tokens together, about a tenth of what the references hold), so no much larger held-out reference is at hand.\n\n| level | ranking | valid | valid + test | training lines (in-sample) |\n| ---: | --- | ---: | ---: | ---: |\n",
        windows[0], windows[1], windows[2]
    );
    for c in cells {
        let larger = |i: usize| c.npmi_larger.get(i).copied().unwrap_or(f64::NAN);
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.level,
            c.ranking.name(),
            f3(c.npmi_valid),
            f3(larger(0)),
            f3(larger(1))
        ));
    }
    md
}

/// Every ranking measured, with its mean (over levels) median NPMI on `valid` and the rules of
/// [`choose`] it fails.
fn verdicts(cells: &[Cell]) -> Vec<(LabelRanking, f64, Vec<&'static str>)> {
    let Some(fine) = cells.iter().map(|c| c.level).min() else {
        return Vec::new();
    };
    let base: BTreeMap<usize, f64> = cells
        .iter()
        .filter(|c| c.ranking == LabelRanking::NodeRecall)
        .map(|c| (c.level, c.dist_ratio))
        .collect();
    let mut out: Vec<(LabelRanking, f64, Vec<&'static str>)> = Vec::new();
    for r in LabelRanking::MEASURED {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.ranking == r).collect();
        if mine.is_empty() {
            continue;
        }
        let mean = mine.iter().map(|c| c.npmi_valid).sum::<f64>() / mine.len() as f64;
        let mut failed = Vec::new();
        if !mine
            .iter()
            .all(|c| base.get(&c.level).is_none_or(|&b| c.dist_ratio >= b))
        {
            failed.push("distinctive");
        }
        if !mine
            .iter()
            .all(|c| c.level == fine || c.median_count >= MIN_MEDIAN_COUNT)
        {
            failed.push("common");
        }
        out.push((r, mean, failed));
    }
    out
}

/// The ranking chosen on `valid`, by three rules in order:
/// 1. **distinctive**: the labels' median DistRatio is at least that of the node-recall labels
///    at every level (a label must not read like every other community's);
/// 2. **common**: the weighted median count of the label words is at least
///    [`MIN_MEDIAN_COUNT`] at every level coarser than the model's (at the model's own level a
///    community has about ten members, so its label is most of it whatever the ranking);
/// 3. **coherent**: the highest mean (over levels) of the median NPMI on `valid`.
fn choose(cells: &[Cell]) -> Option<LabelRanking> {
    verdicts(cells)
        .into_iter()
        .filter(|v| v.2.is_empty())
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|v| v.0)
}

/// The ranking with the highest mean median NPMI on `valid`, whatever its words, and the rules
/// it fails.
fn most_coherent(cells: &[Cell]) -> Option<(LabelRanking, Vec<&'static str>)> {
    verdicts(cells)
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|v| (v.0, v.2))
}

fn f3(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "–".into()
    }
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let started = now();
    let setting = ctx.setting.name();
    let corpus = ctx.work.join("labels-train.txt");
    let out = ctx.work.join("labels-mf-g50.sinr");
    let report = out.with_extension("sinr.json");
    let made_from = out.with_extension("sinr.texts");
    let (train_text, mut valid_lines, mut test_lines, fp) = split_en_mix(ctx, &corpus, &made_from)?;
    let held_out = (valid_lines.len(), test_lines.len());
    let (valid_reviews, test_reviews) = imdb_reviews(ctx)?;
    let reviews = (valid_reviews.len(), test_reviews.len());
    valid_lines.extend(valid_reviews);
    test_lines.extend(test_reviews);
    if !out.exists() || std::fs::read_to_string(&made_from).ok().as_deref() != Some(fp.as_str()) {
        eprintln!("  training SINr on four fifths of en-mix…");
        super::tasks::train_task_embeddings(ctx, &[&corpus], StopWords::English, &out, &report)?;
        write_atomic(&made_from, fp.as_bytes())?;
    }
    let model = SinrModel::load(&out).with_context(|| out.display().to_string())?;
    eprintln!(
        "  indexing the references ({} + {} valid, {} + {} test lines and reviews)…",
        held_out.0, reviews.0, held_out.1, reviews.1
    );
    let (valid_units, test_units) = (
        units(&model, valid_lines.iter().map(String::as_str))?,
        units(&model, test_lines.iter().map(String::as_str))?,
    );
    let (valid, test) = (
        index(&model, &[&valid_units]),
        index(&model, &[&test_units]),
    );
    // How much the size of the reference decides the numbers: the same labels also scored on
    // both references together, and on the embeddings' own training lines (in-sample: an upper
    // bound, not a held-out measure).
    let both = index(&model, &[&valid_units, &test_units]);
    let train = index(&model, &[&units(&model, train_text.lines())?]);
    drop((train_text, valid_units, test_units));
    eprintln!("  labelling and scoring every level…");
    let cells = cells_of(&model, &valid, &test, &[&both, &train])?;
    let chosen = choose(&cells);
    let default = LabelRanking::default();
    let windows = [valid.windows(), both.windows(), train.windows()];
    let levels: Vec<usize> = model
        .dendrogram
        .levels
        .iter()
        .map(|l| l.n_communities)
        .collect();
    let mut md = format!(
        "**Community labels** ({setting}). SINr with the tasks' settings (English stop words, multilevel Louvain: {} communities from fine to coarse) trained on four fifths of `en-mix` ({:.1} M tokens); the other fifth held out: lines 1, 11, 21… as the `valid` reference ({} lines), lines 6, 16, 26… as the `test` reference ({} lines), each with half of the IMDB reviews, which these embeddings never read ({} / {} reviews, alternately: the held-out lines alone, ~0.75 M tokens each, leave most pairs of mid-frequency words without a shared window). At every level, the {LABEL_WORDS} label words of each community under eight rankings of its members: by node recall (the reference's descriptors: the labels before), `representative` (node recall × ln(corpus count)), by corpus count alone, by node recall among the words seen at least 50 times, and `coherent-N` (the 20 most representative members, ordered greedily: each next word the one with the highest mean co-occurrence NPMI with the words before it plus N hundredths of its node recall on the community, that NPMI estimated from the model's own fine-level node recalls, so no text is read; N = 0, 25, 50, 100). **NPMI coherence** (Röder et al. 2015: mean NPMI of the label's pairs over boolean sliding windows of {WINDOW} tokens within a sentence, ε = 1e-12; pairs with a word absent from the reference left out; tokenised by the model's tokenizer). Medians are **weighted by each community's corpus mass** (the community of a random token: the ones a reader meets; most fine communities are a few rare words), the unweighted median beside; “scored”: communities with at least one pair of label words in the reference; “− node recall”: the weighted median minus that of the node-recall labels, on the communities both score, with its 95 % bootstrap interval ({RESAMPLES} resamples of the communities). **Choice**, by three rules in order: *distinctive* (median DistRatio of the labels at least that of the node-recall labels at every level), *common* (weighted median count of the label words at least {MIN_MEDIAN_COUNT:.0} at every level above the finest, where a community has about ten members and its label is most of it whatever the ranking), then *coherent* (the highest mean median NPMI on `valid`): **{}**{}.{} DistRatio: median word intrusion with the label's first 5 words as the top words.\n\n| level | communities | ranking | NPMI (test) | − node recall [95 % CI] | unweighted | scored | NPMI (valid) | median count | DistRatio | the three largest communities |\n| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
        levels
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" / "),
        model.report.tokens as f64 / 1e6,
        held_out.0,
        held_out.1,
        reviews.0,
        reviews.1,
        chosen.map_or("none".into(), |r| r.name()),
        if chosen == Some(default) {
            " (the library's default, `LabelRanking::default()`)".to_owned()
        } else {
            format!(", which is not the library's default `{}`", default.name())
        },
        match most_coherent(&cells) {
            Some((r, failed)) if Some(r) != chosen => format!(
                " NPMI alone would choose `{}`, which is not {}.",
                r.name(),
                failed.join(" nor ")
            ),
            _ => String::new(),
        }
    );
    for c in &cells {
        let bold = |s: String| {
            if Some(c.ranking) == chosen {
                format!("**{s}**")
            } else {
                s
            }
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {} | {} |\n",
            c.level,
            c.communities,
            bold(c.ranking.name()),
            bold(f3(c.npmi_test)),
            c.vs_node_recall.map_or("–".into(), |(d, ci)| format!(
                "{d:+.3} [{:+.3}, {:+.3}]",
                ci.low, ci.high
            )),
            f3(c.npmi_test_unweighted),
            c.scored,
            f3(c.npmi_valid),
            c.median_count,
            f3(c.dist_ratio),
            c.examples
                .iter()
                .map(|e| format!("_{e}_"))
                .collect::<Vec<_>>()
                .join(" · ")
        ));
    }
    md.push_str(&reference_size_table(&cells, windows));
    let cmd = format!(
        "cargo xtask reproduce labels{}",
        if ctx.quick() { " --quick" } else { "" }
    );
    md.push_str(&format!("\nCommand: `{cmd}`.\n"));
    replace_block(
        &root().join("docs/results.md"),
        &format!("labels-{setting}"),
        &md,
    )?;
    let json = json!({
        "experiment": "labels",
        "setting": setting,
        "provenance": provenance(&cmd, started),
        "reference": format!("en-mix lines i with i % {HOLD_OUT_PERIOD} == 0 (valid) or == {} (test), held out of the embeddings' corpus, and the IMDB reviews i with i even (valid) or odd (test)", HOLD_OUT_PERIOD / 2),
        "reference_units": {"valid": {"en_mix_lines": held_out.0, "imdb_reviews": reviews.0}, "test": {"en_mix_lines": held_out.1, "imdb_reviews": reviews.1}},
        "window": WINDOW,
        "label_words": LABEL_WORDS,
        "chosen": chosen.map(|r| r.name()),
        "default": default.name(),
        "embeddings": {"communities": levels, "tokens": model.report.tokens, "vocabulary": model.report.vocabulary, "reference_windows": {"valid": valid.windows(), "test": test.windows()}},
        "reference_size": {"windows": {"valid": windows[0], "valid_and_test": windows[1], "training_lines": windows[2]}, "rows": cells.iter().map(|c| json!({"level": c.level, "ranking": c.ranking.name(), "npmi_valid": c.npmi_valid, "npmi_valid_and_test": c.npmi_larger.first(), "npmi_training_lines": c.npmi_larger.get(1)})).collect::<Vec<Value>>()},
        "cells": cells.iter().map(|c| json!({"level": c.level, "communities": c.communities, "ranking": c.ranking.name(), "npmi_test": c.npmi_test, "npmi_test_minus_node_recall": c.vs_node_recall.map(|(d, ci)| json!({"difference": d, "ci95": [ci.low, ci.high]})), "npmi_test_unweighted": c.npmi_test_unweighted, "npmi_valid": c.npmi_valid, "scored": c.scored, "median_count": c.median_count, "dist_ratio_median": c.dist_ratio, "examples": c.examples})).collect::<Vec<Value>>(),
    });
    let file = root().join(format!("results/labels/{setting}.json"));
    write_atomic(&file, serde_json::to_string_pretty(&json)?.as_bytes())?;
    eprintln!(
        "  wrote {}, docs/results.md; chosen on valid: {}",
        file.display(),
        chosen.map_or("none".into(), |r| r.name())
    );
    if chosen != Some(default) {
        eprintln!(
            "  warning: the ranking chosen on valid ({}) is not the library's default ({})",
            chosen.map_or("none".into(), |r| r.name()),
            default.name()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(ranking: LabelRanking, level: usize, npmi: f64, count: f64, dr: f64) -> Cell {
        Cell {
            level,
            communities: 1,
            ranking,
            npmi_valid: npmi,
            npmi_test: f64::NAN,
            npmi_test_unweighted: f64::NAN,
            vs_node_recall: None,
            scored: 0,
            median_count: count,
            dist_ratio: dr,
            examples: Vec::new(),
            npmi_larger: Vec::new(),
        }
    }

    #[test]
    fn the_reference_size_table_lists_each_cells_scores_from_the_smallest_reference_up() {
        let mut a = cell(LabelRanking::NodeRecall, 0, -0.1, 1.0, 1.0);
        a.npmi_larger = vec![-0.07, 0.04];
        let mut b = cell(LabelRanking::Representative, 1, -0.05, 1.0, 1.0);
        b.npmi_larger = vec![0.01, 0.08];
        // A cell scored on no larger reference shows dashes, not numbers.
        let c = cell(LabelRanking::Count, 2, 0.5, 1.0, 1.0);
        let md = reference_size_table(&[a, b, c], [10, 20, 30]);
        assert!(
            md.contains("| 0 | node-recall | -0.100 | -0.070 | 0.040 |\n| 1 | representative | -0.050 | 0.010 | 0.080 |\n| 2 | count | 0.500 | – | – |\n"),
            "{md}"
        );
        assert!(md.contains("(10 windows)") && md.contains("(20)") && md.contains("(30 windows"));
    }

    #[test]
    fn the_choice_is_the_most_coherent_of_the_distinctive_common_rankings() {
        use LabelRanking::*;
        let cells = [
            cell(NodeRecall, 0, 0.30, 8.0, 1.4),
            cell(NodeRecall, 1, 0.30, 8.0, 3.7),
            // Common and distinctive.
            cell(Representative, 0, 0.10, 10.0, 1.5),
            cell(Representative, 1, 0.20, 60.0, 4.7),
            // More coherent, but generic: less distinctive than node recall.
            cell(Count, 0, 0.40, 40.0, 1.3),
            cell(Count, 1, 0.40, 900.0, 2.1),
        ];
        assert_eq!(choose(&cells), Some(Representative));
        assert_eq!(most_coherent(&cells), Some((Count, vec!["distinctive"])));
        // Node recall's labels are rare words: not chosen even when most coherent.
        assert_eq!(choose(&cells[..2]), None);
        assert_eq!(median(vec![3.0, f64::NAN, 1.0, 2.0, 10.0]), 2.5);
        // Weighted: 1 (weight 1), 2 (weight 5), 3 (weight 1): half of 7 is reached at 2.
        assert_eq!(
            weighted_median(vec![(3.0, 1.0), (1.0, 1.0), (2.0, 5.0)]),
            2.0
        );
        assert_eq!(weighted_median(vec![(3.0, 10.0), (1.0, 1.0)]), 3.0);
    }
}
