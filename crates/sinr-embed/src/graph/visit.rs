//! petgraph's visit traits for [`CsrGraph`], so that petgraph's algorithms and traversals run on
//! the graph the pipeline builds, without a copy into a petgraph `Graph`. The conventions (ids,
//! order, self-loops) are documented on [`CsrGraph`].

use std::iter::{Chain, Copied};
use std::ops::Range;

use petgraph::Undirected;
use petgraph::visit::{
    Data, EdgeCount, EdgeRef, GraphBase, GraphProp, IntoEdgeReferences, IntoEdges, IntoNeighbors,
    IntoNodeIdentifiers, IntoNodeReferences, NodeCompactIndexable, NodeCount, NodeIndexable,
    VisitMap, Visitable,
};

use super::CsrGraph;

impl GraphBase for CsrGraph {
    type NodeId = u32;
    type EdgeId = (u32, u32);
}

impl Data for CsrGraph {
    type NodeWeight = ();
    type EdgeWeight = f64;
}

impl GraphProp for CsrGraph {
    type EdgeType = Undirected;
}

impl NodeCount for CsrGraph {
    fn node_count(&self) -> usize {
        CsrGraph::node_count(self)
    }
}

impl EdgeCount for CsrGraph {
    fn edge_count(&self) -> usize {
        CsrGraph::edge_count(self)
    }
}

impl NodeIndexable for CsrGraph {
    fn node_bound(&self) -> usize {
        CsrGraph::node_count(self)
    }

    fn to_index(&self, a: u32) -> usize {
        a as usize
    }

    fn from_index(&self, i: usize) -> u32 {
        u32::try_from(i).expect("node index over u32::MAX")
    }
}

impl NodeCompactIndexable for CsrGraph {}

/// A reference to an edge of a [`CsrGraph`] (petgraph's [`EdgeRef`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CsrEdge<'a> {
    source: u32,
    target: u32,
    weight: &'a f64,
}

impl EdgeRef for CsrEdge<'_> {
    type NodeId = u32;
    type EdgeId = (u32, u32);
    type Weight = f64;

    fn source(&self) -> u32 {
        self.source
    }

    fn target(&self) -> u32 {
        self.target
    }

    fn weight(&self) -> &f64 {
        self.weight
    }

    fn id(&self) -> (u32, u32) {
        (self.source.min(self.target), self.source.max(self.target))
    }
}

impl<'a> IntoNeighbors for &'a CsrGraph {
    type Neighbors = Chain<Copied<std::slice::Iter<'a, u32>>, std::option::IntoIter<u32>>;

    /// The neighbours of `a` sorted by id, then `a` itself if it has a self-loop.
    fn neighbors(self, a: u32) -> Self::Neighbors {
        let (targets, _) = CsrGraph::neighbors(self, a as usize);
        let own = (self.self_loop(a as usize) != 0.0).then_some(a);
        targets.iter().copied().chain(own)
    }
}

/// Edges of one node of a [`CsrGraph`]: all of them ([`IntoEdges::edges`]), or those to larger
/// ids (a row of [`CsrEdgeReferences`]).
#[derive(Debug, Clone)]
pub struct CsrEdges<'a> {
    source: u32,
    targets: std::slice::Iter<'a, u32>,
    weights: std::slice::Iter<'a, f64>,
    self_loop: Option<&'a f64>,
    /// Whether the self-loop comes before the other edges (in sorted order) or after them.
    self_loop_first: bool,
}

impl<'a> CsrEdges<'a> {
    fn new(g: &'a CsrGraph, u: u32, from: usize, self_loop_first: bool) -> Self {
        let (targets, weights) = CsrGraph::neighbors(g, u as usize);
        Self {
            source: u,
            targets: targets[from..].iter(),
            weights: weights[from..].iter(),
            self_loop: g.self_loop_ref(u as usize),
            self_loop_first,
        }
    }

    fn self_loop(&mut self) -> Option<CsrEdge<'a>> {
        self.self_loop.take().map(|weight| CsrEdge {
            source: self.source,
            target: self.source,
            weight,
        })
    }
}

impl<'a> Iterator for CsrEdges<'a> {
    type Item = CsrEdge<'a>;

