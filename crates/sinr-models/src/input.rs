//! The input space of a model: the SINr vectors of the vocabulary at a chosen Louvain level,
//! as padded COO rows, and the words that label each dimension.

use sinr_embed::{SinrModel, sparsify};
use sinr_nn::PaddedRows;

use crate::error::{Error, Result};

/// The rows of the frozen embedding (row 0 = padding) at `level`, each word's vector first
/// restricted to its `top` largest values (at the model's own level) when given, then all
/// scaled by one constant so that their mean Euclidean norm is 1 (node-recall rows sum to 1, so
/// their norms are small; a constant factor changes no ratio and no interpretation, and keeps
/// the optimiser's steps sensible).
pub fn embedding_rows(model: &SinrModel, level: usize, top: Option<usize>) -> Result<PaddedRows> {
    if level >= model.dendrogram.levels.len() {
        return Err(Error::config(
            "level",
            format!(
                "is {level}, but the embeddings have {} Louvain level(s) (train them with `--louvain multilevel` for coarse levels)",
                model.dendrogram.levels.len()
            ),
        ));
    }
    if level < model.level {
        return Err(Error::config(
            "level",
            format!("is finer than the embeddings' own level {}", model.level),
        ));
    }
    let m = match top {
        Some(k) => sparsify(&model.matrix, k),
        None => model.matrix.clone(),
    };
    let mut rows: Vec<Vec<(u32, f32)>> = Vec::with_capacity(m.n_rows() + 1);
    rows.push(Vec::new());
    for r in 0..m.n_rows() {
        let (idx, val) = m.row(r);
        rows.push(idx.iter().zip(val).map(|(&c, &v)| (c, v as f32)).collect());
    }
    let norms: Vec<f32> = rows[1..]
        .iter()
        .map(|r| r.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt())
        .collect();
    let mean = norms.iter().sum::<f32>() / norms.len().max(1) as f32;
    if mean > 0.0 {
        for r in &mut rows {
            for e in r.iter_mut() {
                e.1 /= mean;
            }
        }
    }
    let fine = PaddedRows::from_rows(&rows, m.n_cols());
    if level == model.level {
        return Ok(fine);
    }
    // Column → community of the model's level → ancestor at `level`.
    let mut anc: Vec<u32> = model.columns.clone();
    for l in model.level..level {
        let parent = model.dendrogram.parents(l)?;
        for a in &mut anc {
            *a = parent[*a as usize];
        }
    }
    Ok(fine.coarsen(&anc, model.dendrogram.levels[level].n_communities))
}

/// For every dimension of the input space at `level`, its `n` label words: members of the
/// community that are both typical of it and common ([`sinr_embed::LabelRanking`]'s default).
pub fn dimension_labels(model: &SinrModel, level: usize, n: usize) -> Result<Vec<Vec<String>>> {
    Ok(model.label_words(level, n, sinr_embed::LabelRanking::default())?)
}
