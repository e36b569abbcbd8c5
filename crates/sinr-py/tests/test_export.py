"""`sinr export`: a trained classifier's safetensors file, read by the `safetensors` Python
package (not by this project's code), agrees with the description the command writes beside it.

The `sinr` binary is the one `cargo test` built (SINR_BIN, as .ci/run sets it)."""

import json
import subprocess

import numpy as np
import pytest

safetensors_numpy = pytest.importorskip("safetensors.numpy")

from conftest import FIXTURES, SINR, sinr


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    emb = d / "small.sinr"
    sinr("embed", "train", "--preset", "recommended", "--min-freq", "2",
         "--corpus", FIXTURES / "washington-1790-1796.txt", "--out", emb)
    run = d / "run"
    sinr("train", "--data", FIXTURES / "sotu-party-train.csv", "--embeddings", emb,
         "--out", run, "--epochs", "2")
    return d, run


def test_safetensors_reads_what_config_describes(run):
    d, run = run
    out = d / "exported"
    sinr("export", run, "--out", out)
    tensors = safetensors_numpy.load_file(str(out / "model.safetensors"))
    config = json.loads((out / "config.json").read_text())
    assert config["class_names"] == ["democrat", "republican"]
    assert config["model"]["kind"] == "attention"
    described = {t["name"]: tuple(t["shape"]) for t in config["tensors"]}
    assert {n: a.shape for n, a in tensors.items()} == described
    assert all(a.dtype == np.float32 and np.isfinite(a).all() for a in tensors.values())
    # Something was learnt: not every trained value is still zero.
    assert any(np.abs(a).max() > 0 for a in tensors.values())
    vocab = (out / "vocabulary.txt").read_text().split("\n")[:-1]
    assert len(vocab) == config["embeddings"]["words"]

    # With the frozen SINr vectors: more tensors, the trained ones unchanged.
    full = d / "exported-full"
    sinr("export", run, "--out", full, "--with-embeddings")
    with_frozen = safetensors_numpy.load_file(str(full / "model.safetensors"))
    assert len(with_frozen) > len(tensors)
    for name, a in tensors.items():
        assert np.array_equal(with_frozen[name], a), name


def test_a_bad_run_is_a_clear_error(tmp_path):
    out = subprocess.run([SINR, "export", tmp_path / "missing", "--out", tmp_path / "x"],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "missing" in out.stderr and "run.json" in out.stderr
    assert not (tmp_path / "x").exists()
