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

use rayon::prelude::*;
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

/// How a move phase visits the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Moves {
    /// One node after the other, every node at every pass: networkit's PLM on one thread, whose
    /// partition it reproduces exactly. Uses one thread.
    #[default]
    Serial,
    /// Nodes in batches of [`MOVE_BATCH`]: the moves of a batch are chosen on every thread
    /// against the partition as it stood at the start of the batch, then made in node order,
    /// each only if it still raises `Q_γ` (so `Q_γ` rises with every move, as in the serial
    /// phase). A pass visits only the nodes that moved or a neighbour of which moved in the
    /// previous pass (pruning, Ozaki et al. 2016). Deterministic: the same partition on any
    /// number of threads; not networkit's.
    Batched,
}

/// Nodes whose moves [`Moves::Batched`] chooses together.
pub const MOVE_BATCH: usize = 1024;

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
    /// How the move phase visits nodes: networkit's serial order (the reference's partition)
    /// or batches chosen in parallel.
    #[serde(default)]
    pub moves: Moves,
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
            moves: Moves::Serial,
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
        let (mut zeta, changed, passes) = match cfg.moves {
            Moves::Serial => move_phase(graph, gamma, cfg.max_iterations, rng.as_mut()),
            Moves::Batched => move_phase_batched(graph, gamma, cfg.max_iterations, rng.as_mut()),
        };
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

/// What a move phase reads: the graph, γ and the node volumes.
struct MoveContext<'g> {
    g: &'g CsrGraph,
    gamma: f64,
    total: f64,
    divisor: f64,
    vol_node: Vec<f64>,
}

impl<'g> MoveContext<'g> {
    fn new(g: &'g CsrGraph, gamma: f64) -> Self {
        let total = g.total_weight();
        Self {
            g,
            gamma,
            total,
            divisor: 2.0 * total * total,
            vol_node: (0..g.node_count())
                .map(|u| g.strength(u) + 2.0 * g.self_loop(u))
                .collect(),
        }
    }
}

impl MoveContext<'_> {
    /// Whether moving `u` from `c` to `d` raises `Q_γ` in the partition as it is now.
    fn gains(&self, u: usize, c: usize, d: usize, zeta: &[u32], vol_comm: &[f64]) -> bool {
        let (targets, weights) = self.g.neighbors(u);
        let (mut aff_c, mut aff_d) = (0.0, 0.0);
        for (&v, &w) in targets.iter().zip(weights) {
            let z = zeta[v as usize] as usize;
            if z == c && v as usize != u {
                aff_c += w;
            } else if z == d {
                aff_d += w;
            }
        }
        let vol_u = self.vol_node[u];
        let delta = (aff_d - aff_c) / self.total
            + self.gamma * ((vol_comm[c] - vol_u - vol_comm[d]) * vol_u) / self.divisor;
        delta > 0.0
    }
}

/// The partition a move phase changes, with the volume of every community.
struct Partition {
    zeta: Vec<u32>,
    vol_comm: Vec<f64>,
}

impl Partition {
    /// Every node alone.
    fn singletons(cx: &MoveContext<'_>) -> Self {
        Self {
            zeta: (0..cx.vol_node.len() as u32).collect(),
            vol_comm: cx.vol_node.clone(),
        }
    }

    /// Moves `u` into community `d`.
    #[inline]
    fn move_node(&mut self, cx: &MoveContext<'_>, u: usize, d: usize) {
        let c = self.zeta[u] as usize;
        self.zeta[u] = d as u32;
        self.vol_comm[c] -= cx.vol_node[u];
        self.vol_comm[d] += cx.vol_node[u];
    }
}

/// One worker's buffers for [`best_move`].
struct Scratch {
    /// `affinity[c]` is valid for the current node iff `slot[c].1 == epoch`: one pass over the
    /// neighbours instead of networkit's two (mark with −1, then add), same values, same order.
    /// Affinity and stamp side by side: one cache line per community touched.
    slot: Vec<(f64, u32)>,
    epoch: u32,
    /// The neighbouring communities, in the order met.
    neigh: Vec<u32>,
    /// Moves chosen (node, community), for the batched phase.
    moves: Vec<(u32, u32)>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Self {
            slot: vec![(0.0, 0); n],
            epoch: 0,
            neigh: Vec::with_capacity(64),
            moves: Vec::new(),
        }
    }
}

