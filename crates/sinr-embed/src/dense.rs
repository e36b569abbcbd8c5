//! Dense word vectors from the same co-occurrence counts as SINr: a truncated SVD of the
//! positive PMI matrix (Levy, Goldberg & Dagan 2015, "Improving distributional similarity with
//! lessons learned from word embeddings"), the count-based counterpart of word2vec. They exist
//! so that a dense baseline can start from pre-training on the same corpus as the SINr models
//! (`"vectors"` of the dense transformer and the CNN), which makes the comparison fair.
//!
//! `PPMI(w, c) = max(0, ln(#(w,c) · Σ_c' #(c')^α / (#(w) · #(c)^α)) − ln k)` with context
//! distribution smoothing `α` (0.75) and no shift (`k = 1`), where `#(w)` is a word's weighted
//! degree in the symmetric co-occurrence matrix. Its SVD `U Σ Vᵀ` is truncated to `dim`
//! dimensions and the vectors are `U Σ^p` (`p = 0.5`, the eigenvalue weighting they recommend).
//!
//! The SVD is randomised (Halko, Martinsson & Tropp 2011): a seeded Gaussian sketch of `dim +
//! oversample` columns, power iterations with re-orthonormalisation (Cholesky QR, twice), then
//! the exact eigendecomposition (cyclic Jacobi) of the small projected Gram matrix. Every
//! reduction runs over fixed chunks summed in order, so the vectors do not depend on the number
//! of threads; every column's sign is fixed (its largest entry positive).

use std::io::{BufRead, BufReader};
use std::path::Path;

use rayon::prelude::*;
use sinr_util::SplitMix64;

use crate::cooccurrence::CooccurrenceMatrix;
use crate::error::{Error, Result};
use crate::vocab::Vocabulary;

/// How the PPMI-SVD vectors are made.
#[derive(Debug, Clone, PartialEq)]
pub struct PpmiSvdConfig {
    /// Dimensions of the vectors.
    pub dim: usize,
    /// Context distribution smoothing α (1: none).
    pub context_smoothing: f64,
    /// The vectors are `U Σ^p` with this `p` (0: `U` alone; 1: `U Σ`).
    pub eigenvalue_weight: f64,
    /// Extra sketch columns beyond `dim`.
    pub oversample: usize,
    /// Power iterations (each one product with `M` and one with `Mᵀ`).
    pub power_iterations: usize,
    /// Seed of the sketch.
    pub seed: u64,
}

impl Default for PpmiSvdConfig {
    fn default() -> Self {
        Self {
            dim: 128,
            context_smoothing: 0.75,
            eigenvalue_weight: 0.5,
            oversample: 16,
            power_iterations: 4,
            seed: 1,
        }
    }
}

impl PpmiSvdConfig {
    /// Checks every field.
    ///
    /// # Errors
    /// A field out of range, named.
    pub fn validate(&self) -> Result<()> {
        if self.dim == 0 {
            return Err(Error::config("dim", "must be at least 1"));
        }
        if !(self.context_smoothing > 0.0 && self.context_smoothing <= 1.0) {
            return Err(Error::config("context_smoothing", "must be in (0, 1]"));
        }
        if !(self.eigenvalue_weight.is_finite() && self.eigenvalue_weight >= 0.0) {
            return Err(Error::config("eigenvalue_weight", "must be ≥ 0"));
        }
        Ok(())
    }
}

/// Dense word vectors, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseVectors {
    /// The words, one per row.
    pub words: Vec<String>,
    /// Dimensions.
    pub dim: usize,
    /// `words.len() × dim` values.
    pub values: Vec<f32>,
    /// The singular values kept, largest first.
    pub singular_values: Vec<f64>,
}

impl DenseVectors {
    /// The vector of row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }

