"""A PyTorch (CPU, eager) peer of two of our models, for the training-step benchmark.

xtask exports a model and one batch from Rust (`DIR/manifest.json` + `DIR/tensors.bin`, see
`load_export`), then runs, with the venv `target/torch-venv`:

    python xtask/python/torch_peer.py DIR --threads N --warmup W --steps S

This rebuilds the model ("attention": the attention classifier with mean pooling;
"transformer": the SINr transformer with its fine path; see crates/sinr-nn and
crates/sinr-models/src/models/) from the exported parameters, checks that its logits on the
batch equal ours (`parity_max_abs`), times S training steps after W warm-up steps with our
trainer's loss, clipping and optimiser, and prints one JSON line on stdout (its `loss_after`,
the loss of the last step, is peer-step's: equal on both sides when the training matches).
A malformed export is an error (stderr, exit 2); poor parity is not (the caller judges it).
`--self-test` fabricates tiny exports of both models, checks the sparse formulation against a
dense one and that training lowers the loss.
"""
import argparse
import gc
import json
import math
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

PAD_SCORE = -1.0e9  # what masked_softmax gives padding (finite: all-padding rows stay uniform)
DTYPES = {"f32": torch.float32, "i64": torch.int64}
# burn's norm clipping divides by `norm + min_positive` (torch's clip_grad_norm_ adds 1e-6).
CLIP_EPS = torch.finfo(torch.float32).tiny


class ExportError(Exception):
    """A missing, malformed or inconsistent export."""


# --- Loading ---------------------------------------------------------------------------------

def load_export(root):
    """`(manifest, {name: tensor})` from DIR/manifest.json and the raw little-endian,
    row-major tensors of DIR/tensors.bin at the manifest's offsets."""
    root = Path(root)
    try:
        manifest = json.loads((root / "manifest.json").read_text())
        blob = bytearray((root / "tensors.bin").read_bytes())
    except (OSError, ValueError) as e:
        raise ExportError(f"cannot read the export in {root}: {e}") from e
    tensors = {}
    try:
        for entry in manifest["tensors"]:
            name, dtype, shape = entry["name"], DTYPES[entry["dtype"]], list(entry["shape"])
            count, offset = math.prod(shape), entry["offset"]
            size = count * dtype.itemsize
            if entry["bytes"] != size or offset + size > len(blob):
                raise ExportError(f"tensor `{name}`: {entry['bytes']} bytes at {offset} do not "
                                  f"hold {shape} {entry['dtype']} in a {len(blob)}-byte file")
            flat = (torch.frombuffer(blob, dtype=dtype, count=count, offset=offset)
                    if count else torch.empty(0, dtype=dtype))
            tensors[name] = flat.reshape(shape).clone()
        manifest["model"], manifest["config"], manifest["reference"]["loss"]  # noqa: B018
    except (KeyError, TypeError) as e:
        raise ExportError(f"malformed manifest: missing or bad {e}") from e
    return manifest, tensors


def tensor(tensors, name, shape, dtype=torch.float32):
    """The tensor `name`, checked against `shape` (None: any size on that axis)."""
    if name not in tensors:
        raise ExportError(f"missing tensor `{name}`")
    t = tensors[name]
    if t.dtype != dtype or t.dim() != len(shape) or any(
            s is not None and s != n for s, n in zip(shape, t.shape)):
        raise ExportError(f"tensor `{name}` is {list(t.shape)} {t.dtype}, expected {shape} {dtype}")
    return t


# --- Sparse token vectors --------------------------------------------------------------------

