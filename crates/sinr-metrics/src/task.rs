//! Task metrics: accuracy, per-class and macro F1, ROC-AUC, and strict span F1 for BIO tagging
//! exactly as CoNLL's `conlleval` computes it.

/// Share of equal items.
pub fn accuracy(gold: &[usize], pred: &[usize]) -> f64 {
    assert_eq!(gold.len(), pred.len());
    if gold.is_empty() {
        return 0.0;
    }
    gold.iter().zip(pred).filter(|(g, p)| g == p).count() as f64 / gold.len() as f64
}

/// Precision, recall and F1 of one class (0 when undefined).
pub fn precision_recall_f1(gold: &[usize], pred: &[usize], class: usize) -> (f64, f64, f64) {
    let tp = gold
        .iter()
        .zip(pred)
        .filter(|(g, p)| **g == class && **p == class)
        .count() as f64;
    let fp = gold
        .iter()
        .zip(pred)
        .filter(|(g, p)| **g != class && **p == class)
        .count() as f64;
    let fn_ = gold
        .iter()
        .zip(pred)
        .filter(|(g, p)| **g == class && **p != class)
        .count() as f64;
    prf(tp, fp, fn_)
}

fn prf(tp: f64, fp: f64, fn_: f64) -> (f64, f64, f64) {
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// Unweighted mean of the per-class F1 over `classes` classes.
pub fn macro_f1(gold: &[usize], pred: &[usize], classes: usize) -> f64 {
    if classes == 0 {
        return 0.0;
    }
    (0..classes)
        .map(|c| precision_recall_f1(gold, pred, c).2)
        .sum::<f64>()
        / classes as f64
}

/// Area under the ROC curve of scores for the positive class (ties count one half: the
/// Mann–Whitney statistic). NaN if one class is absent.
pub fn roc_auc(positive: &[bool], scores: &[f64]) -> f64 {
    assert_eq!(positive.len(), scores.len());
    let ranks = crate::rank::average_ranks(scores);
    let n_pos = positive.iter().filter(|&&p| p).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return f64::NAN;
    }
    let rank_sum: f64 = ranks
        .iter()
        .zip(positive)
        .filter(|(_, p)| **p)
        .map(|(r, _)| r)
        .sum();
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// A labelled span `[start, end)` of a BIO sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Entity type.
    pub kind: String,
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
}

fn split_tag(tag: &str) -> (char, &str) {
    if tag == "O" || tag.len() < 2 {
        return ('O', "");
    }
    let mut ch = tag.chars();
    let prefix = ch.next().unwrap_or('O');
    let rest = &tag[prefix.len_utf8()..];
    (prefix, rest.strip_prefix('-').unwrap_or(rest))
}

/// The chunks of a tag sequence with `conlleval`'s rules: a chunk starts at `B-X`, or at `I-X`
/// after `O` or after a chunk of another type (so a stray `I-X` opens a chunk, as conlleval
/// does); it ends before `O`, `B-`, or a tag of another type.
pub fn spans(tags: &[&str]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut cur: Option<(String, usize)> = None;
    let mut prev = ('O', "");
    for (i, tag) in tags.iter().enumerate() {
        let (p, kind) = split_tag(tag);
        let ends = cur.is_some() && (p == 'O' || p == 'B' || kind != prev.1);
        if ends {
            let (k, s) = cur.take().expect("open chunk");
            out.push(Span {
                kind: k,
                start: s,
                end: i,
            });
        }
        let starts = p == 'B' || (p == 'I' && (prev.0 == 'O' || kind != prev.1 || cur.is_none()));
        if starts && p != 'O' {
            cur = Some((kind.to_owned(), i));
        }
        prev = (p, kind);
    }
    if let Some((k, s)) = cur {
        out.push(Span {
            kind: k,
            start: s,
            end: tags.len(),
        });
    }
    out
}

/// Strict span-level scores over sentences: a predicted chunk counts only if the gold chunk has
/// the same type and the same boundaries.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanScores {
    /// Micro precision, recall, F1 (in [0, 1]).
    pub precision: f64,
    /// Micro recall.
    pub recall: f64,
    /// Micro F1.
    pub f1: f64,
    /// `(type, precision, recall, F1, gold count)` per entity type, sorted by type.
    pub per_type: Vec<(String, f64, f64, f64, usize)>,
}

