//! A linear-chain conditional random field over tag scores (Lafferty et al. 2001; the tagging
//! layer of Lample et al. 2016): a learned score for every transition between two tags, for the
//! first tag and for the last, and constraints (a scheme's forbidden transitions, such as `O →
//! I-PER` in BIO) that no path may take.
//!
//! The score of a path `y` over emissions `e` (`[T, C]`, whatever layer made them) is
//!
//! `s(y) = start[y_0] + Σ_t e[t, y_t] + Σ_{t>0} A[y_{t-1}, y_t] + end[y_{T-1}]`,
//!
//! a sum of named terms: each position's emission (which its own layer splits further) and each
//! transition. Training minimises `log Z − s(gold)` (the forward algorithm gives `log Z`, the
//! log-sum-exp of every allowed path's score); decoding takes the best allowed path (Viterbi).
//! [`LinearChainCrf`] is the trained layer (burn); [`CrfScores`] its scores on the host, which
//! decode, score paths and split them.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;

/// The score given to a forbidden transition in training (a constant, not a parameter): its
/// paths weigh `e^-10000` in the partition function, nothing in float arithmetic.
pub const FORBIDDEN: f32 = -1.0e4;

/// A linear-chain CRF layer over `C` tags.
#[derive(Module, Debug)]
pub struct LinearChainCrf {
    /// `[C, C]` transition scores, `from → to`.
    pub transitions: Param<Tensor<2>>,
    /// `[C]` scores of the first tag.
    pub start: Param<Tensor<1>>,
    /// `[C]` scores of the last tag.
    pub end: Param<Tensor<1>>,
    /// `[C·C]` allowed transitions (`from · C + to`).
    #[module(skip)]
    pub allowed: Vec<bool>,
    /// `[C]` tags allowed first.
    #[module(skip)]
    pub allowed_start: Vec<bool>,
}

impl LinearChainCrf {
    /// A CRF with zero scores, so that it starts as the per-position scores under the
    /// constraints. `allowed` is `[C·C]` (`from · C + to`), `allowed_start` is `[C]`.
    ///
    /// # Panics
    /// If the masks' lengths do not agree.
    pub fn new(allowed: Vec<bool>, allowed_start: Vec<bool>, device: &Device) -> Self {
        let c = allowed_start.len();
        assert_eq!(allowed.len(), c * c, "the transition mask is not [C, C]");
        Self {
            transitions: Param::from_tensor(Tensor::zeros([c, c], device)),
            start: Param::from_tensor(Tensor::zeros([c], device)),
            end: Param::from_tensor(Tensor::zeros([c], device)),
            allowed,
            allowed_start,
        }
    }

    /// Tags `C`.
    pub fn tags(&self) -> usize {
        self.allowed_start.len()
    }

    /// The constant penalties of the constraints, `([C, C], [C])`.
    fn penalties(&self, device: &Device) -> (Tensor<2>, Tensor<1>) {
        let c = self.tags();
        let pen = |ok: &[bool]| -> Vec<f32> {
            ok.iter()
                .map(|&a| if a { 0.0 } else { FORBIDDEN })
                .collect()
        };
        (
            Tensor::from_data(TensorData::new(pen(&self.allowed), [c, c]), device),
            Tensor::from_data(TensorData::new(pen(&self.allowed_start), [c]), device),
        )
    }