class SparseTokens:
    """A batch's token vectors as `[B, T, P]` (column, value) pairs into K dimensions."""

    def __init__(self, idx, val, dims):
        self.idx, self.val, self.dims = idx, val, dims

    def dot(self, q):
        """`<q, x[b, t]>`, `[B, T]`: a gather of q."""
        return (self.val * q.index_select(0, self.idx.reshape(-1)).view(self.idx.shape)).sum(2)

    def weighted_sum(self, w):
        """`Σ_t w[b, t] x[b, t]`, `[B, K]`: a scatter-add (no `[B, T, K]` tensor)."""
        b = w.shape[0]
        contrib = (self.val * w.unsqueeze(2)).reshape(b, -1)
        return contrib.new_zeros(b, self.dims).scatter_add(1, self.idx.reshape(b, -1), contrib)

    def densify(self):
        """The dense `[B, T, K]` vectors (the coarse stream only)."""
        b, t, p = self.idx.shape
        dense = self.val.new_zeros(b * t, self.dims)
        dense.scatter_add_(1, self.idx.reshape(-1, p), self.val.reshape(-1, p))
        return dense.view(b, t, -1)


def dense_tokens(idx, val, dims):
    """SparseTokens' operations on an explicit `[B, T, K]` tensor (the self-test's check)."""
    x = (F.one_hot(idx, dims).float() * val.unsqueeze(3)).sum(2)
    return SimpleNamespace(dot=lambda q: x @ q, densify=lambda: x,
                           weighted_sum=lambda w: (w.unsqueeze(2) * x).sum(1))


class Embedding:
    """Frozen padded sparse rows `[V, P]` (never trained)."""

    def __init__(self, tensors, prefix, dims):
        self.idx = tensor(tensors, prefix + "embedding.idx", [None, None], torch.int64)
        self.val = tensor(tensors, prefix + "embedding.val", list(self.idx.shape))
        if self.idx.numel() and not 0 <= int(self.idx.min()) <= int(self.idx.max()) < dims:
            raise ExportError(f"`{prefix}embedding.idx` has columns outside 0..{dims}")
        self.dims = dims

    def lookup(self, tokens, kind=SparseTokens):
        flat = tokens.reshape(-1)
        shape = (*tokens.shape, self.idx.shape[1])
        return kind(self.idx.index_select(0, flat).view(shape),
                    self.val.index_select(0, flat).view(shape), self.dims)


# --- Models ----------------------------------------------------------------------------------

def masked_softmax(scores, pad):
    return torch.softmax(scores.masked_fill(pad, PAD_SCORE), dim=-1)


def attention_spec(prefix, k, c):
    return {prefix + "attention.query": [k], prefix + "readout.weight": [k, c],
            prefix + "readout.bias": [c], prefix + "mean_readout": [k, c]}


def attention_logits(p, prefix, x, known_pad):
    """The attention classifier with mean pooling over `known_pad` (padding or unknown word)."""
    alpha = masked_softmax(x.dot(p[prefix + "attention.query"]), known_pad)
    real = (~known_pad).float()
    mean = real / real.sum(1, keepdim=True).clamp_min(1.0)
    return (x.weighted_sum(alpha) @ p[prefix + "readout.weight"] + p[prefix + "readout.bias"]
            + x.weighted_sum(mean) @ p[prefix + "mean_readout"])


def transformer_spec(cfg, k, c):
    h, r, m, p = cfg["heads"], cfg["rank"], cfg["memories"], cfg["max_distance"]
    spec = {"pool.query": [k], "readout.weight": [k, c], "readout.bias": [c]}
    for layer in range(cfg["layers"]):
        a = f"layers.{layer}."
        spec.update({a + "attention.query": [h, k, r], a + "attention.key": [h, k, r],
                     a + "attention.position": [h, 2 * p + 1], a + "attention.value": [h, k],
                     a + "memory.keys": [m, k], a + "memory.bias": [m],
                     a + "memory.values": [m, k]})
    return spec


def rms_normalise(h):
    """`h / sqrt(mean_k h² + 1e-6)` at every position."""
    return h * torch.rsqrt(h.square().mean(2, keepdim=True) + 1e-6)


