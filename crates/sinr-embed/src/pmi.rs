//! The PMI filter: keep an edge only where its pointwise mutual information is positive.
//!
//! The weights that survive stay the raw co-occurrence counts, as in the reference's
//! `pmi_filter`. Two conventions:
//!
//! * [`PmiConvention::Reference`] (default), `sinr.text.pmi.pmi`: with `S` the sum of the upper
//!   triangle and `d` the weighted degrees, `exp_pmi = (1/(d_a/S)) · (X_ab/S) · (1/(d_b/S))`,
//!   i.e. `X_ab·S/(d_a d_b)`. Because the marginals sum to 2, this is half the textbook value:
//!   the reference's PMI is `PMI − ln 2`. We evaluate the same floating-point expression in the
//!   same order, so the kept-edge set is identical.
//! * [`PmiConvention::Textbook`]: `PMI = ln(M_ab·T/(d_a d_b))` on the symmetric matrix `M` with
//!   total `T = 2S`.
//!
//! An edge survives iff `exp_pmi ≥ e^{min_pmi}` (1 when `min_pmi = 0`) and `ln(exp_pmi) > 0`.

use serde::{Deserialize, Serialize};

use crate::cooccurrence::CooccurrenceMatrix;
use crate::error::{Error, Result};

/// Which definition of PMI decides the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PmiConvention {
    /// The reference's (`PMI − ln 2`): keep iff `X_ab·S/(d_a d_b) > 1`.
    #[default]
    Reference,
    /// Textbook PMI on the symmetric matrix: keep iff `2·X_ab·S/(d_a d_b) > 1`.
    Textbook,
    /// No filter: keep every pair.
    None,
}

/// PMI filter parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PmiConfig {
    /// The PMI definition.
    pub convention: PmiConvention,
    /// Minimum PMI (reference: `min_pmi=0`); pairs must also have a strictly positive PMI.
    pub min_pmi: f64,
}

impl Default for PmiConfig {
    fn default() -> Self {
        Self {
            convention: PmiConvention::Reference,
            min_pmi: 0.0,
        }
    }
}

impl PmiConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if !self.min_pmi.is_finite() || self.min_pmi < 0.0 {
            return Err(Error::config(
                "min_pmi",
                format!("must be a finite number ≥ 0, got {}", self.min_pmi),
            ));
        }
        Ok(())
    }
}

/// The reference's `exp_pmi` of a pair, evaluated in the reference's floating-point order.
#[inline]
pub fn reference_exp_pmi(count: u64, deg_a: u64, deg_b: u64, total: u64) -> f64 {
    let s = total as f64;
    let pxy = count as f64 / s;
    let inv_pa = 1.0 / (deg_a as f64 / s);
    let inv_pb = 1.0 / (deg_b as f64 / s);
    inv_pa * pxy * inv_pb
}

/// Applies the PMI filter; the kept entries keep their counts.
pub fn filter_pmi(m: &CooccurrenceMatrix, cfg: &PmiConfig) -> Result<CooccurrenceMatrix> {
    cfg.validate()?;
    if cfg.convention == PmiConvention::None {
        return Ok(m.clone());
    }
    let total = m.total();
    let deg = m.degrees();
    let min_exp = if cfg.min_pmi == 0.0 {
        1.0
    } else {
        cfg.min_pmi.exp()
    };
    let factor = match cfg.convention {
        PmiConvention::Textbook => 2.0,
        _ => 1.0,
    };
    Ok(m.filter(|a, b, c| {
        let e = factor * reference_exp_pmi(c, deg[a.index()], deg[b.index()], total);
        e >= min_exp && e.ln() > 0.0
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::WordId;

    #[test]
    fn reference_keeps_fewer_than_textbook() {
        // A star 0–1, 0–2, 0–3 plus a heavy pair 1–2.
        let m = CooccurrenceMatrix::from_entries(
            4,
            [
                (WordId(0), WordId(1), 1),
                (WordId(0), WordId(2), 1),
                (WordId(0), WordId(3), 4),
                (WordId(1), WordId(2), 5),
            ],
        );
        // S = 11, d = [6, 6, 6, 4].
        // (0,3): 4·11/(6·4) = 1.83 kept; (1,2): 5·11/36 = 1.53 kept;
        // (0,1): 11/36 = 0.31 dropped by both (textbook 0.61).
        let r = filter_pmi(&m, &PmiConfig::default()).unwrap();
        assert_eq!(r.nnz(), 2);
        assert_eq!(r.get(WordId(0), WordId(3)), 4);
        assert_eq!(r.get(WordId(1), WordId(2)), 5);
        let t = filter_pmi(
            &m,
            &PmiConfig {
                convention: PmiConvention::Textbook,
                ..PmiConfig::default()
            },
        )
        .unwrap();
        assert_eq!(t.nnz(), 2);
        let strict = filter_pmi(
            &m,
            &PmiConfig {
                min_pmi: 0.5,
                ..PmiConfig::default()
            },
        )
        .unwrap();
        // e^0.5 = 1.65: only (0,3) stays.
        assert_eq!(strict.nnz(), 1);
    }

    #[test]
    fn textbook_is_twice_reference() {
        let m = CooccurrenceMatrix::from_entries(
            3,
            [(WordId(0), WordId(1), 1), (WordId(1), WordId(2), 2)],
        );
        // S = 3, d = [1, 3, 2]: (0,1): 1·3/3 = 1 and (1,2): 2·3/6 = 1, not > 1: both dropped;
        // the textbook values are 2, both kept.
        assert_eq!(filter_pmi(&m, &PmiConfig::default()).unwrap().nnz(), 0);
        let t = PmiConfig {
            convention: PmiConvention::Textbook,
            ..PmiConfig::default()
        };
        assert_eq!(filter_pmi(&m, &t).unwrap().nnz(), 2);
    }
}
