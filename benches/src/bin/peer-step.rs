//! `peer-step`: training steps of the SINr transformer (with its fine path) or of the attention
//! classifier, timed on one batch, and that batch with the model's initial parameters exported
//! for the PyTorch peer (`xtask/python/torch_peer.py`). `cargo xtask compare-torch` runs both
//! sides with the same batch, the same initial parameters and the same thread count.
//!
//! Without `--embeddings` the rows and texts are the criterion benches' (`train-step/long-*`):
//! 20,000 words of 20 non-zeros, a stream of K = 300, a fine level of K = 4,000, tokens drawn
//! uniformly. With `--embeddings FILE` the models are built as `sinr train` builds them by
//! default (the transformer's stream level and fine path, their sparsification) from real SINr
//! vectors, and the tokens are drawn by the words' corpus frequencies.
//!
//! `--export DIR` writes `DIR/manifest.json` and `DIR/tensors.bin` and exits; without it the
//! steps are timed and one JSON line is printed. The two are separate runs so that the export's
//! buffers do not count in the peak memory of the timed one.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::grad_clipping::GradientClippingConfig;
use burn::module::{ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use clap::Parser;
use sinr_models::export::{NamedTensor, TensorValues, named_tensors};
use sinr_models::input::embedding_rows;
use sinr_models::models::{AttentionClassifier, Classifier, SinrTransformer, TransformerConfig};
use sinr_models::{Batch, Example, TaskKind, make_batch};
use sinr_nn::{PaddedRows, SinrAttentionConfig};
use sinr_util::SplitMix64;

/// The vocabulary, stream and fine widths and non-zeros of the synthetic rows (the benches').
const VOCAB: usize = 20_000;
const COARSE: usize = 300;
const FINE: usize = 4_000;
const NNZ: usize = 20;
/// Adam's rate and its epsilon (burn's default, passed to the peer), the clipping norm.
const LR: f64 = 1e-3;
const ADAM_EPSILON: f32 = 1e-5;
const GRAD_CLIP: f32 = 1.0;

#[derive(Parser)]
struct Args {
    /// `transformer` (with its fine path) or `attention` (with the mean path).
    #[arg(long, default_value = "transformer")]
    model: String,
    /// Tokens per text.
    #[arg(long, default_value_t = 256)]
    len: usize,
    /// Texts per batch.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Timed steps.
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Real SINr embeddings (a `.sinr` file with a coarse level) instead of synthetic rows.
    #[arg(long)]
    embeddings: Option<PathBuf>,
    /// Write the batch and the initial parameters here for the peer, and exit.
    #[arg(long)]
    export: Option<PathBuf>,
}

/// The frozen rows and texts the model reads.
struct Inputs {
    /// The transformer's stream rows, and the fine rows (the fine path's, the attention
    /// classifier's).
    coarse: PaddedRows,
    fine: PaddedRows,
    texts: Vec<Example>,
    /// The sparsification and level behind the rows, for the report.
    source: String,
}

fn inputs(args: &Args) -> Result<Inputs> {
    let Some(path) = &args.embeddings else {
        return Ok(Inputs {
            coarse: sinr_benches::synthetic_rows(VOCAB, COARSE, NNZ),
            fine: sinr_benches::synthetic_rows(VOCAB, FINE, NNZ),
            texts: sinr_benches::synthetic_texts(args.batch, VOCAB, args.len),
            source: format!("synthetic: {VOCAB} words, {NNZ} non-zeros, K = {COARSE} / {FINE}"),
        });
    };
    let emb = sinr_embed::SinrModel::load(path)
        .with_context(|| format!("cannot read the embeddings {}", path.display()))?;
    let c = TransformerConfig::default();
    let path_config = c.fine_path.clone().context("the default has a fine path")?;
    let coarse = embedding_rows(&emb, c.level, c.sparsify)?;
    let fine = embedding_rows(&emb, path_config.level, path_config.sparsify)?;
    // Tokens drawn by corpus frequency: row `i + 1` is word `i`.
    let counts = emb.vocab.counts();
    let cumulative: Vec<u64> = counts
        .iter()
        .scan(0u64, |acc, &n| {
            *acc += n;
            Some(*acc)
        })
        .collect();
    let total = *cumulative.last().context("an empty vocabulary")?;
    let mut rng = SplitMix64::new(2);
    let texts = (0..args.batch)
        .map(|i| {
            let rows = (0..args.len)
                .map(|_| {
                    let x = rng.next_u64() % total;
                    1 + cumulative.partition_point(|&c| c <= x) as u32
                })
                .collect();
            Example {
                surface: vec![String::new(); args.len],
                features: Vec::new(),
                labels: vec![i % 2],
                rows,
                lexical: Vec::new(),
            }
        })
        .collect();
    Ok(Inputs {
        source: format!(
            "{}: stream level {} (K = {}, {} values per word), fine level {} (K = {}, up to {} values per word)",
            path.display(),
            c.level,
            coarse.dims,
            c.sparsify.map_or("all".into(), |k| k.to_string()),
            path_config.level,
            fine.dims,
            fine.width,
        ),
        coarse,
        fine,
        texts,
    })
}

/// The model as `sinr train` builds it by default (heads, memories, seeds), over these rows.
fn transformer(i: &Inputs, device: &Device) -> SinrTransformer {
    let c = TransformerConfig::default();
    let heads = SinrAttentionConfig::new(i.coarse.dims, c.heads)
        .with_rank(c.rank)
        .with_max_distance(c.max_distance);
    let path =
        AttentionClassifier::new(&i.fine, 2, false, 0.0, 1 + 0x5eed, device).with_mean_pooling();
    SinrTransformer::with_heads(
        &i.coarse,
        2,
        TaskKind::Classify,
        c.layers,
        &heads,
        c.memories,
        c.l1,
        1,
        device,
    )
    .with_fine_path(path)
}

fn attention(i: &Inputs, device: &Device) -> AttentionClassifier {
    AttentionClassifier::new(&i.fine, 2, false, 0.0, 1, device).with_mean_pooling()
}

/// What the transformer's configuration says to the peer.
fn transformer_config(i: &Inputs) -> serde_json::Value {
    let c = TransformerConfig::default();
    serde_json::json!({
        "layers": c.layers, "heads": c.heads, "rank": c.rank, "max_distance": c.max_distance,
        "memories": c.memories, "dims": i.coarse.dims, "fine_dims": i.fine.dims,
    })
}

fn main() -> Result<()> {
    let args = Args::parse();
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build_global()
        .context("cannot start the thread pool")?;
    let i = inputs(&args)?;
    // As `sinr train` does once its inputs are loaded: large freed blocks stay in the heap, for
    // the models whose steps it speeds up.
    if sinr_models::keeps_large_blocks(&args.model) {
        sinr_util::reuse_large_blocks();
    }
    let device = Device::flex().autodiff();
    match args.model.as_str() {
        "transformer" => {
            let config = transformer_config(&i);
            let model = transformer(&i, &device);
            run(&args, i.into_texts(), model, config, &device)
        }
        "attention" => {
            let config = serde_json::json!({"fine_dims": i.fine.dims});
            let model = attention(&i, &device);
            run(&args, i.into_texts(), model, config, &device)
        }
        other => bail!("--model: unknown model {other:?} (transformer or attention)"),
    }
}

impl Inputs {
    /// The texts and where the rows came from; the rows themselves (copied into the model)
    /// are freed.
    fn into_texts(self) -> (Vec<Example>, String) {
        (self.texts, self.source)
    }
}

/// Resets the peak resident memory (VmHWM) to the current one (Linux: `/proc/self/clear_refs`,
/// value 5), so that the peak reported is the training's; where that is refused, the peak
/// counts from the start of the process.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn run<M>(
    args: &Args,
    (texts, source): (Vec<Example>, String),
    model: M,
    config: serde_json::Value,
    device: &Device,
) -> Result<()>
where
    M: Module + Classifier + Clone,
{
    let refs: Vec<&Example> = texts.iter().collect();
    let batch = make_batch(&refs, TaskKind::Classify, device);
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let loss_of = |m: &M| loss_fn.forward(m.logits(&batch), batch.targets.clone());
    if let Some(dir) = &args.export {
        // The heads' and memories' values start at zero: the exported parameters are the
        // initial ones plus noise, so that the peer's parity check reads every part.
        let model = model.map(&mut Perturb);
        let logits = model.logits(&batch);
        let loss = loss_of(&model).into_scalar::<f32>();
        let mut config = config;
        config["classes"] = 2.into();
        config["batch"] = args.batch.into();
        config["len"] = args.len.into();
        config["lr"] = LR.into();
        config["adam_epsilon"] = f64::from(ADAM_EPSILON).into();
        config["grad_clip"] = f64::from(GRAD_CLIP).into();
        let mut tensors = named_tensors(&model, true);
        tensors.extend(batch_tensors(&batch));
        tensors.push(tensor("reference.logits", logits));
        return export(dir, &args.model, config, loss, &tensors, &source);
    }
    let mut optim = AdamConfig::new()
        .with_epsilon(ADAM_EPSILON)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(GRAD_CLIP)))
        .init();
    let mut model = Some(model);
    reset_peak_rss();
    let mut times = Vec::with_capacity(args.steps);
    let mut last_loss = f32::NAN;
    for step in 0..args.warmup + args.steps {
        let start = Instant::now();
        let m = model.take().expect("the model is put back after each step");
        let loss = loss_of(&m);
        last_loss = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &m);
        model = Some(optim.step(LR, m, grads));
        if step >= args.warmup {
            times.push(start.elapsed().as_secs_f64());
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let line = serde_json::json!({
        "model": args.model, "len": args.len, "threads": args.threads, "batch": args.batch,
        "steps": args.steps, "step_s_median": median, "step_s_min": times[0],
        "step_s_max": times[times.len() - 1], "steps_per_s": 1.0 / median,
        "peak_rss_mib": sinr_util::peak_rss_kib().map(|k| k as f64 / 1024.0),
        "loss_after": last_loss, "inputs": source,
    });
    println!("{line}");
    Ok(())
}

