//! `experiments.toml`: the experiments as data, parsed into types (strict: an unknown key is an
//! error naming it), and the plan they give — for every task, model and setting, the training
//! and the model configuration, with the reasons of every deviation.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sinr_schema::{Metric, TaskKind};

use crate::util::root;

/// The quick or the full setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    /// Small slices, minutes on two cores.
    Quick,
    /// The paper-size runs.
    Full,
}

impl Setting {
    /// `quick` or `full`.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Quick => "quick",
            Setting::Full => "full",
        }
    }
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiments {
    /// Experiment `embeddings`, by setting.
    pub embeddings: BySetting<EmbeddingSettings>,
    /// Experiment `tasks`, by setting.
    pub tasks: BySetting<TaskSettings>,
    /// The training group of every model kind.
    pub models: BTreeMap<String, Group>,
    /// The tasks, in the order they run.
    #[serde(rename = "task")]
    pub task_list: Vec<TaskSpec>,
    /// Deviations from a group's training or a model's defaults.
    #[serde(rename = "override", default)]
    pub overrides: Vec<Override>,
    /// Variants of a task's model trained beside it (an ablation).
    #[serde(rename = "variant", default)]
    pub variants: Vec<Variant>,
    /// Experiment `interpretability`.
    pub interpretability: Interpretability,
    /// What `sinr train` trains when it is given no `--model`, by task kind. Read by the test
    /// that checks the binary's defaults against it (the binary carries its own copy).
    #[cfg_attr(not(test), allow(dead_code))]
    pub recommended: Recommended,
}

/// The best measured model of each task kind: `sinr train`'s default (the binary carries the
/// same values, `sinr_models::recommended_model`; a test checks that they agree).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(test), allow(dead_code))]
pub struct Recommended {
    /// For texts.
    pub classify: RecommendedModel,
    /// For tags.
    pub tag: RecommendedModel,
}

/// One recommended model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(test), allow(dead_code))]
pub struct RecommendedModel {
    /// Its configuration (the fields other than the kind's defaults).
    pub config: toml::Table,
    /// Why it is the one: the measurements it rests on.
    pub reason: String,
}

/// One value for each setting.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BySetting<T> {
    /// The quick setting.
    pub quick: T,
    /// The full setting.
    pub full: T,
}

impl<T> BySetting<T> {
    /// The value of `setting`.
    pub fn get(&self, setting: Setting) -> &T {
        match setting {
            Setting::Quick => &self.quick,
            Setting::Full => &self.full,
        }
    }
}

/// Settings of the `embeddings` experiment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddingSettings {
    /// Louvain resolutions swept.
    pub gammas: Vec<f64>,
    /// Minimum word frequencies swept.
    pub min_freqs: Vec<u64>,
    /// Shortest token.
    pub min_token_len: usize,
    /// Co-occurrence window.
    pub window: usize,
    /// Bytes read from each source of `en-mix` (absent: all).
    pub max_bytes_per_source: Option<u64>,
}

/// Settings of the `tasks` experiment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSettings {
    /// Seeds of every trained model.
    pub seeds: Vec<u64>,
    /// Training examples of the linear floors (absent: all).
    pub linear_floors_max_train: Option<usize>,
    /// Bytes read from each source of `en-mix` for the task embeddings (absent: all).
    pub enmix_bytes_per_source: Option<u64>,
    /// Minimum word frequency of the task embeddings.
    pub min_freq: u64,
    /// Resolution of the coarse Louvain levels (the transformer's stream, the hierarchy).
    pub coarse_gamma: f64,
    /// The training of each group.
    pub groups: BTreeMap<Group, Training>,
}

/// How a kind of model trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// Models that pool SINr vectors linearly (cheap steps).
    Linear,
    /// The SINr transformer.
    Deep,
    /// The non-interpretable baselines (the dense transformer, Kim's CNN), trained as the
    /// field trains them from scratch.
    Dense,
}

