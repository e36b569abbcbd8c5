//! Louvain community detection (Blondel et al. 2008) with a resolution parameter, keeping every
//! level of the dendrogram.
//!
//! The move phase follows networkit's `PLM` (Staudt & Meyerhenke 2016) as SINr calls it
//! (`refine=False, turbo=True, recurse=False, maxIter=32`, one thread): nodes are visited in id
//! order (or in a seeded random order per pass), each node's neighbouring communities are met in
//! neighbour-id order, the gain of moving `u` from `C` to `D` is
//!
//! ```text
//! Δ = (w(u,D) − w(u,C∖u)) / m  +  γ · ((vol(C∖u) − vol(D)) · vol(u)) / (2m²)
//! ```
//!
//! evaluated in the same floating-point order, the best strictly positive gain wins (the first
//! one on ties), and passes repeat while a node moved, at most `max_iterations + 1` times. With
//! `recurse=False`, networkit stops after this one move phase: SINr's communities are exactly the
//! first level. [`LouvainMode::Plm`] does the same; [`LouvainMode::Multilevel`] goes on
//! (coarsen, move, …) until no node moves, and keeps every level with its modularity.
//!
//! The inner loop touches only flat arrays: the graph in CSR form, a dense affinity array with a
//! sentinel (networkit's "turbo" mode) and the list of neighbouring communities. No hashing.
//!
//! # Complexity
//! O(|E|) per pass, at most `max_iterations + 1` passes per level.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::graph::CsrGraph;
use sinr_util::SplitMix64;

/// Index of a community (a dimension of the embedding at its level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CommunityId(pub u32);

impl CommunityId {
    /// The id as an index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// How many levels to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LouvainMode {
    /// One move phase, as networkit PLM with `recurse=False` (what SINr does).
    #[default]
    Plm,
    /// Full multi-level Louvain: coarsen and move until nothing moves; every level is kept.
    Multilevel,
}

/// Louvain parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LouvainConfig {
    /// Resolution γ of `Q_γ = Σ_c [e_c/m − γ (vol_c/2m)²]`; larger gives more, smaller
    /// communities. Reference README: 10 (the function's own default is 1).
    pub resolution: f64,
    /// One level (the reference) or all levels.
    pub mode: LouvainMode,
    /// Maximum number of extra passes of a move phase (networkit: `maxIter=32`).
    pub max_iterations: usize,
    /// `None`: visit nodes in id order (networkit, one thread, `par="balanced"`). `Some(seed)`:
    /// a seeded random order, drawn anew for every pass (networkit `par="none randomized"`).
    pub seed: Option<u64>,
    /// Maximum number of levels in multi-level mode.
    pub max_levels: usize,
    /// Multi-level mode: the resolution of the levels above the first (`None`: `resolution`).
    /// A lower value gives a dendrogram whose coarse levels are much coarser than the fine one
    /// (a fine level at γ = 50 and coarse levels at γ = 1, say); with a single γ, the levels
    /// above the first merge little at a high resolution.
    #[serde(default)]
    pub coarse_resolution: Option<f64>,
}

impl Default for LouvainConfig {
    fn default() -> Self {
        Self {
            resolution: 10.0,
            mode: LouvainMode::Plm,
            max_iterations: 32,
            seed: None,
            max_levels: 32,
            coarse_resolution: None,
        }
    }
}

impl LouvainConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if !self.resolution.is_finite() || self.resolution <= 0.0 {
            return Err(Error::config(
                "resolution",
                format!("must be a finite number > 0, got {}", self.resolution),
            ));
        }
        if let Some(c) = self.coarse_resolution
            && (!c.is_finite() || c <= 0.0)
        {
            return Err(Error::config(
                "coarse_resolution",
                format!("must be a finite number > 0, got {c}"),
            ));
        }
        if self.max_levels == 0 {
            return Err(Error::config("max_levels", "must be at least 1"));
        }
        Ok(())
    }
}