/// Adds N(0, 0.05²) noise to every trained float parameter (the frozen rows are left as they
/// are).
struct Perturb;

impl ModuleMapper for Perturb {
    fn map_float<const D: usize>(&mut self, p: Param<Tensor<D>>) -> Param<Tensor<D>> {
        p.map(|t| {
            if t.is_require_grad() {
                let device = t.device();
                let noise = Tensor::random(t.shape(), Distribution::Normal(0.0, 0.05), &device);
                Tensor::from_data((t.detach() + noise).into_data(), &device).require_grad()
            } else {
                t
            }
        })
    }
}

/// A float tensor of the batch or of the reference, by name.
fn tensor<const D: usize>(name: &str, t: Tensor<D>) -> NamedTensor {
    NamedTensor {
        name: name.into(),
        shape: t.dims().to_vec(),
        values: TensorValues::F32(
            t.into_data()
                .convert::<f32>()
                .try_to_vec()
                .unwrap_or_default(),
        ),
    }
}

/// The batch: tokens (rows), padding mask (1 at padding), targets.
fn batch_tensors(b: &Batch) -> Vec<NamedTensor> {
    let ints = |name: &str, shape: Vec<usize>, d: TensorData| NamedTensor {
        name: name.into(),
        shape,
        values: TensorValues::I64(d.convert::<i64>().try_to_vec().unwrap_or_default()),
    };
    vec![
        ints(
            "batch.tokens",
            b.tokens.dims().to_vec(),
            b.tokens.clone().into_data(),
        ),
        tensor("batch.mask", b.mask.clone().float()),
        ints(
            "batch.targets",
            b.targets.dims().to_vec(),
            b.targets.clone().into_data(),
        ),
    ]
}

