"""Recomputes qf-eval's report with NumPy, from the specification alone.

  check.py next-byte TEXT REPORT.json [BASELINE_PHASE]
  check.py classify DATA.npz REPORT.json
  check.py make-text OUT N      N windows of 8 bytes (and one), where about
                                half the bytes are the toy model's top-1
  check.py make-data OUT N      N examples for the toy classifier

The toy models' logits come from their formulas (Inputs/*.mlir); scores and
the bootstrap follow evaluation/Metrics.h: SplitMix64 seeded with the seed,
resample b draws n indices next() % n, the interval is np.percentile's
linear 2.5th and 97.5th percentiles of the resampled means. Prints one line
per metric with the largest relative difference; exits 1 beyond 1e-5.
"""
import json
import sys

import numpy as np

MASK = (1 << 64) - 1


def splitmix64(seed):
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def bootstrap(columns, resamples, seed):
    n = len(columns[0])
    draw = splitmix64(seed)
    idx = np.array([[next(draw) % n for _ in range(n)]
                    for _ in range(resamples)])
    out = []
    for c in columns:
        means = np.asarray(c)[idx].mean(axis=1)
        out.append((np.mean(c), np.percentile(means, 2.5),
                    np.percentile(means, 97.5)))
    return out


def toy_logits(tokens, phase):
    """In float32, in the models' order of operations."""
    f = np.float32
    t = np.arange(tokens.shape[1], dtype=f)[None, :, None]
    v = np.arange(256, dtype=f)[None, None, :]
    x = tokens[:, :, None].astype(f) * f(0.37) + v * f(0.11)
    x = x + t * f(0.05) + f(phase)
    return (np.sin(x) * f(4)).astype(np.float64)


def log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def main(kind, data, report_path, *rest):
    report = json.load(open(report_path))
    got = report["metrics"]
    boot = report["bootstrap"]
    if kind == "next-byte":
        raw = np.frombuffer(open(data, "rb").read(), np.uint8).astype(np.int64)
        n = (len(raw) - 1) // 8
        x = raw[:n * 8].reshape(n, 8)
        y = raw[1:n * 8 + 1].reshape(n, 8)
        logp = log_softmax(toy_logits(x, 0.0))
        nll = -np.take_along_axis(logp, y[..., None], -1)[..., 0]
        bits = nll.mean(1) / np.log(2)
        top = logp.argmax(-1)
        columns = {"bits_per_byte": bits,
                   "next_byte_top1": (top == y).mean(1)}
        if "kl_vs_reference" in got:
            ref = log_softmax(toy_logits(x, 0.01))
            columns["kl_vs_reference"] = (np.exp(ref) * (ref - logp)).sum(-1).mean(1)
            columns["top1_agreement"] = (top == ref.argmax(-1)).mean(1)
        for phase in rest:
            base = log_softmax(toy_logits(x, float(phase)))
            base_bits = -np.take_along_axis(base, y[..., None], -1)[..., 0].mean(1) / np.log(2)
            columns[next(k for k in got if k.startswith("delta_vs:"))] = bits - base_bits
    else:
        d = np.load(data)
        w = np.array([[1.0, -0.5, 0.25], [0.5, 1.5, -1.0], [-1.0, 0.75, 0.5],
                      [0.25, -0.25, 1.25], [0.0, 1.0, -0.5]])
        logp = log_softmax(d["images"].astype(np.float64) @ w)
        labels = d["labels"]
        columns = {"top1": (logp.argmax(-1) == labels).astype(np.float64),
                   "nll": -logp[np.arange(len(labels)), labels]}
    names = list(columns)
    expected = dict(zip(names, bootstrap([columns[k] for k in names],
                                         boot["resamples"], boot["seed"])))
    if kind == "next-byte":
        b = expected["bits_per_byte"]
        expected["perplexity_per_byte"] = tuple(2.0 ** v for v in b)
    status = 0
    assert report["units"] == len(columns[names[0]])
    for key in sorted(expected):
        want = expected[key]
        have = (got[key]["value"], got[key]["low"], got[key]["high"])
        diff = max(abs(h - w) / max(abs(w), 1e-3) for h, w in zip(have, want))
        ok = diff <= 1e-5
        status |= not ok
        print(f"{key.split(':')[0]}: {'ok' if ok else 'DIFFERS'} "
              f"{have} vs {want}")
    missing = set(got) - set(expected)
    if missing:
        print("unchecked:", sorted(missing))
        status = 1
    return status


def make_text(out, n):
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, n * 8 + 1)
    for i in range(n):
        for t in range(8):
            if rng.random() < 0.5:
                logits = toy_logits(raw[i * 8:i * 8 + 8][None], 0.0)
                raw[i * 8 + t + 1] = logits[0, t].argmax()
    open(out, "wb").write(raw.astype(np.uint8).tobytes())


def make_data(out, n):
    rng = np.random.default_rng(0)
    np.savez(out, images=rng.standard_normal((n, 5)).astype(np.float32),
             labels=rng.integers(0, 3, n))


if __name__ == "__main__":
    if sys.argv[1].startswith("make-"):
        {"make-text": make_text, "make-data": make_data}[sys.argv[1]](
            sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    sys.exit(main(*sys.argv[1:]))