    /// Writes the word2vec text format (`N DIM`, then `word v1 … vDIM` per line) through a
    /// temporary file renamed into place.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write_text(&self, path: &Path) -> Result<()> {
        sinr_util::write_atomically(path, |w| {
            writeln!(w, "{} {}", self.words.len(), self.dim)?;
            for (i, word) in self.words.iter().enumerate() {
                write!(w, "{word}")?;
                for v in self.row(i) {
                    write!(w, " {v}")?;
                }
                writeln!(w)?;
            }
            Ok(())
        })
        .map_err(|e| Error::io(path, e.source))
    }

    /// Reads the word2vec text format (a header `N DIM` is optional; GloVe files have none).
    ///
    /// # Errors
    /// An unreadable file, a line that is not UTF-8, a value that is not a number, or a row of
    /// another width than the first: named with the file and line.
    pub fn read_text(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut words = Vec::new();
        let mut values = Vec::new();
        let mut dim = 0usize;
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let n = i + 1;
            let line = line.map_err(|e| Error::BadVectors {
                path: path.to_path_buf(),
                line: n,
                reason: format!("cannot read: {e}"),
            })?;
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.is_empty() {
                continue;
            }
            if n == 1 && fields.len() == 2 && fields.iter().all(|f| f.parse::<usize>().is_ok()) {
                continue; // The word2vec header.
            }
            let width = fields.len() - 1;
            if dim == 0 {
                dim = width;
            }
            if width == 0 || width != dim {
                return Err(Error::BadVectors {
                    path: path.to_path_buf(),
                    line: n,
                    reason: format!("{width} values where the first vector has {dim}"),
                });
            }
            for (k, f) in fields[1..].iter().enumerate() {
                values.push(f.parse::<f32>().map_err(|_| Error::BadVectors {
                    path: path.to_path_buf(),
                    line: n,
                    reason: format!("value {} of `{}` is not a number: `{f}`", k + 1, fields[0]),
                })?);
            }
            words.push(fields[0].to_owned());
        }
        if words.is_empty() {
            return Err(Error::Empty(format!("{}: no vectors", path.display())));
        }
        Ok(Self {
            words,
            dim,
            values,
            singular_values: Vec::new(),
        })
    }
}

/// A square sparse matrix in CSR form with `f64` values.
#[derive(Debug, Clone)]
struct Csr {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
}

impl Csr {
    fn n(&self) -> usize {
        self.indptr.len() - 1
    }

    /// `self · x` for a row-major `n × l` matrix `x`.
    fn times(&self, x: &[f64], l: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.n() * l];
        out.par_chunks_mut(l).enumerate().for_each(|(i, o)| {
            for k in self.indptr[i]..self.indptr[i + 1] {
                let v = self.values[k];
                let xr = &x[self.indices[k] as usize * l..][..l];
                for (a, b) in o.iter_mut().zip(xr) {
                    *a += v * b;
                }
            }
        });
        out
    }
}

/// The PPMI matrix `M` (rows: words, columns: contexts) and its transpose, both CSR (the
/// co-occurrence pattern is symmetric, the smoothed values are not).
fn ppmi(cooc: &CooccurrenceMatrix, alpha: f64) -> (Csr, Csr) {
    let n = cooc.n_words();
    let deg: Vec<f64> = cooc.degrees().into_iter().map(|d| d as f64).collect();
    let total: f64 = deg.iter().sum();
    let ctx: Vec<f64> = deg.iter().map(|d| d.powf(alpha)).collect();
    let ctx_total: f64 = ctx.iter().sum();
    // ln(#(w,c) · Σ#(c')^α / (#(w) · #(c)^α)), with #(w) normalised by the total.
    let pmi =
        |w: usize, c: usize, count: f64| (count * total / deg[w] * ctx_total / ctx[c] / total).ln();
    let mut rows: Vec<Vec<(u32, f64, f64)>> = vec![Vec::new(); n];
    for (a, b, c) in cooc.iter() {
        let (a, b, c) = (a.index(), b.index(), c as f64);
        // Entry (a, b) of M and of Mᵀ, and entry (b, a) of both.
        let (ab, ba) = (pmi(a, b, c), pmi(b, a, c));
        rows[a].push((b as u32, ab, ba));
        rows[b].push((a as u32, ba, ab));
    }
    let mut m = Csr {
        indptr: vec![0],
        indices: Vec::new(),
        values: Vec::new(),
    };
    let mut t = m.clone();
    for mut r in rows {
        r.sort_unstable_by_key(|e| e.0);
        for (j, v, vt) in r {
            if v > 0.0 {
                m.indices.push(j);
                m.values.push(v);
            }
            if vt > 0.0 {
                t.indices.push(j);
                t.values.push(vt);
            }
        }
        m.indptr.push(m.indices.len());
        t.indptr.push(t.indices.len());
    }
    (m, t)
}

