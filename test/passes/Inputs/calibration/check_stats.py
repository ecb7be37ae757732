#!/usr/bin/python3
"""Checks a qf-calibrate statistics export of mlp.mlir against values
recomputed here with NumPy, independently of QuantForge.

  check_stats.py STATS.safetensors METHOD BINS [PERCENTILE EMA_DECAY BITS]

Observers are those qf-insert-observers puts on the MLP by default, in id
order: 0 = x (input of matmul 1), 1 = x @ W1, 2 = relu(x @ W1 + b1) (input
of matmul 2), 3 = y. The layers are recomputed in float32 as the cpu
backend's vectorized code computes them (one fused multiply-add per k, in k
order), so ranges match exactly.
"""
import glob
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "lib", "python"))
from qfref import matmul_fma  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
path, method, bins = sys.argv[1], sys.argv[2], int(sys.argv[3])
percentile = float(sys.argv[4]) if len(sys.argv) > 4 else 99.99
ema_decay = float(sys.argv[5]) if len(sys.argv) > 5 else 0.99
bits = int(sys.argv[6]) if len(sys.argv) > 6 else 8
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def read_safetensors(p):
    with open(p, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for key, spec in header.items():
        if key == "__metadata__":
            continue
        assert spec["dtype"] == "F32"
        b, e = spec["data_offsets"]
        out[key] = np.frombuffer(data[b:e], "<f4").reshape(spec["shape"])
    return out


tensors = read_safetensors(path)
with open(path + ".json") as f:
    index = json.load(f)
stats = {}
for obs in index["observers"]:
    entry = {}
    for key, spec in obs["entries"].items():
        if "tensor" in spec:
            entry[key] = tensors[spec["tensor"]]
        else:
            entry[key] = next(iter(spec.values()))
    stats[obs["id"]] = entry

# The model, sample by sample, in file order.
weights = np.load(os.path.join(here, "weights.npz"))
w1, b1, w2 = weights["w1"], weights["b1"], weights["w2"]




batches = {0: [], 1: [], 2: [], 3: []}
for f in sorted(glob.glob(os.path.join(here, "data", "*.npz"))):
    for x in np.load(f)["x"]:
        h = matmul_fma(x, w1)
        a = np.maximum(h + b1, np.float32(0))
        y = matmul_fma(a, w2)
        for i, t in enumerate((x, h, a, y)):
            batches[i].append(t)


# Independent implementations of the histogram methods (TensorRT /
# pytorch-quantization definitions), on np.histogram of |x|.
def histogram(values_per_batch):
    # The range starts at the first non-zero max |x| and doubles to cover
    # everything; all-zero data has an empty range.
    maxima = [float(np.abs(b).max()) for b in values_per_batch]
    r = next((m for m in maxima if m > 0), 0.0)
    if r == 0:
        return None, 0.0
    while r < max(maxima):
        r *= 2
    allv = np.abs(np.concatenate([b.ravel() for b in values_per_batch]))
    counts, _ = np.histogram(allv.astype(np.float64), bins=bins, range=(0, r))
    return counts.astype(np.float64), r / bins


def percentile_amax(counts, width):
    cdf = np.cumsum(counts) / counts.sum()
    i = int(np.searchsorted(cdf, percentile / 100.0 - 1e-12))
    return (i + 1) * width, None


def mse_losses(counts, width, unsigned):
    """Loss of each threshold i * width, i = 1..bins (index i)."""
    qmax = 2.0 ** bits - 1 if unsigned else 2.0 ** (bits - 1) - 1
    nz = counts > 0
    centres = ((np.arange(bins) + 0.5) * width)[nz]
    weight = counts[nz]
    scales = np.arange(1, bins + 1)[:, None] * width / qmax
    q = np.minimum(np.rint(centres[None, :] / scales), qmax)
    errors = (((q * scales - centres[None, :]) ** 2) * weight[None, :]).sum(1)
    return np.concatenate([[np.inf], errors])


def entropy_losses(counts, width, unsigned):
    levels = 2 ** (bits - 1 + int(unsigned))
    suffix = np.concatenate([np.cumsum(counts[::-1])[::-1], [0.0]])
    losses = np.full(bins + 1, np.inf)
    for i in range(levels, bins + 1):
        p = counts[:i].copy()
        p[i - 1] += suffix[i]
        step = i // levels
        starts = np.arange(levels) * step
        sums = np.add.reduceat(counts[:i], starts)
        nonzero = np.add.reduceat((p != 0).astype(np.float64), starts)
        chunk = np.minimum(np.arange(i) // step, levels - 1)
        per_bin = np.divide(sums, nonzero, out=np.zeros(levels), where=nonzero > 0)
        q = np.where(p != 0, per_bin[chunk], 0.0)
        if p.sum() == 0 or q.sum() == 0:
            continue
        pn, qn = p / p.sum(), q / q.sum()
        m = pn > 0
        if (qn[m] == 0).any():
            continue
        losses[i] = float((pn[m] * np.log(pn[m] / qn[m])).sum())
    return losses


def reference_range(per_batch):
    """(min, max), bin width, and the loss per candidate (or None)."""
    lo = min(float(b.min()) for b in per_batch)
    hi = max(float(b.max()) for b in per_batch)
    if method == "minmax":
        return (lo, hi), 0.0, None
    if method == "ema":
        emin, emax = float(per_batch[0].min()), float(per_batch[0].max())
        for b in per_batch[1:]:
            emin = ema_decay * emin + (1 - ema_decay) * float(b.min())
            emax = ema_decay * emax + (1 - ema_decay) * float(b.max())
        return (emin, emax), 0.0, None
    counts, width = histogram(per_batch)
    unsigned = lo >= 0
    if counts is None:
        return (0.0, 0.0), 0.0, None
    if method == "percentile":
        amax, losses = percentile_amax(counts, width)
    else:
        losses = (mse_losses if method == "mse" else entropy_losses)(counts, width, unsigned)
        amax = int(np.argmin(losses)) * width  # first minimum: the smaller T
    return ((0.0 if unsigned else -amax), amax), width, losses


def close_range(got, want, width, losses, what):
    """Exact (as f32) for minmax; to 1e-6 for ema; histogram methods within
    one bin, or on a candidate whose loss ties the minimum."""
    for g, w, end in zip(got, want, ("min", "max")):
        if losses is not None and abs(g - w) > width * 1.0001 + 1e-7 and width > 0:
            i = int(round(abs(g) / width))
            best = losses.min()
            check(0 <= i < len(losses) and losses[i] <= best + 1e-12 * abs(best),
                  f"{what} {end}: {g} vs {w}, losses {losses[i] if i < len(losses) else None} vs {best}")
            continue
        if method == "minmax":
            check(np.float32(w) == np.float32(g), f"{what} {end}: {g} != {w}")
        elif method == "ema":
            check(abs(g - w) <= 1e-6 * max(1.0, abs(w)), f"{what} {end}: {g} vs {w}")
        else:
            check(abs(g - w) <= width * 1.0001 + 1e-7,
                  f"{what} {end}: {g} vs {w} (bin {width})")


for oid in range(4):
    s = stats[oid]
    per_batch = batches[oid]
    check(s["method"] == method, f"obs{oid} method {s['method']}")
    check(s["samples"] == len(per_batch), f"obs{oid} samples {s['samples']}")
    check(s["data_min"] == np.float32(min(b.min() for b in per_batch)), f"obs{oid} data_min")
    check(s["data_max"] == np.float32(max(b.max() for b in per_batch)), f"obs{oid} data_max")
    want, width, losses = reference_range(per_batch)
    close_range((s["min"], s["max"]), want, width, losses, f"obs{oid}")
    # Per channel: the last axis.
    channels = per_batch[0].shape[-1]
    check(s["channel_min"].shape == (channels,), f"obs{oid} channel_min shape")
    for c in range(channels):
        want_c, width_c, losses_c = reference_range([b[..., c] for b in per_batch])
        close_range((float(s["channel_min"][c]), float(s["channel_max"][c])),
                    want_c, width_c, losses_c, f"obs{oid} channel {c}")

# Inputs of the matmuls: per-channel max|x| and mean|x|, the Hessian, rows.
for oid in (0, 2):
    s = stats[oid]
    rows = np.concatenate([b.reshape(-1, b.shape[-1]) for b in batches[oid]]).astype(np.float64)
    check(s["rows"] == rows.shape[0], f"obs{oid} rows {s['rows']}")
    check(np.array_equal(s["in_abs_max"], np.abs(rows).max(0).astype(np.float32)),
          f"obs{oid} in_abs_max")
    mean = np.abs(rows).mean(0)
    check(np.allclose(s["in_abs_mean"], mean, rtol=1e-6, atol=0), f"obs{oid} in_abs_mean")
    hessian = 2.0 / rows.shape[0] * rows.T @ rows
    err = np.abs(s["hessian"] - hessian).max() / np.abs(hessian).max()
    check(err <= 1e-5, f"obs{oid} hessian relative error {err}")
    if "row_sample" in s:
        sample = s["row_sample"]
        positions = [int(np.flatnonzero((rows.astype(np.float32) == r).all(1))[0]) for r in sample]
        check(positions == sorted(positions) and len(set(positions)) == len(positions),
              f"obs{oid} row_sample rows are not distinct rows in order")
for oid in (1, 3):
    check("hessian" not in stats[oid], f"obs{oid} is not a matmul input")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"{method}: all statistics match NumPy")
