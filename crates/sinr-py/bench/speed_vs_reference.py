#!/usr/bin/env python3
"""sinr_rs against the reference package `sinr` 1.4.2, both driven from Python, side by side.

Run it with a Python that has sinr_rs installed (target/py-venv after the steps of
docs/python.md); the reference runs in the virtual environment `cargo xtask compare-reference`
makes (target/reference-venv, `sinr==1.4.2`):

    target/py-venv/bin/python crates/sinr-py/bench/speed_vs_reference.py CORPUS.txt... \
        [--gamma 30] [--min-freq 20] [--min-token-len 2] [--threads 2] [--repeats 3]

1. tokenises the corpus once with `sinr_rs.tokenize` (as `cargo xtask compare-reference` does
   with `sinr embed tokenize`), so both sides read exactly the same units;
2. runs each side `--repeats` times, alternately, each run in a fresh process:
   * ours: `sinr_rs.train(tokens, pretokenized=True, min_unit_tokens=0, ...)`;
   * the reference, as its README and xtask/python/sinr_reference_run.py use it: read the units
     and apply min_freq, `Cooccurrence().fit`, `pmi_filter`, save the pickle and
     `SINr.load_from_cooc_pkl`, `detect_communities`, `extract_embeddings`, then
     `ModelBuilder(...).with_embeddings_nr().with_vocabulary().with_communities().build()`
     (the queryable `SINrVectors`, whose build fits scikit-learn's nearest neighbours);
   * then, on both sides, `most_similar` (30 neighbours) and `get_obj_stereotypes(w, 5, 3)` for
     the same `--queries` words (every n-th word of the sorted vocabulary, which is the same on
     both sides);
3. prints a Markdown table (and writes it, with the raw JSON, under --out-dir): every time is
   the median of the runs with the fastest and slowest in brackets; ratios are ratios of medians.
   `--render` prints the table of a finished run again, from its speed.json.

Networkit's thread count is set with `networkit.setNumberOfThreads(--threads)`, ours with
`n_jobs`. With more than one thread networkit's Louvain is not deterministic, so the two
partitions (and community counts) may differ slightly; with `--threads 1` they are the same.
"""

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
STAGES = [
    ("read + vocabulary", "vocabulary", "read"),
    ("co-occurrence", "cooccurrence", "cooccurrence"),
    ("PMI filter", "pmi", "pmi"),
    ("graph", "graph", "graph"),
    ("Louvain", "louvain", "louvain"),
    ("node recall", "node_recall", "node_recall"),
]


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def query_words(vocab, n):
    step = max(1, len(vocab) // n)
    return vocab[::step][:n]


def side_ours(args):
    t0 = time.perf_counter()
    import sinr_rs

    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    m = sinr_rs.train(args.tokens, pretokenized=True, min_unit_tokens=0, min_freq=args.min_freq,
                      window=args.window, gamma=args.gamma, n_jobs=args.threads)
    pipeline_s = time.perf_counter() - t0
    times = m.report["times"]
    words = query_words(m.vocab, args.queries)
    t0 = time.perf_counter()
    for w in words:
        m.most_similar(w, k=30)
    similar_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for w in words:
        m.get_obj_stereotypes(w, 5, 3)
    stereotypes_s = time.perf_counter() - t0
    return {
        "import_s": import_s,
        "stages": {key: times[key] for _, key, _ in STAGES},
        "build_s": 0.0,
        "pipeline_s": pipeline_s,
        "most_similar_s": similar_s,
        "stereotypes_s": stereotypes_s,
        "vocabulary": len(m),
        "communities": m.get_number_of_dimensions(),
        "queries": len(words),
        "peak_rss_mib": peak_rss_mib(),
    }


def side_reference(args):
    t0 = time.perf_counter()
    quiet = contextlib.redirect_stdout(sys.stderr)  # sinr and networkit print progress
    with quiet:
        import networkit as nk
        import sinr.graph_embeddings as ge
        from sinr.text.cooccurrence import Cooccurrence
        from sinr.text.pmi import pmi_filter
    import_s = time.perf_counter() - t0
    nk.setNumberOfThreads(args.threads)
    stages = {}
    t_all = time.perf_counter()

    t0 = time.perf_counter()
    units = []
    with open(args.tokens, encoding="utf-8") as fh:
        for line in fh:
            toks = [t for t in line.rstrip("\n").split(" ") if t]
            if toks:
                units.append(toks)
    counts = Counter(w for u in units for w in u)
    keep = {w for w, c in counts.items() if c >= args.min_freq}
    units = [v for v in ([w for w in u if w in keep] for u in units) if v]
    stages["read"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    c = Cooccurrence()
    c.fit(units, window=args.window)
    stages["cooccurrence"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    c.matrix = pmi_filter(c.matrix)
    stages["pmi"] = time.perf_counter() - t0

    with tempfile.TemporaryDirectory(prefix="sinr_ref_") as tmp:
        t0 = time.perf_counter()
        pk = os.path.join(tmp, "cooc.pk")
        c.save(pk)
        with quiet:
            model = ge.SINr.load_from_cooc_pkl(pk)
        stages["graph"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with quiet:
        communities = model.detect_communities(gamma=args.gamma)
    stages["louvain"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with quiet:
        model.extract_embeddings(communities)
    stages["node_recall"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with quiet:
        vec = (ge.ModelBuilder(model, "reference", n_jobs=args.threads)
               .with_embeddings_nr().with_vocabulary().with_communities().build())
    build_s = time.perf_counter() - t0
    pipeline_s = time.perf_counter() - t_all

    words = query_words(sorted(vec.vocab), args.queries)
    with quiet:
        t0 = time.perf_counter()
        for w in words:
            vec.most_similar(w)  # n_neighbors=31: the word itself and 30 neighbours
        similar_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for w in words:
            vec.get_obj_stereotypes(w, 5, 3)
        stereotypes_s = time.perf_counter() - t0
    return {
        "import_s": import_s,
        "stages": stages,
        "build_s": build_s,
        "pipeline_s": pipeline_s,
        "most_similar_s": similar_s,
        "stereotypes_s": stereotypes_s,
        "vocabulary": len(vec.vocab),
        "communities": vec.get_number_of_dimensions(),
        "queries": len(words),
        "peak_rss_mib": peak_rss_mib(),
    }


class Spread:
    def __init__(self, values):
        self.median = statistics.median(values)
        self.min, self.max = min(values), max(values)

    def cell(self, fmt="{:.3f}"):
        if self.min == self.max:
            return fmt.format(self.median)
        return f"{fmt.format(self.median)} [{fmt.format(self.min)}–{fmt.format(self.max)}]"


def drive(args):
    import sinr_rs

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokens = out / "tokens.txt"
    print(f"tokenising {len(args.corpus)} file(s)…", file=sys.stderr)
    st = sinr_rs.tokenize(args.corpus, tokens, min_token_len=args.min_token_len,
                          n_jobs=args.threads)
    common = ["--tokens", str(tokens), "--window", str(args.window), "--gamma", str(args.gamma),
              "--min-freq", str(args.min_freq), "--threads", str(args.threads),
              "--queries", str(args.queries)]
    runs = {"ours": [], "reference": []}
    for i in range(args.repeats):
        for side, python in [("ours", sys.executable), ("reference", args.reference_python)]:
            print(f"{side} {i + 1}/{args.repeats}…", file=sys.stderr)
            result = out / f"{side}-{i}.json"
            t0 = time.perf_counter()
            with open(out / f"{side}-{i}.log", "w") as log:
                subprocess.run([python, __file__, "--side", side, "--result", str(result),
                                *common], check=True, stdout=subprocess.DEVNULL, stderr=log)
            wall = time.perf_counter() - t0
            r = json.loads(result.read_text())
            r["wall_s"] = wall
            runs[side].append(r)
    meta = {"corpus": [str(c) for c in args.corpus], "tokens": st["tokens"],
            "window": args.window, "gamma": args.gamma, "min_freq": args.min_freq,
            "min_token_len": args.min_token_len, "threads": args.threads,
            "repeats": args.repeats}
    (out / "speed.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1))
    render(out)


def render(out):
    """The table of `out/speed.json` (also written to `out/speed.md`)."""
    saved = json.loads((out / "speed.json").read_text())
    meta, ours, ref = saved["meta"], saved["runs"]["ours"], saved["runs"]["reference"]
    queries = ours[0]["queries"]
    lines = [
        f"Corpus: {' '.join(Path(c).name for c in meta['corpus'])} ({meta['tokens']} tokens "
        f"after tokenising with min_token_len {meta['min_token_len']}). window {meta['window']}, "
        f"γ {meta['gamma']}, min_freq {meta['min_freq']}, {meta['threads']} thread(s), "
        f"{queries} query words. Median of {meta['repeats']} run(s) of each side "
        "[fastest–slowest], each in a fresh process; ratios are ratios of medians.",
        "",
        "| | sinr_rs (Python) | reference sinr 1.4.2 (Python) | reference / sinr_rs |",
        "| --- | ---: | ---: | ---: |",
    ]

    def row(name, get, fmt="{:.3f}", ratio=True, ours_cell=None):
        a, b = Spread([get(r) for r in ours]), Spread([get(r) for r in ref])
        r = f"{b.median / a.median:.1f}×" if ratio and a.median > 0 else ""
        lines.append(f"| {name} | {ours_cell or a.cell(fmt)} | {b.cell(fmt)} | {r} |")

    for name, k_ours, k_ref in STAGES:
        a = Spread([r["stages"][k_ours] for r in ours])
        b = Spread([r["stages"][k_ref] for r in ref])
        lines.append(f"| {name} (s) | {a.cell()} | {b.cell()} | {b.median / a.median:.1f}× |")
    row("build the queryable vectors (s)", lambda r: r["build_s"], ratio=False,
        ours_cell="— (`train` returns them)")
    row("**corpus to queryable model (s)**", lambda r: r["pipeline_s"])
    row("import the package (s)", lambda r: r["import_s"], ratio=False)
    row("process wall clock, everything included (s)", lambda r: r["wall_s"])
    row(f"most_similar × {queries} (s)", lambda r: r["most_similar_s"])
    row(f"get_obj_stereotypes × {queries} (s)", lambda r: r["stereotypes_s"])
    row("peak memory (MiB)", lambda r: r["peak_rss_mib"], "{:.0f}")
    lines.append(f"| vocabulary | {ours[0]['vocabulary']} | {ref[0]['vocabulary']} | "
                 f"{'=' if ours[0]['vocabulary'] == ref[0]['vocabulary'] else '≠'} |")
    lines.append(f"| communities (dimensions) | {ours[0]['communities']} | "
                 f"{ref[0]['communities']} | |")
    table = "\n".join(lines)
    (out / "speed.md").write_text(table + "\n")
    print(table)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="*", help="raw text files")
    ap.add_argument("--gamma", type=float, default=30.0)
    ap.add_argument("--min-freq", type=int, default=20)
    ap.add_argument("--min-token-len", type=int, default=2)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--reference-python", default=str(ROOT / "target/reference-venv/bin/python"))
    ap.add_argument("--out-dir", default=str(ROOT / "target/py-bench"))
    ap.add_argument("--render", action="store_true",
                    help="only print the table of --out-dir's speed.json again")
    ap.add_argument("--side", choices=["ours", "reference"], help=argparse.SUPPRESS)
    ap.add_argument("--tokens", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        result = (side_ours if args.side == "ours" else side_reference)(args)
        Path(args.result).write_text(json.dumps(result))
    elif args.render:
        render(Path(args.out_dir))
    else:
        if not args.corpus:
            ap.error("give at least one corpus file")
        drive(args)


if __name__ == "__main__":
    main()