def heads(p, a, xn, pad):
    """Sum over heads of `Σ_j α_tj (v_h ⊙ xn_j)`; only padding keys (`pad`) are masked."""
    (b, t, k), (h, _, r), pos = xn.shape, p[a + "query"].shape, p[a + "position"]
    reach = pos.shape[1] // 2

    def project(maps):  # [H, K, r] maps of xn at once: [B, H, T, r]
        return (xn @ maps.permute(1, 0, 2).reshape(k, h * r)).view(b, t, h, r).transpose(1, 2)

    ar = torch.arange(t)
    rel = (ar[None, :] - ar[:, None]).clamp(-reach, reach) + reach  # [i, j] ↦ clip(j − i) + p
    scores = project(p[a + "query"]) @ project(p[a + "key"]).transpose(2, 3) / math.sqrt(r)
    alpha = masked_softmax(scores + pos[:, rel], pad[:, None, None, :])  # [B, H, T, T]
    ctx = (alpha.reshape(b, h * t, t) @ xn).view(b, h, t, k)  # α_h @ xn, no copy of xn per head
    return (ctx * p[a + "value"][None, :, None, :]).sum(1)


def memory(p, m, xm):
    return torch.relu(xm @ p[m + "keys"].T + p[m + "bias"]) @ p[m + "values"]


def stream_logits(p, layers, coarse, pad):
    """The transformer's own logits: pre-norm layers over the dense coarse stream, pooled."""
    h = coarse.densify()  # padding positions keep whatever their rows hold (as ours)
    for layer in range(layers):
        h = h + heads(p, f"layers.{layer}.attention.", rms_normalise(h), pad)
        h = h + memory(p, f"layers.{layer}.memory.", rms_normalise(h))
    hn = rms_normalise(h)
    alpha = masked_softmax(hn @ p["pool.query"], pad)
    return (alpha.unsqueeze(1) @ hn).squeeze(1) @ p["readout.weight"] + p["readout.bias"]


def build(manifest, tensors):
    """`(trainable parameters {name: leaf}, logits(tokens, pad, kind))` of the export's model:
    the attention classifier (the transformer's fine path), plus the stream's logits."""
    cfg, transformer = manifest["config"], manifest["model"] == "transformer"
    if manifest["model"] not in ("attention", "transformer"):
        raise ExportError(f"unknown model `{manifest['model']}`")
    fine_prefix = "fine_path." if transformer else ""
    fine_k = tensor(tensors, fine_prefix + "attention.query", [None]).shape[0]
    if cfg.get("fine_dims", fine_k) != fine_k:
        raise ExportError(f"config fine_dims = {cfg['fine_dims']} but the query has {fine_k}")
    spec = attention_spec(fine_prefix, fine_k, cfg["classes"])
    fine = Embedding(tensors, fine_prefix, fine_k)
    if transformer:
        spec.update(transformer_spec(cfg, cfg["dims"], cfg["classes"]))
        coarse = Embedding(tensors, "", cfg["dims"])
    params = {n: tensor(tensors, n, s).clone().requires_grad_() for n, s in spec.items()}

    def logits(tokens, pad, kind=SparseTokens):
        known_pad = pad | (tokens == 0)  # the positions the attention classifier does not read
        out = attention_logits(params, fine_prefix, fine.lookup(tokens, kind), known_pad)
        if transformer:
            out = stream_logits(params, cfg["layers"], coarse.lookup(tokens, kind), pad) + out
        return out
    return params, logits


def load_batch(cfg, tensors):
    """`(tokens, pad, targets, reference logits)`, `pad` true at padding positions."""
    b, t, c = cfg["batch"], cfg["len"], cfg["classes"]
    tokens = tensor(tensors, "batch.tokens", [b, t], torch.int64)
    pad = tensor(tensors, "batch.mask", [b, t]) != 0  # 1.0 = padding position
    targets = tensor(tensors, "batch.targets", [b], torch.int64)
    return tokens, pad, targets, tensor(tensors, "reference.logits", [b, c])


