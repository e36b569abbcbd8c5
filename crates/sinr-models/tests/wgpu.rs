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
    let mut rng = sinr_embed::SplitMix64::new(5);
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
    let mut rng = sinr_embed::SplitMix64::new(6);
    (0..4)
        .map(|i| {
            let rows: Vec<u32> = (0..5 + i).map(|_| 1 + rng.below(49) as u32).collect();
            Example {
                surface: vec![String::new(); rows.len()],
                features: Vec::new(),
                labels: vec![0],
                rows,
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
            &to_vec(att(a).logits(&make_batch(&refs, TaskKind::Sequence, a))),
            &to_vec(att(b).logits(&make_batch(&refs, TaskKind::Sequence, b))),
        );
        let tr = |d: &Device| SinrTransformer::new(&r, 3, TaskKind::Sequence, 2, 2, 8, 0.0, 11, d);
        close(
            &to_vec(tr(a).logits(&make_batch(&refs, TaskKind::Sequence, a))),
            &to_vec(tr(b).logits(&make_batch(&refs, TaskKind::Sequence, b))),
        );
    }
}
