//! The compact adjacency arrays the algorithms run on.
//!
//! [`CsrGraph`] holds offsets, targets and weights in flat arrays, each node's neighbours sorted
//! by id (which is the order networkit stores them in when the graph is built from a sorted COO
//! matrix, and so the order in which its Louvain meets neighbouring communities), self-loops kept
//! apart. Louvain and node recall read its slices directly; everything else can read it through
//! petgraph's traits (`super::visit`).

use petgraph::visit::{EdgeRef, IntoEdgeReferences, NodeCount, NodeIndexable};
use rayon::prelude::*;

use crate::sparse::balanced_row_bounds;

/// Undirected weighted graph in compressed sparse row form.
///
/// Every edge `{u, v}` with `u ≠ v` is stored in both rows; self-loops are kept apart in
/// [`CsrGraph::self_loop`]. Neighbours are sorted by id.
///
/// # As a petgraph graph
///
/// `CsrGraph` implements petgraph's visit traits (`GraphBase`, `Data`, `GraphProp`,
/// `NodeCount`, `EdgeCount`, `NodeIndexable`, `NodeCompactIndexable`, `Visitable`, and for
/// `&CsrGraph` `IntoNeighbors`, `IntoEdges`, `IntoEdgeReferences`, `IntoNodeIdentifiers`,
/// `IntoNodeReferences`), so petgraph's algorithms run on it. Node ids are the `u32` indices
/// `0..n`; node weights are `()`, edge weights the `f64` weights. The graph is undirected: an
/// edge `{u, v}` has the id `(min(u, v), max(u, v))` from whichever end it is read,
/// `edge_references` yields it once (as `u ≤ v`, in sorted order), and `edges(u)` yields it
/// from `u`'s end, with `u` as the source, in neighbour order. A self-loop (only Louvain's
/// coarsened graphs have them) is an edge `(u, u)`, and `u` is then its own neighbour, listed
/// after the others. The inherent [`CsrGraph::neighbors`] (slices, by `usize`) is what the
/// algorithms of this crate use; petgraph's `IntoNeighbors::neighbors` is an iterator.
///
/// ```
/// use petgraph::algo::{connected_components, dijkstra};
/// use petgraph::visit::{Bfs, EdgeRef, IntoEdgeReferences};
/// use sinr_embed::{CooccurrenceMatrix, Vocabulary, WordId, build_graph};
///
/// let vocab = Vocabulary::from_counts(["a", "b", "c", "d"].map(|w| (w.into(), 1)).to_vec());
/// let m = CooccurrenceMatrix::from_entries(
///     4,
///     [(WordId(0), WordId(1), 2), (WordId(1), WordId(2), 1), (WordId(0), WordId(2), 5)],
/// );
/// let g = build_graph(&m, &vocab)?; // "d" has no edge: dropped
/// assert_eq!(connected_components(&g.graph), 1);
/// let edges: Vec<(u32, u32, f64)> =
///     g.graph.edge_references().map(|e| (e.source(), e.target(), *e.weight())).collect();
/// assert_eq!(edges, [(0, 1, 2.0), (0, 2, 5.0), (1, 2, 1.0)]);
/// assert_eq!(dijkstra(&g.graph, 0, Some(2), |e| *e.weight())[&2], 3.0);
/// let mut bfs = Bfs::new(&g.graph, 2);
/// let mut order = Vec::new();
/// while let Some(u) = bfs.next(&g.graph) {
///     order.push(u);
/// }
/// assert_eq!(order, [2, 0, 1]);
/// # Ok::<(), sinr_embed::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CsrGraph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    self_loops: Vec<f64>,
}

