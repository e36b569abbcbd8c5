//! The weighted word graph, in petgraph, and the compact adjacency arrays the algorithms run on.
//!
//! [`build_graph`] turns the (PMI-filtered) co-occurrence matrix into an undirected petgraph
//! graph whose weights are the counts, dropping isolated words. Like the reference's
//! `get_compact_lgcc` (which, despite its name, only drops degree-0 nodes), node ids are
//! compacted in order, so node `i` is word `i` of the graph's own vocabulary.
//!
//! [`CsrGraph`] is the compact form used by Louvain and node recall: offsets, targets and weights
//! in flat arrays, each node's neighbours sorted by id (which is the order networkit stores them
//! in when the graph is built from a sorted COO matrix, and so the order in which its Louvain
//! meets neighbouring communities), self-loops kept apart.

use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences, NodeCount, NodeIndexable};

use crate::cooccurrence::CooccurrenceMatrix;
use crate::error::{Error, Result};
use crate::vocab::{Vocabulary, WordId};

/// The word co-occurrence graph: node `i` carries `WordId(i)` of [`WordGraph::vocab`].
#[derive(Debug, Clone)]
pub struct WordGraph {
    /// The graph; edge weights are co-occurrence counts.
    pub graph: UnGraph<WordId, f64>,
    /// The words that are nodes (the input vocabulary minus isolated words), in id order.
    pub vocab: Vocabulary,
}

impl WordGraph {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Total edge weight.
    pub fn total_weight(&self) -> f64 {
        self.graph.edge_weights().sum()
    }

    /// The compact adjacency form.
    pub fn to_csr(&self) -> CsrGraph {
        CsrGraph::from_petgraph(&self.graph, |e| *e.weight())
    }
}

/// Builds the undirected weighted graph of the matrix, dropping words with no edge.
///
/// # Errors
/// [`Error::Empty`] if no edge is left.
pub fn build_graph(m: &CooccurrenceMatrix, vocab: &Vocabulary) -> Result<WordGraph> {
    assert_eq!(
        m.n_words(),
        vocab.len(),
        "matrix and vocabulary sizes differ"
    );
    let deg = m.degrees();
    let (nodes, map) = vocab.retain(|w| deg[w.index()] > 0);
    if nodes.is_empty() {
        return Err(Error::Empty(
            "the co-occurrence graph has no edge (every pair was filtered out)".into(),
        ));
    }
    let mut graph = UnGraph::with_capacity(nodes.len(), m.nnz());
    for i in 0..nodes.len() {
        graph.add_node(WordId(i as u32));
    }
    for (a, b, c) in m.iter() {
        let (Some(na), Some(nb)) = (map[a.index()], map[b.index()]) else {
            unreachable!("an edge touches a dropped word");
        };
        graph.add_edge(
            NodeIndex::new(na.index()),
            NodeIndex::new(nb.index()),
            c as f64,
        );
    }
    Ok(WordGraph {
        graph,
        vocab: nodes,
    })
}

/// Undirected weighted graph in compressed sparse row form.
///
/// Every edge `{u, v}` with `u ≠ v` is stored in both rows; self-loops are kept apart in
/// [`CsrGraph::self_loop`]. Neighbours are sorted by id.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_words_are_dropped_and_ids_compacted() {
        let vocab = Vocabulary::from_counts(vec![
            ("a".into(), 1),
            ("b".into(), 1),
            ("c".into(), 1),
            ("d".into(), 1),
        ]);
        let m = CooccurrenceMatrix::from_entries(
            4,
            [(WordId(0), WordId(2), 3), (WordId(2), WordId(3), 1)],
        );
        let g = build_graph(&m, &vocab).unwrap();
        assert_eq!(g.vocab.words(), ["a", "c", "d"]);
        assert_eq!(g.edge_count(), 2);
        let csr = g.to_csr();
        assert_eq!(csr.neighbors(1), (&[0u32, 2][..], &[3.0, 1.0][..]));
        assert_eq!(csr.total_weight(), 4.0);
        assert_eq!(csr.volume(1), 4.0);
    }

    #[test]
    fn empty_graph_is_an_error() {
        let vocab = Vocabulary::from_counts(vec![("a".into(), 1)]);
        let m = CooccurrenceMatrix::from_entries(1, []);
        assert!(matches!(build_graph(&m, &vocab), Err(Error::Empty(_))));
    }
}