    /// The negative log-likelihood of the gold paths, summed over the sentences.
    ///
    /// # Shapes
    /// `emissions`: `[N, C]`, the scores of the `N` real positions of a padded `[B, T]` batch,
    /// sentence by sentence; `positions`: `[N]`, their flat indices `b·T + t` (every sentence's
    /// positions are `0..len`); `padding`: `[B, T]`, true where there is no token;
    /// `gold`: the `B` gold paths (lengths `len_b`, in the same order as `emissions`).
    /// → `[1]`.
    pub fn nll(
        &self,
        emissions: Tensor<2>,
        positions: Tensor<1, Int>,
        padding: Tensor<2, Bool>,
        gold: &[&[usize]],
    ) -> Tensor<1> {
        let device = emissions.device();
        let [b, t] = padding.dims();
        let c = self.tags();
        let (pen, pen_start) = self.penalties(&device);
        let trans = self.transitions.val() + pen;
        let start = self.start.val() + pen_start;
        let end = self.end.val();
        // The padded emissions `[B, T, C]` (padding positions are never read).
        let padded = Tensor::<2>::zeros([b * t, c], &device)
            .select_assign(0, positions, emissions.clone(), IndexingUpdateOp::Add)
            .reshape([b, t, c]);
        let step = |i: usize| padded.clone().slice([0..b, i..i + 1, 0..c]).reshape([b, c]);
        // Forward algorithm: alpha[b, j] = log Σ over the paths ending in j at position i.
        let mut alpha = start.clone().reshape([1, c]) + step(0);
        let trans3 = trans.clone().reshape([1, c, c]);
        for i in 1..t {
            let x = alpha.clone().reshape([b, c, 1]) + trans3.clone(); // [B, from, to]
            let next = log_sum_exp(x, 1).reshape([b, c]) + step(i);
            let pad = padding
                .clone()
                .slice([0..b, i..i + 1])
                .reshape([b, 1])
                .expand([b, c]);
            alpha = next.mask_where(pad, alpha);
        }
        let log_z = log_sum_exp(alpha + end.clone().reshape([1, c]), 1).sum();
        // The gold paths' scores: emissions at the gold tags, and the transitions they take,
        // counted on the host.
        let n: usize = gold.iter().map(|g| g.len()).sum();
        let flat: Vec<i64> = gold
            .iter()
            .flat_map(|g| g.iter().map(|&y| y as i64))
            .collect();
        let tags = Tensor::<1, Int>::from_data(TensorData::new(flat, [n]), &device);
        let emitted = emissions.gather(1, tags.reshape([n, 1])).sum();
        let mut counts = vec![0f32; c * c];
        let mut first = vec![0f32; c];
        let mut last = vec![0f32; c];
        for g in gold.iter().filter(|g| !g.is_empty()) {
            first[g[0]] += 1.0;
            last[g[g.len() - 1]] += 1.0;
            for w in g.windows(2) {
                counts[w[0] * c + w[1]] += 1.0;
            }
        }
        let counted = |v: Vec<f32>, shape: [usize; 2]| {
            Tensor::<2>::from_data(TensorData::new(v, shape), &device)
        };
        let gold_score = emitted
            + (trans * counted(counts, [c, c])).sum()
            + (start.reshape([1, c]) * counted(first, [1, c])).sum()
            + (end.reshape([1, c]) * counted(last, [1, c])).sum();
        log_z - gold_score
    }

    /// The scores on the host.
    pub fn scores(&self) -> CrfScores {
        CrfScores {
            transitions: crate::to_vec(self.transitions.val()),
            start: crate::to_vec(self.start.val()),
            end: crate::to_vec(self.end.val()),
            allowed: self.allowed.clone(),
            allowed_start: self.allowed_start.clone(),
        }
    }
}

/// `log Σ exp` along `dim` (kept as a dimension of size 1), stable.
fn log_sum_exp<const D: usize>(x: Tensor<D>, dim: usize) -> Tensor<D> {
    let m = x.clone().max_dim(dim).detach();
    (x - m.clone()).exp().sum_dim(dim).log() + m
}

/// A CRF's scores on the host: decoding, path scores and their terms.
#[derive(Debug, Clone, PartialEq)]
pub struct CrfScores {
    /// `[C·C]` transition scores, `from · C + to`.
    pub transitions: Vec<f32>,
    /// `[C]` scores of the first tag.
    pub start: Vec<f32>,
    /// `[C]` scores of the last tag.
    pub end: Vec<f32>,
    /// `[C·C]` allowed transitions.
    pub allowed: Vec<bool>,
    /// `[C]` tags allowed first.
    pub allowed_start: Vec<bool>,
}

/// One transition term of a path: `from` (`None`: the start of the sentence) to `to` (`None`:
/// the end), at `position` (the position of `to`, or of the last tag for the end term).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransitionTerm {
    /// Position in the sentence.
    pub position: usize,
    /// The tag before (`None`: the start).
    pub from: Option<usize>,
    /// The tag after (`None`: the end).
    pub to: Option<usize>,
    /// Its score.
    pub score: f32,
}

impl CrfScores {
    /// Tags `C`.
    pub fn tags(&self) -> usize {
        self.start.len()
    }

    /// The score of moving from `from` (`None`: the start) to `to`, `-∞` where forbidden.
    pub fn transition(&self, from: Option<usize>, to: usize) -> f64 {
        let c = self.tags();
        match from {
            None if self.allowed_start[to] => f64::from(self.start[to]),
            Some(f) if self.allowed[f * c + to] => f64::from(self.transitions[f * c + to]),
            _ => f64::NEG_INFINITY,
        }
    }

