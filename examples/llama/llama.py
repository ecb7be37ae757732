"""Generates Llama-family models and exports them to ONNX with external data.

    /usr/bin/python3 examples/llama/llama.py train [--out examples/llama/tiny] [--steps 1500]
    /usr/bin/python3 examples/llama/llama.py export --config tiny --out examples/llama/tiny
    /usr/bin/python3 examples/llama/llama.py export --config 1b --out /tmp/llama-1b [--seed 0]
    /usr/bin/python3 examples/llama/llama.py reference --model examples/llama/tiny \
        --shapes 1x7,3x64,2x300 --out examples/llama/tiny/reference.npz

Dependencies (Debian 12): examples/llama/install-deps.sh installs python3-torch
(PyTorch 1.13), python3-rdata and r-cran-janeaustenr; python3-onnx (1.12) comes
from scripts/install-deps.sh.

Architecture (every config): token embedding (untied from the output head), N
decoder layers of
    x = x + Wo . attention(RoPE(Wq . rms(x)), RoPE(Wk . rms(x)), Wv . rms(x))
    x = x + W2 . (silu(W1 . rms(x)) * (W3 . rms(x)))
then a final RMSNorm and the LM head. RMSNorm is x * rsqrt(mean(x^2) + 1e-5) *
weight; attention is causal grouped-query attention (the KV heads repeated to
the query heads), rotary position embeddings with theta 10000 (rotate-half
form, as Hugging Face's Llama). No biases. Cos/sin are computed in the graph
from a Range over the sequence length and the causal mask from the same
positions, so one exported model serves any batch and any sequence length.

Every projection is a parameter of shape [in, out] used as `x @ W`, so it is an
ONNX MatMul's B operand directly and every ONNX initializer carries the PyTorch
parameter's name (`layers.3.attn.wq.weight`, ...), with no transposes folded in.

Configurations (parameters measured by this script):

    config  vocab  hidden  layers  heads/kv  head dim  MLP       parameters  f32 weights
    tiny      256     128       4     4/2        32     352         803,968      3.2 MB
    125m    32000     768      12    12/4        64    2048     124,668,672    498.7 MB
    1b      32000    2048      16    32/8        64    8192   1,104,218,112    4.42 GB

tiny is trained on Jane Austen (`train`, byte-level like examples/gpt); 125m and
1b have fixed-seed random weights (normal, std 0.02; norms 1 + that) for scale
work.

Export (`export`) writes to --out:
  model.onnx       opset 17: tokens int64 [batch, seq] -> logits float32
                   [batch, seq, vocab], batch and seq dynamic; the config is in
                   the model's metadata_props ("llama_config", JSON)
  model.onnx.data  every initializer, one after another (offsets 64-byte
                   aligned, 4096 for tensors of 1 MiB or more), referred to by
                   ONNX external data (location, offset, length)
torch.onnx.export (1.13) writes a protobuf inline when it is under 2 GB; above
that it switches to external data by itself and writes one file per tensor
beside the model (named after the tensor). Either way the export goes to a
temporary directory (--tmp) and the tensors are then streamed, one at a time,
into the single data file. torch.onnx.export itself peaks at about twice the
weights (1b: 8.9 GB RSS); the rewrite adds nothing to that.

`train` writes tiny.pt (the state dict) and train.log to --out; `export --config
tiny` loads --out/tiny.pt when it exists.

`reference` reads the config from the ONNX model, rebuilds the PyTorch model
with the ONNX file's own weights (memory-mapped from the data file), and saves
tokens_BxT (int64) and logits_BxT (float32) for each shape: tiny's row i is
bytes [i*T, (i+1)*T) of the held-out novel (Persuasion), the others' tokens
seeded random ids (--seed). It
runs onnx.checker on the model (external data included), and, when
onnxruntime is importable, compares its output with PyTorch's.
"""
import argparse
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = {
    "tiny": dict(vocab=256, hidden=128, layers=4, heads=4, kv_heads=2, mlp=352),
    "125m": dict(vocab=32000, hidden=768, layers=12, heads=12, kv_heads=4, mlp=2048),
    "1b": dict(vocab=32000, hidden=2048, layers=16, heads=32, kv_heads=8, mlp=8192),
}
EPS = 1e-5
THETA = 10000.0
CONTEXT = 128  # training and evaluation windows (tiny)
MASKED = -1e4  # what a masked attention score becomes (as examples/gpt)


