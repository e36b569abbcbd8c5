//! Node recall (NR) and node predominance (NP), the SINr vectors.
//!
//! With `w(u, v)` the edge weights, `d(u) = Σ_v w(u, v)` and `vol(C) = Σ_{x} Σ_{v∈C} w(x, v)`:
//!
//! * `NR(u, C) = Σ_{v∈C} w(u, v) / d(u)`: the share of `u`'s weighted degree that falls in `C`
//!   (rows sum to 1). The reference computes `normalize(A, "l1") · M`; we add `w(u,v)/d(u)` in
//!   the same order (neighbours by id), so the values agree to the last bits.
//! * `NP(u, C) = Σ_{v∈C} w(u, v) / vol(C)`: `u`'s share of the community's volume (columns sum to
//!   1); the reference computes `A · (M / vol)`.
//!
//! Because NR is additive over communities, the vector of a coarser partition is the sum of its
//! children's entries ([`crate::postprocess::merge_levels`]).
//!
//! Rows are computed in parallel; each row is independent, so the result does not depend on the
//! number of threads.

use rayon::prelude::*;

use crate::graph::CsrGraph;
use crate::sparse::SparseMatrix;

/// Sums `f(w(u,v))` per community of the neighbours `v` of every node `u`.
fn per_community_rows(
    g: &CsrGraph,
    partition: &[u32],
    k: usize,
    row_scale: impl Fn(usize) -> Option<f64> + Sync,
    value: impl Fn(f64, f64, u32) -> f64 + Sync,
) -> SparseMatrix {
    assert_eq!(
        partition.len(),
        g.node_count(),
        "partition size differs from the graph"
    );
    let rows: Vec<Vec<(u32, f64)>> = (0..g.node_count())
        .into_par_iter()
        .map_init(
            || (vec![0.0f64; k], vec![false; k], Vec::<u32>::new()),
            |(acc, seen, touched), u| {
                let Some(scale) = row_scale(u) else {
                    return Vec::new();
                };
                let (targets, weights) = g.neighbors(u);
                for (&v, &w) in targets.iter().zip(weights) {
                    let c = partition[v as usize];
                    if !seen[c as usize] {
                        seen[c as usize] = true;
                        touched.push(c);
                    }
                    acc[c as usize] += value(w, scale, c);
                }
                touched.sort_unstable();
                let row = touched
                    .iter()
                    .map(|&c| {
                        let v = acc[c as usize];
                        acc[c as usize] = 0.0;
                        seen[c as usize] = false;
                        (c, v)
                    })
                    .collect();
                touched.clear();
                row
            },
        )
        .collect();
    SparseMatrix::from_rows(k, rows)
}

/// Node recall of every node for a partition into `k` communities (rows sum to 1; a node with
/// no edge gets an empty row).
///
/// # Complexity
/// O(|E| + |V|·c log c) with `c` the communities a node touches.
pub fn node_recall(g: &CsrGraph, partition: &[u32], k: usize) -> SparseMatrix {
    per_community_rows(
        g,
        partition,
        k,
        |u| {
            let d = g.strength(u);
            (d > 0.0).then_some(d)
        },
        |w, d, _| w / d,
    )
}

/// Node predominance of every node for a partition into `k` communities (columns sum to 1).
pub fn node_predominance(g: &CsrGraph, partition: &[u32], k: usize) -> SparseMatrix {
    let mut vol = vec![0.0f64; k];
    for u in 0..g.node_count() {
        let (targets, weights) = g.neighbors(u);
        for (&v, &w) in targets.iter().zip(weights) {
            vol[partition[v as usize] as usize] += w;
        }
    }
    let inv: Vec<f64> = vol
        .iter()
        .map(|&v| if v > 0.0 { 1.0 / v } else { 0.0 })
        .collect();
    per_community_rows(
        g,
        partition,
        k,
        |_| Some(1.0),
        |w, _, c| w * inv[c as usize],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> CsrGraph {
        // 0 –1– 1 –3– 2, communities {0,1} {2}
        let pairs = vec![(0, 1, 1.0), (1, 0, 1.0), (1, 2, 3.0), (2, 1, 3.0)];
        CsrGraph::from_directed_pairs(3, pairs, vec![0.0; 3])
    }

    #[test]
    fn node_recall_by_hand() {
        let nr = node_recall(&path(), &[0, 0, 1], 2);
        assert_eq!(nr.row(0), (&[0u32][..], &[1.0][..]));
        assert_eq!(nr.row(1), (&[0u32, 1][..], &[0.25, 0.75][..]));
        assert_eq!(nr.row(2), (&[0u32][..], &[1.0][..]));
    }

    #[test]
    fn node_predominance_by_hand() {
        // vol(C0) = d(0)+d(1) = 1+4 = 5, vol(C1) = 3
        let np = node_predominance(&path(), &[0, 0, 1], 2);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-15;
        assert_eq!(np.row(0).0, &[0]);
        assert!(close(np.row(0).1[0], 0.2));
        assert_eq!(np.row(1).0, &[0, 1]);
        assert!(close(np.row(1).1[0], 0.2) && close(np.row(1).1[1], 1.0));
        assert_eq!(np.row(2).0, &[0]);
        assert!(close(np.row(2).1[0], 0.6));
    }
}