    fn next(&mut self) -> Option<CsrEdge<'a>> {
        if self.self_loop_first
            && let Some(e) = self.self_loop()
        {
            return Some(e);
        }
        match (self.targets.next(), self.weights.next()) {
            (Some(&target), Some(weight)) => Some(CsrEdge {
                source: self.source,
                target,
                weight,
            }),
            _ => self.self_loop(),
        }
    }
}

impl<'a> IntoEdges for &'a CsrGraph {
    type Edges = CsrEdges<'a>;

    /// The edges at `a`, with `a` as their source: by neighbour id, then the self-loop if any.
    fn edges(self, a: u32) -> CsrEdges<'a> {
        CsrEdges::new(self, a, 0, false)
    }
}

/// Every edge of a [`CsrGraph`] once ([`IntoEdgeReferences::edge_references`]).
#[derive(Debug, Clone)]
pub struct CsrEdgeReferences<'a> {
    graph: &'a CsrGraph,
    /// The node whose row is being read.
    node: u32,
    /// What is left of that row: the edges to larger ids, after the self-loop.
    rest: CsrEdges<'a>,
}

impl<'a> Iterator for CsrEdgeReferences<'a> {
    type Item = CsrEdge<'a>;

    fn next(&mut self) -> Option<CsrEdge<'a>> {
        loop {
            if let Some(e) = self.rest.next() {
                return Some(e);
            }
            if self.node as usize + 1 >= self.graph.node_count() {
                return None;
            }
            self.node += 1;
            self.rest = CsrEdgeReferences::upper_row(self.graph, self.node);
        }
    }
}

impl<'a> CsrEdgeReferences<'a> {
    /// The self-loop of `u` (if any), then its edges to larger ids.
    fn upper_row(g: &'a CsrGraph, u: u32) -> CsrEdges<'a> {
        let start = CsrGraph::neighbors(g, u as usize)
            .0
            .partition_point(|&v| v < u);
        CsrEdges::new(g, u, start, true)
    }
}

impl<'a> IntoEdgeReferences for &'a CsrGraph {
    type EdgeRef = CsrEdge<'a>;
    type EdgeReferences = CsrEdgeReferences<'a>;

    /// Every edge once, as `(u, v)` with `u ≤ v`, sorted.
    fn edge_references(self) -> CsrEdgeReferences<'a> {
        let rest = CsrEdges {
            source: 0,
            targets: [].iter(),
            weights: [].iter(),
            self_loop: None,
            self_loop_first: true,
        };
        let mut refs = CsrEdgeReferences {
            graph: self,
            node: 0,
            rest,
        };
        if CsrGraph::node_count(self) > 0 {
            refs.rest = CsrEdgeReferences::upper_row(self, 0);
        }
        refs
    }
}

impl IntoNodeIdentifiers for &CsrGraph {
    type NodeIdentifiers = Range<u32>;

    fn node_identifiers(self) -> Range<u32> {
        0..self.from_index(self.node_count())
    }
}

/// The nodes of a [`CsrGraph`] with their (unit) weights ([`IntoNodeReferences`]).
pub type CsrNodeReferences = std::iter::Map<Range<u32>, fn(u32) -> (u32, ())>;

impl IntoNodeReferences for &CsrGraph {
    type NodeRef = (u32, ());
    type NodeReferences = CsrNodeReferences;

    fn node_references(self) -> CsrNodeReferences {
        self.node_identifiers().map(|u| (u, ()))
    }
}

/// The visited set of petgraph's traversals on a [`CsrGraph`] ([`Visitable`]).
#[derive(Debug, Clone, Default)]
pub struct CsrVisitMap {
    visited: Vec<bool>,
}

impl VisitMap<u32> for CsrVisitMap {
    fn visit(&mut self, a: u32) -> bool {
        !std::mem::replace(&mut self.visited[a as usize], true)
    }

    fn is_visited(&self, a: &u32) -> bool {
        self.visited[*a as usize]
    }

    fn unvisit(&mut self, a: u32) -> bool {
        std::mem::replace(&mut self.visited[a as usize], false)
    }
}

impl Visitable for CsrGraph {
    type Map = CsrVisitMap;

    fn visit_map(&self) -> CsrVisitMap {
        CsrVisitMap {
            visited: vec![false; CsrGraph::node_count(self)],
        }
    }

    fn reset_map(&self, map: &mut CsrVisitMap) {
        map.visited.clear();
        map.visited.resize(CsrGraph::node_count(self), false);
    }
}
