//! Aligning the communities of two models (the reference's `transfert_communities_labels`):
//! over the words both models embed, each community of the first is matched with the community
//! of the second that shares most of its words.

use crate::error::Result;
use crate::model::SinrModel;

/// One community of the first model and its best match in the second.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedCommunity {
    /// The community in the first model.
    pub a: u32,
    /// The second model's community sharing most of its (common) words; ties: the lowest id.
    pub b: u32,
    /// Common words of `a`.
    pub a_size: usize,
    /// Common words of `b`.
    pub b_size: usize,
    /// Common words in both.
    pub shared: usize,
    /// `shared / |a ∪ b|` over the common words.
    pub jaccard: f64,
}

/// The alignment of two models' partitions at the given levels.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Words embedded by both models.
    pub common_words: usize,
    /// Every community of the first model with a common word, by id.
    pub communities: Vec<AlignedCommunity>,
    /// The two partitions restricted to the common words (first model's, second model's), in
    /// the first model's word order: for agreement scores such as NMI.
    pub labels: (Vec<u32>, Vec<u32>),
}

/// Aligns level `level_a` of `a` with level `level_b` of `b`.
///
/// # Errors
/// A level a model does not have.
pub fn align_communities(
    a: &SinrModel,
    level_a: usize,
    b: &SinrModel,
    level_b: usize,
) -> Result<Alignment> {
    let pa = &a.dendrogram.level(level_a)?.partition;
    let pb = &b.dendrogram.level(level_b)?.partition;
    let mut la = Vec::new();
    let mut lb = Vec::new();
    for (i, w) in a.vocab.words().iter().enumerate() {
        if let Some(j) = b.vocab.id(w) {
            la.push(pa[i]);
            lb.push(pb[j.index()]);
        }
    }
    let na = la.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let nb = lb.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut size_a = vec![0usize; na];
    let mut size_b = vec![0usize; nb];
    let mut joint: std::collections::HashMap<(u32, u32), usize> = Default::default();
    for (&x, &y) in la.iter().zip(&lb) {
        size_a[x as usize] += 1;
        size_b[y as usize] += 1;
        *joint.entry((x, y)).or_default() += 1;
    }
    let mut best: Vec<Option<(u32, usize)>> = vec![None; na];
    for (&(x, y), &k) in &joint {
        let slot = &mut best[x as usize];
        let better = match *slot {
            None => true,
            Some((by, bk)) => k > bk || (k == bk && y < by),
        };
        if better {
            *slot = Some((y, k));
        }
    }
    let communities = best
        .iter()
        .enumerate()
        .filter_map(|(x, m)| {
            m.map(|(y, k)| {
                let (sa, sb) = (size_a[x], size_b[y as usize]);
                AlignedCommunity {
                    a: x as u32,
                    b: y,
                    a_size: sa,
                    b_size: sb,
                    shared: k,
                    jaccard: k as f64 / (sa + sb - k) as f64,
                }
            })
        })
        .collect();
    Ok(Alignment {
        common_words: la.len(),
        communities,
        labels: (la, lb),
    })
}