def load_gpt_train():
    """examples/gpt/train.py: the Austen reader and the bits-per-byte metric,
    shared so that the two models are measured the same way."""
    spec = importlib.util.spec_from_file_location(
        "gpt_train", os.path.join(HERE, "..", "gpt", "train.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.CONTEXT == CONTEXT and module.VOCAB == CONFIGS["tiny"]["vocab"]
    return module


class Linear(nn.Module):
    """y = x @ weight, weight [in, out]: an ONNX MatMul on the named parameter."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))

    def forward(self, x):
        return torch.matmul(x, self.weight)


class RMSNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * self.weight


def rotate_half(x, half):
    # half is a Python int (head_dim / 2): constant Slice bounds in ONNX.
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads = c["heads"], c["kv_heads"]
        self.head_dim = c["hidden"] // c["heads"]
        self.wq = Linear(c["hidden"], self.heads * self.head_dim)
        self.wk = Linear(c["hidden"], self.kv_heads * self.head_dim)
        self.wv = Linear(c["hidden"], self.kv_heads * self.head_dim)
        self.wo = Linear(self.heads * self.head_dim, c["hidden"])

    def forward(self, x, cos, sin, mask):
        b, t = x.shape[0], x.shape[1]
        d, h, kvh = self.head_dim, self.heads, self.kv_heads
        q = self.wq(x).reshape(b, t, h, d).transpose(1, 2)
        k = self.wk(x).reshape(b, t, kvh, d).transpose(1, 2)
        v = self.wv(x).reshape(b, t, kvh, d).transpose(1, 2)
        q = q * cos + rotate_half(q, d // 2) * sin
        k = k * cos + rotate_half(k, d // 2) * sin
        # Each KV head serves h / kvh consecutive query heads.
        k = k[:, :, None].expand(b, kvh, h // kvh, t, d).reshape(b, h, t, d)
        v = v[:, :, None].expand(b, kvh, h // kvh, t, d).reshape(b, h, t, d)
        att = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(d))
        att = att.masked_fill(mask, MASKED)
        y = torch.matmul(F.softmax(att, dim=-1), v)
        return self.wo(y.transpose(1, 2).reshape(b, t, h * d))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.w1 = Linear(c["hidden"], c["mlp"])
        self.w3 = Linear(c["hidden"], c["mlp"])
        self.w2 = Linear(c["mlp"], c["hidden"])

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attn_norm = RMSNorm(c["hidden"])
        self.attn = Attention(c)
        self.mlp_norm = RMSNorm(c["hidden"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.attn(self.attn_norm(x), cos, sin, mask)
        return x + self.mlp(self.mlp_norm(x))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.embed = nn.Embedding(c["vocab"], c["hidden"])
        self.layers = nn.ModuleList([Layer(c) for _ in range(c["layers"])])
        self.norm = RMSNorm(c["hidden"])
        self.head = Linear(c["hidden"], c["vocab"])

    def forward(self, tokens):
        d = self.config["hidden"] // self.config["heads"]
        # Positions 0..seq-1 from the input's own length (an ONNX Range), so
        # neither RoPE nor the mask has a fixed context.
        pos = torch.arange(tokens.shape[1], device=tokens.device)
        inv_freq = THETA ** (-torch.arange(0, d, 2, dtype=torch.float32) / d)
        freqs = pos.to(torch.float32)[:, None] * inv_freq[None, :]
        angles = torch.cat((freqs, freqs), dim=-1)  # [seq, head_dim]
        cos, sin = angles.cos(), angles.sin()
        mask = pos[None, :] > pos[:, None]  # [seq, seq], True above the diagonal
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.head(self.norm(x))


def init_weights(model, seed):
    """Fixed-seed random weights: normal(0, 0.02), and 1 + normal(0, 0.02) for
    the norms. Norms of exactly 1 would be equal tensors, which
    torch.onnx.export merges into one initializer (the others become
    Identity nodes); distinct ones keep one named initializer per parameter."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.normal_(0.0, 0.02, generator=gen)
            if name.endswith("norm.weight"):
                p.add_(1.0)


def build(config_name, seed):
    torch.manual_seed(seed)
    model = Llama(CONFIGS[config_name])
    init_weights(model, seed)
    return model.eval()


def count_params(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- train


def cmd_train(args):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    gpt = load_gpt_train()
    novels = gpt.read_novels()
    train_text = "".join(novels[n] for n in gpt.TRAIN).encode("utf-8")
    held_text = novels[gpt.HELD_OUT].encode("utf-8")
    train = np.frombuffer(train_text, dtype=np.uint8).copy()
    held = np.frombuffer(held_text, dtype=np.uint8).copy()
    rng = np.random.default_rng(args.seed)

    model = build("tiny", args.seed).train()
    os.makedirs(args.out, exist_ok=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr,
                                                total_steps=args.steps)
    log = open(os.path.join(args.out, "train.log"), "w")
    header = (f"tiny: {count_params(model)} parameters, {args.steps} steps of "
              f"batch {args.batch} x {CONTEXT}, AdamW lr {args.lr}, seed "
              f"{args.seed}, {args.threads} thread(s), torch {torch.__version__}")
    print(header, flush=True)
    log.write(header + "\n")
    began = time.time()
    gpt.train_steps(model, opt, sched, train, rng, args.steps, args.batch, log, 50)
    bpb = gpt.bits_per_byte(model, held, 64)
    line = f"held-out bits per byte (64 windows of {CONTEXT}): {bpb:.4f}"
    print(line, flush=True)
    log.write(line + "\n")
    log.write(f"training time: {time.time() - began:.0f}s\n")
    log.close()
    torch.save(model.state_dict(), os.path.join(args.out, "tiny.pt"))


# ---------------------------------------------------------------- export


def _align(offset, nbytes):
    a = 4096 if nbytes >= (1 << 20) else 64
    return (offset + a - 1) // a * a


def _tensor_bytes(tensor, base_dir):
    """The raw little-endian bytes of an initializer, wherever they are."""
    import onnx
    from onnx import numpy_helper
    if tensor.data_location == onnx.TensorProto.EXTERNAL:
        info = {e.key: e.value for e in tensor.external_data}
        with open(os.path.join(base_dir, info["location"]), "rb") as f:
            f.seek(int(info.get("offset", 0)))
            return f.read(int(info["length"])) if "length" in info else f.read()
    if tensor.HasField("raw_data"):
        return tensor.raw_data
    return numpy_helper.to_array(tensor).tobytes()


def externalize(src_path, dst_path, metadata=None):
    """Copies the ONNX model at src_path (inline or with external data of any
    layout) to dst_path with every initializer in ONE file, dst_path + '.data',
    streamed one tensor at a time; metadata ({key: str}) goes to
    metadata_props."""
    import onnx
    model = onnx.load(src_path, load_external_data=False)
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    src_dir = os.path.dirname(os.path.abspath(src_path))
    location = os.path.basename(dst_path) + ".data"
    offset = 0
    with open(os.path.join(os.path.dirname(os.path.abspath(dst_path)), location), "wb") as out:
        for tensor in model.graph.initializer:
            data = _tensor_bytes(tensor, src_dir)
            start = _align(offset, len(data))
            out.write(b"\0" * (start - offset))
            out.write(data)
            offset = start + len(data)
            for field in ("raw_data", "float_data", "int32_data", "int64_data",
                          "double_data", "uint64_data", "string_data"):
                tensor.ClearField(field)
            del tensor.external_data[:]
            tensor.data_location = onnx.TensorProto.EXTERNAL
            for key, value in (("location", location), ("offset", str(start)),
                               ("length", str(len(data)))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
            del data
    onnx.save(model, dst_path)


def cmd_export(args):
    torch.set_num_threads(args.threads)
    began = time.time()
    model = build(args.config, args.seed)
    weights = "random"
    pt = os.path.join(args.out, "tiny.pt")
    if args.config == "tiny" and os.path.exists(pt):
        model.load_state_dict(torch.load(pt))
        weights = "tiny.pt"
    params = count_params(model)
    print(f"{args.config}: {params} parameters ({weights} weights, seed {args.seed}), "
          f"built in {time.time() - began:.1f}s", flush=True)
    os.makedirs(args.out, exist_ok=True)
    dst = os.path.join(args.out, "model.onnx")
    # Tracing input: a shape equal to no model dimension, so nothing that
    # should follow the input's shape can be mistaken for a constant.
    tokens = torch.randint(0, CONFIGS[args.config]["vocab"], (2, 13),
                           generator=torch.Generator().manual_seed(1))
    tmp = tempfile.mkdtemp(prefix="llama-export-", dir=args.tmp)
    try:
        src = os.path.join(tmp, "model.onnx")
        t0 = time.time()
        with torch.no_grad():
            torch.onnx.export(model, (tokens,), src, input_names=["tokens"],
                              output_names=["logits"],
                              dynamic_axes={"tokens": {0: "batch", 1: "seq"},
                                            "logits": {0: "batch", 1: "seq"}},
                              opset_version=17, do_constant_folding=True)
        files = sorted(os.listdir(tmp))
        print(f"torch.onnx.export: {time.time() - t0:.1f}s, wrote {len(files)} "
              f"file(s) ({'inline' if len(files) == 1 else 'external data, one file per tensor'}"
              f", {sum(os.path.getsize(os.path.join(tmp, f)) for f in files)} bytes)",
              flush=True)
        del model  # the exported files hold the weights from here on
        t0 = time.time()
        meta = dict(CONFIGS[args.config], name=args.config, seed=args.seed,
                    weights=weights, parameters=params, eps=EPS, rope_theta=THETA)
        externalize(src, dst, {"llama_config": json.dumps(meta, sort_keys=True)})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    import onnx
    onnx.checker.check_model(dst)
    print(f"wrote {dst} ({os.path.getsize(dst)} bytes) and model.onnx.data "
          f"({os.path.getsize(dst + '.data')} bytes) in {time.time() - t0:.1f}s; "
          f"total {time.time() - began:.1f}s", flush=True)


# ---------------------------------------------------------------- reference


def load_onnx_weights(path):
    """(config, {initializer name: tensor}) of an exported model, the external
    data memory-mapped rather than read into the protobuf."""
    import onnx
    from onnx import numpy_helper
    from onnx.mapping import TENSOR_TYPE_TO_NP_TYPE
    model = onnx.load(path, load_external_data=False)
    meta = {p.key: p.value for p in model.metadata_props}
    if "llama_config" not in meta:
        sys.exit(f"{path}: no llama_config metadata (not written by llama.py export)")
    config = json.loads(meta["llama_config"])
    base = os.path.dirname(os.path.abspath(path))
    weights = {}
    for t in model.graph.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            info = {e.key: e.value for e in t.external_data}
            array = np.memmap(os.path.join(base, info["location"]),
                              dtype=TENSOR_TYPE_TO_NP_TYPE[t.data_type], mode="r",
                              offset=int(info.get("offset", 0)), shape=tuple(t.dims))
        else:
            array = numpy_helper.to_array(t)
        weights[t.name] = array
    return config, model, weights


def cmd_reference(args):
    import onnx
    torch.set_num_threads(args.threads)
    path = args.model
    if os.path.isdir(path):
        path = os.path.join(path, "model.onnx")
    onnx.checker.check_model(path)
    config, onnx_model, weights = load_onnx_weights(path)
    name = config["name"]
    model = Llama(CONFIGS[name]).eval()
    for key, value in model.state_dict().items():  # copied straight from the mapping
        if key not in weights or tuple(weights[key].shape) != tuple(value.shape):
            sys.exit(f"{path}: no initializer {key} of shape {list(value.shape)}")
        value.numpy()[...] = weights.pop(key)  # pop: unmapped once copied
    del weights

    shapes = [tuple(int(n) for n in s.split("x")) for s in args.shapes.split(",")]
    if name == "tiny":
        novels = load_gpt_train().read_novels()
        held = np.frombuffer(novels["persuasion"].encode("utf-8"), dtype=np.uint8)
    rng = np.random.default_rng(args.seed)
    try:
        import onnxruntime
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    except ImportError:
        session = None
    out = {}
    for b, t in shapes:
        if name == "tiny":  # consecutive windows of the held-out novel
            tokens = held[:b * t].astype(np.int64).reshape(b, t)
        else:
            tokens = rng.integers(0, config["vocab"], size=(b, t), dtype=np.int64)
        with torch.no_grad():
            logits = model(torch.from_numpy(tokens)).numpy()
        out[f"tokens_{b}x{t}"] = tokens
        out[f"logits_{b}x{t}"] = logits
        line = f"{b}x{t}: logits {list(logits.shape)}, max |logit| {np.abs(logits).max():.3f}"
        if session is not None:
            got = session.run(["logits"], {"tokens": tokens})[0]
            err = np.abs(got - logits).max() / max(np.abs(logits).max(), 1e-30)
            line += f", onnxruntime max error / max |logit| {err:.2e}"
        print(line, flush=True)
    np.savez(args.out, **out)
    print(f"wrote {args.out}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train tiny on the Austen novels")
    p.add_argument("--out", default=os.path.join(HERE, "tiny"))
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p = sub.add_parser("export", help="export a config to DIR/model.onnx(.data)")
    p.add_argument("--config", choices=sorted(CONFIGS), required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--tmp", default=None,
                   help="where torch.onnx.export writes first (default: $TMPDIR)")
    p = sub.add_parser("reference", help="PyTorch logits for token inputs")
    p.add_argument("--model", required=True, help="DIR or DIR/model.onnx")
    p.add_argument("--shapes", default="1x7,3x64,2x300")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    {"train": cmd_train, "export": cmd_export, "reference": cmd_reference}[args.command](args)


if __name__ == "__main__":
    main()