/// conlleval's strict span F1 over sentences of gold and predicted tags.
pub fn span_f1(gold: &[Vec<&str>], pred: &[Vec<&str>]) -> SpanScores {
    use std::collections::{BTreeMap, BTreeSet};
    assert_eq!(gold.len(), pred.len());
    let (mut tp, mut np, mut ng) = (0f64, 0f64, 0f64);
    let mut per: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
    for (g, p) in gold.iter().zip(pred) {
        assert_eq!(g.len(), p.len(), "sentence lengths differ");
        let gs: BTreeSet<Span> = spans(g).into_iter().collect();
        let ps: BTreeSet<Span> = spans(p).into_iter().collect();
        for s in &gs {
            per.entry(s.kind.clone()).or_default().2 += 1.0;
        }
        for s in &ps {
            let e = per.entry(s.kind.clone()).or_default();
            e.1 += 1.0;
            if gs.contains(s) {
                e.0 += 1.0;
                tp += 1.0;
            }
        }
        np += ps.len() as f64;
        ng += gs.len() as f64;
    }
    let (precision, recall, f1) = prf(tp, np - tp, ng - tp);
    let per_type = per
        .into_iter()
        .map(|(k, (t, n_p, n_g))| {
            let (p, r, f) = prf(t, n_p - t, n_g - t);
            (k, p, r, f, n_g as usize)
        })
        .collect();
    SpanScores {
        precision,
        recall,
        f1,
        per_type,
    }
}

/// Index of the largest score, the first one on ties (0 for an empty slice).
/// The one argmax of the workspace: classes, tags and the BIO decoder agree on ties.
pub fn argmax<T: PartialOrd>(scores: &[T]) -> usize {
    (0..scores.len()).fold(0, |b, i| if scores[i] > scores[b] { i } else { b })
}

/// The BIO scheme's constraints over `labels`: `([C·C], [C])`, whether tag `to` may follow tag
/// `from` (at `from · C + to`), and whether it may open a sentence. `I-X` may only follow `B-X`
/// or `I-X`; every other tag (`O`, `B-X`, tags without a BIO prefix) may come anywhere.
pub fn bio_allowed(labels: &[&str]) -> (Vec<bool>, Vec<bool>) {
    let c = labels.len();
    let tags: Vec<(char, &str)> = labels.iter().map(|t| split_tag(t)).collect();
    let inside = |j: usize| tags[j].0 == 'I' && labels[j].starts_with("I-");
    let mut steps = vec![true; c * c];
    for to in (0..c).filter(|&j| inside(j)) {
        for from in 0..c {
            let (pq, kq) = tags[from];
            steps[from * c + to] =
                (pq == 'B' || pq == 'I') && kq == tags[to].1 && labels[from].len() > 1;
        }
    }
    let first = (0..c).map(|j| !inside(j)).collect();
    (steps, first)
}

/// Whether `tags` follow the BIO scheme ([`bio_allowed`]); `Err(i)`: position `i` is an `I-X`
/// that follows neither `B-X` nor `I-X`.
pub fn bio_valid(tags: &[&str]) -> Result<(), usize> {
    for (i, t) in tags.iter().enumerate() {
        if !t.starts_with("I-") {
            continue;
        }
        let ok = i > 0 && {
            let p = tags[i - 1];
            (p.starts_with("B-") || p.starts_with("I-")) && p[2..] == t[2..]
        };
        if !ok {
            return Err(i);
        }
    }
    Ok(())
}

/// Tags of a sentence by the best **valid** BIO path: Viterbi over the positions' log-softmax
/// scores, where `I-X` may only follow `B-X` or `I-X` (never open a sentence or follow `O` or
/// another type). Tags that are not of the `B-X` / `I-X` form are unconstrained, so a tag set
/// without BIO prefixes decodes as the per-position argmax.
///
/// `logits` holds one row of `labels.len()` scores per position. Where the argmax path is
/// already valid the two coincide (each position's term is then at its maximum); where it is
/// not (say `O I-PER`, or `B-MISC I-PER`), the decoder picks the valid sequence of highest total
/// log-probability. Ties keep the lower tag index, as the argmax does.
///
/// # Panics
/// If `logits.len()` is not a multiple of `labels.len()`.
pub fn bio_decode(logits: &[f32], labels: &[&str]) -> Vec<usize> {
    let c = labels.len();
    if c == 0 || logits.is_empty() {
        return Vec::new();
    }
    assert_eq!(logits.len() % c, 0, "logits are not rows of {c} scores");
    let (steps, first) = bio_allowed(labels);
    let log_softmax = |row: &[f32]| -> Vec<f64> {
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let lse = f64::from(m)
            + row
                .iter()
                .map(|&x| f64::from(x - m).exp())
                .sum::<f64>()
                .ln();
        row.iter().map(|&x| f64::from(x) - lse).collect()
    };
    let rows: Vec<f64> = logits.chunks(c).flat_map(log_softmax).collect();
    viterbi(
        c,
        &rows,
        |prev, next| {
            let ok = match prev {
                None => first[next],
                Some(q) => steps[q * c + next],
            };
            if ok { 0.0 } else { f64::NEG_INFINITY }
        },
        |_| 0.0,
    )
}

