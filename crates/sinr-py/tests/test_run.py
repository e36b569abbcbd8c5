"""A trained run from Python (`sinr_rs.Run`): the same predictions as the `sinr` binary, and
explanations that add up to the logits. The run is trained by the binary that `cargo test`
built (SINR_BIN, as .ci/run sets it)."""

import csv

import numpy as np
import pytest

import sinr_rs

from conftest import FIXTURES, sinr


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    emb = d / "small.sinr"
    sinr("embed", "train", "--preset", "recommended", "--min-freq", "2",
         "--corpus", FIXTURES / "washington-1790-1796.txt", "--out", emb)
    runs = {}
    runs["party"] = d / "party"
    sinr("train", "--data", FIXTURES / "sotu-party-train.csv", "--embeddings", emb,
         "--out", runs["party"], "--epochs", "2")
    runs["ner"] = d / "ner"
    # The default tagger but the name lists, which the tests do not fetch.
    sinr("train", "--data", FIXTURES / "sotu-ner.conll", "--model", FIXTURES / "sotu-tagger.json",
         "--embeddings", emb, "--out", runs["ner"], "--epochs", "2")
    return d, runs


def test_predictions_equal_the_binarys(trained):
    d, runs = trained
    run = sinr_rs.Run.load(str(runs["party"]))
    assert run.labels == ["democrat", "republican"]
    assert (run.kind, run.model) == ("classify", "attention")
    tsv = d / "predictions.tsv"
    sinr("evaluate", runs["party"], "--data", FIXTURES / "sotu-party-test.csv",
         "--predictions", tsv)
    with open(tsv, encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, rows = rows[0], rows[1:]
    assert header[3:] == ["p(democrat)", "p(republican)"]
    texts = [r[0] for r in rows]
    p = run.predict_proba(texts)
    assert p.shape == (len(texts), 2)
    # The binary writes six decimals.
    binary = np.array([[float(x) for x in r[3:]] for r in rows])
    assert np.abs(p - binary).max() < 1e-6
    assert run.predict(texts) == [r[2] for r in rows]


def test_explanations_add_up_to_the_logits(trained):
    _, runs = trained
    run = sinr_rs.Run.load(str(runs["party"]))
    text = "we must provide for the defense of our country and reduce the public debt"
    e = run.explain(text)
    out = e["outputs"][0]
    logits = np.array(out["logits"], dtype=np.float64)
    terms = np.array(out["tokens"], dtype=np.float64).sum(axis=0) + np.array(out["bias"])
    assert np.abs(terms - logits).max() < 1e-4
    p = run.predict_proba([text])[0]
    assert np.abs(np.exp(logits) / np.exp(logits).sum() - p).max() < 1e-5
    assert e["labels"] == run.labels
    # Read against the mean of the training texts `sinr train` drew (its reference.json).
    assert run.reference_texts > 0
    assert np.allclose(e["reference_logits"], run.reference_logits)
    assert e["reference_texts"] == run.reference_texts
    means = np.array([c["values"] for c in e["reference_components"]]).sum(axis=0)
    assert np.abs(means - run.reference_logits).max() < 1e-4


def test_a_tagger(trained):
    _, runs = trained
    run = sinr_rs.Run.load(str(runs["ner"]))
    assert run.kind == "tag" and "B-LOC" in run.labels
    (tags,) = run.predict(["The Congress met at Philadelphia"])
    assert [t for t, _ in tags] == ["The", "Congress", "met", "at", "Philadelphia"]
    assert all(tag in run.labels for _, tag in tags)
    with pytest.raises(sinr_rs.RunError, match="tagger"):
        run.predict_proba(["x"])


def test_bad_runs_raise_with_the_rust_message(tmp_path):
    with pytest.raises(sinr_rs.RunError, match="run.json") as e:
        sinr_rs.Run.load(str(tmp_path / "missing"))
    assert isinstance(e.value, sinr_rs.SinrError)


def test_web_text_is_a_tokenizer_keyword(tmp_path):
    # Washington's messages, with links and hashtags added to their lines.
    lines = (FIXTURES / "washington-1790-1796.txt").read_text().splitlines()
    corpus = tmp_path / "posts.txt"
    corpus.write_text("\n".join(f"{l} see https://t.co/satxh #GoodNews" for l in lines) + "\n")
    raw = sinr_rs.train(corpus, min_freq=2, min_token_len=2, unit="line")
    clean = sinr_rs.train(corpus, min_freq=2, min_token_len=2, unit="line", web_text=True)
    assert "satxh" in raw.vocab and "https" in raw.vocab
    assert "satxh" not in clean.vocab and "https" not in clean.vocab
    assert "goodnews" in raw.vocab and "goodnews" not in clean.vocab
    assert "good" in clean.vocab and "news" in clean.vocab
