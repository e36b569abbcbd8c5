//! Agreement between two partitions of the same items.

use std::collections::HashMap;

/// Normalised mutual information of two labelings of the same items, with the arithmetic-mean
/// normalisation `NMI = I(A;B) / ((H(A) + H(B)) / 2)` (scikit-learn's default,
/// `normalized_mutual_info_score`; Strehl & Ghosh 2002 use the geometric mean). Natural
/// logarithms; 1 for identical partitions up to renaming; two single-cluster labelings give 1,
/// as scikit-learn does.
///
/// # Panics
/// If the slices differ in length.
pub fn normalized_mutual_information(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(a.len(), b.len(), "labelings of different lengths");
    let n = a.len() as f64;
    if a.is_empty() {
        return 1.0;
    }
    let mut ca: HashMap<u32, f64> = HashMap::new();
    let mut cb: HashMap<u32, f64> = HashMap::new();
    let mut cab: HashMap<(u32, u32), f64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *ca.entry(x).or_default() += 1.0;
        *cb.entry(y).or_default() += 1.0;
        *cab.entry((x, y)).or_default() += 1.0;
    }
    let entropy = |c: &HashMap<u32, f64>| -> f64 {
        let mut v: Vec<f64> = c.values().copied().collect();
        v.sort_by(f64::total_cmp);
        -v.iter().map(|&k| (k / n) * (k / n).ln()).sum::<f64>()
    };
    let (ha, hb) = (entropy(&ca), entropy(&cb));
    if ha == 0.0 && hb == 0.0 {
        return 1.0;
    }
    let mut terms: Vec<f64> = cab
        .iter()
        .map(|(&(x, y), &k)| (k / n) * ((k * n) / (ca[&x] * cb[&y])).ln())
        .collect();
    terms.sort_by(f64::total_cmp);
    let mi: f64 = terms.iter().sum();
    (mi / ((ha + hb) / 2.0)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hand_worked_values() {
        assert_eq!(
            normalized_mutual_information(&[0, 0, 1, 1], &[5, 5, 3, 3]),
            1.0
        );
        assert!(normalized_mutual_information(&[0, 0, 1, 1], &[0, 1, 0, 1]).abs() < 1e-15);
        // H(A) = ln 2, H(B) = 1.5 ln 2, I = ln 2 → 2/2.5 = 0.8 (scikit-learn agrees).
        let v = normalized_mutual_information(&[0, 0, 1, 1], &[0, 0, 1, 2]);
        assert!((v - 0.8).abs() < 1e-12, "{v}");
        assert_eq!(normalized_mutual_information(&[1, 1], &[2, 2]), 1.0);
    }

    proptest! {
        #[test]
        fn symmetric_bounded_and_invariant_to_renaming(
            a in prop::collection::vec(0u32..5, 1..60),
            seed in 0u32..100,
        ) {
            let b: Vec<u32> = a.iter().enumerate().map(|(i, &x)| (x * 7 + i as u32 * seed) % 4).collect();
            let ab = normalized_mutual_information(&a, &b);
            let ba = normalized_mutual_information(&b, &a);
            prop_assert!((ab - ba).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&ab));
            let renamed: Vec<u32> = a.iter().map(|&x| 100 - x).collect();
            prop_assert!((normalized_mutual_information(&a, &renamed) - 1.0).abs() < 1e-12);
        }
    }
}
