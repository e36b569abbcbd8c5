#!/usr/bin/env python3
"""Run the reference SINr pipeline (Python package `sinr` 1.4.2) on a tokenized corpus.

Called by `cargo xtask compare-reference`, inside a virtualenv where `sinr==1.4.2`
is installed (see crates/sinr-embed/tests/fixtures/reference/README.md).

Input: a tokenized corpus, one unit (sentence / document) per line, tokens
separated by single spaces (the format of the `*.tokens.txt` fixtures).

The pipeline is run stage by stage the way a user of sinr runs it (README of
sinr 1.4.2):

    c = Cooccurrence(); c.fit(units, window=N)
    c.matrix = pmi_filter(c.matrix)
    c.save("....pk")
    model = SINr.load_from_cooc_pkl("....pk")
    communities = model.detect_communities(gamma=G)
    model.extract_embeddings(communities)

networkit's thread count is set with networkit.setNumberOfThreads(T) before any
networkit work (SINr.load_from_cooc_pkl ignores its own n_jobs argument, so this
is the only way to control it).

Output JSON:
    {"versions": {...}, "params": {...},
     "stages": {"read", "cooccurrence", "pmi", "graph", "louvain", "node_recall"},
     "total_s", "peak_rss_kib", "vocabulary", "edges", "nodes", "communities",
     "modularity", "modularity_gamma", ...}
and a partition TSV: word<TAB>community (community ids as compacted by sinr),
one line per graph node, in node id order (= lexicographic word order).

Optional evaluation stage (only when --benchmark, --sparsify or --dist-ratio is
given; it runs after everything above and is not part of "stages"/"total_s"):

    sinr_vec = ModelBuilder(model, "reference", n_jobs=T).with_embeddings_nr() \
                   .with_vocabulary().with_communities().build()
    sinr_vec.sparsify(K)                     # only with --sparsify K
    similarity on each --benchmark file      # eval_similarity's policy, see below
    random.seed(0); numpy.random.seed(0)
    sinr.text.evaluate.dist_ratio(sinr_vec)  # only with --dist-ratio

sinr's eval_similarity downloads its data sets, so its policy is re-implemented
on local files (see `similarity_on_pairs`), using the SINrVectors object's own
vocab / vectors / _get_vector. Result key "evaluation":
    {"sparsify": K|null,
     "benchmarks": {NAME: {"pairs", "covered", "coverage",
                           "spearman_mean_vector", "spearman_skip"}},
     "dist_ratio": f|null, "dist_ratio_error": str|null,
     "eval_build_s", "sparsify_s", "dist_ratio_s"}
Non-finite numbers (NaN / inf) are written as null.

This file is our own code; it only calls sinr's public API.
"""

import argparse
import contextlib
import json
import math
import os
import platform
import resource
import sys
import tempfile
import time
from collections import Counter