    /// The best allowed path over `emissions` (`[T·C]`, position by position); ties keep the
    /// lower tag index. Empty for an empty sentence.
    ///
    /// # Panics
    /// If `emissions.len()` is not a multiple of `C`.
    pub fn viterbi(&self, emissions: &[f32]) -> Vec<usize> {
        let c = self.tags();
        let e: Vec<f64> = emissions.iter().map(|&x| f64::from(x)).collect();
        sinr_metrics::task::viterbi(
            c,
            &e,
            |from, to| self.transition(from, to),
            |j| f64::from(self.end[j]),
        )
    }

    /// `log Z`: the log-sum-exp of every allowed path's score (the forward algorithm, in f64).
    pub fn log_partition(&self, emissions: &[f32]) -> f64 {
        let c = self.tags();
        if c == 0 || emissions.is_empty() {
            return 0.0;
        }
        let n = emissions.len() / c;
        let lse = |v: &[f64]| -> f64 {
            let m = v.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            if m == f64::NEG_INFINITY {
                return m;
            }
            m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
        };
        let mut alpha: Vec<f64> = (0..c)
            .map(|j| self.transition(None, j) + f64::from(emissions[j]))
            .collect();
        for i in 1..n {
            alpha = (0..c)
                .map(|j| {
                    let terms: Vec<f64> = (0..c)
                        .map(|q| alpha[q] + self.transition(Some(q), j))
                        .collect();
                    lse(&terms) + f64::from(emissions[i * c + j])
                })
                .collect();
        }
        let fin: Vec<f64> = (0..c).map(|j| alpha[j] + f64::from(self.end[j])).collect();
        lse(&fin)
    }

    /// The transition terms of `path`: the start, every step, the end.
    pub fn path_terms(&self, path: &[usize]) -> Vec<TransitionTerm> {
        let mut out = Vec::with_capacity(path.len() + 1);
        for (i, &y) in path.iter().enumerate() {
            let from = i.checked_sub(1).map(|p| path[p]);
            out.push(TransitionTerm {
                position: i,
                from,
                to: Some(y),
                score: self.transition(from, y) as f32,
            });
        }
        if let Some(&y) = path.last() {
            out.push(TransitionTerm {
                position: path.len() - 1,
                from: Some(y),
                to: None,
                score: self.end[y],
            });
        }
        out
    }

    /// The score of `path` over `emissions`: its emissions plus its transition terms (`-∞` if it
    /// takes a forbidden transition).
    pub fn path_score(&self, emissions: &[f32], path: &[usize]) -> f64 {
        let c = self.tags();
        let e: f64 = path
            .iter()
            .enumerate()
            .map(|(i, &y)| f64::from(emissions[i * c + y]))
            .sum();
        e + self
            .path_terms(path)
            .iter()
            .map(|t| f64::from(t.score))
            .sum::<f64>()
    }

