//! The frozen SINr embedding: token vectors read from the sparse matrix, never densified for
//! the whole vocabulary.
//!
//! The table is stored as padded COO rows: for every word, the columns of its `P` largest
//! values and the values (shorter rows are padded with column 0 and value 0, which contribute
//! nothing). Row 0 is the padding / unknown token and is all zeros. Both tensors are parameters
//! without gradient: they are saved with the model and never trained.

use burn::module::{Param, ParamId};
use burn::prelude::*;
use burn::tensor::{IndexingUpdateOp, IntDType};

/// Padded COO rows on the host, ready to become an embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct PaddedRows {
    /// Number of rows (words, row 0 = padding).
    pub rows: usize,
    /// Width `P` (the longest row).
    pub width: usize,
    /// Dimensions `K` (columns of the matrix).
    pub dims: usize,
    /// `[rows, width]` column indices.
    pub idx: Vec<i64>,
    /// `[rows, width]` values.
    pub val: Vec<f32>,
}

impl PaddedRows {
    /// Builds from sparse rows (sorted or not); `rows[0]` should be empty (padding).
    ///
    /// # Panics
    /// If a column is not below `dims`.
    pub fn from_rows(rows: &[Vec<(u32, f32)>], dims: usize) -> Self {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut idx = vec![0i64; rows.len() * width];
        let mut val = vec![0f32; rows.len() * width];
        for (r, row) in rows.iter().enumerate() {
            for (j, &(c, v)) in row.iter().enumerate() {
                assert!((c as usize) < dims, "column {c} out of range {dims}");
                idx[r * width + j] = i64::from(c);
                val[r * width + j] = v;
            }
        }
        Self {
            rows: rows.len(),
            width,
            dims,
            idx,
            val,
        }
    }

    /// Maps every column through `parent` (a fine → coarse map with `coarse` columns), merging
    /// the entries of a row that land on the same column (sums of children: the vectors of a
    /// coarser Louvain level).
    pub fn coarsen(&self, parent: &[u32], coarse: usize) -> Self {
        let rows: Vec<Vec<(u32, f32)>> = (0..self.rows)
            .map(|r| {
                let mut acc: Vec<(u32, f32)> = Vec::new();
                for j in 0..self.width {
                    let v = self.val[r * self.width + j];
                    if v == 0.0 {
                        continue;
                    }
                    let c = parent[self.idx[r * self.width + j] as usize];
                    match acc.iter_mut().find(|e| e.0 == c) {
                        Some(e) => e.1 += v,
                        None => acc.push((c, v)),
                    }
                }
                acc.sort_by_key(|e| e.0);
                acc
            })
            .collect();
        Self::from_rows(&rows, coarse)
    }

    /// Row `r` as `(column, value)` pairs, without the padding.
    pub fn row(&self, r: usize) -> Vec<(u32, f32)> {
        (0..self.width)
            .map(|j| {
                (
                    self.idx[r * self.width + j] as u32,
                    self.val[r * self.width + j],
                )
            })
            .filter(|e| e.1 != 0.0)
            .collect()
    }
}

/// Token vectors of a batch in sparse form.
#[derive(Debug, Clone)]
pub struct SparseTokens {
    /// `[B, T, P]` column indices.
    pub idx: Tensor<3, Int>,
    /// `[B, T, P]` values.
    pub val: Tensor<3>,
    /// `K`.
    pub dims: usize,
}

impl SparseTokens {
    /// The dense `[B, T, K]` tensor (only for small `K`, e.g. a coarse Louvain level).
    pub fn densify(&self) -> Tensor<3> {
        let [b, t, p] = self.val.dims();
        let device = self.val.device();
        Tensor::<2>::zeros([b * t, self.dims], &device)
            .scatter(
                1,
                self.idx.clone().reshape([b * t, p]),
                self.val.clone().reshape([b * t, p]),
                IndexingUpdateOp::Add,
            )
            .reshape([b, t, self.dims])
    }

    /// `Σ_t weights[b, t] · x[b, t]` as a dense `[B, K]` tensor (a scatter-add; no `[B, T, K]`
    /// tensor is built).
    pub fn weighted_sum(&self, weights: Tensor<2>) -> Tensor<2> {
        let [b, t, p] = self.val.dims();
        let contrib = (self.val.clone() * weights.unsqueeze_dim::<3>(2)).reshape([b, t * p]);
        Tensor::<2>::zeros([b, self.dims], &contrib.device()).scatter(
            1,
            self.idx.clone().reshape([b, t * p]),
            contrib,
            IndexingUpdateOp::Add,
        )
    }

    /// `⟨q, x[b, t]⟩` for every token: `[B, T]` (a gather of `q`; no dense tensor).
    pub fn dot(&self, q: Tensor<1>) -> Tensor<2> {
        let [b, t, p] = self.val.dims();
        let q_sel = q
            .select(0, self.idx.clone().reshape([b * t * p]))
            .reshape([b, t, p]);
        (self.val.clone() * q_sel).sum_dim(2).reshape([b, t])
    }
}

/// The frozen embedding layer.
#[derive(Module, Debug)]
pub struct SinrEmbedding {
    /// `[V, P]` columns (frozen).
    pub idx: Param<Tensor<2, Int>>,
    /// `[V, P]` values (frozen).
    pub val: Param<Tensor<2>>,
    /// `K`.
    #[module(skip)]
    pub dims: usize,
}

impl SinrEmbedding {
    /// The embedding of padded rows.
    pub fn new(rows: &PaddedRows, device: &Device) -> Self {
        let shape = [rows.rows, rows.width];
        let idx = Tensor::<2, Int>::from_data(TensorData::new(rows.idx.clone(), shape), device);
        let val = Tensor::<2>::from_data(TensorData::new(rows.val.clone(), shape), device);
        Self {
            idx: Param::initialized(ParamId::new(), idx),
            val: Param::from_tensor(val).set_require_grad(false),
            dims: rows.dims,
        }
    }

    /// Vocabulary size (rows, padding included).
    pub fn vocab_size(&self) -> usize {
        self.idx.dims()[0]
    }

    /// Looks up the tokens.
    ///
    /// # Shapes
    /// `tokens`: `[B, T]` → `[B, T, P]` indices and values.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> SparseTokens {
        let [b, t] = tokens.dims();
        let p = self.idx.dims()[1];
        let flat = tokens.reshape([b * t]);
        let idx = self.idx.val().select(0, flat.clone()).reshape([b, t, p]);
        // As 64-bit indices where the device has them: burn's CPU backend reads those in place,
        // where it copies narrower ones into a new buffer at every gather and scatter (of B·T·P
        // entries) that uses them, forward and backward. Devices without 64-bit integers keep
        // the table's type.
        let idx = if idx.device().supports_dtype(IntDType::I64) {
            idx.cast(IntDType::I64)
        } else {
            idx
        };
        SparseTokens {
            idx,
            val: self.val.val().select(0, flat).reshape([b, t, p]),
            dims: self.dims,
        }
    }
}
