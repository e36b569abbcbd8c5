//! The `tasks` experiment's outputs: the Markdown tables of `docs/results.md`, the plot of
//! score against parameters, and `results/tasks/<setting>.json`, all from the typed results.

use std::collections::BTreeMap;

use anyhow::Result;
use serde_json::json;
use sinr_schema::{Metric, Scores};

use super::super::Ctx;
use super::super::experiments::{Experiments, Setting, StopWords, Training, Variant};
use super::{LinearRow, ModelRow, TaskResult, stats};
use crate::report::{provenance, replace_block, write_atomic};
use crate::svg::{Panel, Series, render};
use crate::util::root;

/// Where and how the outputs are written.
pub struct Outputs<'a> {
    ctx: &'a Ctx,
    started: u64,
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, var.sqrt())
}

fn fmt_ms(v: &[f64], scale: f64) -> String {
    let (m, s) = mean_std(v);
    if v.len() > 1 {
        format!("{:.1} ± {:.1}", m * scale, s * scale)
    } else {
        format!("{:.1}", m * scale)
    }
}

/// One training in words.
fn training_words(t: &Training) -> String {
    training_phrases(t).join(", ")
}

/// A training's settings as phrases ("15 epochs at most (patience 3)", "learning rate 0.01"…).
fn training_phrases(t: &Training) -> Vec<String> {
    let mut out = vec![
        format!("{} epochs at most (patience {})", t.epochs, t.patience),
        format!("learning rate {}", t.learning_rate),
        format!("texts cut at {} tokens", t.max_len),
    ];
    if let Some(o) = &t.optimizer {
        out.push(match t.weight_decay {
            Some(w) => format!("{o} (weight decay {w})"),
            None => o.clone(),
        });
    } else if let Some(w) = t.weight_decay {
        out.push(format!("weight decay {w}"));
    }
    if let Some(sch) = &t.schedule {
        out.push(format!(
            "{sch} schedule{}",
            t.warmup
                .map_or(String::new(), |w| format!(" ({:.0} % warm-up)", w * 100.0))
        ));
    }
    if let Some(tr) = &t.truncation {
        out.push(format!("{} kept", tr.replace('_', " and ")));
    }
    if t.batching.as_deref() == Some("by_length") {
        out.push("batches of similar lengths".into());
    }
    out
}