impl CsrGraph {
    /// Builds the compact form of any petgraph graph, reading weights with `weight`. Parallel
    /// edges are summed; directed graphs are read as undirected.
    ///
    /// # Complexity
    /// O(|E| log Δ) time, O(|V| + |E|) memory.
    pub fn from_petgraph<G>(g: G, weight: impl Fn(G::EdgeRef) -> f64) -> Self
    where
        G: IntoEdgeReferences + NodeIndexable + NodeCount,
    {
        let n = g.node_bound();
        let mut self_loops = vec![0.0; n];
        let mut offsets = vec![0usize; n + 1];
        for e in g.edge_references() {
            let (a, b) = (g.to_index(e.source()), g.to_index(e.target()));
            if a != b {
                offsets[a + 1] += 1;
                offsets[b + 1] += 1;
            }
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        // Counting-sort fill. A graph whose edges were added in row-major order (as
        // `build_graph` does) comes out with sorted rows; anything else is sorted below.
        let mut next = offsets.clone();
        let mut targets = vec![0u32; offsets[n]];
        let mut weights = vec![0.0f64; offsets[n]];
        for e in g.edge_references() {
            let (a, b) = (g.to_index(e.source()), g.to_index(e.target()));
            let w = weight(e);
            if a == b {
                self_loops[a] += w;
                continue;
            }
            for (x, y) in [(a, b), (b, a)] {
                targets[next[x]] = y as u32;
                weights[next[x]] = w;
                next[x] += 1;
            }
        }
        let sorted = (0..n).all(|u| {
            targets[offsets[u]..offsets[u + 1]]
                .windows(2)
                .all(|p| p[0] < p[1])
        });
        if sorted {
            return Self {
                offsets,
                targets,
                weights,
                self_loops,
            };
        }
        let mut edges = Vec::with_capacity(targets.len());
        for u in 0..n {
            for k in offsets[u]..offsets[u + 1] {
                edges.push((u as u32, targets[k], weights[k]));
            }
        }
        Self::from_directed_pairs(n, edges, self_loops)
    }

    /// Builds from the upper triangle of a symmetric matrix without self-loops: `edges()` yields
    /// every `(u, v, w)` with `u < v` once, sorted by `(u, v)`, and is called twice (one pass
    /// counts, one fills), so no edge list is materialised. Rows come out sorted: row `v`
    /// receives its smaller neighbours `u` in the order of the rows `u`, then its own row.
    ///
    /// # Complexity
    /// O(|V| + |E|) time; O(|V|) memory besides the result.
    pub(crate) fn from_sorted_upper<I>(n: usize, edges: impl Fn() -> I) -> Self
    where
        I: Iterator<Item = (u32, u32, f64)>,
    {
        let mut offsets = vec![0usize; n + 1];
        for (u, v, _) in edges() {
            debug_assert!(u < v, "not an upper-triangle entry: ({u}, {v})");
            offsets[u as usize + 1] += 1;
            offsets[v as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets[..n].to_vec();
        let mut targets = vec![0u32; offsets[n]];
        let mut weights = vec![0.0f64; offsets[n]];
        for (u, v, w) in edges() {
            for (x, y) in [(u, v), (v, u)] {
                let k = &mut next[x as usize];
                targets[*k] = y;
                weights[*k] = w;
                *k += 1;
            }
        }
        debug_assert!((0..n).all(|u| {
            targets[offsets[u]..offsets[u + 1]]
                .windows(2)
                .all(|p| p[0] < p[1])
        }));
        Self {
            offsets,
            targets,
            weights,
            self_loops: vec![0.0; n],
        }
    }

    /// Builds from the upper triangle of a symmetric matrix without self-loops, in parallel:
    /// `row(r)` is the upper row of node `r` (its neighbours above `r`, sorted, as ids that
    /// `col` maps to nodes, increasingly, with the counts). Node `v`'s row is its smaller
    /// neighbours in the order of their rows, then its own row: what
    /// [`CsrGraph::from_sorted_upper`] builds, with every thread filling its own rows.
    pub(crate) fn from_upper_rows<'a>(
        n: usize,
        row: impl Fn(usize) -> (&'a [u32], &'a [u64]) + Sync,
        col: impl Fn(u32) -> u32 + Sync,
    ) -> Self {
        // Every node's degree: its upper row plus the entries naming it in the rows above.
        let lower = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .fold(
                || vec![0usize; n],
                |mut acc, r| {
                    for &c in row(r).0 {
                        acc[col(c) as usize] += 1;
                    }
                    acc
                },
            )
            .reduce(
                || vec![0usize; n],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            );
        let mut offsets = vec![0usize; n + 1];
        for v in 0..n {
            offsets[v + 1] = offsets[v] + lower[v] + row(v).0.len();
        }
        let mut targets = vec![0u32; offsets[n]];
        let mut weights = vec![0.0f64; offsets[n]];
        // Ranges of rows with about the same number of entries, each filled by one task.
        let mut ranges: Vec<(usize, usize, &mut [u32], &mut [f64])> = Vec::new();
        let (mut t_rest, mut w_rest) = (targets.as_mut_slice(), weights.as_mut_slice());
        for w in balanced_row_bounds(&offsets).windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = offsets[b] - offsets[a];
            let (t, tr) = std::mem::take(&mut t_rest).split_at_mut(len);
            let (w, wr) = std::mem::take(&mut w_rest).split_at_mut(len);
            (t_rest, w_rest) = (tr, wr);
            ranges.push((a, b, t, w));
        }
        ranges.into_par_iter().for_each(|(a, b, t, w)| {
            let base = offsets[a];
            let mut next: Vec<usize> = (a..b).map(|v| offsets[v] - base).collect();
            for r in 0..b.saturating_sub(1) {
                let (cols, counts) = row(r);
                let start = cols.partition_point(|&c| (col(c) as usize) < a);
                for (&c, &x) in cols[start..].iter().zip(&counts[start..]) {
                    let v = col(c) as usize;
                    if v >= b {
                        break;
                    }
                    let k = &mut next[v - a];
                    t[*k] = r as u32;
                    w[*k] = x as f64;
                    *k += 1;
                }
            }
            for v in a..b {
                let (cols, counts) = row(v);
                let k = next[v - a];
                for (i, (&c, &x)) in cols.iter().zip(counts).enumerate() {
                    t[k + i] = col(c);
                    w[k + i] = x as f64;
                }
            }
        });
        Self {
            offsets,
            targets,
            weights,
            self_loops: vec![0.0; n],
        }
    }

    /// Builds from both directions of every edge (`(u, v, w)` and `(v, u, w)`).
    pub(crate) fn from_directed_pairs(
        n: usize,
        mut edges: Vec<(u32, u32, f64)>,
        self_loops: Vec<f64>,
    ) -> Self {
        edges.sort_unstable_by_key(|x| (x.0, x.1));
        let mut offsets = vec![0usize; n + 1];
        let mut targets = Vec::with_capacity(edges.len());
        let mut weights: Vec<f64> = Vec::with_capacity(edges.len());
        let mut last: Option<(u32, u32)> = None;
        for (a, b, w) in edges {
            if last == Some((a, b)) {
                *weights.last_mut().expect("previous entry") += w;
                continue;
            }
            last = Some((a, b));
            offsets[a as usize + 1] += 1;
            targets.push(b);
            weights.push(w);
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        Self {
            offsets,
            targets,
            weights,
            self_loops,
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.self_loops.len()
    }

    /// Number of undirected edges, self-loops included.
    pub fn edge_count(&self) -> usize {
        self.targets.len() / 2 + self.self_loops.iter().filter(|&&w| w != 0.0).count()
    }

    /// Neighbours of `u` (without `u` itself) and the edge weights, sorted by neighbour.
    #[inline]
    pub fn neighbors(&self, u: usize) -> (&[u32], &[f64]) {
        let (s, e) = (self.offsets[u], self.offsets[u + 1]);
        (&self.targets[s..e], &self.weights[s..e])
    }

    /// Weight of the self-loop of `u` (0 if none).
    #[inline]
    pub fn self_loop(&self, u: usize) -> f64 {
        self.self_loops[u]
    }

    /// The self-loop of `u`, if it has one.
    #[inline]
    pub(crate) fn self_loop_ref(&self, u: usize) -> Option<&f64> {
        Some(&self.self_loops[u]).filter(|&&w| w != 0.0)
    }

    /// Weighted degree of `u` without its self-loop: Σ_{v≠u} w(u, v).
    pub fn strength(&self, u: usize) -> f64 {
        self.neighbors(u).1.iter().sum()
    }

    /// Volume of `u` as modularity counts it: Σ_{v≠u} w(u, v) + 2·w(u, u).
    pub fn volume(&self, u: usize) -> f64 {
        self.strength(u) + 2.0 * self.self_loop(u)
    }

    /// Total edge weight m = Σ_{edges} w (each undirected edge once, self-loops once).
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum::<f64>() / 2.0 + self.self_loops.iter().sum::<f64>()
    }
}
