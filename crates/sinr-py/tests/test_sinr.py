"""Tests of the `sinr_rs` Python bindings (crates/sinr-py), run by pytest in .ci/run.

The corpus is the `sinr` binary's own fixture: George Washington's annual messages to
Congress, 1790-1796 (public domain). The model trained from Python is compared bit for bit
with the one the `sinr` binary trains with the same settings: the binary is $SINR_BIN, or
target/debug/sinr when SINR_BIN is unset (`cargo test --workspace` builds it). CI sets
SINR_BIN, so there a missing binary fails instead of skipping.
"""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import sinr_rs

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "crates/sinr-cli/tests/fixtures/washington-1790-1796.txt"

# The same settings as keywords and as `sinr embed train` flags.
SETTINGS = dict(min_freq=3, min_token_len=3, gamma=5.0, louvain="multilevel")
FLAGS = ["--min-freq", "3", "--min-token-len", "3", "--gamma", "5", "--louvain", "multilevel"]


@pytest.fixture(scope="session")
def model():
    return sinr_rs.train(CORPUS, **SETTINGS)


@pytest.fixture(scope="session")
def sinr_bin():
    given = os.environ.get("SINR_BIN")
    path = Path(given) if given else ROOT / "target/debug/sinr"
    if not (path.is_file() and os.access(path, os.X_OK)):
        if given:
            pytest.fail(f"SINR_BIN={given} is not an executable file")
        pytest.skip("no sinr binary (run `cargo build -p sinr-cli` or set SINR_BIN)")
    return path


def run_bin(sinr_bin, *args, ok=True):
    out = subprocess.run([str(sinr_bin), *map(str, args)], capture_output=True, text=True)
    if ok:
        assert out.returncode == 0, out.stderr
    else:
        assert out.returncode != 0, out.stdout
    return out