/// How one model is trained (`sinr train`'s options; those left out keep sinr's defaults).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    /// Maximum epochs.
    pub epochs: usize,
    /// Early-stopping patience.
    pub patience: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// Longest input in tokens.
    pub max_len: usize,
    /// Training examples (absent: all).
    pub max_train: Option<usize>,
    /// `adam` or `adamw` (`sinr train --optimizer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<String>,
    /// AdamW's weight decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    /// `constant` or `linear` (warm-up then decay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Share of the steps spent warming up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<f64>,
    /// `head` or `head_tail`: which part of a longer text is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<String>,
    /// `shuffled` or `by_length`: how an epoch's examples are grouped into batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batching: Option<String>,
}

impl Training {
    /// The options of `sinr train` beyond epochs, patience, rate and length: every one given,
    /// those the file leaves out at the value they had before `sinr train`'s defaults came to
    /// depend on the model (Adam, no weight decay, a constant rate, the text's head), so that a
    /// run is made with what its stamp says whatever the binary's defaults.
    pub fn flags(&self) -> Vec<String> {
        let value = |v: &Option<String>, default: &str| v.clone().unwrap_or(default.into());
        let number = |v: Option<f64>| v.unwrap_or(0.0).to_string();
        vec![
            "--optimizer".into(),
            value(&self.optimizer, "adam"),
            "--weight-decay".into(),
            number(self.weight_decay),
            "--schedule".into(),
            value(&self.schedule, "constant"),
            "--warmup".into(),
            number(self.warmup),
            "--truncation".into(),
            value(&self.truncation, "head"),
            "--batching".into(),
            value(&self.batching, "shuffled"),
            // The runs of the tables read their texts raw (made before `sinr train` cleaned
            // web text by default; RT has no link, IMDB 97 reviews with one, insults 3 % of
            // its comments).
            "--raw-web-text".into(),
        ]
    }

    /// The library's configuration of this training (the fields `sinr train` takes from it;
    /// the others at [`sinr_models::TrainConfig::default`]'s values).
    #[cfg(test)]
    pub fn to_train_config(&self) -> sinr_models::TrainConfig {
        let flags = self.flags();
        let get = |name: &str| {
            let i = flags.iter().position(|f| f == name).expect("flag given");
            flags[i + 1].clone()
        };
        let number = |name: &str| get(name).parse::<f64>().expect("a number");
        let json = serde_json::json!({
            "epochs": self.epochs,
            "patience": self.patience,
            "learning_rate": self.learning_rate,
            "max_len": self.max_len,
            "optimizer": get("--optimizer"),
            "weight_decay": number("--weight-decay"),
            "schedule": get("--schedule"),
            "warmup": number("--warmup"),
            "truncation": get("--truncation"),
            "batching": get("--batching"),
            "web_text": !flags.iter().any(|f| f == "--raw-web-text"),
        });
        serde_json::from_value(json).expect("a training configuration")
    }
}

/// Changes to a [`Training`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingChange {
    /// Maximum epochs.
    pub epochs: Option<usize>,
    /// Early-stopping patience.
    pub patience: Option<usize>,
    /// Learning rate.
    pub learning_rate: Option<f64>,
    /// Longest input in tokens.
    pub max_len: Option<usize>,
    /// `shuffled` or `by_length`.
    pub batching: Option<String>,
}

impl TrainingChange {
    fn apply(&self, t: &mut Training) {
        if let Some(v) = self.epochs {
            t.epochs = v;
        }
        if let Some(v) = self.patience {
            t.patience = v;
        }
        if let Some(v) = self.learning_rate {
            t.learning_rate = v;
        }
        if let Some(v) = self.max_len {
            t.max_len = v;
        }
        if let Some(v) = &self.batching {
            t.batching = Some(v.clone());
        }
    }
}

/// A training's `batching` is one that `sinr train --batching` takes.
fn check_batching(batching: Option<&str>, place: &str) -> Result<()> {
    match batching {
        None | Some("shuffled" | "by_length") => Ok(()),
        Some(b) => bail!("{place}: `batching` is `shuffled` or `by_length`, not `{b}`"),
    }
}

/// Stop words of a task's embeddings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StopWords {
    /// The English list, as the reference.
    English,
    /// None: every word kept.
    None,
}

impl StopWords {
    /// The value of `sinr embed train --stop-words`.
    pub fn flag(self) -> &'static str {
        match self {
            StopWords::English => "english",
            StopWords::None => "none",
        }
    }
}