/// Rows per chunk of the ordered reductions.
const CHUNK: usize = 1024;

/// `xᵀ y` for row-major `n × l` matrices, summed over fixed chunks in order.
fn gram(x: &[f64], y: &[f64], l: usize) -> Vec<f64> {
    let parts: Vec<Vec<f64>> = x
        .par_chunks(CHUNK * l)
        .zip(y.par_chunks(CHUNK * l))
        .map(|(xc, yc)| {
            let mut g = vec![0.0; l * l];
            for (xr, yr) in xc.chunks(l).zip(yc.chunks(l)) {
                for (a, &xa) in xr.iter().enumerate() {
                    if xa == 0.0 {
                        continue;
                    }
                    let row = &mut g[a * l..(a + 1) * l];
                    for (gb, &yb) in row.iter_mut().zip(yr) {
                        *gb += xa * yb;
                    }
                }
            }
            g
        })
        .collect();
    let mut g = vec![0.0; l * l];
    for p in parts {
        for (a, b) in g.iter_mut().zip(p) {
            *a += b;
        }
    }
    g
}

/// `x · r` for a row-major `n × l` matrix and an `l × l` one.
fn times_small(x: &[f64], r: &[f64], l: usize, out_cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; x.len() / l * out_cols];
    out.par_chunks_mut(out_cols)
        .zip(x.par_chunks(l))
        .for_each(|(o, xr)| {
            for (a, &xa) in xr.iter().enumerate() {
                if xa == 0.0 {
                    continue;
                }
                for (ob, rb) in o.iter_mut().zip(&r[a * out_cols..(a + 1) * out_cols]) {
                    *ob += xa * rb;
                }
            }
        });
    out
}

/// The upper Cholesky factor `R` (`g = Rᵀ R`) of a symmetric matrix, with a tiny diagonal shift
/// where rounding leaves a pivot non-positive.
fn cholesky_upper(g: &[f64], l: usize) -> Vec<f64> {
    let scale = (0..l)
        .map(|i| g[i * l + i])
        .fold(0.0f64, f64::max)
        .max(1e-300);
    let mut r = vec![0.0; l * l];
    for j in 0..l {
        let mut d = g[j * l + j] - (0..j).map(|k| r[k * l + j] * r[k * l + j]).sum::<f64>();
        if d <= 1e-14 * scale {
            d = 1e-14 * scale;
        }
        let djj = d.sqrt();
        r[j * l + j] = djj;
        for i in j + 1..l {
            let s = g[j * l + i] - (0..j).map(|k| r[k * l + j] * r[k * l + i]).sum::<f64>();
            r[j * l + i] = s / djj;
        }
    }
    r
}

/// The inverse of an upper triangular matrix.
fn inverse_upper(r: &[f64], l: usize) -> Vec<f64> {
    let mut inv = vec![0.0; l * l];
    for j in 0..l {
        inv[j * l + j] = 1.0 / r[j * l + j];
        for i in (0..j).rev() {
            let s: f64 = (i + 1..=j).map(|k| r[i * l + k] * inv[k * l + j]).sum();
            inv[i * l + j] = -s / r[i * l + i];
        }
    }
    inv
}