/// The best path of a linear chain: `emissions` (`[T·C]`, position by position), the score of
/// moving from tag `prev` (`None`: the sentence start) to `next` (`-∞`: forbidden) and the
/// score of ending on a tag. Ties keep the lower tag index. Empty for an empty sentence. The
/// one decoder of the BIO decoding above and of the CRF taggers (`sinr_nn::CrfScores`).
///
/// # Panics
/// If `emissions.len()` is not a multiple of `c`.
pub fn viterbi(
    c: usize,
    emissions: &[f64],
    transition: impl Fn(Option<usize>, usize) -> f64,
    end: impl Fn(usize) -> f64,
) -> Vec<usize> {
    if c == 0 || emissions.is_empty() {
        return Vec::new();
    }
    assert_eq!(
        emissions.len() % c,
        0,
        "emissions are not rows of {c} scores"
    );
    let n = emissions.len() / c;
    let mut score: Vec<f64> = (0..c).map(|j| transition(None, j) + emissions[j]).collect();
    let mut back = vec![vec![0usize; c]; n];
    for i in 1..n {
        let mut next = vec![f64::NEG_INFINITY; c];
        for j in 0..c {
            let mut best = (f64::NEG_INFINITY, 0);
            for (q, &sq) in score.iter().enumerate() {
                let s = sq + transition(Some(q), j);
                if s > best.0 {
                    best = (s, q);
                }
            }
            next[j] = best.0 + emissions[i * c + j];
            back[i][j] = best.1;
        }
        score = next;
    }
    let mut last = 0;
    let mut best = f64::NEG_INFINITY;
    for (j, &s) in score.iter().enumerate() {
        let s = s + end(j);
        if s > best {
            (best, last) = (s, j);
        }
    }
    let mut path = vec![0; n];
    path[n - 1] = last;
    for i in (1..n).rev() {
        path[i - 1] = back[i][path[i]];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_by_hand() {
        let g = [0, 0, 1, 1, 2];
        let p = [0, 1, 1, 1, 0];
        assert!((accuracy(&g, &p) - 0.6).abs() < 1e-12);
        // class 0: p 1/2, r 1/2 → 0.5; class 1: p 2/3, r 1 → 0.8; class 2: 0.
        assert!((macro_f1(&g, &p, 3) - (0.5 + 0.8 + 0.0) / 3.0).abs() < 1e-12);
        assert_eq!(accuracy(&[], &[]), 0.0);
    }

    #[test]
    fn auc_by_hand() {
        // Positives score 0.9 and 0.4, negatives 0.5 and 0.1: 3 of 4 pairs ordered → 0.75.
        let auc = roc_auc(&[true, true, false, false], &[0.9, 0.4, 0.5, 0.1]);
        assert!((auc - 0.75).abs() < 1e-12);
        // A tie counts one half.
        assert!((roc_auc(&[true, false], &[0.5, 0.5]) - 0.5).abs() < 1e-12);
        assert!(roc_auc(&[true, true], &[0.1, 0.2]).is_nan());
    }

    #[test]
    fn conlleval_chunks() {
        let t = [
            "B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG", "I-ORG", "O", "I-MISC",
        ];
        let s = spans(&t);
        let got: Vec<(&str, usize, usize)> = s
            .iter()
            .map(|x| (x.kind.as_str(), x.start, x.end))
            .collect();
        // A stray I- opens a chunk (conlleval), a type change closes one.
        assert_eq!(
            got,
            vec![
                ("PER", 0, 2),
                ("LOC", 3, 4),
                ("LOC", 4, 5),
                ("ORG", 5, 7),
                ("MISC", 8, 9)
            ]
        );
        assert!(spans(&["O", "O"]).is_empty());
        assert_eq!(spans(&["I-PER", "I-LOC"]).len(), 2);
    }

    #[test]
    fn strict_span_f1_by_hand() {
        // gold: PER[0,2) LOC[3,4); pred: PER[0,1) (wrong boundary) LOC[3,4) (right), ORG[5,6) (spurious)
        let gold = vec![vec!["B-PER", "I-PER", "O", "B-LOC", "O", "O"]];
        let pred = vec![vec!["B-PER", "O", "O", "B-LOC", "O", "B-ORG"]];
        let s = span_f1(&gold, &pred);
        assert!((s.precision - 1.0 / 3.0).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        assert!((s.f1 - 0.4).abs() < 1e-12);
        let loc = s.per_type.iter().find(|x| x.0 == "LOC").unwrap();
        assert_eq!((loc.3, loc.4), (1.0, 1));
        let perfect = span_f1(&gold, &gold);
        assert_eq!(perfect.f1, 1.0);
    }

    #[test]
    fn bio_decode_by_hand() {
        let labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];
        // Row by row: argmax O, I-PER (invalid after O), I-PER.
        let l = [
            2.0, 1.0, 0.0, 0.0, 0.0, //
            0.0, 0.5, 1.0, 0.0, 0.0, //
            0.0, 0.0, 3.0, 0.0, 0.0,
        ];
        let path = bio_decode(&l, &labels);
        let tags: Vec<&str> = path.iter().map(|&i| labels[i]).collect();
        // The valid repairs: O B-PER I-PER gives up 0.5 of log-probability at position 1
        // (B-PER instead of I-PER), B-PER I-PER I-PER gives up 1.0 at position 0.
        assert_eq!(tags, ["O", "B-PER", "I-PER"]);
        // A valid argmax path is kept.
        let ok = [0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0];
        assert_eq!(bio_decode(&ok, &labels), vec![1, 2]);
        // A sentence may not open with I-: I-LOC alone becomes the best other tag.
        assert_eq!(bio_decode(&[0.0, 0.0, 0.0, 0.5, 1.0], &labels), vec![3]);
        // A type change inside a chunk is invalid: B-LOC I-PER → B-LOC I-LOC or B-LOC B-PER, …
        let t = [0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 1.0, 2.0, 0.0, 1.5];
        assert_eq!(bio_decode(&t, &labels), vec![3, 4]);
        // Tags without BIO prefixes are unconstrained: the argmax.
        assert_eq!(bio_decode(&[0.0, 1.0, 2.0, 0.0], &["a", "b"]), vec![1, 0]);
        assert!(bio_decode(&[], &labels).is_empty());
        // The shared argmax: the first of equal maxima.
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
        assert_eq!(argmax(&[0.5, -1.0]), 0);
        assert_eq!(argmax::<f32>(&[]), 0);
    }

    /// Is a BIO tag sequence valid (every `I-X` after `B-X` or `I-X`)?
    fn valid(tags: &[&str]) -> bool {
        let mut prev = "O";
        for t in tags {
            if let Some(k) = t.strip_prefix("I-") {
                let ok = prev.strip_prefix("B-").or_else(|| prev.strip_prefix("I-")) == Some(k);
                if !ok {
                    return false;
                }
            }
            prev = t;
        }
        true
    }

    fn log_prob(logits: &[f32], path: &[usize], c: usize) -> f64 {
        path.iter()
            .enumerate()
            .map(|(i, &j)| {
                let r = &logits[i * c..(i + 1) * c];
                let lse = r.iter().map(|&x| f64::from(x).exp()).sum::<f64>().ln();
                f64::from(r[j]) - lse
            })
            .sum()
    }

    proptest::proptest! {
        /// The decoded path is valid, no valid path (enumerated) scores higher, and a valid
        /// argmax path is returned unchanged.
        #[test]
        fn bio_decode_is_the_best_valid_path(
            n in 1usize..5,
            raw in proptest::collection::vec(-3.0f32..3.0, 20),
        ) {
            let labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];
            let c = labels.len();
            let logits = &raw[..n * c];
            let path = bio_decode(logits, &labels);
            let tags: Vec<&str> = path.iter().map(|&j| labels[j]).collect();
            proptest::prop_assert!(valid(&tags));
            let best = log_prob(logits, &path, c);
            for code in 0..c.pow(n as u32) {
                let other: Vec<usize> = (0..n).map(|i| code / c.pow(i as u32) % c).collect();
                let t: Vec<&str> = other.iter().map(|&j| labels[j]).collect();
                proptest::prop_assert_eq!(bio_valid(&t).is_ok(), valid(&t));
                if valid(&t) {
                    proptest::prop_assert!(log_prob(logits, &other, c) <= best + 1e-9);
                }
            }
            let per_position: Vec<usize> = logits.chunks(c).map(argmax).collect();
            let at: Vec<&str> = per_position.iter().map(|&j| labels[j]).collect();
            if valid(&at) {
                proptest::prop_assert_eq!(path, per_position);
            }
        }
    }
}