    /// Whether `path` takes only allowed transitions.
    pub fn allows(&self, path: &[usize]) -> bool {
        let c = self.tags();
        path.first().is_none_or(|&y| self.allowed_start[y])
            && path.windows(2).all(|w| self.allowed[w[0] * c + w[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn device() -> Device {
        Device::flex()
    }

    /// BIO over `O, B-A, I-A, B-B, I-B`: `I-X` only after `B-X` or `I-X`.
    fn bio_masks() -> (Vec<bool>, Vec<bool>) {
        let c = 5;
        let kind = |j: usize| j.div_ceil(2); // 0 = O, 1 = A, 2 = B
        let inside = |j: usize| j > 0 && j.is_multiple_of(2);
        let mut allowed = vec![true; c * c];
        for f in 0..c {
            for t in 0..c {
                if inside(t) && (f == 0 || kind(f) != kind(t)) {
                    allowed[f * c + t] = false;
                }
            }
        }
        let start = (0..c).map(|j| !inside(j)).collect();
        (allowed, start)
    }

    fn scores(seed: u64, masks: bool) -> CrfScores {
        let mut r = sinr_util::SplitMix64::new(seed);
        let (allowed, allowed_start) = if masks {
            bio_masks()
        } else {
            (vec![true; 25], vec![true; 5])
        };
        let mut draw = |n: usize| {
            (0..n)
                .map(|_| r.normal(0.0, 1.0) as f32)
                .collect::<Vec<_>>()
        };
        CrfScores {
            transitions: draw(25),
            start: draw(5),
            end: draw(5),
            allowed,
            allowed_start,
        }
    }

    /// Every path of length `n` over `c` tags.
    fn all_paths(n: usize, c: usize) -> Vec<Vec<usize>> {
        (0..c.pow(n as u32))
            .map(|mut k| {
                (0..n)
                    .map(|_| {
                        let y = k % c;
                        k /= c;
                        y
                    })
                    .collect()
            })
            .collect()
    }

    fn emissions(seed: u64, n: usize) -> Vec<f32> {
        let mut r = sinr_util::SplitMix64::new(seed ^ 0xe1);
        (0..n * 5).map(|_| r.normal(0.0, 2.0) as f32).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn viterbi_and_the_partition_equal_brute_force(seed in 0u64..10_000, n in 1usize..6, masks in any::<bool>()) {
            let s = scores(seed, masks);
            let e = emissions(seed, n);
            let paths = all_paths(n, 5);
            let valid: Vec<&Vec<usize>> = paths.iter().filter(|p| s.allows(p)).collect();
            let best = valid
                .iter()
                .map(|p| s.path_score(&e, p))
                .fold(f64::NEG_INFINITY, f64::max);
            let path = s.viterbi(&e);
            prop_assert!(s.allows(&path), "Viterbi took a forbidden transition: {:?}", path);
            prop_assert!((s.path_score(&e, &path) - best).abs() < 1e-9);
            let lz: f64 = valid.iter().map(|p| s.path_score(&e, p).exp()).sum::<f64>().ln();
            prop_assert!((s.log_partition(&e) - lz).abs() < 1e-6 * lz.abs().max(1.0));
        }

        #[test]
        fn a_path_score_is_the_sum_of_its_named_terms(seed in 0u64..10_000, n in 1usize..12) {
            let s = scores(seed, true);
            let e = emissions(seed, n);
            let path = s.viterbi(&e);
            let terms = s.path_terms(&path);
            prop_assert_eq!(terms.len(), n + 1);
            let sum: f64 = path.iter().enumerate().map(|(i, &y)| f64::from(e[i * 5 + y])).sum::<f64>()
                + terms.iter().map(|t| f64::from(t.score)).sum::<f64>();
            prop_assert!((sum - s.path_score(&e, &path)).abs() < 1e-4);
        }

        #[test]
        fn the_layer_loss_is_the_forward_algorithm_minus_the_gold_score(seed in 0u64..1000, lens in proptest::collection::vec(1usize..6, 1..4)) {
            let d = device();
            let s = scores(seed, true);
            let mut crf = LinearChainCrf::new(s.allowed.clone(), s.allowed_start.clone(), &d);
            crf.transitions = Param::from_tensor(Tensor::from_data(TensorData::new(s.transitions.clone(), [5, 5]), &d));
            crf.start = Param::from_tensor(Tensor::from_data(TensorData::new(s.start.clone(), [5]), &d));
            crf.end = Param::from_tensor(Tensor::from_data(TensorData::new(s.end.clone(), [5]), &d));
            let t = *lens.iter().max().unwrap();
            let mut flat = Vec::new();
            let mut positions = Vec::new();
            let mut padding = Vec::new();
            let mut golds = Vec::new();
            let mut expected = 0f64;
            for (b, &len) in lens.iter().enumerate() {
                let e = emissions(seed + b as u64, len);
                // An allowed gold path: the best one under other scores.
                let gold = scores(seed ^ 0x90, true).viterbi(&emissions(seed ^ b as u64, len));
                expected += s.log_partition(&e) - s.path_score(&e, &gold);
                flat.extend_from_slice(&e);
                positions.extend((0..len).map(|i| (b * t + i) as i64));
                padding.extend((0..t).map(|i| i >= len));
                golds.push(gold);
            }
            let n = positions.len();
            let loss = crf.nll(
                Tensor::from_data(TensorData::new(flat, [n, 5]), &d),
                Tensor::from_data(TensorData::new(positions, [n]), &d),
                Tensor::from_data(TensorData::new(padding, [lens.len(), t]), &d),
                &golds.iter().map(Vec::as_slice).collect::<Vec<_>>(),
            );
            let got = f64::from(loss.into_scalar::<f32>());
            prop_assert!((got - expected).abs() < 1e-3 * expected.abs().max(1.0), "{} vs {}", got, expected);
        }
    }

    #[test]
    fn without_scores_viterbi_is_the_best_allowed_path_by_emissions() {
        let (allowed, allowed_start) = bio_masks();
        let s = CrfScores {
            transitions: vec![0.0; 25],
            start: vec![0.0; 5],
            end: vec![0.0; 5],
            allowed,
            allowed_start,
        };
        // O I-A: the argmax is invalid; B-A I-A (1 + 2.5) beats O B-A (2 + 1) and O O.
        let e = [2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.5, 0.0, 0.0];
        assert_eq!(s.viterbi(&e), vec![1, 2]);
        assert!(s.viterbi(&[]).is_empty());
    }
}