def read_units(path):
    """Read a tokenized corpus: one unit per line, tokens separated by spaces.

    Blank lines are skipped. `str.split(" ")` with empty strings removed, so a
    line is split exactly on single spaces (the fixture format).
    """
    units = []
    with open(path, "r", encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n").rstrip("\r")
            toks = [t for t in line.split(" ") if t]
            if toks:
                units.append(toks)
    return units


def apply_min_freq(units, min_freq):
    """Drop words whose corpus count is < min_freq; drop units that become empty."""
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


def modularity_gamma(graph, vector, gamma):
    """Q_gamma = sum_c [ e_c/m - gamma * (vol(c)/2m)^2 ] for an undirected weighted
    networkit graph without self-loops.

    e_c = total weight of intra-community edges (each edge once), m = total edge
    weight (each edge once), vol(c) = sum of weighted degrees of c's nodes.
    Sums are computed with math.fsum.
    """
    intra = {}
    vol = {}
    weights = []
    for u, v, w in graph.iterEdgesWeights():
        if u == v:
            raise ValueError("self-loop in graph; Q_gamma formula here assumes none")
        weights.append(w)
        cu, cv = vector[u], vector[v]
        vol.setdefault(cu, []).append(w)
        vol.setdefault(cv, []).append(w)
        if cu == cv:
            intra.setdefault(cu, []).append(w)
    m = math.fsum(weights)
    terms = []
    for c, ws in vol.items():
        vc = math.fsum(ws)
        ec = math.fsum(intra.get(c, []))
        terms.append(ec / m - gamma * (vc / (2.0 * m)) ** 2)
    return math.fsum(terms)


def parse_benchmark_arg(text):
    """`NAME=PATH` -> (NAME, PATH)."""
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return name, path


def read_benchmark(path):
    """Word-similarity file: one pair per line, `word1 word2 score` separated by
    spaces or tabs; blank lines and lines starting with `#` are skipped."""
    pairs = []
    with open(path, "r", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            parts = s.split()
            if len(parts) != 3:
                raise ValueError(f"{path}:{lineno}: expected 'word1 word2 score', got {line!r}")
            pairs.append((parts[0], parts[1], float(parts[2])))
    return pairs


def finite_or_none(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def similarity_on_pairs(sinr_vec, pairs):
    """sinr.text.evaluate.eval_similarity (1.4.2), on local pairs.

    Same policy as the reference: a word not in `sinr_vec.vocab` is looked up
    lower-cased, and if still missing it is replaced by the mean vector
    `np.ravel(sinr_vec.vectors.mean(axis=0))`; rows come from
    `sinr_vec._get_vector(idx)` (one row densified at a time, never the whole
    matrix); cosine = np.dot(v1, v2) / (norm(v1) * norm(v2)); result =
    scipy.stats.spearmanr(cosines, gold).correlation. The only change is that
    `w in vocab` / `vocab.index(w)` (list scans) use a dict built from
    `sinr_vec.vocab` keeping each word's first index, which is what
    `list.index` returns.

    Also returns the Spearman over the pairs whose two words were found
    (directly or lower-cased): the "skip" policy, and how many such pairs.
    """
    import numpy as np
    from numpy.linalg import norm
    import scipy.stats

    index = {}
    for i, w in enumerate(sinr_vec.vocab):
        index.setdefault(w, i)
    vec_mean = np.ravel(sinr_vec.vectors.mean(axis=0))

    def vector(word):
        if word in index:
            return sinr_vec._get_vector(index[word]), True
        low = word.lower()
        if low in index:
            return sinr_vec._get_vector(index[low]), True
        return vec_mean, False

    cos_all, gold_all, cos_cov, gold_cov = [], [], [], []
    for w1, w2, score in pairs:
        vec1, found1 = vector(w1)
        vec2, found2 = vector(w2)
        cos = np.dot(vec1, vec2) / (norm(vec1) * norm(vec2))
        cos_all.append(cos)
        gold_all.append(score)
        if found1 and found2:
            cos_cov.append(cos)
            gold_cov.append(score)

    def spearman(a, b):
        if len(a) < 2:
            return None
        return finite_or_none(scipy.stats.spearmanr(a, b).correlation)

    n = len(pairs)
    return {
        "pairs": n,
        "covered": len(cos_cov),
        "coverage": (len(cos_cov) / n) if n else None,
        "spearman_mean_vector": spearman(cos_all, gold_all),
        "spearman_skip": spearman(cos_cov, gold_cov),
    }


def evaluate(model, args, benchmarks, quiet):
    """Optional evaluation stage, with sinr's own SINrVectors / dist_ratio."""
    import random

    import numpy as np
    import sinr.graph_embeddings as ge
    import sinr.text.evaluate as ev

    # --- build the SINrVectors object as documented (NR values, threshold 0)
    t0 = time.perf_counter()
    with quiet:
        sinr_vec = (
            ge.ModelBuilder(model, "reference", n_jobs=args.threads)
            .with_embeddings_nr()
            .with_vocabulary()
            .with_communities()
            .build()
        )
    eval_build_s = time.perf_counter() - t0

    # sanity: vocab position i must label row i of the vectors
    vocab = sinr_vec.vocab
    if len(vocab) != sinr_vec.vectors.shape[0] or any(
        vocab[i] != model.idx_to_wrd.get(i) for i in range(len(vocab))
    ):
        sys.stderr.write("warning: SINrVectors.vocab order does not match the NR rows\n")

    sparsify_s = None
    if args.sparsify is not None:
        t0 = time.perf_counter()
        with quiet:
            sinr_vec.sparsify(args.sparsify)
        sparsify_s = time.perf_counter() - t0

    results = {}
    for name, path in benchmarks:
        results[name] = similarity_on_pairs(sinr_vec, read_benchmark(path))

    dr = None
    dr_error = None
    dist_ratio_s = None
    if args.dist_ratio:
        random.seed(0)
        np.random.seed(0)
        t0 = time.perf_counter()
        try:
            with quiet:
                value = ev.dist_ratio(sinr_vec)
            dr = finite_or_none(value)
            if dr is None:
                dr_error = f"non-finite DistRatio: {float(value)!r}"
        except Exception as e:  # e.g. NoIntruderPickableException (empty message)
            dr_error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        dist_ratio_s = time.perf_counter() - t0

    return {
        "sparsify": args.sparsify,
        "benchmarks": results,
        "dist_ratio": dr,
        "dist_ratio_error": dr_error,
        "eval_build_s": eval_build_s,
        "sparsify_s": sparsify_s,
        "dist_ratio_s": dist_ratio_s,
    }


def versions():
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("sinr", "networkit", "numpy", "scipy", "scikit-learn"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", required=True, help="tokenized corpus, one unit per line")
    ap.add_argument("--window", type=int, required=True)
    ap.add_argument("--gamma", type=float, required=True)
    ap.add_argument("--min-freq", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="networkit threads")
    ap.add_argument("--par", default="balanced", help="PLM parallelism strategy (sinr default: balanced)")
    ap.add_argument("--out", required=True, help="output JSON")
    ap.add_argument("--partition-out", required=True, help="output TSV word<TAB>community")
    ap.add_argument("--keep-pickle", default=None, help="optional path to keep the cooc pickle")
    ap.add_argument(
        "--benchmark",
        action="append",
        default=[],
        type=parse_benchmark_arg,
        metavar="NAME=PATH",
        help="word-similarity file (word1 word2 score per line, '#' comments); repeatable",
    )
    ap.add_argument("--sparsify", type=int, default=None, metavar="K",
                    help="SINrVectors.sparsify(K) before evaluating")
    ap.add_argument("--dist-ratio", action="store_true",
                    help="sinr.text.evaluate.dist_ratio(sinr_vec), seeds 0")
    args = ap.parse_args(argv)

    gamma = args.gamma
    if gamma == int(gamma):
        gamma = int(gamma)  # sinr's docs use integer gammas; PLM takes a double anyway

    # Imports are not timed.
    import networkit as nk
    from sinr.text.cooccurrence import Cooccurrence
    from sinr.text.pmi import pmi_filter
    import sinr.graph_embeddings as ge

    nk.setNumberOfThreads(args.threads)

    # sinr / networkit print progress to stdout; keep our stdout clean.
    quiet = contextlib.redirect_stdout(sys.stderr)

    stages = {}
    t_all = time.perf_counter()

    # --- read (+ min_freq filter)
    t0 = time.perf_counter()
    units = read_units(args.tokens)
    units = apply_min_freq(units, args.min_freq)
    stages["read"] = time.perf_counter() - t0
    n_tokens = sum(len(u) for u in units)

    # --- co-occurrence
    t0 = time.perf_counter()
    c = Cooccurrence()
    c.fit(units, window=args.window)
    stages["cooccurrence"] = time.perf_counter() - t0
    vocabulary = len(c.dictionary)
    coo_entries = int(c.matrix.nnz)  # includes the reference's duplicate (row, col) entries

    # --- PMI filter
    t0 = time.perf_counter()
    c.matrix = pmi_filter(c.matrix)
    stages["pmi"] = time.perf_counter() - t0

    # --- graph: save the pickle and load it as SINr documents it
    tmpdir = None
    if args.keep_pickle:
        pk_path = args.keep_pickle
    else:
        tmpdir = tempfile.TemporaryDirectory(prefix="sinr_ref_")
        pk_path = os.path.join(tmpdir.name, "cooc.pk")
    t0 = time.perf_counter()
    c.save(pk_path)
    with quiet:
        model = ge.SINr.load_from_cooc_pkl(pk_path)
    stages["graph"] = time.perf_counter() - t0
    if tmpdir is not None:
        tmpdir.cleanup()

    # --- Louvain (networkit PLM as SINr calls it)
    t0 = time.perf_counter()
    with quiet:
        communities = model.detect_communities(gamma=gamma, par=args.par)
    stages["louvain"] = time.perf_counter() - t0

    # --- node recall (+ node predominance, as extract_embeddings does with n_jobs=-1)
    t0 = time.perf_counter()
    with quiet:
        model.extract_embeddings(communities)
    stages["node_recall"] = time.perf_counter() - t0

    total_s = time.perf_counter() - t_all
    peak_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    # --- untimed measurements
    G = model.get_cooc_graph()
    vector = communities.getVector()
    # distinct pairs after PMI (pmi_filter returns a de-duplicated COO; count non-zeros anyway)
    from scipy.sparse import csr_matrix

    kept = csr_matrix(c.matrix)
    kept.sum_duplicates()
    kept.eliminate_zeros()
    edges = int(kept.nnz)
    modularity = nk.community.Modularity().getQuality(communities, G)
    q_gamma = modularity_gamma(G, vector, float(gamma))
    nr = model.get_nr()

    idx_to_wrd = model.idx_to_wrd
    with open(args.partition_out, "w", encoding="utf-8") as fh:
        for u in range(G.upperNodeIdBound()):
            if G.hasNode(u):
                fh.write(f"{idx_to_wrd[u]}\t{vector[u]}\n")

    # --- untimed: PLM alone on one thread (median of 3), the fair single-core comparison
    nk.setNumberOfThreads(1)
    plm_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        plm = nk.community.PLM(G, refine=False, gamma=gamma, turbo=True, recurse=False, par=args.par)
        plm.run()
        plm_times.append(time.perf_counter() - t0)
    plm_1thread_s = sorted(plm_times)[1]

    # --- untimed w.r.t. the pipeline: optional evaluation stage
    evaluation = None
    if args.benchmark or args.sparsify is not None or args.dist_ratio:
        evaluation = evaluate(model, args, args.benchmark, quiet)

    result = {
        "versions": versions(),
        "params": {
            "tokens": os.path.abspath(args.tokens),
            "window": args.window,
            "gamma": gamma,
            "min_freq": args.min_freq,
            "threads": args.threads,
            "networkit_max_threads": nk.getMaxNumberOfThreads(),
            "par": args.par,
        },
        "stages": stages,
        "total_s": total_s,
        "peak_rss_kib": peak_rss_kib,
        "units": len(units),
        "tokens": n_tokens,
        "vocabulary": vocabulary,
        "cooc_coo_entries": coo_entries,
        "edges": edges,
        "nodes": G.numberOfNodes(),
        "graph_edges": G.numberOfEdges(),
        "total_edge_weight": G.totalEdgeWeight(),
        "communities": communities.numberOfSubsets(),
        "modularity": modularity,
        "modularity_gamma": q_gamma,
        "nr_nnz": int(nr.nnz),
        "plm_1thread_s": plm_1thread_s,
    }
    if evaluation is not None:
        result["evaluation"] = evaluation
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