/// A task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// The built-in data set (`sinr train --data`).
    pub name: String,
    /// The headline metric.
    pub metric: Metric,
    /// The models trained, in the order of the table.
    pub models: Vec<String>,
    /// Stop words of its embeddings.
    pub stop_words: StopWords,
    /// Why its stop words are not the reference's, if they are not.
    pub stop_words_reason: Option<String>,
    /// Weigh classes by inverse frequency.
    #[serde(default)]
    pub class_weights: bool,
    /// The target of the headline metric (×100), full setting.
    pub target: f64,
    /// How far the best interpretable model may trail the dense baseline.
    pub allowed_gap: f64,
    /// The SINr transformer's own target (×100, full setting), higher than `target` since it is
    /// meant to be the project's best model.
    #[serde(default)]
    pub transformer_target: Option<f64>,
}

impl TaskSpec {
    /// Classification or tagging, by the headline metric.
    pub fn kind(&self) -> TaskKind {
        if self.metric == Metric::SpanF1 {
            TaskKind::Tag
        } else {
            TaskKind::Classify
        }
    }
}

/// A deviation from a group's training or a model's defaults, with its reason.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The task it applies to (absent: every task).
    pub task: Option<String>,
    /// The model kind it applies to (absent: every model).
    pub model: Option<String>,
    /// The setting it applies to (absent: both).
    pub setting: Option<Setting>,
    /// Changes to the training.
    #[serde(default)]
    pub training: TrainingChange,
    /// The model's configuration (a `kind` and the fields that differ from its defaults).
    pub config: Option<toml::Table>,
    /// Why (one line: what it changed on dev).
    pub reason: String,
}

impl Override {
    fn applies(&self, setting: Setting, task: Option<&str>, model: &str) -> bool {
        self.setting.is_none_or(|s| s == setting)
            && self.model.as_deref().is_none_or(|m| m == model)
            && match (&self.task, task) {
                (None, _) => true,
                (Some(t), Some(u)) => t == u,
                (Some(_), None) => false,
            }
    }
}

/// A variant of a task's model: the same training, another configuration (an ablation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The task.
    pub task: String,
    /// The model kind it varies.
    pub model: String,
    /// Its name in the tables (`SINr only`).
    pub name: String,
    /// Its whole configuration (a `kind`, the fields that differ from the defaults).
    pub config: toml::Table,
    /// The name of an earlier variant of the same task (an attention classifier) whose run of
    /// each seed starts this one (`sinr train --warm-start`: the SINr transformer's fine path).
    #[serde(default)]
    pub warm_start: Option<String>,
    /// What it shows.
    pub reason: String,
}

impl Variant {
    /// Its name in file names: lowercase letters and digits, `-` between.
    pub fn slug(&self) -> String {
        let mut out = String::new();
        for c in self.name.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_matches('-').to_owned()
    }

    /// The configuration as JSON for `sinr train --model FILE`.
    pub fn config_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.config).expect("a TOML table is JSON")
    }
}

/// Settings of the `interpretability` experiment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interpretability {
    /// The quick setting.
    pub quick: AnalysisSettings,
    /// The full setting.
    pub full: AnalysisSettings,
    /// The classification tasks analysed (and CoNLL-2003's NER plausibility).
    pub tasks: Vec<String>,
    /// The models analysed, in the order of the tables.
    pub models: Vec<String>,
}

/// How many examples, which seeds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSettings {
    /// Test examples analysed per model.
    pub examples: usize,
    /// Seeds (stability is measured across them).
    pub seeds: Vec<u64>,
}

impl Interpretability {
    /// The settings of `setting`.
    pub fn get(&self, setting: Setting) -> &AnalysisSettings {
        match setting {
            Setting::Quick => &self.quick,
            Setting::Full => &self.full,
        }
    }
}

/// The path of the file.
pub fn path() -> std::path::PathBuf {
    root().join("experiments.toml")
}

impl Experiments {
    /// Whether `model` is a non-interpretable baseline (it trains in the `dense` group).
    pub fn is_baseline(&self, model: &str) -> bool {
        self.models.get(model) == Some(&Group::Dense)
    }