@pytest.fixture(scope="session")
def cli_model_path(sinr_bin, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "w.sinr"
    run_bin(sinr_bin, "--quiet", "embed", "train", "--corpus", CORPUS, "--out", path, *FLAGS)
    return path


def bits(a):
    """The exact bits of a float64 array (so that -0.0 != 0.0 and NaN == NaN)."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def assert_same_model(a, b):
    """Same words, same vectors bit for bit, same dendrogram, same config."""
    assert a.vocab == b.vocab
    assert a.shape == b.shape and a.level == b.level and a.n_levels == b.n_levels
    (da, ia, pa), (db, ib, pb) = a.to_csr(), b.to_csr()
    assert np.array_equal(bits(da), bits(db))
    assert np.array_equal(ia, ib) and np.array_equal(pa, pb)
    assert np.array_equal(a.columns, b.columns)
    for level in range(a.n_levels):
        assert np.array_equal(a.partition(level), b.partition(level))
    for la, lb in zip(a.levels, b.levels):
        assert la == lb
    assert a.config == b.config
    assert np.array_equal(a.counts, b.counts)


# --- the same model as the sinr binary ---------------------------------------------------------


def test_python_model_is_the_binarys_bit_for_bit(model, cli_model_path):
    assert_same_model(model, sinr_rs.load(cli_model_path))


def test_most_similar_is_the_binarys(model, cli_model_path, sinr_bin):
    for word in ["congress", "treaty", "revenue"]:
        out = run_bin(sinr_bin, "embed", "similar", cli_model_path, word, "-k", "10").stdout
        theirs = [(w, float(s)) for s, w in (line.split("\t") for line in out.splitlines())]
        ours = model.most_similar(word, k=10)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        assert [round(s, 4) for _, s in ours] == [s for _, s in theirs]


def test_partition_is_the_binarys(model, cli_model_path, sinr_bin):
    for level in range(model.n_levels):
        out = run_bin(sinr_bin, "embed", "partition", cli_model_path, "--level", level).stdout
        rows = [line.split("\t") for line in out.splitlines()]
        assert [w for w, _ in rows] == model.vocab
        assert [int(c) for _, c in rows] == model.partition(level).tolist()


def test_error_messages_are_the_binarys(tmp_path, cli_model_path, sinr_bin):
    """The exception's message is the Rust error's, as the binary prints it after `error: `."""
    missing = tmp_path / "missing.txt"
    err = run_bin(sinr_bin, "embed", "train", "--corpus", missing, "--out", tmp_path / "m.sinr",
                  ok=False).stderr
    with pytest.raises(OSError) as e:
        sinr_rs.train(missing)
    assert f"error: {e.value}\n" in err

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    err = run_bin(sinr_bin, "--quiet", "embed", "train", "--corpus", empty, "--out",
                  tmp_path / "m.sinr", ok=False).stderr
    with pytest.raises(ValueError) as e:
        sinr_rs.train(empty)
    assert f"error: {e.value}\n" in err

    err = run_bin(sinr_bin, "embed", "similar", cli_model_path, "zzzz", ok=False).stderr
    with pytest.raises(KeyError) as e:
        sinr_rs.load(cli_model_path).most_similar("zzzz")
    assert f"{e.value.args[0]}\n" in err


# --- invariants --------------------------------------------------------------------------------


def test_save_load_is_the_identity(model, tmp_path):
    path = tmp_path / "m.sinr"
    model.save(path)
    back = sinr_rs.load(path)
    assert_same_model(model, back)
    # The file keeps the report but its stage times (so the same model is always the same
    # bytes): those are zero once loaded.
    timeless = {k: v for k, v in model.report.items() if k != "times"}
    assert {k: v for k, v in back.report.items() if k != "times"} == timeless
    assert set(back.report["times"].values()) == {0.0}
    assert_same_model(model, sinr_rs.SINrVectors.load(str(path)))


def test_partition_covers_every_word_once_per_level(model):
    assert model.n_levels >= 2
    vocab = model.vocab
    for level, info in enumerate(model.levels):
        p = model.partition(level)
        assert p.shape == (len(vocab),)
        n = info["communities"]
        assert p.min() == 0 and p.max() == n - 1
        members = model.communities(level)
        assert len(members) == n and all(members)
        flat = [w for c in members for w in c]
        assert sorted(flat) == vocab  # every word, once
        for c, ws in enumerate(members):
            assert all(p[vocab.index(w)] == c for w in ws[:3])
    # Each fine community lies inside one coarse community.
    fine, coarse = model.partition(0), model.partition(1)
    for c in range(model.levels[0]["communities"]):
        assert len(set(coarse[fine == c].tolist())) == 1


def test_nr_rows_sum_to_one_at_every_level(model):
    for level in range(model.n_levels):
        data, indices, indptr = model.to_csr(level=level)
        assert len(indptr) == len(model) + 1 and indptr[-1] == len(data) == len(indices)
        assert (data > 0).all() and (data <= 1 + 1e-12).all()
        sums = np.add.reduceat(data, indptr[:-1])
        assert np.allclose(sums, 1.0, rtol=0, atol=1e-12)
    assert abs(model.get_vector("congress").sum() - 1) < 1e-12
    assert model.get_nnz() == len(model.to_csr()[0])


def test_dense_and_sparse_views_agree(model):
    dense = model.to_dense()
    assert dense.shape == model.shape == (model.get_vocabulary_size(), model.get_number_of_dimensions())
    for word in ["congress", "treaty"]:
        v = model.get_vector(word)
        assert np.array_equal(v, dense[model.get_index(word)])
        assert np.array_equal(v, model.get_my_vector(word))
        dims, vals = model.get_sparse_vector(word)
        assert np.array_equal(v[dims], vals) and np.count_nonzero(v) == len(dims)
    assert np.array_equal(model.get_my_vector(3, row=False), dense[:, 3])


def test_most_similar_is_cosine_order(model):
    dense = model.to_dense()
    norms = np.linalg.norm(dense, axis=1)
    for word in ["congress", "peace", "indians"]:
        q = model.get_index(word)
        cos = dense @ dense[q] / (norms * norms[q])
        order = [r for r in sorted(range(len(cos)), key=lambda r: (-cos[r], r))
                 if r != q and cos[r] > 0][:15]
        got = model.most_similar(word, k=15)
        assert [w for w, _ in got] == [model.vocab[r] for r in order]
        assert np.allclose([s for _, s in got], cos[order], rtol=0, atol=1e-12)
        scores = [s for _, s in got]
        assert scores == sorted(scores, reverse=True)
        assert word not in [w for w, _ in got]
        w2, s2 = got[0]
        assert abs(model.cosine_sim(word, w2) - s2) < 1e-12
    assert model.most_similar(model.get_index("peace"), k=3) == model.most_similar("peace", k=3)


def test_describe_stereotypes_descriptors(model):
    word = "congress"
    v = model.get_vector(word)
    views = model.describe(word, dims=4, words=5)
    assert len(views) == min(4, np.count_nonzero(v))
    assert [d["value"] for d in views] == sorted((d["value"] for d in views), reverse=True)
    part = model.partition(model.level)
    for d in views:
        assert d["value"] == v[d["dimension"]]
        assert d["community"] == model.columns[d["dimension"]]
        assert 1 <= len(d["label"]) <= 5
        col = model.get_my_vector(d["dimension"], row=False)
        st = d["stereotypes"]
        assert [s for _, s in st] == sorted((s for _, s in st), reverse=True)
        assert st[0][1] == col.max()
        for w, s in d["descriptors"]:
            assert part[model.get_index(w)] == d["community"] and s == col[model.get_index(w)]
    # The reference's shapes: (value, word) pairs and one dict per dimension.
    ster = model.get_obj_stereotypes(word, topk_dim=2, topk_val=3)
    assert [d["dimension"] for d in ster] == model.get_topk_dims(word, topk=2)
    assert ster[0]["stereotypes"] == [(s, w) for w, s in views[0]["stereotypes"][:3]]
    desc = model.get_obj_descriptors(word, topk_dim=1)
    members = model.get_community_sets(int(model.columns[desc[0]["dimension"]]))
    assert len(desc[0]["descriptors"]) == len(members)  # topk_val=-1: every member
    both = model.get_obj_stereotypes_and_descriptors(word, topk_dim=2, topk_val=3)
    assert both[1]["stereotypes"] == ster[1]["stereotypes"]
    assert model.get_dimension_stereotypes_idx(views[0]["dimension"], 3) == ster[0]["stereotypes"]
    assert model.get_community_membership(word) == part[model.get_index(word)]
    labels = model.labels(n=3)
    assert len(labels) == model.get_number_of_dimensions()
    assert model.labels(level=1, n=2, ranking="node-recall")
    assert model.labels(n=2, ranking="floor-5")
    # Coherent labels reorder the same most representative members: a shorter label is a
    # prefix of a longer one, and each has its first word.
    coherent = model.labels(level=1, n=4, ranking="coherent-50")
    assert [l[:2] for l in coherent] == model.labels(level=1, n=2, ranking="coherent-50")
    representative = model.labels(level=1, n=4)
    assert [l[:1] for l in coherent] == [l[:1] for l in representative]
    with pytest.raises(sinr_rs.ConfigError, match="coherent-N"):
        model.labels(ranking="coherent")


def test_step_by_step_is_train(model):
    """Cooccurrence → pmi_filter → SINr → detect_communities → extract_embeddings → build gives
    train's model, and node predominance besides."""
    cooc = sinr_rs.Cooccurrence.from_corpus(CORPUS, min_freq=3, min_token_len=3)
    kept = sinr_rs.pmi_filter(cooc)
    assert 0 < kept.nnz < cooc.nnz
    sinr = sinr_rs.SINr.load_from_cooc(kept)
    partition = sinr.detect_communities(5.0, louvain="multilevel")
    assert np.array_equal(partition, model.partition(0))
    sinr.extract_embeddings()
    stepwise = sinr.build()
    assert_same_model(model, stepwise)
    data, indices, indptr = sinr.get_nr()
    assert np.array_equal(bits(data), bits(model.to_csr()[0]))
    # Node predominance: columns sum to 1.
    data, indices, indptr = sinr.get_np()
    col_sums = np.bincount(indices, weights=data, minlength=model.get_number_of_dimensions())
    assert np.allclose(col_sums, 1.0, rtol=0, atol=1e-12)
    assert sinr.get_vocabulary() == model.vocab and sinr.n_levels == model.n_levels
    # A coarser level, post-processed: still train's.
    sinr.extract_embeddings(level=1)
    coarse = sinr.build(sparsify=10, threshold=0.01)
    assert_same_model(coarse, sinr_rs.train(CORPUS, level=1, sparsify=10, threshold=0.01, **SETTINGS))


def test_train_from_counts_is_train(model):
    cooc = sinr_rs.Cooccurrence.from_corpus(CORPUS, min_freq=3, min_token_len=3)
    assert_same_model(model, sinr_rs.train_from_counts(cooc, gamma=5.0, louvain="multilevel"))


def graph_of(model):
    """The PMI-filtered co-occurrence graph of the fixture, as names and weighted edges."""
    kept = sinr_rs.pmi_filter(sinr_rs.Cooccurrence.from_corpus(CORPUS, min_freq=3, min_token_len=3))
    rows, cols, counts = kept.to_coo()
    return kept.vocab, rows, cols, counts.astype(np.float64)


def test_train_from_graph_embeds_the_graph_as_given(model):
    """The text's own graph, given as edges, gives train's vectors and partitions."""
    names, rows, cols, weights = graph_of(model)
    g = sinr_rs.train_from_graph(names, rows, cols, weights, gamma=5.0, louvain="multilevel")
    assert g.vocab == model.vocab
    assert np.array_equal(bits(g.to_csr()[0]), bits(model.to_csr()[0]))
    for level in range(model.n_levels):
        assert np.array_equal(g.partition(level), model.partition(level))
    # Either direction, repeats summed, default weight 1.
    tri = sinr_rs.train_from_graph(["a", "b", "c", "x", "y", "z"],
                                   [0, 1, 2, 3, 4, 5, 0, 0], [1, 2, 0, 4, 5, 3, 3, 1],
                                   gamma=1.0)
    assert tri.get_community_membership("a") == tri.get_community_membership("c")
    assert tri.get_community_membership("a") != tri.get_community_membership("y")
    with pytest.raises(sinr_rs.ConfigError, match="weights must be finite"):
        sinr_rs.train_from_graph(["a", "b"], [0], [1], [-1.0])
    with pytest.raises(sinr_rs.ConfigError, match="`names`"):
        sinr_rs.train_from_graph(["a", "a"], [0], [1])
    with pytest.raises(sinr_rs.EmptyInputError, match="no edge"):
        sinr_rs.train_from_graph(["a", "b"], [0], [0])


def test_train_from_graph_is_the_binarys(model, sinr_bin, tmp_path):
    names, rows, cols, weights = graph_of(model)
    edges = tmp_path / "edges.txt"
    edges.write_text("".join(f"{names[u]} {names[v]} {w:.0f}\n"
                             for u, v, w in zip(rows, cols, weights)))
    out = tmp_path / "g.sinr"
    run_bin(sinr_bin, "--quiet", "embed", "graph", edges, "--out", out, "--gamma", "5",
            "--louvain", "multilevel")
    ours = sinr_rs.train_from_graph(names, rows, cols, weights, gamma=5.0, louvain="multilevel")
    assert_same_model(ours, sinr_rs.load(out))


def test_presets():
    rec = sinr_rs.default_config("recommended")
    assert rec["louvain"]["mode"] == "multilevel" and rec != sinr_rs.default_config()
    assert sinr_rs.default_config("reference") == sinr_rs.default_config()
    m = sinr_rs.train(CORPUS, preset="recommended", min_freq=3)
    assert m.config == {**rec, "tokenizer": {**rec["tokenizer"], "min_freq": 3}}
    with pytest.raises(sinr_rs.ConfigError, match="`preset`"):
        sinr_rs.train(CORPUS, preset="fast")
    with pytest.raises(sinr_rs.ConfigError, match="`preset`"):
        sinr_rs.train(CORPUS, preset="recommended", config=rec)


def test_counts_from_memory():
    """The reference's Cooccurrence().fit(units) and counts made elsewhere (from_counts)."""
    text = ["cat dog pet", "dog pet cat", "pet cat dog",
            "stock bond market", "bond market stock", "market stock bond"]
    units = [s.split() for s in text]
    c = sinr_rs.Cooccurrence()
    c.fit(units, window=5)
    assert c.vocab == sorted({w for u in units for w in u})
    assert c.dictionary == {w: i for i, w in enumerate(c.vocab)}
    assert c.nnz == 6 and c.window == 5
    rows, cols, counts = c.to_coo()
    assert (rows < cols).all() and (counts == 3).all()

    def embed(cooc):
        g = sinr_rs.SINr.load_from_cooc(sinr_rs.pmi_filter(cooc))
        g.detect_communities(1.0)
        g.extract_embeddings()
        return g.build()

    m = embed(c)
    assert m.shape == (6, 2)
    assert_same_model(m, sinr_rs.train_from_counts(c, gamma=1.0))
    assert m.get_community_membership("cat") == m.get_community_membership("pet")
    assert m.get_community_membership("cat") != m.get_community_membership("bond")
    # The same counts given in another word order (indices into the caller's list).
    words = c.vocab[::-1]
    pos = {w: i for i, w in enumerate(words)}
    rows2 = np.array([pos[c.vocab[r]] for r in cols], dtype=np.int64)
    cols2 = np.array([pos[c.vocab[r]] for r in rows], dtype=np.int64)
    d = sinr_rs.Cooccurrence.from_counts(words, rows2, cols2, counts)
    m2 = embed(d)
    assert m2.vocab == m.vocab
    assert np.array_equal(m2.to_dense(), m.to_dense())
    with pytest.raises(sinr_rs.ConfigError, match="diagonal"):
        sinr_rs.Cooccurrence.from_counts(["a", "b"], np.array([0]), np.array([0]),
                                         np.array([1], dtype=np.uint64))
    with pytest.raises(ValueError, match="`a` twice"):
        sinr_rs.Cooccurrence.from_counts(["a", "a"], np.array([0]), np.array([1]),
                                         np.array([1], dtype=np.uint64))
    with pytest.raises(ValueError, match="out of range"):
        sinr_rs.Cooccurrence.from_counts(["a", "b"], np.array([0]), np.array([2]),
                                         np.array([1], dtype=np.uint64))
    # Plain lists and other integer types are taken too.
    m3 = embed(sinr_rs.Cooccurrence.from_counts(words, rows2.tolist(), cols2.astype(np.int32),
                                                counts.tolist(), word_counts=[3] * 6))
    assert np.array_equal(m3.to_dense(), m.to_dense())
    with pytest.raises(sinr_rs.ConfigError, match="`counts`"):
        sinr_rs.Cooccurrence.from_counts(["a", "b"], [0], [1], [[1, 2]])
    with pytest.raises(ValueError, match="fit"):
        sinr_rs.Cooccurrence().vocab


def test_keywords_config_and_threads(model, tmp_path):
    cfg = model.config
    assert cfg["tokenizer"]["min_freq"] == 3 and cfg["louvain"]["mode"] == "multilevel"
    defaults = sinr_rs.default_config()
    assert cfg["cooccurrence"] == defaults["cooccurrence"]  # unset keywords: the Rust defaults
    # config= in the model's own layout, and a list of files.
    assert_same_model(model, sinr_rs.train([str(CORPUS)], config=cfg))
    one = sinr_rs.train(CORPUS, n_jobs=1, **SETTINGS)
    assert_same_model(model, one)
    sparse = sinr_rs.train(CORPUS, sparsify=4, **SETTINGS)
    _, _, indptr = sparse.to_csr()
    assert np.diff(indptr).max() <= 4
    assert model.report["tokens"] > 5000 and model.report["communities"][0] == model.levels[0]["communities"]
    out = tmp_path / "w.txt"
    model.export_word2vec(out)
    lines = out.read_text().splitlines()
    assert lines[0] == f"{len(model)} {model.get_number_of_dimensions()}"
    word, *vals = lines[1].split(" ")
    assert np.allclose(np.array(vals, dtype=np.float64), model.get_vector(word), atol=1e-7)
    assert "congress" in model and "zzzz" not in model
    assert "687 words" in repr(model)


def test_tokenize_then_pretokenized_is_train(model, tmp_path):
    """`tokenize` writes what `pretokenized=True` reads back to the same model."""
    tokens = tmp_path / "tokens.txt"
    stats = sinr_rs.tokenize(CORPUS, tokens, min_token_len=3)
    lines = tokens.read_text().splitlines()
    assert stats["units"] == len(lines) and stats["tokens"] == sum(len(l.split()) for l in lines)
    assert stats["tokens"] == model.report["tokens"]
    again = sinr_rs.train(tokens, pretokenized=True, min_unit_tokens=0, min_freq=3, gamma=5.0,
                          louvain="multilevel")
    assert again.vocab == model.vocab
    assert np.array_equal(bits(again.to_csr()[0]), bits(model.to_csr()[0]))
    with pytest.raises(OSError, match="missing"):
        sinr_rs.tokenize(tmp_path / "missing.txt", tmp_path / "t.txt")
    assert not (tmp_path / "t.txt").exists()


def test_scipy_is_optional(model):
    try:
        import scipy.sparse  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError):
            model.to_scipy()
        return
    m = model.to_scipy()
    assert m.shape == model.shape
    assert np.array_equal(m.toarray(), model.to_dense())