/// Writes `manifest.json` and `tensors.bin` under `dir` (each through a temporary file).
fn export(
    dir: &Path,
    model: &str,
    config: serde_json::Value,
    loss: f32,
    tensors: &[NamedTensor],
    source: &str,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let bin = dir.join("tensors.bin");
    let tmp = dir.join("tensors.bin.tmp");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let mut entries = Vec::new();
    let mut offset = 0usize;
    for t in tensors {
        let (dtype, bytes): (&str, Vec<u8>) = match &t.values {
            TensorValues::F32(v) => ("f32", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            TensorValues::I64(v) => ("i64", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            TensorValues::Bool(_) => bail!("{}: boolean tensors are not exported", t.name),
        };
        out.write_all(&bytes)?;
        entries.push(serde_json::json!({
            "name": t.name, "dtype": dtype, "shape": t.shape, "offset": offset, "bytes": bytes.len(),
        }));
        offset += bytes.len();
    }
    out.into_inner()?.sync_all()?;
    std::fs::rename(&tmp, &bin)?;
    let manifest = serde_json::json!({
        "model": model, "config": config, "tensors": entries,
        "reference": {"loss": loss}, "inputs": source,
    });
    let path = dir.join("manifest.json");
    let tmp = dir.join("manifest.json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&manifest)?)?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}
