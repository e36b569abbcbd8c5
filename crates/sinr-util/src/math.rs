//! Numeric helpers that several crates need, each defined once.

/// The softmax of logits, as probabilities that sum to 1: each `exp` taken in `f32` after
/// subtracting the maximum (no overflow), the sum and the division in `f64`.
pub fn softmax(logits: &[f32]) -> Vec<f64> {
    let m = logits.iter().fold(f32::MIN, |a, b| a.max(*b));
    let e: Vec<f64> = logits.iter().map(|x| f64::from((x - m).exp())).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|x| x / s).collect()
}

/// The softmax in `f32` throughout (`exp`, sum and division), for training arithmetic that
/// stays in single precision (the linear floors' gradients).
pub fn softmax_f32(logits: &[f32]) -> Vec<f32> {
    let m = logits.iter().fold(f32::MIN, |a, b| a.max(*b));
    let e: Vec<f32> = logits.iter().map(|x| (x - m).exp()).collect();
    let s: f32 = e.iter().sum();
    e.iter().map(|x| x / s).collect()
}

/// The smoothed inverse document frequency of a term found in `df` of `n` documents,
/// `1 + ln((1 + n) / (1 + df))`, as scikit-learn's `TfidfVectorizer(smooth_idf=True)`.
pub fn smoothed_idf(n: usize, df: usize) -> f64 {
    1.0 + ((1.0 + n as f64) / (1.0 + df as f64)).ln()
}

/// Dot product of two sparse vectors given as `(sorted indices, values)`.
pub fn sparse_dot(a: (&[u32], &[f64]), b: (&[u32], &[f64])) -> f64 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.0.len() && j < b.0.len() {
        match a.0[i].cmp(&b.0[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a.1[i] * b.1[j];
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// Cosine of two sparse vectors; `None` if either is zero (scipy returns NaN there).
pub fn sparse_cosine(a: (&[u32], &[f64]), b: (&[u32], &[f64])) -> Option<f64> {
    let na = a.1.iter().map(|v| v * v).sum::<f64>().sqrt();
    let nb = b.1.iter().map(|v| v * v).sum::<f64>().sqrt();
    (na > 0.0 && nb > 0.0).then(|| sparse_dot(a, b) / (na * nb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_a_distribution_without_overflow() {
        let p = softmax(&[1000.0, 1000.0, f32::MIN]);
        assert!((p[0] - 0.5).abs() < 1e-12 && (p[1] - 0.5).abs() < 1e-12 && p[2] == 0.0);
        let p = softmax(&[0.0, 2f32.ln()]);
        assert!((p[1] - 2.0 / 3.0).abs() < 1e-7, "{p:?}");
        let q = softmax_f32(&[0.0, 2f32.ln(), -1e30]);
        for (a, b) in q.iter().zip(&softmax(&[0.0, 2f32.ln(), -1e30])) {
            assert!((f64::from(*a) - b).abs() < 1e-6);
        }
    }

    #[test]
    fn idf_as_scikit_learn() {
        // TfidfVectorizer(smooth_idf=True) on 3 documents: a term in all of them has idf 1, a
        // term in one of them 1 + ln 2.
        assert_eq!(smoothed_idf(3, 3), 1.0);
        assert!((smoothed_idf(3, 1) - (1.0 + 2f64.ln())).abs() < 1e-15);
    }

    #[test]
    fn sparse_products() {
        let a = (&[0u32, 2, 5][..], &[1.0, 2.0, 3.0][..]);
        let b = (&[2u32, 5, 7][..], &[1.0, 1.0, 9.0][..]);
        assert_eq!(sparse_dot(a, b), 5.0);
        let c = sparse_cosine(a, a).unwrap();
        assert!((c - 1.0).abs() < 1e-12);
        assert_eq!(sparse_cosine(a, (&[], &[])), None);
    }
}