/// One level of the dendrogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// Community of every node of the original graph, numbered `0..n_communities` in order of
    /// first appearance by node id (networkit's `compact(useTurbo=True)`).
    pub partition: Vec<u32>,
    /// Number of communities.
    pub n_communities: usize,
    /// `Q_γ` of the partition on the original graph.
    pub modularity: f64,
    /// Standard modularity (γ = 1) of the partition.
    pub standard_modularity: f64,
    /// Passes the move phase made at this level.
    pub passes: usize,
    /// The resolution γ this level was optimised for (`modularity` is `Q_γ` at it).
    #[serde(default)]
    pub resolution: f64,
}

impl Level {
    /// The community of node `u`.
    pub fn community(&self, u: usize) -> CommunityId {
        CommunityId(self.partition[u])
    }

    /// Members of every community, in node order.
    pub fn members(&self) -> Vec<Vec<u32>> {
        let mut m = vec![Vec::new(); self.n_communities];
        for (u, &c) in self.partition.iter().enumerate() {
            m[c as usize].push(u as u32);
        }
        m
    }
}

/// Every level found, finest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dendrogram {
    /// The resolution used.
    pub resolution: f64,
    /// The levels, finest (level 0) to coarsest.
    pub levels: Vec<Level>,
}

impl Dendrogram {
    /// Level `l`.
    pub fn level(&self, l: usize) -> Result<&Level> {
        self.levels.get(l).ok_or(Error::OutOfRange {
            what: "level",
            index: l,
            len: self.levels.len(),
        })
    }

    /// For every community of level `l`, its parent at level `l + 1`.
    pub fn parents(&self, l: usize) -> Result<Vec<u32>> {
        let fine = self.level(l)?;
        let coarse = self.level(l + 1)?;
        let mut parent = vec![u32::MAX; fine.n_communities];
        for (u, &c) in fine.partition.iter().enumerate() {
            parent[c as usize] = coarse.partition[u];
        }
        Ok(parent)
    }
}

/// Detects communities on `g`, returning every level.
pub fn detect_communities(g: &CsrGraph, cfg: &LouvainConfig) -> Result<Dendrogram> {
    cfg.validate()?;
    let n = g.node_count();
    if n == 0 {
        return Err(Error::Empty("the graph has no node".into()));
    }
    let mut rng = cfg.seed.map(SplitMix64::new);
    let mut levels = Vec::new();
    // `node_map[u]` = node of the current (coarse) graph that holds original node `u`.
    let mut node_map: Vec<u32> = (0..n as u32).collect();
    let mut current: Option<CsrGraph> = None;
    loop {
        let graph = current.as_ref().unwrap_or(g);
        let gamma = if levels.is_empty() {
            cfg.resolution
        } else {
            cfg.coarse_resolution.unwrap_or(cfg.resolution)
        };
        let (mut zeta, changed, passes) =
            move_phase(graph, gamma, cfg.max_iterations, rng.as_mut());
        if !changed && !levels.is_empty() {
            break;
        }
        let k = compact(&mut zeta);
        let partition: Vec<u32> = node_map.iter().map(|&v| zeta[v as usize]).collect();
        let (q, q1) = (
            modularity(g, &partition, k, gamma),
            modularity(g, &partition, k, 1.0),
        );
        levels.push(Level {
            partition: partition.clone(),
            n_communities: k,
            modularity: q,
            standard_modularity: q1,
            passes,
            resolution: gamma,
        });
        if cfg.mode == LouvainMode::Plm || !changed || levels.len() >= cfg.max_levels || k == 1 {
            break;
        }
        current = Some(coarsen(graph, &zeta, k));
        node_map = partition;
    }
    Ok(Dendrogram {
        resolution: cfg.resolution,
        levels,
    })
}