    /// Reads and checks the file at `path`.
    ///
    /// # Errors
    /// A file that cannot be read, does not parse (an unknown key, a missing one, a wrong type:
    /// named with its line), or names a model or task that is not there.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("{}", path.display()))
    }

    /// Parses and checks the text of the file.
    ///
    /// # Errors
    /// See [`Experiments::load`].
    pub fn parse(text: &str) -> Result<Self> {
        let e: Experiments = toml::from_str(text)?;
        e.check()?;
        Ok(e)
    }

    fn check(&self) -> Result<()> {
        for s in [&self.tasks.quick, &self.tasks.full] {
            for g in self.models.values() {
                if !s.groups.contains_key(g) {
                    bail!("a model trains in group `{g:?}`, which a setting does not define");
                }
            }
            if s.seeds.is_empty() {
                bail!("`seeds` is empty");
            }
            for (g, t) in &s.groups {
                check_batching(t.batching.as_deref(), &format!("group `{g:?}`"))?;
            }
        }
        for t in &self.task_list {
            for m in &t.models {
                if !self.models.contains_key(m) {
                    bail!("task `{}`: model `{m}` is not in [models]", t.name);
                }
            }
            if t.stop_words == StopWords::None && t.stop_words_reason.is_none() {
                bail!(
                    "task `{}`: keeps its stop words without a `stop_words_reason`",
                    t.name
                );
            }
        }
        for o in &self.overrides {
            if let Some(t) = &o.task
                && !self.task_list.iter().any(|x| &x.name == t)
            {
                bail!("override: task `{t}` is not a [[task]]");
            }
            if let Some(m) = &o.model
                && !self.models.contains_key(m)
            {
                bail!("override: model `{m}` is not in [models]");
            }
            if let Some(c) = &o.config {
                let kind = c.get("kind").and_then(|k| k.as_str());
                if kind != o.model.as_deref() || kind.is_none() {
                    bail!(
                        "override ({}): a `config` needs a `model` and a `kind` that is that model",
                        o.reason
                    );
                }
                if o.task.is_none() {
                    bail!("override ({}): a `config` is for one task", o.reason);
                }
            }
            check_batching(
                o.training.batching.as_deref(),
                &format!("override ({})", o.reason),
            )?;
            if o.reason.trim().is_empty() || o.reason.contains('\n') {
                bail!("every override has a one-line `reason`");
            }
        }
        for (i, v) in self.variants.iter().enumerate() {
            if let Some(from) = &v.warm_start {
                let earlier = self.variants[..i]
                    .iter()
                    .find(|e| e.task == v.task && &e.name == from);
                match earlier {
                    Some(e) if e.model == "attention" && v.model == "transformer" => {
                        // The classifier must be built as the transformer's fine path is (its
                        // default: `default_fine_path`), or `sinr train` refuses it hours later.
                        let mut theirs = e.config.clone();
                        theirs.remove("kind");
                        let ours = match v.config.get("fine_path") {
                            Some(toml::Value::Table(t)) => t.clone(),
                            _ => toml::toml! { sparsify = 1000
                            mean_pooling = true },
                        };
                        if theirs != ours {
                            bail!(
                                "variant `{}`: its `fine_path` ({ours}) is not the configuration of `{from}` ({theirs})",
                                v.name
                            );
                        }
                    }
                    Some(_) => bail!(
                        "variant `{}`: `warm_start` starts a transformer from an attention variant",
                        v.name
                    ),
                    None => bail!(
                        "variant `{}`: `warm_start` names `{from}`, not an earlier variant of task `{}`",
                        v.name,
                        v.task
                    ),
                }
            }
            let Some(t) = self.task(&v.task) else {
                bail!("variant `{}`: task `{}` is not a [[task]]", v.name, v.task);
            };
            if !t.models.contains(&v.model) {
                bail!(
                    "variant `{}`: task `{}` has no model `{}`",
                    v.name,
                    v.task,
                    v.model
                );
            }
            if v.config.get("kind").and_then(|k| k.as_str()) != Some(v.model.as_str()) {
                bail!(
                    "variant `{}`: its config's `kind` must be `{}`",
                    v.name,
                    v.model
                );
            }
            if v.slug().is_empty() || v.reason.trim().is_empty() || v.reason.contains('\n') {
                bail!(
                    "variant `{}`: needs a name with letters and a one-line `reason`",
                    v.name
                );
            }
        }
        Ok(())
    }

    /// The variants of `task`, in the file's order.
    pub fn variants_of(&self, task: &str) -> Vec<&Variant> {
        self.variants.iter().filter(|v| v.task == task).collect()
    }

    /// The task named `name`.
    pub fn task(&self, name: &str) -> Option<&TaskSpec> {
        self.task_list.iter().find(|t| t.name == name)
    }

    /// How `model` trains in `setting` on `task` (`None`: the setting's own training of the
    /// model, every task-specific override left out).
    pub fn training(&self, setting: Setting, task: Option<&str>, model: &str) -> Training {
        let s = self.tasks.get(setting);
        let group = self.models.get(model).copied().unwrap_or(Group::Deep);
        let mut t = s.groups[&group].clone();
        for o in &self.overrides {
            if o.applies(setting, task, model) && (task.is_some() || o.task.is_none()) {
                o.training.apply(&mut t);
            }
        }
        t
    }

    /// The configuration of `model` on `task` other than the kind's defaults (`None`: the
    /// defaults), as JSON for `sinr train --model FILE`.
    pub fn model_config(&self, task: &str, model: &str) -> Option<serde_json::Value> {
        self.overrides
            .iter()
            .filter(|o| o.task.as_deref() == Some(task) && o.model.as_deref() == Some(model))
            .find_map(|o| o.config.as_ref())
            .map(|c| serde_json::to_value(c).expect("a TOML table is JSON"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Experiments {
        Experiments::load(&path()).expect("experiments.toml parses")
    }

    /// `sinr train`'s defaults are the file's: the recommended model of each task kind, and
    /// each model kind's training in the full setting.
    #[test]
    fn the_binary_defaults_are_the_recommended_configuration() {
        let e = file();
        for (kind, r) in [
            (TaskKind::Classify, &e.recommended.classify),
            (TaskKind::Tag, &e.recommended.tag),
        ] {
            let from_file: sinr_models::ModelConfig =
                serde_json::from_value(serde_json::to_value(&r.config).unwrap()).unwrap();
            assert_eq!(
                serde_json::to_value(&from_file).unwrap(),
                serde_json::to_value(sinr_models::recommended_model(kind)).unwrap(),
                "{kind:?}"
            );
            assert!(!r.reason.is_empty());
        }
        for model in e.models.keys() {
            let t = e.training(Setting::Full, None, model);
            // One deviation: the tables' runs read their texts raw (see `Training::flags`).
            let library = sinr_models::TrainConfig {
                web_text: false,
                ..sinr_models::TrainConfig::recommended_for(model)
            };
            assert_eq!(t.to_train_config(), library, "{model}");
        }
        // The flags name every option, so a run is made with what its stamp says.
        let quick = e.training(Setting::Quick, Some("rt"), "attention");
        assert_eq!(
            quick.flags(),
            [
                "--optimizer",
                "adam",
                "--weight-decay",
                "0",
                "--schedule",
                "constant",
                "--warmup",
                "0",
                "--truncation",
                "head",
                "--batching",
                "shuffled",
                "--raw-web-text"
            ]
        );
    }

    #[test]
    fn the_checked_in_file_parses_and_gives_the_published_plan() {
        let e = file();
        let names: Vec<&str> = e.task_list.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["rt", "insults", "conll2003", "imdb"]);
        let full = Setting::Full;
        // The SINr transformer trains in its own group, alike on every task: AdamW with a
        // warm-up and decay, at its own learning rate.
        let t = e.training(full, Some("conll2003"), "transformer");
        assert_eq!((t.epochs, t.patience, t.learning_rate), (15, 3, 0.01));
        assert_eq!(t.optimizer.as_deref(), Some("adamw"));
        // The dense baseline trains as the field trains one, on every task alike.
        let dense = e.training(full, Some("conll2003"), "dense");
        assert_eq!(
            (dense.epochs, dense.optimizer.as_deref()),
            (15, Some("adamw"))
        );
        assert_eq!(e.training(full, Some("imdb"), "dense").max_len, 512);
        let t = e.training(full, Some("imdb"), "transformer");
        assert_eq!((t.epochs, t.max_len), (15, 512));
        assert_eq!(
            dense.flags(),
            [
                "--optimizer",
                "adamw",
                "--weight-decay",
                "0.01",
                "--schedule",
                "linear",
                "--warmup",
                "0.1",
                "--truncation",
                "head_tail",
                "--batching",
                "shuffled",
                "--raw-web-text"
            ]
        );
        assert_eq!(e.training(full, Some("imdb"), "attention").max_len, 512);
        assert_eq!(e.training(full, Some("rt"), "transformer").epochs, 15);
        assert_eq!(
            e.training(Setting::Quick, Some("conll2003"), "transformer")
                .epochs,
            6
        );
        // The setting's own training leaves the task overrides out.
        assert_eq!(e.training(full, None, "attention").learning_rate, 0.03);
        assert_eq!(
            e.training(full, Some("insults"), "attention").learning_rate,
            0.01
        );
        assert_eq!(e.training(full, None, "transformer").learning_rate, 0.01);
        // Configurations: compact JSON with the keys in order, as the tables show them.
        assert_eq!(
            e.model_config("rt", "attention").unwrap().to_string(),
            r#"{"kind":"attention","mean_pooling":true,"ngrams":{},"sparsify":1000}"#
        );
        // The transformer's defaults are its best settings, for texts and for tagging.
        assert!(e.model_config("rt", "transformer").is_none());
        assert!(e.model_config("conll2003", "transformer").is_none());
        assert_eq!(e.task("insults").unwrap().stop_words, StopWords::None);
        assert!(e.task("insults").unwrap().class_weights);
        assert_eq!(e.task("conll2003").unwrap().kind(), TaskKind::Tag);
    }

    #[test]
    fn unknown_keys_and_dangling_names_are_errors() {
        let text = std::fs::read_to_string(path()).unwrap();
        let bad = text.replace(
            "patience = 2\nlearning_rate = 0.03",
            "patiense = 2\nlearning_rate = 0.03",
        );
        let err = format!("{:#}", Experiments::parse(&bad).unwrap_err());
        assert!(err.contains("patiense"), "{err}");
        let bad = text.replace(
            "models = [\"transformer\", \"dense\", \"cnn\"]",
            "models = [\"transformer\", \"dense\", \"lstm\"]",
        );
        let err = format!("{:#}", Experiments::parse(&bad).unwrap_err());
        assert!(err.contains("`lstm`"), "{err}");
        let bad = text.replace(
            "task = \"imdb\"\nmodel = \"transformer\"",
            "task = \"imbd\"\nmodel = \"transformer\"",
        );
        let err = format!("{:#}", Experiments::parse(&bad).unwrap_err());
        assert!(err.contains("`imbd`"), "{err}");
        // A warm start names an earlier attention variant of the same task.
        let bad = text.replacen(
            "warm_start = \"SINr only\"",
            "warm_start = \"SINr alone\"",
            1,
        );
        let err = format!("{:#}", Experiments::parse(&bad).unwrap_err());
        assert!(err.contains("`SINr alone`"), "{err}");
        let bad = text.replacen(
            "warm_start = \"SINr only\"",
            "warm_start = \"stream only\"",
            1,
        );
        let err = format!("{:#}", Experiments::parse(&bad).unwrap_err());
        assert!(err.contains("from an attention variant"), "{err}");
        let bad = text.replacen(
            "zero_readout = true, fine_path = { mean_pooling = true }",
            "zero_readout = true",
            1,
        );
        let err = format!("{:#}", Experiments::parse(&bad).unwrap_err());
        assert!(
            err.contains("is not the configuration of `SINr only`"),
            "{err}"
        );
        // A batching `sinr train` does not know is refused when the file is read.
        let bad = text.replacen(
            "training = { learning_rate = 0.004 }",
            "training = { learning_rate = 0.004, batching = \"sorted\" }",
            1,
        );
        let err = format!("{:#}", Experiments::parse(&bad).unwrap_err());
        assert!(err.contains("not `sorted`"), "{err}");
    }
}