/// The community `u` gains most by moving to, if a move gains anything: networkit's gain,
/// evaluated in its floating-point order, the first best on ties.
#[inline]
fn best_move(
    cx: &MoveContext<'_>,
    u: usize,
    zeta: &[u32],
    vol_comm: &[f64],
    s: &mut Scratch,
) -> Option<u32> {
    let (targets, weights) = cx.g.neighbors(u);
    s.epoch = s.epoch.wrapping_add(1);
    if s.epoch == 0 {
        s.slot.iter_mut().for_each(|x| x.1 = 0);
        s.epoch = 1;
    }
    let epoch = s.epoch;
    let c = zeta[u] as usize;
    s.slot[c] = (0.0, epoch);
    s.neigh.clear();
    for (&v, &w) in targets.iter().zip(weights) {
        let d = zeta[v as usize] as usize;
        let x = &mut s.slot[d];
        if x.1 != epoch {
            *x = (0.0, epoch);
            s.neigh.push(d as u32);
        }
        x.0 += w;
    }
    let vol_u = cx.vol_node[u];
    let aff_c = s.slot[c].0;
    let vol_c_minus_u = vol_comm[c] - vol_u;
    let mut best = u32::MAX;
    let mut delta_best = -1.0f64;
    for &d in &s.neigh {
        let d = d as usize;
        if d != c {
            let delta = (s.slot[d].0 - aff_c) / cx.total
                + cx.gamma * ((vol_c_minus_u - vol_comm[d]) * vol_u) / cx.divisor;
            if delta > delta_best {
                delta_best = delta;
                best = d as u32;
            }
        }
    }
    (delta_best > 0.0).then_some(best)
}

/// One move phase from singletons, serial ([`Moves::Serial`]). Returns the partition (ids
/// are node ids of the winners, not compacted), whether anything moved, and the number of
/// passes.
fn move_phase(
    g: &CsrGraph,
    gamma: f64,
    max_iter: usize,
    mut rng: Option<&mut SplitMix64>,
) -> (Vec<u32>, bool, usize) {
    let n = g.node_count();
    let cx = MoveContext::new(g, gamma);
    let mut p = Partition::singletons(&cx);
    let mut scratch = Scratch::new(n);
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
            if let Some(best) = best_move(&cx, u, &p.zeta, &p.vol_comm, &mut scratch) {
                p.move_node(&cx, u, best as usize);
                moved = true;
            }
        }
        change |= moved;
        iter += 1;
        if !(moved && iter <= max_iter) {
            break;
        }
    }
    (p.zeta, change, iter)
}

/// One move phase from singletons, in parallel batches with pruning ([`Moves::Batched`]).
/// Returns what [`move_phase`] returns.
fn move_phase_batched(
    g: &CsrGraph,
    gamma: f64,
    max_iter: usize,
    mut rng: Option<&mut SplitMix64>,
) -> (Vec<u32>, bool, usize) {
    let n = g.node_count();
    let cx = MoveContext::new(g, gamma);
    let mut p = Partition::singletons(&cx);
    let workers = rayon::current_num_threads().max(1);
    let mut scratches: Vec<Scratch> = (0..workers).map(|_| Scratch::new(n)).collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    // Nodes to visit in this pass and in the next.
    let mut active = vec![true; n];
    let mut next = vec![false; n];
    let mut visit: Vec<u32> = Vec::with_capacity(n);
    // `dirty[c] == stamp`: community `c` gained or lost a node in the current batch.
    let mut dirty = vec![0u32; n];
    let mut stamp = 0u32;
    let mut change = false;
    let mut iter = 0usize;
    loop {
        let mut moved = false;
        if let Some(r) = rng.as_deref_mut() {
            r.shuffle(&mut order);
        }
        visit.clear();
        visit.extend(order.iter().copied().filter(|&u| active[u as usize]));
        for batch in visit.chunks(MOVE_BATCH) {
            stamp += 1;
            let per = batch.len().div_ceil(workers);
            scratches.iter_mut().for_each(|s| s.moves.clear());
            {
                let (zeta, vol_comm) = (&p.zeta, &p.vol_comm);
                scratches
                    .par_iter_mut()
                    .zip(batch.par_chunks(per))
                    .for_each(|(s, part)| {
                        for &u in part {
                            if let Some(d) = best_move(&cx, u as usize, zeta, vol_comm, s) {
                                s.moves.push((u, d));
                            }
                        }
                    });
            }
            for s in &scratches {
                for &(u, d) in &s.moves {
                    let (u, d) = (u as usize, d as usize);
                    let c = p.zeta[u] as usize;
                    if d == c {
                        continue;
                    }
                    // The gain was computed on the partition at the start of the batch. If no move
                    // of this batch has touched `c` or `d` yet, their volumes and `u`'s weights
                    // to them are what they were, and so is the gain; else it is computed again.
                    let clean = dirty[c] != stamp && dirty[d] != stamp;
                    if !clean && !cx.gains(u, c, d, &p.zeta, &p.vol_comm) {
                        continue;
                    }
                    dirty[c] = stamp;
                    dirty[d] = stamp;
                    p.move_node(&cx, u, d);
                    moved = true;
                    next[u] = true;
                    for &v in g.neighbors(u).0 {
                        next[v as usize] = true;
                    }
                }
            }
        }
        std::mem::swap(&mut active, &mut next);
        next.iter_mut().for_each(|x| *x = false);
        change |= moved;
        iter += 1;
        if !(moved && iter <= max_iter) {
            break;
        }
    }
    (p.zeta, change, iter)
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
    fn batched_moves_find_the_two_triangles() {
        let g = two_triangles();
        let cfg = LouvainConfig {
            resolution: 1.0,
            moves: Moves::Batched,
            ..LouvainConfig::default()
        };
        let d = detect_communities(&g, &cfg).unwrap();
        assert_eq!(d.levels[0].partition, vec![0, 0, 0, 1, 1, 1]);
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