/// One move phase from singletons. Returns the partition (ids are node ids of the winners, not
/// compacted), whether anything moved, and the number of passes.
fn move_phase(
    g: &CsrGraph,
    gamma: f64,
    max_iter: usize,
    mut rng: Option<&mut SplitMix64>,
) -> (Vec<u32>, bool, usize) {
    let n = g.node_count();
    let mut zeta: Vec<u32> = (0..n as u32).collect();
    let vol_node: Vec<f64> = (0..n)
        .map(|u| g.strength(u) + 2.0 * g.self_loop(u))
        .collect();
    let total = g.total_weight();
    let divisor = 2.0 * total * total;
    let mut vol_comm = vol_node.clone();
    // `affinity[c]` is valid for the current node iff `slot[c].1 == epoch`: one pass over the
    // neighbours instead of networkit's two (mark with −1, then add), same values, same order.
    // Affinity and stamp side by side: one cache line per community touched.
    let mut slot = vec![(0.0f64, 0u32); n];
    let mut epoch = 0u32;
    let mut neigh: Vec<u32> = Vec::with_capacity(64);
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut change = false;
    let mut iter = 0usize;
    loop {
        let mut moved = false;
        if let Some(r) = rng.as_deref_mut() {
            r.shuffle(&mut order);
        }
        for &u in &order {
            let u = u as usize;
            let (targets, weights) = g.neighbors(u);
            epoch = epoch.wrapping_add(1);
            if epoch == 0 {
                slot.iter_mut().for_each(|s| s.1 = 0);
                epoch = 1;
            }
            let c = zeta[u] as usize;
            slot[c] = (0.0, epoch);
            neigh.clear();
            for (&v, &w) in targets.iter().zip(weights) {
                let d = zeta[v as usize] as usize;
                let s = &mut slot[d];
                if s.1 != epoch {
                    *s = (0.0, epoch);
                    neigh.push(d as u32);
                }
                s.0 += w;
            }
            let vol_u = vol_node[u];
            let aff_c = slot[c].0;
            let vol_c_minus_u = vol_comm[c] - vol_u;
            let mut best = usize::MAX;
            let mut delta_best = -1.0f64;
            for &d in &neigh {
                let d = d as usize;
                if d != c {
                    let delta = (slot[d].0 - aff_c) / total
                        + gamma * ((vol_c_minus_u - vol_comm[d]) * vol_u) / divisor;
                    if delta > delta_best {
                        delta_best = delta;
                        best = d;
                    }
                }
            }
            if delta_best > 0.0 {
                zeta[u] = best as u32;
                vol_comm[c] -= vol_u;
                vol_comm[best] += vol_u;
                moved = true;
            }
        }
        change |= moved;
        iter += 1;
        if !(moved && iter <= max_iter) {
            break;
        }
    }
    (zeta, change, iter)
}

/// Renumbers `zeta` to `0..k` in order of first appearance; returns `k`.
fn compact(zeta: &mut [u32]) -> usize {
    let mut map = vec![u32::MAX; zeta.len()];
    let mut k = 0u32;
    for z in zeta.iter_mut() {
        let m = &mut map[*z as usize];
        if *m == u32::MAX {
            *m = k;
            k += 1;
        }
        *z = *m;
    }
    k as usize
}

/// The graph of communities: node `c` is community `c` of `zeta` (compacted, `k` of them); the
/// weight between two communities is the sum of the weights between their members, and a
/// community's self-loop holds its internal weight.
fn coarsen(g: &CsrGraph, zeta: &[u32], k: usize) -> CsrGraph {
    let mut members = vec![Vec::new(); k];
    for (u, &c) in zeta.iter().enumerate() {
        members[c as usize].push(u as u32);
    }
    let mut acc = vec![0.0f64; k];
    let mut seen = vec![false; k];
    let mut touched: Vec<u32> = Vec::new();
    let mut pairs = Vec::new();
    let mut self_loops = vec![0.0; k];
    for (c, mem) in members.iter().enumerate() {
        let mut internal_twice = 0.0;
        for &u in mem {
            self_loops[c] += g.self_loop(u as usize);
            let (targets, weights) = g.neighbors(u as usize);
            for (&v, &w) in targets.iter().zip(weights) {
                let d = zeta[v as usize] as usize;
                if d == c {
                    internal_twice += w;
                } else {
                    if !seen[d] {
                        seen[d] = true;
                        touched.push(d as u32);
                    }
                    acc[d] += w;
                }
            }
        }
        self_loops[c] += internal_twice / 2.0;
        for &d in &touched {
            pairs.push((c as u32, d, acc[d as usize]));
            acc[d as usize] = 0.0;
            seen[d as usize] = false;
        }
        touched.clear();
    }
    CsrGraph::from_directed_pairs(k, pairs, self_loops)
}