/// The trainings of several models in one sentence: the phrases they all share said once,
/// then each model's own ("every model: 15 epochs at most…; attention learning rate 0.01; …").
fn trainings_sentence(models: &[(String, Training)], every: bool) -> String {
    let phrases: Vec<(&str, Vec<String>)> = models
        .iter()
        .map(|(m, t)| (m.as_str(), training_phrases(t)))
        .collect();
    let shared: Vec<String> = match phrases.split_first() {
        Some(((_, first), rest)) if !rest.is_empty() => first
            .iter()
            .filter(|p| rest.iter().all(|(_, q)| q.contains(p)))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let mut parts = Vec::new();
    if !shared.is_empty() {
        let who = if every {
            "every model".to_owned()
        } else {
            let names: Vec<&str> = phrases.iter().map(|(m, _)| *m).collect();
            let (last, rest) = names.split_last().expect("at least two models");
            format!("{} and {last}", rest.join(", "))
        };
        parts.push(format!("{who}: {}", shared.join(", ")));
    }
    for (m, p) in &phrases {
        let own: Vec<&str> = p
            .iter()
            .filter(|x| !shared.contains(x))
            .map(String::as_str)
            .collect();
        if !own.is_empty() {
            parts.push(format!("{m} {}", own.join(", ")));
        }
    }
    parts.join("; ")
}

/// The settings in words, for the table's preamble.
fn describe(e: &Experiments, setting: Setting) -> String {
    let one = |t: &Training| {
        format!(
            "{}{}",
            training_words(t),
            t.max_train.map_or(String::new(), |n| format!(
                ", at most {n} training examples"
            ))
        )
    };
    format!(
        " Attention and hierarchical models: {}. Baselines (the dense transformer, the CNN): {}. SINr transformer: the same with learning rate {}.{}",
        one(&e.training(setting, None, "attention")),
        one(&e.training(setting, None, "dense")),
        e.training(setting, None, "transformer").learning_rate,
        if setting == Setting::Quick {
            " Quick setting: small slices, far from the full numbers."
        } else {
            ""
        }
    )
}

/// A metric of every seed of a model (`NaN` where a score does not exist, as ROC-AUC of more
/// than two classes).
fn per_seed(row: &ModelRow, metric: Metric) -> Vec<f64> {
    row.scores
        .iter()
        .map(|e| e.scores.get(metric).unwrap_or(f64::NAN))
        .collect()
}

/// The table of one task.
fn task_table(e: &Experiments, setting: Setting, r: &TaskResult) -> String {
    let task = e.task(&r.task).expect("a task of the plan");
    let tag = task.metric == Metric::SpanF1;
    let mut md = format!(
        "**{}** ({}; SINr levels {}):\n\n",
        r.task,
        if tag {
            "NER, strict span F1 as conlleval"
        } else {
            task.metric.name()
        },
        serde_json::to_string(&r.embeddings.communities).expect("numbers")
    );
    if let Some(p) = &r.earlier_run {
        let field = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
        let commit: String = field("git_commit").chars().take(7).collect();
        md.push_str(&format!(
            "*Kept from an earlier run (commit {commit}{}, finished {}): the last run left this task out (`--tasks`).*\n\n",
            if p.get("git_dirty").and_then(serde_json::Value::as_bool) == Some(true) {
                ", uncommitted changes"
            } else {
                ""
            },
            field("finished_utc"),
        ));
    }
    if task.stop_words == StopWords::None {
        md.push_str(
            "Its embeddings keep the stop words (chosen on dev; see `docs/reproducing.md`).\n\n",
        );
    }
    // A task kept from an earlier run was made with that run's settings, which the current
    // file may no longer hold: its own rows' configurations are said, not the file's.
    let carried = r.earlier_run.is_some();
    let configs: Vec<String> = if carried {
        r.rows
            .iter()
            .filter_map(|row| row.config.as_ref().map(|c| format!("{} `{c}`", row.model)))
            .collect()
    } else {
        task.models
            .iter()
            .filter_map(|m| e.model_config(&task.name, m).map(|c| format!("{m} `{c}`")))
            .collect()
    };
    if carried {
        md.push_str(
            "Its training is that of `experiments.toml` at that run's commit (the current file may differ).\n\n",
        );
    }
    if !configs.is_empty() {
        md.push_str(&format!(
            "Model configurations other than the defaults: {}.\n\n",
            configs.join("; ")
        ));
    }
    let trainings: Vec<(String, Training)> = task
        .models
        .iter()
        .filter(|_| !carried)
        .filter(|m| e.training(setting, Some(&task.name), m) != e.training(setting, None, m))
        .map(|m| (m.clone(), e.training(setting, Some(&task.name), m)))
        .collect();
    if !trainings.is_empty() {
        md.push_str(&format!(
            "Training other than the setting's — {}.\n\n",
            trainings_sentence(&trainings, trainings.len() == task.models.len())
        ));
    }
    if tag {
        md.push_str("| model | span F1 | precision | recall | PER | LOC | ORG | MISC | parameters | s/epoch | peak MiB |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    } else {
        // The positive class (label `1`) by its name: "positive", "insult".
        let positive = sinr_data::tasks::class_names(&task.name, &["0".into(), "1".into()])
            .pop()
            .unwrap_or_else(|| "class 1".into());
        md.push_str(&format!(
            "| model | accuracy | macro-F1 | ROC-AUC | P ({positive}) | R ({positive}) | parameters | s/epoch | peak MiB |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        ));
    }
    for row in &r.rows {
        md.push_str(&model_row(row, task.metric));
    }
    for row in &r.linear {
        md.push_str(&linear_row(row, task.metric));
    }
    md.push_str(&collisions(r));
    md.push_str(&ablation_table(e, r, task.metric));
    md
}

/// How the hashed n-gram features of the models with n-gram weights share their buckets (the
/// first seed's run: the training texts are the same for every seed).
fn collisions(r: &TaskResult) -> String {
    let mut out = String::new();
    for row in r.rows.iter().chain(&r.variants) {
        if let Some(c) = row.resources.first().and_then(|x| x.ngram_collisions) {
            out.push_str(&format!(
                "\nHashed n-gram features of {}: {} distinct in the training texts over {} buckets ({} used); {:.1} % share their bucket with another feature.\n",
                row.model,
                c.features,
                c.buckets,
                c.buckets_used,
                c.rate() * 100.0
            ));
            break;
        }
    }
    out
}

/// The variants of a task's models (the ablation) beside the full model: the headline score
/// with its interval, and a paired test against the full model.
/// What the variants show, each name said once: `name: reason` where every model's variant of
/// that name has the same reason, else `name: reason (models) and reason (models)`.
fn variant_reasons(variants: &[&Variant]) -> String {
    // (name, [(reason, [models])]) in the order of the experiments file.
    type Reasons<'a> = Vec<(&'a str, Vec<&'a str>)>;
    let mut names: Vec<(&str, Reasons<'_>)> = Vec::new();
    for v in variants {
        let i = match names.iter().position(|(n, _)| *n == v.name) {
            Some(i) => i,
            None => {
                names.push((&v.name, Vec::new()));
                names.len() - 1
            }
        };
        let reasons = &mut names[i].1;
        match reasons.iter_mut().find(|(r, _)| *r == v.reason) {
            Some((_, models)) => models.push(&v.model),
            None => reasons.push((&v.reason, vec![&v.model])),
        }
    }
    names
        .into_iter()
        .map(|(name, reasons)| match reasons.as_slice() {
            [(reason, _)] => format!("- *{name}*: {reason}"),
            _ => {
                let parts: Vec<String> = reasons
                    .iter()
                    .map(|(r, models)| format!("{r} ({})", models.join(", ")))
                    .collect();
                format!("- *{name}*: {}", parts.join("; "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ablation_table(e: &Experiments, r: &TaskResult, metric: Metric) -> String {
    if r.variants.is_empty() {
        return String::new();
    }
    let mut t = format!(
        "\nAblations, with the same training and seeds as the full model and a paired approximate randomisation test against it:\n\n{}\n\n| model | {} | against the full model |\n| --- | ---: | --- |\n",
        // The variants this result holds (a task kept from an earlier run may lack newer ones).
        variant_reasons(
            &e.variants_of(&r.task)
                .into_iter()
                .filter(|v| {
                    let name = format!("{} ({})", v.model, v.name);
                    r.variants.iter().any(|row| row.model == name)
                })
                .collect::<Vec<_>>()
        ),
        metric.name()
    );
    // Each model's variants under it, the models in the table's order.
    for full in &r.rows {
        let of_full = |v: &&ModelRow| v.model.split(" (").next() == Some(full.model.as_str());
        if !r.variants.iter().any(|v| of_full(&v)) {
            continue;
        }
        let seeds = seed_scores(full);
        t.push_str(&format!(
            "| {} | {} | – |\n",
            full.model,
            with_interval(fmt_ms(&per_seed(full, metric), 100.0), &seeds, metric)
        ));
        for v in r.variants.iter().filter(of_full) {
            let seeds = seed_scores(v);
            let (d, p) = stats::paired(&seeds, &seed_scores(full), metric);
            t.push_str(&format!(
                "| {} | {} | {} |\n",
                v.model,
                with_interval(fmt_ms(&per_seed(v, metric), 100.0), &seeds, metric),
                stats::verdict_words(d, p)
            ));
        }
    }
    t
}

/// A score with the 95 % bootstrap interval of the mean over seeds: `73.4 [70.4, 76.3]`.
fn with_interval(score: String, seeds: &[&Scores], metric: Metric) -> String {
    let ci = stats::interval(seeds, metric);
    if ci.low.is_finite() {
        format!("{score} [{:.1}, {:.1}]", ci.low * 100.0, ci.high * 100.0)
    } else {
        score
    }
}

/// Every seed's scores of a model.
fn seed_scores(row: &ModelRow) -> Vec<&Scores> {
    row.scores.iter().map(|e| &e.scores).collect()
}

fn model_row(row: &ModelRow, headline: Metric) -> String {
    let tag = headline == Metric::SpanF1;
    let seeds = seed_scores(row);
    // The headline metric's cell carries its confidence interval.
    let cell = |metric: Metric, values: Vec<f64>| {
        let score = fmt_ms(&values, 100.0);
        if metric == headline {
            with_interval(score, &seeds, metric)
        } else {
            score
        }
    };
    let params = row.scores.first().map_or(0, |e| e.parameters);
    let res = |f: &dyn Fn(&sinr_schema::Resources) -> f64| -> Vec<f64> {
        row.resources.iter().map(f).collect()
    };
    let seconds = fmt_ms(&res(&|r| r.seconds_per_epoch), 1.0);
    let mem = fmt_ms(
        &res(&|r| r.peak_rss_kib.map_or(f64::NAN, |k| k as f64)),
        1.0 / 1024.0,
    );
    let model = &row.model;
    if tag {
        let tagging = |f: &dyn Fn(&sinr_schema::TaggingScores) -> f64| -> Vec<f64> {
            row.scores
                .iter()
                .map(|e| e.scores.tag().map_or(f64::NAN, f))
                .collect()
        };
        let per_type =
            |ty: &str| tagging(&|s: &sinr_schema::TaggingScores| s.f1_of(ty).unwrap_or(f64::NAN));
        format!(
            "| {model} | {} | {} | {} | {} | {} | {} | {} | {params} | {seconds} | {mem} |\n",
            cell(Metric::SpanF1, tagging(&|s| s.span_f1)),
            fmt_ms(&tagging(&|s| s.span_precision), 100.0),
            fmt_ms(&tagging(&|s| s.span_recall), 100.0),
            fmt_ms(&per_type("PER"), 100.0),
            fmt_ms(&per_type("LOC"), 100.0),
            fmt_ms(&per_type("ORG"), 100.0),
            fmt_ms(&per_type("MISC"), 100.0),
        )
    } else {
        let class1 = |f: &dyn Fn(&sinr_schema::ClassScores) -> f64| -> Vec<f64> {
            row.scores
                .iter()
                .map(|e| {
                    e.scores
                        .classify()
                        .and_then(|s| s.per_class.get(1))
                        .map_or(f64::NAN, f)
                })
                .collect()
        };
        format!(
            "| {model} | {} | {} | {} | {} | {} | {params} | {seconds} | {mem} |\n",
            cell(Metric::Accuracy, per_seed(row, Metric::Accuracy)),
            cell(Metric::MacroF1, per_seed(row, Metric::MacroF1)),
            cell(Metric::RocAuc, per_seed(row, Metric::RocAuc)),
            fmt_ms(&class1(&|c| c.precision), 100.0),
            fmt_ms(&class1(&|c| c.recall), 100.0),
        )
    }
}

fn linear_row(row: &LinearRow, headline: Metric) -> String {
    let pct = |v: Option<f64>| v.map_or("–".into(), |v| format!("{:.1}", v * 100.0));
    let s = &row.scores;
    let all = Scores::Classify(s.clone());
    let cell = |metric: Metric, v: Option<f64>| {
        if metric == headline {
            with_interval(pct(v), &[&all], metric)
        } else {
            pct(v)
        }
    };
    let c1 = s.per_class.get(1);
    format!(
        "| {} ({}) | {} | {} | {} | {} | {} | {} | – | – |\n",
        row.model,
        row.settings,
        cell(Metric::Accuracy, Some(s.accuracy)),
        cell(Metric::MacroF1, Some(s.macro_f1)),
        cell(Metric::RocAuc, s.roc_auc),
        pct(c1.map(|c| c.precision)),
        pct(c1.map(|c| c.recall)),
        row.parameters
    )
}

/// The targets against the best interpretable model and the dense baseline of every task done.
fn targets_table(e: &Experiments, all: &[TaskResult], setting: Setting) -> String {
    let mut out = String::from(if setting == Setting::Quick {
        "Against the targets (they are set for the full setting; the quick slices are far from them):\n\n"
    } else {
        "Against the targets (full data, test split, mean of the seeds):\n\n"
    });
    out.push_str("| task | metric | target | best interpretable | vs target | dense | interpretable − dense | allowed | met | strongest baseline | best interpretable vs it (paired test) |\n| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |\n");
    for t in all {
        let Some(spec) = e.task(&t.task) else {
            continue;
        };
        let (target, allowed) = (spec.target, spec.allowed_gap);
        // Mean over seeds of the models trained with seeds (not the linear floors).
        let means: Vec<(&str, f64)> = t
            .rows
            .iter()
            .map(|r| {
                let v: Vec<f64> = per_seed(r, spec.metric)
                    .into_iter()
                    .filter(|x| x.is_finite())
                    .collect();
                (r.model.as_str(), mean_std(&v).0 * 100.0)
            })
            .collect();
        let best = means
            .iter()
            .filter(|(m, _)| !e.is_baseline(m))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let dense = means.iter().find(|(m, _)| *m == "dense").map(|x| x.1);
        let Some((model, score)) = best.map(|(m, s)| (*m, *s)) else {
            continue;
        };
        let gap = dense.map(|d| score - d);
        let (baseline, versus) = strongest_baseline(e, t, spec.metric, model);
        let label = if t.unfinished {
            format!("{} (unfinished)", t.task)
        } else {
            t.task.clone()
        };
        out.push_str(&format!(
            "| {label} | {} | {target:.0} | {score:.1} ({model}) | {:+.1} | {} | {} | −{allowed:.0} | {} | {baseline} | {versus} |\n",
            spec.metric.name(),
            score - target,
            dense.map_or("–".into(), |d| format!("{d:.1}")),
            gap.map_or("–".into(), |g| format!("{g:+.1}")),
            match (score >= target, gap.map(|g| g >= -allowed)) {
                (true, Some(true)) => "yes",
                (true, Some(false)) => "target yes, dense gap no",
                (true, None) => "target yes; dense baseline not run yet",
                (false, Some(true)) => "no (target); dense gap yes",
                (false, None) => "no (target); dense baseline not run yet",
                (false, Some(false)) => "no",
            }
        ));
    }
    out.push('\n');
    out
}

/// The mean over seeds of a system's `metric`.
fn seeds_mean(seeds: &[&Scores], metric: Metric) -> f64 {
    let v: Vec<f64> = seeds.iter().filter_map(|s| s.get(metric)).collect();
    mean_std(&v).0
}

/// The strongest non-interpretable system of a task (a neural baseline or one of its variants,
/// or a linear floor, by the mean of its headline score): its name and its seeds' scores.
/// `floors` holds the linear floors' scores (they are stored without the `Scores` wrapper).
fn strongest_of<'a>(
    e: &Experiments,
    t: &'a TaskResult,
    metric: Metric,
    floors: &'a [(String, Scores)],
) -> Option<(String, Vec<&'a Scores>)> {
    let mut candidates: Vec<(String, Vec<&Scores>)> = t
        .rows
        .iter()
        .chain(&t.variants)
        .filter(|r| e.is_baseline(r.model.split(" (").next().unwrap_or(&r.model)))
        .map(|r| (r.model.clone(), seed_scores(r)))
        .collect();
    candidates.extend(floors.iter().map(|(n, s)| (n.clone(), vec![s])));
    candidates
        .into_iter()
        .max_by(|a, b| seeds_mean(&a.1, metric).total_cmp(&seeds_mean(&b.1, metric)))
}

fn floors_of(t: &TaskResult) -> Vec<(String, Scores)> {
    t.linear
        .iter()
        .map(|r| (r.model.clone(), Scores::Classify(r.scores.clone())))
        .collect()
}

/// The strongest non-interpretable system of a task and the paired test of the best
/// interpretable model against it: `(name and score, verdict)`.
fn strongest_baseline(
    e: &Experiments,
    t: &TaskResult,
    metric: Metric,
    best: &str,
) -> (String, String) {
    let floors = floors_of(t);
    let (Some((name, seeds)), Some(best)) = (
        strongest_of(e, t, metric, &floors),
        t.rows.iter().find(|r| r.model == best),
    ) else {
        return ("–".into(), "–".into());
    };
    let (d, p) = stats::paired(&seed_scores(best), &seeds, metric);
    (
        format!("{name} {:.1}", seeds_mean(&seeds, metric) * 100.0),
        stats::verdict_words(d, p),
    )
}

/// The SINr transformer and its variants against the transformer's own target, the best other
/// interpretable model and the strongest baseline of the task (paired tests), for every task
/// that sets `transformer_target`.
fn transformer_table(e: &Experiments, all: &[TaskResult], setting: Setting) -> String {
    let mut rows = String::new();
    for t in all {
        let Some(spec) = e.task(&t.task) else {
            continue;
        };
        let Some(target) = spec.transformer_target else {
            continue;
        };
        let metric = spec.metric;
        let floors = floors_of(t);
        let strongest = strongest_of(e, t, metric, &floors);
        // The best other interpretable model, once per task.
        let other: Option<(&str, Vec<&Scores>)> = t
            .rows
            .iter()
            .filter(|r| r.model != "transformer" && !e.is_baseline(&r.model))
            .map(|r| (r.model.as_str(), seed_scores(r)))
            .max_by(|a, b| seeds_mean(&a.1, metric).total_cmp(&seeds_mean(&b.1, metric)));
        let label = if t.unfinished {
            format!("{} (unfinished)", t.task)
        } else {
            t.task.clone()
        };
        for r in t
            .rows
            .iter()
            .chain(&t.variants)
            .filter(|r| r.model == "transformer" || r.model.starts_with("transformer ("))
        {
            let seeds = seed_scores(r);
            let score = seeds_mean(&seeds, metric) * 100.0;
            let versus = |o: Option<(&str, &[&Scores])>| match o {
                Some((name, theirs)) => {
                    let (d, p) = stats::paired(&seeds, theirs, metric);
                    (
                        format!("{name} {:.1}", seeds_mean(theirs, metric) * 100.0),
                        stats::verdict_words(d, p),
                    )
                }
                None => ("–".into(), "–".into()),
            };
            let (o_name, o_verdict) = versus(other.as_ref().map(|(n, s)| (*n, s.as_slice())));
            let (b_name, b_verdict) =
                versus(strongest.as_ref().map(|(n, s)| (n.as_str(), s.as_slice())));
            rows.push_str(&format!(
                "| {label} | {} | {target} | {} | {} | {:+.1} | {} | {o_name} | {o_verdict} | {b_name} | {b_verdict} |\n",
                metric.name(),
                r.model,
                with_interval(format!("{score:.1}"), &seeds, metric),
                score - target,
                if score >= target { "yes" } else { "no" },
            ));
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "The SINr transformer against its own targets{} (test, mean of the seeds; every row of the transformer, its variants included: a variant chosen from this table would be chosen on test, so the plain transformer is the headline):\n\n| task | metric | target | SINr transformer | score | vs target | met | best other interpretable model | transformer vs it (paired test) | strongest baseline | transformer vs it (paired test) |\n| --- | --- | ---: | --- | ---: | ---: | --- | --- | --- | --- | --- |\n{rows}\n",
        if setting == Setting::Quick {
            " (set for the full setting; the quick slices are far from them)"
        } else {
            ""
        }
    )
}

/// Score against parameters, one series per task and kind of model.
fn plot_points(e: &Experiments, all: &[TaskResult]) -> BTreeMap<String, Vec<(f64, f64)>> {
    let mut plot: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for t in all {
        let Some(spec) = e.task(&t.task) else {
            continue;
        };
        for r in &t.rows {
            let params = r.scores.first().map_or(0, |e| e.parameters);
            let kind = if e.is_baseline(&r.model) {
                "baseline"
            } else {
                "interpretable"
            };
            plot.entry(format!("{} ({kind})", t.task))
                .or_default()
                .push((params.max(1) as f64, mean_std(&per_seed(r, spec.metric)).0));
        }
        for r in &t.linear {
            plot.entry(format!("{} (linear)", t.task))
                .or_default()
                .push((
                    r.parameters as f64,
                    Scores::Classify(r.scores.clone())
                        .get(spec.metric)
                        .unwrap_or(f64::NAN),
                ));
        }
    }
    plot
}

/// Every score's 95 % bootstrap interval, by task, model and metric, for the results file.
fn intervals(e: &Experiments, all: &[TaskResult]) -> serde_json::Value {
    let metrics = [
        Metric::Accuracy,
        Metric::MacroF1,
        Metric::RocAuc,
        Metric::SpanF1,
    ];
    let of = |seeds: &[&Scores]| -> BTreeMap<&'static str, [f64; 2]> {
        metrics
            .iter()
            .filter(|&&m| seeds.first().is_some_and(|s| s.get(m).is_some()))
            .map(|&m| {
                let ci = stats::interval(seeds, m);
                (m.name(), [ci.low, ci.high])
            })
            .collect()
    };
    let tasks: BTreeMap<&str, BTreeMap<&str, _>> = all
        .iter()
        .filter(|t| e.task(&t.task).is_some())
        .map(|t| {
            let mut rows: BTreeMap<&str, _> = t
                .rows
                .iter()
                .map(|r| (r.model.as_str(), of(&seed_scores(r))))
                .collect();
            for r in &t.variants {
                rows.insert(r.model.as_str(), of(&seed_scores(r)));
            }
            for r in &t.linear {
                rows.insert(r.model.as_str(), of(&[&Scores::Classify(r.scores.clone())]));
            }
            (t.task.as_str(), rows)
        })
        .collect();
    json!(tasks)
}

/// The whole Markdown block of the results so far.
fn markdown(e: &Experiments, setting: Setting, all: &[TaskResult]) -> String {
    let s = e.tasks.get(setting);
    let quick = setting == Setting::Quick;
    let mut md = format!(
        "Test-split scores, {} (mean ± std over seeds where several; in brackets, the headline score's 95 % bootstrap interval over the test examples, 1,000 resamples); model selection on dev only; embeddings per task trained on `en-mix`{} plus the task's training texts (multi-resolution Louvain: fine γ = 50, coarse γ = {}). Command: `cargo xtask reproduce tasks{}`.{}\n\n",
        if s.seeds.len() > 1 {
            format!("{} seeds", s.seeds.len())
        } else {
            "one seed".into()
        },
        if quick { " (quick slice)" } else { "" },
        s.coarse_gamma,
        if quick { " --quick" } else { "" },
        describe(e, setting)
    );
    for t in all {
        md.push_str(&task_table(e, setting, t));
        if t.unfinished {
            if !md.ends_with("\n\n") {
                // A table ends at a blank line (else the note reads as one of its rows).
                md.push('\n');
            }
            md.push_str(&format!(
                "*({}: unfinished: the models and variants missing from its table are not trained yet.)*\n\n",
                t.task
            ));
        } else {
            md.push('\n');
        }
    }
    let done = all.iter().filter(|t| !t.unfinished).count();
    if done < e.task_list.len() {
        md.push_str(&format!(
            "*(In progress: {done} of {} tasks done.)*\n\n",
            e.task_list.len()
        ));
    }
    md.push_str(&targets_table(e, all, setting));
    md.push_str(&transformer_table(e, all, setting));
    md
}

impl<'a> Outputs<'a> {
    /// The outputs of a run that started at `started` (Unix seconds).
    pub fn new(ctx: &'a Ctx, started: u64) -> Self {
        Self { ctx, started }
    }

    /// Writes the table, the plot and the results file of the tasks done so far.
    ///
    /// # Errors
    /// A file that cannot be written.
    pub fn write(&self, all: &[TaskResult]) -> Result<()> {
        let ctx = self.ctx;
        let e = &ctx.experiments;
        let setting = ctx.setting.name();
        let mut md = markdown(e, ctx.setting, all);
        let img = format!("img/tasks-{setting}.svg");
        md.push_str(&format!("![Score against parameters]({img})\n"));
        let series: Vec<Series> = plot_points(e, all)
            .into_iter()
            .map(|(name, mut pts)| {
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                Series { name, points: pts }
            })
            .collect();
        let svg = render(
            &[Panel {
                title: "test score against trainable parameters".into(),
                x_label: "parameters (log scale)".into(),
                y_label: "accuracy / ROC-AUC / span F1".into(),
                log_x: true,
                series,
            }],
            &format!("Interpretable vs dense ({setting})"),
        );
        write_atomic(&root().join("docs").join(&img), svg.as_bytes())?;
        replace_block(
            &root().join("docs/results.md"),
            &format!("tasks-{setting}"),
            &md,
        )?;
        let cmd = format!(
            "cargo xtask reproduce tasks{}",
            if ctx.setting == Setting::Quick {
                " --quick"
            } else {
                ""
            }
        );
        let complete = all.iter().filter(|t| !t.unfinished).count() == e.task_list.len();
        let out = json!({
            "experiment": "tasks",
            "setting": setting,
            "provenance": provenance(&cmd, self.started),
            "plan": {
                "settings": e.tasks.get(ctx.setting).groups,
                "seeds": e.tasks.get(ctx.setting).seeds,
                "trainings": e.task_list.iter().map(|t| (t.name.clone(), t.models.iter().map(|m| (m.clone(), e.training(ctx.setting, Some(&t.name), m))).collect::<BTreeMap<_, _>>())).collect::<BTreeMap<_, _>>(),
            },
            "tasks": all,
            "intervals_95": intervals(e, all),
            "complete": complete,
        });
        let path = root().join(format!("results/tasks/{setting}.json"));
        write_atomic(&path, serde_json::to_string_pretty(&out)?.as_bytes())?;
        eprintln!("  wrote {}, docs/results.md, docs/{img}", path.display());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reproduce::experiments::path;
    use sinr_schema::{
        ClassificationScores, DeviceName, Evaluation, RESOURCES_VERSION, Resources, Split,
        TaggingScores,
    };

    fn resources() -> Resources {
        Resources {
            version: RESOURCES_VERSION,
            seconds_per_epoch: 2.0,
            epochs: 1,
            peak_rss_kib: Some(2048),
            parameters: 10,
            device: DeviceName::Cpu,
            threads: 2,
            ngram_collisions: None,
        }
    }

    fn row(model: &str, metric: Metric, per_seed: &[f64]) -> ModelRow {
        let labels = vec!["0".to_owned(), "1".to_owned()];
        let scores = per_seed
            .iter()
            .map(|&v| {
                let s = match metric {
                    Metric::SpanF1 => {
                        let mut t = TaggingScores::compute(&[], &[], &[], 0);
                        t.span_f1 = v;
                        Scores::Tag(t)
                    }
                    _ => {
                        // 100 examples, the first `v · 100` right (class 1 predicted 0.9
                        // where right).
                        let gold: Vec<usize> = (0..100).map(|i| i % 2).collect();
                        let k = (v * 100.0).round() as usize;
                        let probs: Vec<Vec<f64>> = gold
                            .iter()
                            .enumerate()
                            .map(|(i, &g)| {
                                let p1 = if (g == 1) == (i < k) { 0.9 } else { 0.1 };
                                vec![1.0 - p1, p1]
                            })
                            .collect();
                        Scores::Classify(ClassificationScores::compute(&gold, &probs, &labels, 0))
                    }
                };
                Evaluation::new(Split::Test, model, 10, 0.0, s)
            })
            .collect();
        ModelRow {
            model: model.into(),
            config: None,
            seeds: vec![1, 2, 3],
            scores,
            resources: vec![resources(); per_seed.len()],
        }
    }

    fn task(name: &str, rows: Vec<ModelRow>) -> TaskResult {
        TaskResult {
            task: name.into(),
            embeddings: super::super::EmbeddingsInfo {
                communities: vec![10, 3],
                vocabulary: 100,
                tokens: 1000,
            },
            rows,
            variants: Vec::new(),
            linear: Vec::new(),
            unfinished: false,
            earlier_run: None,
        }
    }

    #[test]
    fn a_trainings_sentence_says_shared_settings_once_and_names_a_subset() {
        let base = Training {
            epochs: 15,
            patience: 3,
            learning_rate: 0.01,
            max_len: 512,
            max_train: None,
            optimizer: None,
            weight_decay: None,
            schedule: None,
            warmup: None,
            truncation: None,
            batching: None,
        };
        let other = Training {
            learning_rate: 0.03,
            ..base.clone()
        };
        let two = vec![
            ("attention".to_owned(), base.clone()),
            ("hierarchical".to_owned(), other),
        ];
        assert_eq!(
            trainings_sentence(&two, false),
            "attention and hierarchical: 15 epochs at most (patience 3), texts cut at 512 tokens; attention learning rate 0.01; hierarchical learning rate 0.03"
        );
        assert!(trainings_sentence(&two, true).starts_with("every model: 15 epochs"));
        // One model: its whole training, as before.
        assert_eq!(
            trainings_sentence(&two[..1], true),
            "attention 15 epochs at most (patience 3), learning rate 0.01, texts cut at 512 tokens"
        );
        // Identical trainings: nothing of their own after the shared part.
        let same = vec![("a".to_owned(), base.clone()), ("b".to_owned(), base)];
        assert_eq!(
            trainings_sentence(&same, false),
            "a and b: 15 epochs at most (patience 3), learning rate 0.01, texts cut at 512 tokens"
        );
    }

    /// A task's results read back from the results file render the same, and a task carried
    /// over from an earlier run names that run.
    #[test]
    fn a_variant_name_is_said_once_with_each_of_its_reasons() {
        let v = |model: &str, name: &str, reason: &str| Variant {
            task: "conll2003".into(),
            model: model.into(),
            name: name.into(),
            config: toml::Table::new(),
            warm_start: None,
            reason: reason.into(),
        };
        let vs = [
            v("transformer", "no features", "beside the SINr vectors"),
            v("dense", "no features", "beside free embeddings"),
            v("cnn", "no features", "beside free embeddings"),
            v("dense", "PPMI-SVD init", "dense start"),
            v("cnn", "PPMI-SVD init", "dense start"),
        ];
        let refs: Vec<&Variant> = vs.iter().collect();
        assert_eq!(
            variant_reasons(&refs),
            "- *no features*: beside the SINr vectors (transformer); beside free embeddings (dense, cnn)\n- *PPMI-SVD init*: dense start"
        );
    }

    #[test]
    fn task_results_read_back_and_carried_tasks_name_their_run() {
        let e = Experiments::load(&path()).unwrap();
        let t = task(
            "rt",
            vec![row("attention", Metric::Accuracy, &[0.75, 0.76])],
        );
        let json = serde_json::to_value(&t).unwrap();
        let back: TaskResult = serde_json::from_value(json).unwrap();
        let md = task_table(&e, Setting::Full, &t);
        assert_eq!(task_table(&e, Setting::Full, &back), md);
        assert!(!md.contains("Kept from an earlier run"));
        let mut kept = back;
        kept.earlier_run = Some(serde_json::json!({
            "git_commit": "cd20f84aaaaaaaaa", "git_dirty": true, "finished_utc": "2026-12-04T04:18:07Z"
        }));
        let md = task_table(&e, Setting::Full, &kept);
        assert!(
            md.contains("*Kept from an earlier run (commit cd20f84, uncommitted changes, finished 2026-12-04T04:18:07Z)"),
            "{md}"
        );
        // Its settings are its own rows', not the current file's (which configures RT's
        // attention classifier and trains RT's dense baseline otherwise).
        assert!(e.model_config("rt", "attention").is_some());
        assert!(
            !md.contains("Model configurations other than the defaults"),
            "{md}"
        );
        assert!(!md.contains("Training other than the setting's"), "{md}");
        assert!(md.contains("at that run's commit"), "{md}");
        kept.rows[0].config = Some(serde_json::json!({"kind": "attention", "sparsify": 10}));
        let md = task_table(&e, Setting::Full, &kept);
        assert!(
            md.contains(r#"Model configurations other than the defaults: attention `{"kind":"attention","sparsify":10}`."#),
            "{md}"
        );
    }

    #[test]
    fn targets_table_by_hand() {
        let e = Experiments::load(&path()).unwrap();
        let all = vec![
            // RT: best interpretable 74.0 (attention), 1 below the target; dense 75.0.
            task(
                "rt",
                vec![
                    row("attention", Metric::Accuracy, &[0.73, 0.74, 0.75]),
                    row("transformer", Metric::Accuracy, &[0.60, 0.60, 0.60]),
                    row("dense", Metric::Accuracy, &[0.75, 0.75, 0.75]),
                ],
            ),
            // CoNLL: 81 against a target of 80 and a dense model at 83.5 (within 3).
            task(
                "conll2003",
                vec![
                    row("transformer", Metric::SpanF1, &[0.81, 0.81, 0.81]),
                    row("dense", Metric::SpanF1, &[0.835, 0.835, 0.835]),
                ],
            ),
        ];
        let t = targets_table(&e, &all, Setting::Full);
        let lines: Vec<&str> = t
            .lines()
            .filter(|l| l.starts_with("| rt") || l.starts_with("| conll"))
            .collect();
        assert!(
            lines[0].starts_with(
                "| rt | accuracy | 75 | 74.0 (attention) | -1.0 | 75.0 | -1.0 | −2 | no (target); dense gap yes | dense 75.0 | -1.0, not significantly different (p = "
            ),
            "{}",
            lines[0]
        );
        // Span F1 reports without sentence counts are not compared.
        assert_eq!(
            lines[1],
            "| conll2003 | span F1 | 80 | 81.0 (transformer) | +1.0 | 83.5 | -2.5 | −3 | yes | dense 83.5 | – |"
        );
        // A task whose dense baseline has not run says so, not "no".
        let alone = vec![task(
            "conll2003",
            vec![row("transformer", Metric::SpanF1, &[0.81, 0.81, 0.81])],
        )];
        assert!(
            targets_table(&e, &alone, Setting::Full)
                .contains("target yes; dense baseline not run yet")
        );
    }

    #[test]
    fn the_transformer_table_tests_each_transformer_row_against_its_target_and_rivals() {
        let e = Experiments::load(&path()).unwrap();
        let mut t = task(
            "rt",
            vec![
                row("attention", Metric::Accuracy, &[0.75, 0.75, 0.75]),
                row("hierarchical", Metric::Accuracy, &[0.70, 0.70, 0.70]),
                row("transformer", Metric::Accuracy, &[0.70, 0.71, 0.72]),
                row("dense", Metric::Accuracy, &[0.60, 0.60, 0.60]),
            ],
        );
        t.variants = vec![
            row(
                "transformer (with n-grams)",
                Metric::Accuracy,
                &[0.80, 0.80, 0.80],
            ),
            row("cnn (PPMI-SVD init)", Metric::Accuracy, &[0.65, 0.65, 0.65]),
        ];
        let md = transformer_table(&e, &[t], Setting::Full);
        let lines: Vec<&str> = md.lines().filter(|l| l.starts_with("| rt")).collect();
        assert_eq!(lines.len(), 2, "{md}");
        // RT's transformer target is 78; its best other interpretable model is the attention
        // classifier; the strongest baseline is the CNN variant (65.0), not the dense model.
        assert!(
            lines[0].starts_with("| rt | accuracy | 78 | transformer | 71.0 [")
                && lines[0].contains("| -7.0 | no | attention 75.0 | -4.0, ")
                && lines[0].contains("| cnn (PPMI-SVD init) 65.0 | +6.0, above (p "),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("| rt | accuracy | 78 | transformer (with n-grams) | 80.0 [")
                && lines[1].contains("| +2.0 | yes | attention 75.0 | +5.0, "),
            "{}",
            lines[1]
        );
        // A task without a transformer target, or without results, adds nothing.
        assert_eq!(transformer_table(&e, &[], Setting::Full), "");
    }

    #[test]
    fn the_ablation_table_puts_each_models_variants_under_it() {
        let e = Experiments::load(&path()).unwrap();
        let r = |m: &str| row(m, Metric::SpanF1, &[0.8, 0.81, 0.82]);
        let mut t = task("conll2003", vec![r("transformer"), r("dense"), r("cnn")]);
        // In the order they finish, which is not the table's.
        t.variants = [
            "cnn (PPMI-SVD init)",
            "transformer (without lexical features)",
            "dense (PPMI-SVD init)",
            "dense (without lexical features)",
            "cnn (without lexical features)",
        ]
        .map(r)
        .to_vec();
        let md = ablation_table(&e, &t, Metric::SpanF1);
        let models: Vec<&str> = md
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" | ").next())
            .skip(2)
            .collect();
        assert_eq!(
            models,
            [
                "transformer",
                "transformer (without lexical features)",
                "dense",
                "dense (PPMI-SVD init)",
                "dense (without lexical features)",
                "cnn",
                "cnn (PPMI-SVD init)",
                "cnn (without lexical features)",
            ],
            "{md}"
        );
    }

    #[test]
    fn the_task_table_says_what_deviates_and_why_it_is_listed() {
        let e = Experiments::load(&path()).unwrap();
        let t = task(
            "conll2003",
            vec![row("transformer", Metric::SpanF1, &[0.8])],
        );
        let md = task_table(&e, Setting::Full, &t);
        assert!(md.contains("Its embeddings keep the stop words"), "{md}");
        // The tagger runs on its defaults: no configuration listed.
        assert!(!md.contains(r#"transformer `{"#), "{md}");
        assert!(md.contains("| transformer | 80.0 | "), "{md}");
        // The CoNLL transformer trains as its group does: nothing to say.
        assert!(!md.contains("Training other than"), "{md}");
        let t = task("rt", vec![row("attention", Metric::Accuracy, &[0.75])]);
        let md = task_table(&e, Setting::Full, &t);
        assert!(
            md.contains(r#"attention `{"kind":"attention","mean_pooling":true,"ngrams":{},"sparsify":1000}`"#),
            "{md}"
        );
        // RT's dense baselines train at the rates chosen on its dev split.
        assert!(
            md.contains("Training other than the setting's — dense and cnn: 15 epochs at most (patience 3), texts cut at 512 tokens, adamw (weight decay 0.01), linear schedule (10 % warm-up), head and tail kept; dense learning rate 0.004; cnn learning rate 0.002."),
            "{md}"
        );
        // Insults' attention classifier trains at its own rate, in both settings; its dense
        // baselines at the rates chosen on its dev split; every model of the full setting in
        // batches of similar lengths.
        let t = task("insults", vec![row("attention", Metric::RocAuc, &[0.9])]);
        let md = task_table(&e, Setting::Full, &t);
        assert!(
            md.contains("Training other than the setting's — every model: 15 epochs at most (patience 3), texts cut at 512 tokens, batches of similar lengths; attention learning rate 0.01; hierarchical learning rate 0.03;"),
            "{md}"
        );
        // What they share is said once.
        assert_eq!(md.matches("batches of similar lengths").count(), 1, "{md}");
        assert!(
            md.contains("; dense learning rate 0.004, adamw (weight decay 0.01),"),
            "{md}"
        );
        assert!(md.contains("; cnn learning rate 0.002,"), "{md}");
    }
}