/// Orthonormal columns spanning those of `x` (Cholesky QR, twice).
fn orthonormalise(mut x: Vec<f64>, l: usize) -> Vec<f64> {
    for _ in 0..2 {
        let r = cholesky_upper(&gram(&x, &x, l), l);
        x = times_small(&x, &inverse_upper(&r, l), l, l);
    }
    x
}

/// Eigenvalues (descending) and eigenvectors (columns of a row-major `l × l` matrix) of a
/// symmetric matrix, by cyclic Jacobi rotations.
pub(crate) fn symmetric_eigen(a: &[f64], l: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = a.to_vec();
    let mut v = vec![0.0; l * l];
    for i in 0..l {
        v[i * l + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..l)
            .flat_map(|i| (0..l).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * l + j] * a[i * l + j])
            .sum();
        let norm: f64 = a.iter().map(|x| x * x).sum();
        if off <= 1e-30 * norm.max(1e-300) {
            break;
        }
        for p in 0..l {
            for q in p + 1..l {
                let apq = a[p * l + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * l + q] - a[p * l + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..l {
                    let (akp, akq) = (a[k * l + p], a[k * l + q]);
                    a[k * l + p] = c * akp - s * akq;
                    a[k * l + q] = s * akp + c * akq;
                }
                for k in 0..l {
                    let (apk, aqk) = (a[p * l + k], a[q * l + k]);
                    a[p * l + k] = c * apk - s * aqk;
                    a[q * l + k] = s * apk + c * aqk;
                }
                for k in 0..l {
                    let (vkp, vkq) = (v[k * l + p], v[k * l + q]);
                    v[k * l + p] = c * vkp - s * vkq;
                    v[k * l + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..l).collect();
    order.sort_by(|&x, &y| a[y * l + y].total_cmp(&a[x * l + x]).then(x.cmp(&y)));
    let values = order.iter().map(|&i| a[i * l + i]).collect();
    let mut vectors = vec![0.0; l * l];
    for (new, &old) in order.iter().enumerate() {
        for k in 0..l {
            vectors[k * l + new] = v[k * l + old];
        }
    }
    (values, vectors)
}

/// PPMI-SVD vectors of the words of `vocab` from their co-occurrence counts.
///
/// # Errors
/// An invalid configuration, or fewer words than dimensions.
pub fn ppmi_svd(
    cooc: &CooccurrenceMatrix,
    vocab: &Vocabulary,
    cfg: &PpmiSvdConfig,
) -> Result<DenseVectors> {
    cfg.validate()?;
    let n = cooc.n_words();
    if n < cfg.dim {
        return Err(Error::config(
            "dim",
            format!("{} dimensions for {n} words: at most one per word", cfg.dim),
        ));
    }
    let (m, mt) = ppmi(cooc, cfg.context_smoothing);
    let l = (cfg.dim + cfg.oversample).min(n);
    let mut rng = SplitMix64::new(cfg.seed);
    let omega: Vec<f64> = (0..n * l).map(|_| rng.normal(0.0, 1.0)).collect();
    // Range of M: Q spans M (Mᵀ M)^q Ω.
    let mut q = orthonormalise(m.times(&omega, l), l);
    for _ in 0..cfg.power_iterations {
        let z = orthonormalise(mt.times(&q, l), l);
        q = orthonormalise(m.times(&z, l), l);
    }
    // B = Qᵀ M, so B Bᵀ = Zᵀ Z with Z = Mᵀ Q; its eigenvectors rotate Q into U.
    let z = mt.times(&q, l);
    let (eig, rot) = symmetric_eigen(&gram(&z, &z, l), l);
    let k = cfg.dim;
    let sigma: Vec<f64> = eig[..k].iter().map(|e| e.max(0.0).sqrt()).collect();
    let mut rot_k = vec![0.0; l * k];
    for a in 0..l {
        rot_k[a * k..(a + 1) * k].copy_from_slice(&rot[a * l..a * l + k]);
    }
    let mut u = times_small(&q, &rot_k, l, k);
    // Fix each column's sign: its largest entry in absolute value is positive.
    for c in 0..k {
        let (mut best, mut at) = (0.0f64, 0usize);
        for i in 0..n {
            if u[i * k + c].abs() > best {
                best = u[i * k + c].abs();
                at = i;
            }
        }
        if u[at * k + c] < 0.0 {
            for i in 0..n {
                u[i * k + c] = -u[i * k + c];
            }
        }
    }
    let weights: Vec<f64> = sigma
        .iter()
        .map(|s| s.powf(cfg.eigenvalue_weight))
        .collect();
    let values = u
        .chunks(k)
        .flat_map(|r| r.iter().zip(&weights).map(|(x, w)| (x * w) as f32))
        .collect();
    Ok(DenseVectors {
        words: vocab.words().to_vec(),
        dim: k,
        values,
        singular_values: sigma,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::WordId;

    /// A random symmetric co-occurrence matrix over `n` words.
    fn random_cooc(n: usize, seed: u64) -> (CooccurrenceMatrix, Vocabulary) {
        let mut rng = SplitMix64::new(seed);
        let mut entries = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                if rng.below(3) == 0 {
                    entries.push((WordId(a as u32), WordId(b as u32), 1 + rng.below(20) as u64));
                }
            }
        }
        let vocab = Vocabulary::from_counts((0..n).map(|i| (format!("w{i}"), 1)).collect());
        (CooccurrenceMatrix::from_entries(n, entries), vocab)
    }

    /// The dense PPMI matrix, straight from the definition.
    fn dense_ppmi(cooc: &CooccurrenceMatrix, alpha: f64) -> Vec<f64> {
        let n = cooc.n_words();
        let deg: Vec<f64> = cooc.degrees().iter().map(|&d| d as f64).collect();
        let d: f64 = deg.iter().sum();
        let ctx: f64 = deg.iter().map(|x| x.powf(alpha)).sum();
        let mut m = vec![0.0; n * n];
        for w in 0..n {
            for c in 0..n {
                let count = cooc.get(WordId(w as u32), WordId(c as u32)) as f64;
                if count > 0.0 {
                    let p_wc = count / d;
                    let p_w = deg[w] / d;
                    let p_c = deg[c].powf(alpha) / ctx;
                    m[w * n + c] = (p_wc / (p_w * p_c)).ln().max(0.0);
                }
            }
        }
        m
    }

    #[test]
    fn ppmi_matches_the_definition() {
        let (cooc, _) = random_cooc(12, 3);
        for alpha in [1.0, 0.75] {
            let (m, t) = ppmi(&cooc, alpha);
            let dense = dense_ppmi(&cooc, alpha);
            let n = 12;
            let ones: Vec<f64> = (0..n * n)
                .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
                .collect();
            // M · I and Mᵀ · I are M and Mᵀ.
            let (mi, ti) = (m.times(&ones, n), t.times(&ones, n));
            for w in 0..n {
                for c in 0..n {
                    assert!((mi[w * n + c] - dense[w * n + c]).abs() < 1e-12);
                    assert!((ti[c * n + w] - dense[w * n + c]).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn jacobi_diagonalises() {
        let mut rng = SplitMix64::new(5);
        let l = 9;
        let mut a = vec![0.0; l * l];
        for i in 0..l {
            for j in i..l {
                let x = rng.normal(0.0, 1.0);
                a[i * l + j] = x;
                a[j * l + i] = x;
            }
        }
        let (val, vec) = symmetric_eigen(&a, l);
        assert!(val.windows(2).all(|w| w[0] >= w[1]));
        // A v = λ v for every pair.
        for c in 0..l {
            for i in 0..l {
                let av: f64 = (0..l).map(|k| a[i * l + k] * vec[k * l + c]).sum();
                assert!((av - val[c] * vec[i * l + c]).abs() < 1e-9, "{av}");
            }
        }
    }

    #[test]
    fn with_every_dimension_the_sketch_recovers_the_exact_svd() {
        let n = 20;
        let (cooc, vocab) = random_cooc(n, 7);
        let cfg = PpmiSvdConfig {
            dim: n,
            eigenvalue_weight: 1.0,
            oversample: 0,
            ..PpmiSvdConfig::default()
        };
        let v = ppmi_svd(&cooc, &vocab, &cfg).unwrap();
        // (U Σ)(U Σ)ᵀ = M Mᵀ.
        let m = dense_ppmi(&cooc, cfg.context_smoothing);
        for i in 0..n {
            for j in 0..n {
                let mm: f64 = (0..n).map(|k| m[i * n + k] * m[j * n + k]).sum();
                let uu: f64 = (0..n)
                    .map(|k| f64::from(v.row(i)[k]) * f64::from(v.row(j)[k]))
                    .sum();
                assert!((mm - uu).abs() < 1e-4 * (1.0 + mm.abs()), "{mm} {uu}");
            }
        }
        assert!(v.singular_values.windows(2).all(|w| w[0] >= w[1]));
    }

    /// Words in 10 topics: pairs within a topic are frequent, across topics rare (a spectrum
    /// whose leading values stand out, as in text).
    fn topical_cooc(n: usize, seed: u64) -> (CooccurrenceMatrix, Vocabulary) {
        let mut rng = SplitMix64::new(seed);
        let mut entries = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                let same = a % 10 == b % 10;
                if same && rng.below(2) == 0 {
                    entries.push((WordId(a as u32), WordId(b as u32), 5 + rng.below(20) as u64));
                } else if !same && rng.below(20) == 0 {
                    entries.push((WordId(a as u32), WordId(b as u32), 1));
                }
            }
        }
        let vocab = Vocabulary::from_counts((0..n).map(|i| (format!("w{i}"), 1)).collect());
        (CooccurrenceMatrix::from_entries(n, entries), vocab)
    }

    #[test]
    fn the_leading_singular_values_are_found_and_threads_do_not_matter() {
        let n = 300;
        let (cooc, vocab) = topical_cooc(n, 11);
        let cfg = PpmiSvdConfig {
            dim: 10,
            ..PpmiSvdConfig::default()
        };
        let v = ppmi_svd(&cooc, &vocab, &cfg).unwrap();
        // The exact singular values: eigenvalues of M Mᵀ.
        let m = dense_ppmi(&cooc, cfg.context_smoothing);
        let mut mm = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                mm[i * n + j] = (0..n).map(|k| m[i * n + k] * m[j * n + k]).sum();
            }
        }
        let (exact, _) = symmetric_eigen(&mm, n);
        for (s, e) in v.singular_values.iter().zip(&exact) {
            assert!((s - e.sqrt()).abs() < 1e-6 * e.sqrt(), "{s} {}", e.sqrt());
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| ppmi_svd(&cooc, &vocab, &cfg).unwrap());
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| ppmi_svd(&cooc, &vocab, &cfg).unwrap());
        assert_eq!(one, three);
        assert_eq!(one, v);
    }

    #[test]
    fn text_format_round_trips_and_bad_lines_are_named() {
        let (cooc, vocab) = random_cooc(30, 2);
        let v = ppmi_svd(
            &cooc,
            &vocab,
            &PpmiSvdConfig {
                dim: 4,
                ..PpmiSvdConfig::default()
            },
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.txt");
        v.write_text(&p).unwrap();
        let back = DenseVectors::read_text(&p).unwrap();
        assert_eq!(back.words, v.words);
        assert_eq!(back.values, v.values);
        std::fs::write(&p, "2 3\na 1 2 3\nb 1 x 3\n").unwrap();
        let e = DenseVectors::read_text(&p).unwrap_err().to_string();
        assert!(e.contains("v.txt:3:") && e.contains("`x`"), "{e}");
        std::fs::write(&p, "a 1 2 3\nb 1 2\n").unwrap();
        let e = DenseVectors::read_text(&p).unwrap_err().to_string();
        assert!(e.contains("v.txt:2:") && e.contains("2 values"), "{e}");
    }
}