/// `Q_γ = Σ_c [e_c/m − γ (vol_c/2m)²]` of a partition with `k` communities, where `e_c` is the
/// weight inside `c` (self-loops included), `vol_c` the sum of its volumes and `m` the total
/// weight.
pub fn modularity(g: &CsrGraph, partition: &[u32], k: usize, gamma: f64) -> f64 {
    assert_eq!(partition.len(), g.node_count());
    let m = g.total_weight();
    if m == 0.0 {
        return 0.0;
    }
    let mut inside = vec![0.0f64; k];
    let mut vol = vec![0.0f64; k];
    for u in 0..g.node_count() {
        let c = partition[u] as usize;
        vol[c] += g.volume(u);
        inside[c] += g.self_loop(u);
        let (targets, weights) = g.neighbors(u);
        for (&v, &w) in targets.iter().zip(weights) {
            if partition[v as usize] as usize == c {
                inside[c] += w / 2.0;
            }
        }
    }
    inside
        .iter()
        .zip(&vol)
        .map(|(&e, &v)| e / m - gamma * (v / (2.0 * m)) * (v / (2.0 * m)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two triangles joined by one light edge.
    fn two_triangles() -> CsrGraph {
        let e = [
            (0, 1, 1.0),
            (0, 2, 1.0),
            (1, 2, 1.0),
            (3, 4, 1.0),
            (3, 5, 1.0),
            (4, 5, 1.0),
            (2, 3, 0.1),
        ];
        let mut pairs = Vec::new();
        for (a, b, w) in e {
            pairs.push((a, b, w));
            pairs.push((b, a, w));
        }
        CsrGraph::from_directed_pairs(6, pairs, vec![0.0; 6])
    }

    #[test]
    fn finds_the_two_triangles() {
        let g = two_triangles();
        let cfg = LouvainConfig {
            resolution: 1.0,
            ..LouvainConfig::default()
        };
        let d = detect_communities(&g, &cfg).unwrap();
        assert_eq!(d.levels.len(), 1);
        assert_eq!(d.levels[0].partition, vec![0, 0, 0, 1, 1, 1]);
        // Q = 2·(3/6.1 − (6.1/12.2)²) = 0.48361…
        let q = 2.0 * (3.0 / 6.1 - (6.1f64 / 12.2).powi(2));
        assert!((d.levels[0].modularity - q).abs() < 1e-12);
    }

    #[test]
    fn multilevel_merges_at_low_resolution() {
        let g = two_triangles();
        let cfg = LouvainConfig {
            // Merging the triangles gains 0.1/m − γ·vol²/(2m²) = 0.0164 − γ/2 > 0.
            resolution: 0.01,
            mode: LouvainMode::Multilevel,
            ..LouvainConfig::default()
        };
        let d = detect_communities(&g, &cfg).unwrap();
        let last = d.levels.last().unwrap();
        assert_eq!(d.levels.len(), 2);
        assert_eq!(d.levels[0].n_communities, 2);
        assert_eq!(last.n_communities, 1);
        assert_eq!(d.parents(0).unwrap(), vec![0, 0]);
        for w in d.levels.windows(2) {
            assert!(w[1].modularity >= w[0].modularity - 1e-12);
        }
    }

    #[test]
    fn coarsening_preserves_weight_and_modularity() {
        let g = two_triangles();
        let zeta = vec![0, 0, 0, 1, 1, 1];
        let c = coarsen(&g, &zeta, 2);
        assert!((c.total_weight() - g.total_weight()).abs() < 1e-12);
        assert_eq!(c.self_loop(0), 3.0);
        assert_eq!(c.neighbors(0), (&[1u32][..], &[0.1][..]));
        let q_fine = modularity(&g, &zeta, 2, 1.0);
        let q_coarse = modularity(&c, &[0, 1], 2, 1.0);
        assert!((q_fine - q_coarse).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_resolution() {
        let cfg = LouvainConfig {
            resolution: 0.0,
            ..LouvainConfig::default()
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("resolution")
        );
    }
}