# --- bad input: Python exceptions with the Rust message ----------------------------------------


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(sinr_rs.SinrOSError) as e:
        sinr_rs.train(missing)
    assert isinstance(e.value, OSError) and isinstance(e.value, sinr_rs.SinrError)
    assert str(e.value) == f"{missing}: No such file or directory (os error 2)"
    assert e.value.errno == 2
    with pytest.raises(OSError, match="nope.sinr"):
        sinr_rs.load(tmp_path / "nope.sinr")
    with pytest.raises(OSError):
        sinr_rs.train([CORPUS, missing])


def test_empty_corpus(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(sinr_rs.EmptyInputError) as e:
        sinr_rs.train(empty)
    assert isinstance(e.value, ValueError)
    assert str(e.value).startswith(f"empty input: the corpus ({empty}) has no tokens")
    with pytest.raises(sinr_rs.EmptyInputError, match="^empty input: "):
        sinr_rs.train(CORPUS, min_freq=10**9)
    with pytest.raises(sinr_rs.EmptyInputError, match="no corpus file given"):
        sinr_rs.train([])


def test_unknown_word_and_bad_indices(model):
    with pytest.raises(KeyError) as e:
        model.get_vector("zzzz")
    assert isinstance(e.value, sinr_rs.UnknownWordError)
    assert e.value.args[0] == "word `zzzz` is not in the vocabulary"
    for call in (lambda: model.most_similar("zzzz"), lambda: model.describe("zzzz"),
                 lambda: model.get_obj_stereotypes("zzzz"), lambda: model.cosine_sim("a", "zzzz")):
        with pytest.raises(sinr_rs.UnknownWordError):
            call()
    with pytest.raises(IndexError, match=r"^level 9 is out of range \(there are 2\)$"):
        model.partition(9)
    with pytest.raises(sinr_rs.OutOfRangeError, match="dimension"):
        model.get_dimension_stereotypes_idx(10**6)
    with pytest.raises(sinr_rs.OutOfRangeError, match="row"):
        model.get_vector(10**6)
    with pytest.raises(sinr_rs.ConfigError, match="negative"):
        model.get_vector(-1)
    with pytest.raises(sinr_rs.OutOfRangeError):
        model.to_csr(level=7)


def test_bad_config():
    with pytest.raises(sinr_rs.ConfigError) as e:
        sinr_rs.train(CORPUS, gamma=-1.0)
    assert isinstance(e.value, ValueError)
    assert str(e.value) == "invalid config: `resolution` must be a finite number > 0, got -1"
    for kw, field in [(dict(louvain="leiden"), "louvain"), (dict(pmi="nope"), "pmi"),
                      (dict(stop_words="french"), "stop_words"), (dict(unit="page"), "unit"),
                      (dict(n_jobs=0), "n_jobs"), (dict(level=1), "level"),
                      (dict(window=0), "window"), (dict(config={"nope": 1}), "config")]:
        with pytest.raises(sinr_rs.ConfigError, match=f"`{field}`"):
            sinr_rs.train(CORPUS, **kw)
    with pytest.raises(sinr_rs.ConfigError, match="corpus"):
        sinr_rs.train(42)
    with pytest.raises(TypeError):
        sinr_rs.train(CORPUS, no_such_keyword=1)


def test_a_panic_is_a_sinr_error():
    with pytest.raises(sinr_rs.SinrError, match="^internal error .*a broken invariant"):
        sinr_rs._panic_for_tests()


def test_bad_model_file(tmp_path):
    bad = tmp_path / "bad.sinr"
    bad.write_bytes(b"not a model at all, just some bytes")
    with pytest.raises(sinr_rs.ModelFileError) as e:
        sinr_rs.load(bad)
    assert isinstance(e.value, ValueError)
    assert str(e.value).startswith(f"{bad}: not a valid SINr model file: ")


def test_step_order_errors():
    sinr = sinr_rs.SINr.load_from_cooc(
        sinr_rs.Cooccurrence.from_corpus(CORPUS, min_freq=3, min_token_len=3))
    with pytest.raises(sinr_rs.ConfigError, match="detect_communities"):
        sinr.extract_embeddings()
    sinr.detect_communities(5.0)
    with pytest.raises(sinr_rs.ConfigError, match="extract_embeddings"):
        sinr.build()
    with pytest.raises(sinr_rs.OutOfRangeError):
        sinr.extract_embeddings(level=3)
