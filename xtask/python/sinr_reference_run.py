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
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
