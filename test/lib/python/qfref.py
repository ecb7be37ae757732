"""An independent NumPy reference of the quantization numerics.

What numerics defines, written again from its specification so that
tests compare two implementations: parameter choice, quantization in the
float type of the data, TFLite-style fixed-point requantization, sub-byte
ranges. Only /usr/bin/python3 (Debian's NumPy) runs these tests.
"""
import math

import numpy as np


def int_range(bits, narrow=False):
    """Signed storage range; narrow drops the lowest value."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return (lo + 1 if narrow else lo), hi


def choose_params(lo, hi, qmin, qmax, symmetric):
    """Scale (float64) and zero point for a range that always contains 0."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if symmetric:
        zp = qmin + (qmax - qmin + 1) // 2
        absmax = max(-lo, hi)
        return (1.0 if absmax == 0.0 else absmax / (qmax - zp)), zp
    scale = 1.0 if hi == lo else (hi - lo) / (qmax - qmin)
    zp = int(np.clip(np.rint(qmin - lo / scale), qmin, qmax))
    return scale, zp


def round_half(v, mode="half_even"):
    """Round to nearest, ties to even or away from zero."""
    if mode == "half_even":
        return np.rint(v)
    assert mode == "half_away", mode
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def quantize(x, scale, zp, qmin, qmax, mode="half_even"):
    """clamp(round(x / scale) + zp), the division in float32."""
    x = np.asarray(x, np.float32)
    q = round_half(x / np.float32(scale), mode).astype(np.float64)
    q = np.clip(q, qmin - zp, qmax - zp) + zp
    return np.where(np.isnan(x), zp, q).astype(np.int64)


def dequantize(q, scale, zp):
    """float32(q - zp) * float32(scale)."""
    return (np.asarray(q, np.int64) - zp).astype(np.float32) * np.float32(scale)


def quantize_multiplier(m):
    """TFLite's QuantizeMultiplier: m = fixed * 2^(shift - 31)."""
    q, e = math.frexp(m)
    fixed = int(math.floor(abs(q) * (1 << 31) + 0.5))  # half away from zero
    if fixed == 1 << 31:
        fixed //= 2
        e += 1
    if e < -31:
        return 0, 0
    if e > 30:
        return (1 << 31) - 1, 30
    return fixed, e


def rounding_shift(v, shift, mode="half_even"):
    """v / 2^shift rounded to nearest, ties even or away from zero."""
    v = np.asarray(v, np.int64)
    quotient = v >> shift
    remainder = v - (quotient << shift)
    half = 1 << (shift - 1)
    if mode == "half_even":
        tie_up = quotient & 1 == 1
    else:
        tie_up = v >= 0
    up = (remainder > half) | ((remainder == half) & tie_up)
    return quotient + up


def requantize(acc, acc_scales, out_scale, out_zp, qmin=-128, qmax=127,
               mode="half_even"):
    """i32 accumulator (last axis per channel) to out_scale/out_zp."""
    acc = np.asarray(acc, np.int64)
    out = np.zeros_like(acc)
    scales = np.broadcast_to(np.asarray(acc_scales, np.float64), acc.shape[-1:])
    for n, s in enumerate(scales):
        m, e = quantize_multiplier(float(s) / out_scale)
        out[..., n] = rounding_shift(acc[..., n] * m, 31 - e, mode) + out_zp
    return np.clip(out, qmin, qmax)


def quantize_weight(w, bits, symmetric, channel_axis, group_axis=None,
                    group=None):
    """Per-channel (or per-group along group_axis; per-tensor when
    channel_axis is None) weight codes and the float32 dequantized weight,
    as quant-quantize chooses them."""
    qmin, qmax = int_range(bits, narrow=symmetric)
    w = np.asarray(w, np.float32)
    if channel_axis is None:
        s, zp = choose_params(w.min(), w.max(), qmin, qmax, symmetric)
        codes = quantize(w, s, zp, qmin, qmax)
        return codes, dequantize(codes, s, zp), np.array([s])
    codes = np.zeros(w.shape, np.int64)
    deq = np.zeros(w.shape, np.float32)
    moved = np.moveaxis(w, channel_axis, 0)
    codes_m = np.moveaxis(codes, channel_axis, 0)
    deq_m = np.moveaxis(deq, channel_axis, 0)
    scales = []
    for c in range(moved.shape[0]):
        sl = moved[c]
        if group is None:
            blocks = [(slice(None),)]
        else:
            ga = group_axis - (1 if group_axis > channel_axis else 0)
            blocks = []
            for g in range(sl.shape[ga] // group):
                idx = [slice(None)] * sl.ndim
                idx[ga] = slice(g * group, (g + 1) * group)
                blocks.append(tuple(idx))
        for idx in blocks:
            block = sl[idx]
            s, zp = choose_params(block.min(), block.max(), qmin, qmax, symmetric)
            codes_m[c][idx] = quantize(block, s, zp, qmin, qmax)
            deq_m[c][idx] = dequantize(codes_m[c][idx], s, zp)
            scales.append(s)
    return codes, deq, np.array(scales)


def fma32(a, b, c):
    """float32 fused multiply-add a * b + c, rounded once (as vectorized CPU
    code computes a contraction step), emulated exactly in float64: the
    product is exact, TwoSum gives the sum's rounding error, and a float64
    sum that lands exactly between two float32 values is resolved by it."""
    p = np.asarray(a, np.float32).astype(np.float64) * \
        np.asarray(b, np.float32).astype(np.float64)
    c64 = np.asarray(c, np.float32).astype(np.float64)
    s = p + c64
    bb = s - p
    err = (p - (s - bb)) + (c64 - bb)  # p + c == s + err exactly
    r = s.astype(np.float32)
    d = s - r.astype(np.float64)
    toward = np.nextafter(r, np.where(d > 0, np.float32(np.inf),
                                      np.float32(-np.inf)))
    mid = (r.astype(np.float64) + toward.astype(np.float64)) / 2
    beyond = (d != 0) & (s == mid) & (np.sign(err) == np.sign(d))
    return np.where(beyond, toward, r).astype(np.float32)


def matmul_fma(a, w):
    """a @ w in float32, one fused multiply-add per k, in k order."""
    acc = np.zeros((a.shape[0], w.shape[1]), np.float32)
    for k in range(a.shape[1]):
        acc = fma32(a[:, k:k + 1], w[k:k + 1, :], acc)
    return acc
