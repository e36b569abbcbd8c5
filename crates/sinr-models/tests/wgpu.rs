//! The same model gives the same predictions on the CPU and on `wgpu` (within 1e-4): the
//! parameters are drawn on the host from the seed, so both devices start from identical values.
//!
//! Runs only with `--features wgpu` (CI uses Mesa's software Vulkan driver; a GPU machine uses
//! its own); kept tiny.
#![cfg(feature = "wgpu")]

use burn::prelude::*;
use sinr_models::data::{Example, TaskKind, make_batch};
use sinr_models::models::{AttentionClassifier, Classifier, SinrTransformer};
use sinr_nn::{PaddedRows, to_vec};

fn rows() -> PaddedRows {
    let mut rng = sinr_util::SplitMix64::new(5);
    let mut r = vec![Vec::new()];
    for _ in 1..50 {
        let mut row: Vec<(u32, f32)> = (0..4).map(|_| (rng.below(16) as u32, 0.25)).collect();
        row.sort_by_key(|e| e.0);
        row.dedup_by_key(|e| e.0);
        r.push(row);
    }
    PaddedRows::from_rows(&r, 16)
}

fn examples() -> Vec<Example> {
    let mut rng = sinr_util::SplitMix64::new(6);
    (0..4)
        .map(|i| {
            let rows: Vec<u32> = (0..5 + i).map(|_| 1 + rng.below(49) as u32).collect();
            Example {
                surface: vec![String::new(); rows.len()],
                features: Vec::new(),
                labels: vec![0],
                rows,
                lexical: Vec::new(),
            }
        })
        .collect()
}

fn close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-4 * x.abs().max(1.0),
            "cpu {x} vs wgpu {y}"
        );
    }
}

#[test]
fn cpu_and_wgpu_agree() {
    let cpu = Device::flex();
    let gpu = Device::wgpu(burn::prelude::DeviceKind::DefaultDevice);
    let ex = examples();
    let refs: Vec<&Example> = ex.iter().collect();
    let r = rows();
    for device_pair in [(&cpu, &gpu)] {
        let (a, b) = device_pair;
        let att = |d: &Device| AttentionClassifier::new(&r, 3, false, 0.0, 11, d);
        close(
            &to_vec(att(a).logits(&make_batch(&refs, TaskKind::Classify, a))),
            &to_vec(att(b).logits(&make_batch(&refs, TaskKind::Classify, b))),
        );
        let tr = |d: &Device| SinrTransformer::new(&r, 3, TaskKind::Classify, 2, 2, 8, 0.0, 11, d);
        close(
            &to_vec(tr(a).logits(&make_batch(&refs, TaskKind::Classify, a))),
            &to_vec(tr(b).logits(&make_batch(&refs, TaskKind::Classify, b))),
        );
    }
}

/// One Adam step at the benchmark size gives the same loss on both devices (within 1e-3
/// relative: GPU reductions sum in another order), and the step time of each device is
/// printed (run with `--nocapture` to see it; this is a measurement, nothing is asserted about
/// speed).
#[test]
fn training_steps_agree_at_benchmark_size() {
    use burn::grad_clipping::GradientClippingConfig;
    use burn::nn::loss::CrossEntropyLossConfig;
    use burn::optim::{AdamConfig, GradientsParams};

    fn big_rows(dims: usize) -> PaddedRows {
        let mut rng = sinr_util::SplitMix64::new(1);
        let mut r = vec![Vec::new()];
        for _ in 1..20_000 {
            let mut row: Vec<(u32, f32)> =
                (0..20).map(|_| (rng.below(dims) as u32, 0.05)).collect();
            row.sort_by_key(|e| e.0);
            row.dedup_by_key(|e| e.0);
            r.push(row);
        }
        PaddedRows::from_rows(&r, dims)
    }
    fn batch_examples() -> Vec<Example> {
        let mut rng = sinr_util::SplitMix64::new(2);
        (0..32)
            .map(|i| {
                let rows: Vec<u32> = (0..128).map(|_| 1 + rng.below(19_999) as u32).collect();
                Example {
                    surface: vec![String::new(); 128],
                    features: Vec::new(),
                    labels: vec![i % 2],
                    rows,
                    lexical: Vec::new(),
                }
            })
            .collect()
    }
    fn steps<M: Module + Classifier + Clone>(
        model: M,
        device: &Device,
        n: usize,
    ) -> (Vec<f32>, f64) {
        let ex = batch_examples();
        let refs: Vec<&Example> = ex.iter().collect();
        let batch = make_batch(&refs, TaskKind::Classify, device);
        let loss_fn = CrossEntropyLossConfig::new().init(device);
        let mut optim = AdamConfig::new()
            .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
            .init();
        let mut model = model;
        let mut losses = Vec::new();
        let mut t0 = std::time::Instant::now();
        for i in 0..n {
            if i == 2 {
                t0 = std::time::Instant::now(); // after warm-up (kernel compilation)
            }
            let loss = loss_fn.forward(model.logits(&batch), batch.targets.clone());
            losses.push(loss.clone().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-3, model, grads);
        }
        (losses, (n - 2) as f64 / t0.elapsed().as_secs_f64())
    }
    let cpu = Device::flex().autodiff();
    let gpu = Device::wgpu(burn::prelude::DeviceKind::DefaultDevice).autodiff();
    let fine = big_rows(2000);
    let coarse = big_rows(300);
    let n = 22;
    let (lc, sc) = steps(
        AttentionClassifier::new(&fine, 2, false, 0.0, 1, &cpu),
        &cpu,
        n,
    );
    let (lg, sg) = steps(
        AttentionClassifier::new(&fine, 2, false, 0.0, 1, &gpu),
        &gpu,
        n,
    );
    println!("attention K=2000 B=32 T=128: flex {sc:.1} steps/s, wgpu {sg:.1} steps/s");
    for (a, b) in lc.iter().zip(&lg).take(3) {
        assert!(
            (a - b).abs() <= 1e-3 * a.abs().max(1.0),
            "attention loss cpu {a} vs wgpu {b}"
        );
    }
    let (lc, sc) = steps(
        SinrTransformer::new(&coarse, 2, TaskKind::Classify, 2, 4, 64, 0.0, 1, &cpu),
        &cpu,
        n,
    );
    let (lg, sg) = steps(
        SinrTransformer::new(&coarse, 2, TaskKind::Classify, 2, 4, 64, 0.0, 1, &gpu),
        &gpu,
        n,
    );
    println!(
        "transformer K=300 2 layers x 4 heads, 64 memories, B=32 T=128: flex {sc:.1} steps/s, wgpu {sg:.1} steps/s"
    );
    for (a, b) in lc.iter().zip(&lg).take(3) {
        assert!(
            (a - b).abs() <= 1e-3 * a.abs().max(1.0),
            "transformer loss cpu {a} vs wgpu {b}"
        );
    }
}