# --- Training --------------------------------------------------------------------------------

def clip_per_parameter(params, max_norm):
    """burn's norm clipping: each parameter's gradient on its own (not one global norm)."""
    grads = [q.grad for q in params if q.grad is not None]
    norms = torch.stack(torch._foreach_norm(grads))
    torch._foreach_mul_(grads, (max_norm / (norms + CLIP_EPS)).clamp_max(1.0).unbind())


def run(root, warmup, steps, threads):
    """Parity on the batch, then the timed training steps; the JSON report as a dict."""
    manifest, tensors = load_export(root)
    cfg = manifest["config"]
    try:
        params, logits = build(manifest, tensors)
        tokens, pad, targets, reference = load_batch(cfg, tensors)
        lr, clip, eps = cfg["lr"], cfg["grad_clip"], cfg["adam_epsilon"]
    except KeyError as e:
        raise ExportError(f"config lacks {e}") from e
    read = {*params, "batch.tokens", "batch.mask", "batch.targets", "reference.logits"}
    unread = [n for n in tensors if n not in read and not n.endswith(("embedding.idx",
                                                                      "embedding.val"))]
    if any(int(tokens.min()) < 0 or int(tokens.max()) >= t.shape[0]
           for n, t in tensors.items() if n.endswith("embedding.idx")):
        raise ExportError("batch.tokens has ids outside the vocabulary")
    with torch.no_grad():
        initial = logits(tokens, pad)
        loss = F.cross_entropy(initial, targets).item()
    parity = (initial - reference).abs().max().item()
    trainable = list(params.values())
    optimizer = torch.optim.Adam(trainable, lr=lr, betas=(0.9, 0.999), eps=eps)

    def step():
        batch_loss = F.cross_entropy(logits(tokens, pad), targets)
        batch_loss.backward()
        clip_per_parameter(trainable, clip)
        optimizer.step()
        optimizer.zero_grad()
        return batch_loss.detach()

    # The peak memory of the training itself: the export's buffers freed, the high-water mark
    # reset to the resident memory now (the model, the batch, torch itself), as peer-step does.
    del tensors
    gc.collect()
    reset_peak_rss()
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        last = step()  # as ours: the loss the last step computed, before its update
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {"model": manifest["model"], "len": cfg["len"], "threads": threads,
            "parity_max_abs": parity, "unread_tensors": unread, "loss": loss,
            "reference_loss": manifest["reference"]["loss"], "loss_after": last.item(),
            "step_s_median": median, "step_s_min": min(times), "step_s_max": max(times),
            "steps_per_s": 1.0 / median,
            "peak_rss_mib": peak_rss_mib(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "eager": True, "non_default": []}


def reset_peak_rss():
    """Resets VmHWM to the current resident memory (Linux's /proc/self/clear_refs, value 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # the peak then counts from the start of the process


def peak_rss_mib():
    """The process's peak resident memory (VmHWM)."""
    with open("/proc/self/status") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return kib / 1024


# --- Self-test -------------------------------------------------------------------------------

def fabricate(root, model, seed):
    """A random export of `model` at tiny sizes, its reference logits from dense_tokens."""
    g = torch.Generator().manual_seed(seed)
    v, p, k, fine_k, b, t, c = 50, 4, 12, 30, 3, 7, 3
    cfg = {"classes": c, "batch": b, "len": t, "threads": 1, "lr": 1e-3, "grad_clip": 1.0,
           "adam_epsilon": 1e-5, "fine_dims": fine_k}
    tensors = {}

    def rows(prefix, dims):
        idx = torch.randint(0, dims, (v, p), generator=g)
        val = torch.rand(v, p, generator=g)
        val[::3, -1] = 0.0  # short rows, padded with value 0
        idx[0], val[0] = 0, 0.0  # row 0: unknown word / padding
        tensors[prefix + "embedding.idx"], tensors[prefix + "embedding.val"] = idx, val

    if model == "transformer":
        cfg.update(layers=2, heads=2, rank=3, max_distance=2, memories=5, dims=k)
        spec = {**transformer_spec(cfg, k, c), **attention_spec("fine_path.", fine_k, c)}
        rows("", k)
        rows("fine_path.", fine_k)
    else:
        spec = attention_spec("", fine_k, c)
        rows("", fine_k)
    for name, shape in spec.items():
        tensors[name] = 0.5 * torch.randn(shape, generator=g)
    tokens = torch.randint(1, v, (b, t), generator=g)
    mask = torch.zeros(b, t)
    mask[1, 5:] = mask[2, 3:] = 1.0  # row 1's padding holds real token ids (pad ≠ known_pad)
    tokens[2, 3:] = tokens[2, 1] = 0  # and row 2 an unknown word at a real position
    tensors.update({"batch.tokens": tokens, "batch.mask": mask,
                    "batch.targets": torch.randint(0, c, (b,), generator=g)})
    manifest = {"model": model, "config": cfg}
    logits = build(manifest, tensors)[1]
    with torch.no_grad():
        ref = tensors["reference.logits"] = logits(tokens, mask != 0, dense_tokens)
    manifest["reference"] = {"loss": F.cross_entropy(ref, tensors["batch.targets"]).item()}
    write_export(root, manifest, tensors)


def write_export(root, manifest, tensors):
    """The export format that load_export reads."""
    names = {torch.float32: "f32", torch.int64: "i64"}
    blob, entries = bytearray(), []
    for name, t in tensors.items():
        raw = bytes(t.contiguous().reshape(-1).view(torch.uint8).tolist())
        entries.append({"name": name, "dtype": names[t.dtype], "shape": list(t.shape),
                        "offset": len(blob), "bytes": len(raw)})
        blob += raw
    (Path(root) / "manifest.json").write_text(json.dumps({**manifest, "tensors": entries}))
    (Path(root) / "tensors.bin").write_bytes(blob)


def self_test():
    """Both models: sparse = dense formulation, and 20 steps lower the loss."""
    ok = True
    for seed, model in enumerate(["attention", "transformer"]):
        with tempfile.TemporaryDirectory() as root:
            fabricate(root, model, seed)
            report = run(root, warmup=0, steps=20, threads=torch.get_num_threads())
        checks = {"sparse = dense (1e-5)": report["parity_max_abs"] < 1e-5,
                  "loss = reference (1e-5)": abs(report["loss"] - report["reference_loss"]) < 1e-5,
                  "20 steps lower the loss": report["loss_after"] < report["loss"]}
        print(f"{model}: parity {report['parity_max_abs']:.2e}, loss {report['loss']:.5f} → "
              f"{report['loss_after']:.5f};", ", ".join(
                  f"{what}: {'ok' if passed else 'FAILED'}" for what, passed in checks.items()),
              file=sys.stderr)
        ok = ok and all(checks.values())
    print("self-test " + ("passed" if ok else "FAILED"), file=sys.stderr)
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", help="the export (manifest.json, tensors.bin)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)  # before any op
    torch.set_num_interop_threads(1)
    if args.self_test:
        return self_test()
    if args.dir is None or args.steps < 1:
        parser.error("give an export directory and --steps ≥ 1 (or --self-test)")
    if sys.byteorder != "little":
        sys.exit("torch_peer: the export is little-endian; this machine is not")
    try:
        report = run(args.dir, args.warmup, args.steps, args.threads)
    except ExportError as e:
        print(f"torch_peer: {e}", file=sys.stderr)
        return 2
    # Strict JSON: a non-finite number (NaN logits) is written as null.
    print(json.dumps({key: None if isinstance(v, float) and not math.isfinite(v) else v
                      for key, v in report.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
