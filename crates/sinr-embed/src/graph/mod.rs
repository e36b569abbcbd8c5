//! The weighted word graph, stored once, in compressed sparse row form, and read through
//! petgraph's traits.
//!
//! [`build_graph`] turns the (PMI-filtered) co-occurrence matrix into an undirected graph whose
//! weights are the counts, dropping isolated words. Like the reference's `get_compact_lgcc`
//! (which, despite its name, only drops degree-0 nodes), node ids are compacted in order, so node
//! `i` is word `i` of the graph's own vocabulary.
//!
//! The graph is built straight into a [`CsrGraph`], the form Louvain and node recall run on: no
//! petgraph `Graph` is built and copied (at the corpus scale that was a second full edge list,
//! alive for the whole run). [`CsrGraph`] implements petgraph's visit traits, so petgraph's
//! algorithms and traversals (`connected_components`, `Bfs`, `dijkstra`, …) run on it directly,
//! and [`CsrGraph::from_petgraph`] reads any petgraph graph.

mod csr;
mod visit;

pub use csr::CsrGraph;
pub use visit::{CsrEdge, CsrEdgeReferences, CsrEdges, CsrNodeReferences, CsrVisitMap};

use crate::cooccurrence::CooccurrenceMatrix;
use crate::error::{Error, Result};
use crate::vocab::{Vocabulary, WordId};

/// The word co-occurrence graph: node `i` is `WordId(i)` of [`WordGraph::vocab`].
#[derive(Debug, Clone)]
pub struct WordGraph {
    /// The graph; edge weights are co-occurrence counts. It is a petgraph graph through the
    /// visit traits `&CsrGraph` implements.
    pub graph: CsrGraph,
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
        self.graph.total_weight()
    }

    /// A copy of [`WordGraph::graph`], which is already the compact form: borrow that instead
    /// where you can (the copy is as large as the graph).
    pub fn to_csr(&self) -> CsrGraph {
        self.graph.clone()
    }
}

/// Builds the undirected weighted graph of the matrix, dropping words with no edge.
///
/// # Errors
/// [`Error::Empty`] if no edge is left.
///
/// # Complexity
/// O(|V| + |E|) time; the result and O(|V|) besides.
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
    // Dropping words keeps the order, so node ids grow with word ids and rows stay sorted.
    let word: Vec<u32> = (0..vocab.len() as u32)
        .filter(|&w| map[w as usize].is_some())
        .collect();
    let graph = CsrGraph::from_upper_rows(
        nodes.len(),
        |r| m.row(WordId(word[r])),
        |c| match map[c as usize] {
            Some(n) => n.0,
            None => unreachable!("an edge touches a dropped word"),
        },
    );
    Ok(WordGraph {
        graph,
        vocab: nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::graph::{NodeIndex, UnGraph};
    use proptest::prelude::*;

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
        let csr = &g.graph;
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

    /// What `build_graph` did before it built the CSR directly: a petgraph `UnGraph` with the
    /// matrix's edges added in row-major order, then copied by `CsrGraph::from_petgraph`.
    fn through_petgraph(m: &CooccurrenceMatrix, vocab: &Vocabulary) -> (Vocabulary, CsrGraph) {
        let deg = m.degrees();
        let (nodes, map) = vocab.retain(|w| deg[w.index()] > 0);
        let mut g = UnGraph::<WordId, f64>::with_capacity(nodes.len(), m.nnz());
        for i in 0..nodes.len() {
            g.add_node(WordId(i as u32));
        }
        for (a, b, c) in m.iter() {
            let (na, nb) = (map[a.index()].unwrap(), map[b.index()].unwrap());
            g.add_edge(
                NodeIndex::new(na.index()),
                NodeIndex::new(nb.index()),
                c as f64,
            );
        }
        (nodes, CsrGraph::from_petgraph(&g, |e| *e.weight()))
    }

    proptest! {
        /// Same nodes, neighbour order and weights as the petgraph construction it replaces.
        #[test]
        fn direct_csr_equals_the_petgraph_copy(
            n in 1usize..30,
            entries in prop::collection::vec((0u32..30, 0u32..30, 1u64..50), 0..120),
        ) {
            let entries: Vec<_> = entries
                .into_iter()
                .filter(|&(a, b, _)| a != b && (a as usize) < n && (b as usize) < n)
                .map(|(a, b, c)| (WordId(a.min(b)), WordId(a.max(b)), c))
                .collect();
            let vocab = Vocabulary::from_counts((0..n).map(|i| (format!("w{i:02}"), 1)).collect());
            let m = CooccurrenceMatrix::from_entries(n, entries);
            match build_graph(&m, &vocab) {
                Err(Error::Empty(_)) => prop_assert_eq!(m.nnz(), 0),
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
                Ok(g) => {
                    let (nodes, csr) = through_petgraph(&m, &vocab);
                    prop_assert_eq!(g.vocab.words(), nodes.words());
                    prop_assert_eq!(&g.graph, &csr);
                    prop_assert_eq!(g.edge_count(), m.nnz());
                }
            }
        }
    }
}
