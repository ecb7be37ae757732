#!/usr/bin/python3
# ===- gen_reference.py - Reference data for the numerics core ------------=== #
#
# Part of QuantForge.
#
# ===----------------------------------------------------------------------=== #
#
# Computes expected values for numerics/{Rounding,QuantParams,
# FixedPoint,Packing}.h from the specification in those headers, without
# looking at their implementation, and writes reference.txt beside this file.
# NumericsTest.cpp checks the C++ code against it.
#
# Integer arithmetic is done with Python big ints (exact); f32 arithmetic with
# NumPy float32 scalars (IEEE single operations); double arithmetic with Python
# floats. Every float is written as a C99 hex float (float.hex() less trailing
# zero digits), which strtod and strtof read back losslessly.
#
# Run with a Python that has NumPy (Debian's /usr/bin/python3):
#   /usr/bin/python3 test/unit/Numerics/gen_reference.py
#
# Line format (one case per line, fields separated by single spaces; lines
# starting with '#' are comments):
#   draw <seed> <index> <u>
#   round <mode> <v> <seed> <index> <expected>
#   quantize <mode> <x> <scale> <zp> <qmin> <qmax> <seed> <index> <expected>
#   dequantize <q> <scale> <zp> <expected f32>
#   shr <mode> <num> <shift> <seed> <index> <expected>
#   intrange <bits> <signed> <narrow> <min> <max>
#   qparams <symmetric> <min> <max> <qmin> <qmax> <ok> <scale> <zp>
#   layout <kind> <args...> <rank> <shape...> <blockShape...>
#       kind pertensor: no args; perchannel: <axis>;
#       pergroup: <channelAxis> <groupAxis> <groupSize>
#   block <symmetric> <mode> <seed> <qmin> <qmax> <rank> <shape...>
#         <blockShape...> <numel> <data...> <numBlocks> (<scale> <zp>)...
#         <codes...>
#   qmul <real> <ok> <multiplier> <shift>
#   apply <mode> <x> <multiplier> <shift> <seed> <index> <expected>
#   requant <mode> <q> <zpIn> <multiplier> <shift> <zpOut> <qmin> <qmax>
#           <seed> <index> <expected>
#   pack <bits> <rows> <rowLength> <values...> <numBytes> <bytes...>
#   unpack <bits> <signed> <rows> <rowLength> <numBytes> <bytes...>
#          <values...>
# <mode> is the dialect spelling (half_even, ..., stochastic); seeds and
# indices are unsigned 64-bit decimals; booleans are 0/1; <ok> 0 means the
# function returns nullopt (the remaining fields are then 0).
#
# ===----------------------------------------------------------------------=== #

import math
import os
import random
from fractions import Fraction

import numpy as np

MASK64 = (1 << 64) - 1
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

MODES = ["half_even", "half_away", "floor", "ceil", "toward_zero", "stochastic"]
# Deterministic modes once each, stochastic under one of several seeds.
STOCHASTIC_SEEDS = [0x0123456789ABCDEF, MASK64, 0, 42]

rng = np.random.default_rng(20240611)
prng = random.Random(20240611)

lines = []


def emit(*fields):
    lines.append(" ".join(str(f) for f in fields))


def comment(text):
    lines.append("# " + text)


def hexd(v):
    """Shortest C99 hex float: float.hex() without trailing zero digits."""
    h = float(v).hex()
    if "p" not in h:
        return h  # inf, -inf, nan
    mant, exp = h.split("p")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant + "p" + exp


def f32(v):
    return np.float32(v)


# ---------------------------------------------------------------------------
# Rounding.h
# ---------------------------------------------------------------------------


def splitmix64(z):
    z &= MASK64
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & MASK64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    return z


def draw_bits(seed, index):
    """The draw as an integer k, u = k * 2^-24."""
    z = (seed + (index + 1) * 0x9E3779B97F4A7C15) & MASK64
    return splitmix64(z) >> 40


def draw(seed, index):
    return Fraction(draw_bits(seed, index), 1 << 24)


def round_exact(v, mode, seed=0, index=0):
    """Rounds the exact rational v to an integer (Python int)."""
    v = Fraction(v)
    fl = math.floor(v)
    frac = v - fl
    if mode == "half_even":
        if frac > Fraction(1, 2) or (frac == Fraction(1, 2) and fl % 2 == 1):
            return fl + 1
        return fl
    if mode == "half_away":
        a = abs(v)
        r = math.floor(a) + (1 if a - math.floor(a) >= Fraction(1, 2) else 0)
        return r if v >= 0 else -r
    if mode == "floor":
        return fl
    if mode == "ceil":
        return math.ceil(v)
    if mode == "toward_zero":
        return math.trunc(v)
    if mode == "stochastic":
        return fl + (1 if draw(seed, index) < frac else 0)
    raise ValueError(mode)


def mode_seeds(index_base):
    """(mode, seed, index) for every mode; the stochastic seed rotates."""
    out = [(m, 0, 0) for m in MODES if m != "stochastic"]
    seed = STOCHASTIC_SEEDS[index_base % len(STOCHASTIC_SEEDS)]
    out.append(("stochastic", seed, index_base))
    if index_base % 4 == 0:
        # A second draw for the same value, so that both outcomes show up.
        out.append(("stochastic", seed, index_base + 1000003))
    return out


def gen_draw():
    comment("stochasticDraw(seed, index)")
    pairs = [(0, 0), (0, 1), (0, 2), (1, 0), (42, 7), (MASK64, 0),
             (MASK64, MASK64), (0, MASK64), (0x9E3779B97F4A7C15, 0),
             (0x0123456789ABCDEF, 123456789), (1 << 63, 1 << 63)]
    for _ in range(25):
        seed = prng.getrandbits(64)
        pairs.append((seed, prng.getrandbits(prng.choice([4, 20, 64]))))
    for s, i in pairs:
        u = draw(s, i)
        d = float(u)
        assert Fraction(d) == u and 0 <= d < 1
        emit("draw", s, i, hexd(d))


def gen_round():
    comment("roundToIntegral(v, mode, seed, index) on doubles")
    vals = []
    for k in [-1000001, -3, -2, -1, 0, 1, 2, 3, 1000000]:
        t = k + 0.5
        vals += [t, math.nextafter(t, math.inf), math.nextafter(t, -math.inf)]
    vals += [0.0, -0.0, 0.3, -0.3, 0.7, -0.7, 1.0, -1.0, 2.75, -2.75,
             1e-300, 0.1, -0.1, 123456.789, -98765.4321,
             # floor(|v| + 0.5) gets these wrong; std::round does not.
             0.49999999999999994, -0.49999999999999994,
             2.0 ** 52 + 1, -(2.0 ** 52 + 1), 2.0 ** 52 - 0.5,
             -(2.0 ** 52 - 0.5), 2.0 ** 53, 1e300, -1e300]
    for _ in range(8):
        vals.append(float(rng.uniform(-100, 100)))
    for n, v in enumerate(vals):
        for mode, seed, index in mode_seeds(n):
            # v - floor(v) is what a double implementation compares against
            # the draw; keep to values where that difference is exact.
            fl = math.floor(v)
            if mode == "stochastic" and Fraction(v) - fl != Fraction(v - fl):
                continue
            r = round_exact(v, mode, seed, index)
            assert float(r) == r
            emit("round", mode, hexd(v), seed, index, hexd(float(r)))


def gen_shr():
    comment("roundingShiftRight(num, shift, mode, seed, index)")
    for shift in range(0, 63):
        sgn = 1 if shift % 2 else -1
        if shift == 0:
            nums = [0, 1, -7]
        else:
            half = 1 << (shift - 1)
            odd = prng.randrange(1, 1 << (62 - shift), 2) if shift < 62 else 1
            big = odd << (shift - 1)
            # Exact halves (2k+1) * 2^(shift-1) of both signs, k even and odd,
            # then a value one off a half.
            nums = [sgn * half, -sgn * 3 * half,
                    big if shift % 3 else -big,
                    sgn * (5 * half + (1 if shift % 4 < 2 else -1))]
            if shift == 62:
                nums[3] = sgn * (half + 1)
        if shift % 2 == 0:
            bitlen = prng.randint(max(shift - 2, 1), 63)
            nums.append(prng.randrange(-(1 << bitlen), 1 << bitlen))
        if shift % 10 == 0:
            nums += [INT64_MIN, INT64_MAX]
        if shift % 9 == 4:
            nums += [-1, (1 << shift) - 1]
        for n, num in enumerate(nums):
            assert INT64_MIN <= num <= INT64_MAX
            for mode, seed, index in mode_seeds(shift * 31 + n):
                r = round_exact(Fraction(num, 1 << shift), mode, seed, index)
                assert INT64_MIN <= r <= INT64_MAX
                emit("shr", mode, num, shift, seed, index, r)
    # Stochastic remainders one unit above and exactly at the draw, for
    # shifts whose remainders a double cannot hold.
    comment("roundingShiftRight, stochastic, remainder at the draw")
    for shift in range(25, 63):
        seed, index = 42, shift
        k = draw_bits(seed, index)
        at = k << (shift - 24)
        for rem in (at, at + 1):
            num = (5 << shift) + rem
            if num > INT64_MAX:
                num = rem
            r = round_exact(Fraction(num, 1 << shift), "stochastic", seed, index)
            emit("shr", "stochastic", num, shift, seed, index, r)


# ---------------------------------------------------------------------------
# QuantParams.h
# ---------------------------------------------------------------------------


def for_bits(bits, signed, narrow):
    if signed:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        lo, hi = 0, (1 << bits) - 1
    if narrow:
        lo += 1
    return lo, hi


def gen_intrange():
    comment("IntRange::forBits(bits, isSigned, narrow)")
    for bits in range(1, 33):
        for signed in (1, 0):
            for narrow in (0, 1):
                if narrow and signed and bits < 2:
                    continue
                lo, hi = for_bits(bits, signed, narrow)
                emit("intrange", bits, signed, narrow, lo, hi)


def quantize_ref(x, scale, zp, qmin, qmax, mode, seed, index):
    with np.errstate(all="ignore"):
        v = f32(x) / f32(scale)
    assert isinstance(v, np.float32)
    if math.isnan(v):
        return zp
    if math.isinf(v):
        return qmax if v > 0 else qmin
    r = round_exact(float(v), mode, seed, index) + zp
    return min(max(r, qmin), qmax)


def hexf(v):
    return hexd(f32(v))


def gen_quantize():
    comment("quantize(x, scale, zp, IntRange{qmin, qmax}, mode, seed, index)")
    # (qmin, qmax, zp, scale)
    configs = [
        (-2, 1, 0, 0.5),            # int2
        (0, 3, 1, 0.25),            # uint2
        (-4, 3, 1, 3.0),            # int3, non power-of-two scale
        (0, 7, 3, 0.375),           # uint3
        (-8, 7, 0, 0.125),          # int4
        (-7, 7, 0, 1.5),            # int4 narrow
        (-128, 127, 0, 2.0 ** -7),  # int8
        (-128, 127, -3, 0.1),       # int8, scale not exact in f32
        (-127, 127, 0, 0.1875),     # int8 narrow
        (0, 255, 128, 0.5),         # uint8
        (1, 255, 128, 0.03),        # uint8 narrow
    ]
    n = 0
    near_modes = [("half_even", 0, 0), ("half_away", 0, 0)]
    for qmin, qmax, zp, scale in configs:
        s32 = f32(scale)
        # k values of x / scale = k + 0.5: around 0 and past both saturation
        # points (the edges are where round(v) + zp crosses qmin / qmax).
        lo_edge, hi_edge = qmin - zp, qmax - zp
        ks = sorted({-2, -1, 0, 1, lo_edge - 1, lo_edge, hi_edge, hi_edge + 1})
        cases = []  # (x, [(mode, seed, index)])
        for k in ks:
            t = f32(f32(k + 0.5) * s32)
            cases.append((t, mode_seeds(n)))
            n += 1
            # Just off the tie: only the nearest-rounding modes and one
            # stochastic draw tell these apart from the tie itself.
            for off in (np.nextafter(t, f32(np.inf)),
                        np.nextafter(t, f32(-np.inf))):
                cases.append((off, near_modes +
                              [("stochastic", STOCHASTIC_SEEDS[n % 4], n)]))
                n += 1
        spread = (qmax - qmin) * scale / 4
        for x in [f32(np.nan), f32(np.inf), f32(-np.inf), f32(3.4e38),
                  f32(-0.0), f32(-1e-40)] + [
                      f32(v) for v in rng.normal(0, spread, 2)]:
            cases.append((x, mode_seeds(n)))
            n += 1
        for x, modes in cases:
            for mode, seed, index in modes:
                q = quantize_ref(x, s32, zp, qmin, qmax, mode, seed, index)
                emit("quantize", mode, hexf(x), hexf(s32), zp, qmin, qmax,
                     seed, index, q)


def gen_dequantize():
    comment("dequantize(q, scale, zp) = float(q - zp) * float(scale)")
    for q, zp, scale in [(0, 0, 0.1), (127, 0, 0.1), (-128, 0, 0.1),
                         (255, 128, 0.03), (1, 255, 1e-3), (-8, 3, 0.375),
                         (100000, -7, 1e-5), (16777217, 0, 1.0),
                         (-16777219, 2, 1.0), (2147483647, 0, 3.0)]:
        with np.errstate(all="ignore"):
            r = f32(q - zp) * f32(scale)
        emit("dequantize", q, hexf(scale), zp, hexf(r))


def choose_qparams(mn, mx, qmin, qmax, symmetric):
    """Returns (scale, zp) or None."""
    if not (math.isfinite(mn) and math.isfinite(mx)) or mn > mx:
        return None
    mn = min(mn, 0.0)
    mx = max(mx, 0.0)
    if symmetric:
        zp = 0 if qmin < 0 else (qmax + 1) // 2
        if mx - mn == 0:
            return 1.0, zp
        scale = max(abs(mn), abs(mx)) / float(qmax - zp)
        return scale, zp
    # Width 0 overrides only the scale: zp still follows the formula, which
    # then gives range.min.
    if mx - mn == 0:
        scale = 1.0
    else:
        scale = (mx - mn) / float(qmax - qmin)
    zp = round(float(qmin) - mn / scale)  # Python round: half to even
    return scale, min(max(zp, qmin), qmax)


def gen_qparams():
    comment("chooseQuantParams(min, max, IntRange{qmin, qmax}, symmetric)")
    ranges = [(2, 1, 0), (3, 1, 0), (4, 1, 0), (4, 0, 0),
              (4, 1, 1), (8, 1, 0), (8, 0, 0), (8, 1, 1), (8, 0, 1),
              (16, 1, 0), (32, 1, 0), (32, 0, 0), (1, 0, 0)]
    pairs = [(-1.0, 1.0), (-0.5, 2.0), (-3.0, 0.25), (0.3, 5.1),
             (-7.0, -2.0), (0.0, 0.0), (3.0, 3.0), (-2.5, -2.5),
             (0.0, 1e-8), (-1e10, 1e-3), (0.0, 1.0),
             (-0.1, 0.1), (-1.25, 6.375), (1e-30, 2e-30), (-12.3, 45.6)]
    for _ in range(3):
        a, b = sorted(float(f32(v)) for v in rng.normal(0.3, 2.0, 2))
        pairs.append((a, b))
    for bits, signed, narrow in ranges:
        qmin, qmax = for_bits(bits, signed, narrow)
        for mn, mx in pairs:
            for sym in (1, 0):
                # A 1-bit range has no room for a symmetric scale.
                if sym and bits == 1:
                    continue
                r = choose_qparams(mn, mx, qmin, qmax, sym)
                assert r is not None
                emit("qparams", sym, hexd(mn), hexd(mx), qmin, qmax, 1,
                     hexd(r[0]), r[1])
    for mn, mx in [(math.nan, 1.0), (-1.0, math.nan), (math.nan, math.nan),
                   (-math.inf, 1.0), (-1.0, math.inf), (2.0, 1.0),
                   (-1.0, -2.0), (math.inf, math.inf)]:
        for sym in (1, 0):
            assert choose_qparams(mn, mx, -128, 127, sym) is None
            emit("qparams", sym, hexd(mn), hexd(mx), -128, 127, 0, hexd(0.0), 0)


def gen_layouts():
    comment("BlockLayout factories: kind args rank shape blockShape")
    for shape in [[7], [3, 5], [2, 3, 4], [1, 1]]:
        emit("layout", "pertensor", len(shape), *shape, *shape)
    for shape, axis in [([4, 6], 0), ([4, 6], 1), ([2, 3, 4], 1),
                        ([2, 3, 4], 2), ([5], 0)]:
        blk = list(shape)
        blk[axis] = 1
        emit("layout", "perchannel", axis, len(shape), *shape, *blk)
    # Two-dimensional only: the spec does not say what the block is on an
    # axis that is neither the channel nor the group axis.
    for shape, ch, gr, g in [([4, 16], 0, 1, 8), ([16, 4], 1, 0, 4),
                             ([3, 12], 0, 1, 12), ([3, 12], 0, 1, 1)]:
        blk = [0, 0]
        blk[ch] = 1
        blk[gr] = g
        emit("layout", "pergroup", ch, gr, g, len(shape), *shape, *blk)


def gen_blocks():
    comment("chooseBlockParams + quantizeBlocks on explicit layouts")
    # (shape, blockShape, qmin, qmax, symmetric, mode, seed)
    cases = [
        ([3, 5], [3, 5], -128, 127, 0, "half_even", 0),       # per-tensor
        ([3, 5], [3, 5], -128, 127, 1, "half_away", 0),
        ([4, 6], [1, 6], -128, 127, 1, "half_even", 0),       # channel axis 0
        ([4, 6], [4, 1], 0, 255, 0, "floor", 0),              # channel axis 1
        ([4, 6], [4, 1], -7, 7, 1, "toward_zero", 0),
        ([4, 16], [1, 8], -8, 7, 1, "half_away", 0),          # group 8
        ([4, 16], [1, 8], 0, 15, 0, "stochastic", 99),
        ([4, 16], [1, 8], -8, 7, 0, "ceil", 0),
        ([2, 3, 8], [1, 1, 4], -8, 7, 1, "half_even", 0),     # 3-D groups
        ([2, 3, 8], [2, 1, 4], -4, 3, 0, "stochastic", 7),
        ([2, 4, 6], [2, 4, 1], -128, 127, 1, "half_even", 0),  # 3-D channel
        ([2, 4, 6], [1, 2, 3], 0, 255, 0, "half_even", 0),     # general
        ([8], [2], -2, 1, 0, "half_even", 0),
    ]
    for shape, blk, qmin, qmax, sym, mode, seed in cases:
        numel = int(np.prod(shape))
        data = (rng.normal(0, 1, numel) * rng.choice([0.01, 1.0, 30.0])).astype(
            np.float32).reshape(shape)
        grid = [s // b for s, b in zip(shape, blk)]
        # Give some blocks a range that excludes zero or has width 0.
        if numel >= 16:
            first = tuple(slice(0, b) for b in blk)
            data[first] = np.abs(data[first]) + np.float32(0.5)
            last = tuple(slice(s - b, s) for s, b in zip(shape, blk))
            if math.prod(grid) > 2:
                data[last] = np.float32(0.0)
        flat = data.reshape(-1)
        # Reference block index: row-major over the grid of each element.
        idx = np.indices(shape).reshape(len(shape), -1)
        block_of = np.ravel_multi_index(
            tuple(idx[i] // blk[i] for i in range(len(shape))), grid)
        nb = math.prod(grid)
        params = []
        for b in range(nb):
            vals = flat[block_of == b]
            p = choose_qparams(float(vals.min()), float(vals.max()), qmin, qmax,
                               sym)
            params.append(p)
        codes = []
        for i, x in enumerate(flat):
            s, zp = params[block_of[i]]
            codes.append(quantize_ref(x, f32(s), zp, qmin, qmax, mode, seed, i))
        fields = ["block", sym, mode, seed, qmin, qmax, len(shape), *shape,
                  *blk, numel, *[hexf(x) for x in flat], nb]
        for s, zp in params:
            fields += [hexd(s), zp]
        fields += codes
        emit(*fields)


# ---------------------------------------------------------------------------
# FixedPoint.h
# ---------------------------------------------------------------------------


def quantize_multiplier(m):
    """TFLite's QuantizeMultiplier (single-rounding variant)."""
    if not math.isfinite(m) or m < 0:
        return None
    if m == 0:
        return 0, 0
    q, shift = math.frexp(m)
    qf = Fraction(q) * (1 << 31)  # exact
    q_fixed = math.floor(qf + Fraction(1, 2))  # round half away (q > 0)
    assert q_fixed <= 1 << 31
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    if shift > 30:
        shift, q_fixed = 30, (1 << 31) - 1
    return q_fixed, shift


def gen_qmul():
    comment("quantizeMultiplier(real) -> (multiplier, shift), TFLite's")
    reals = [float(v) for v in np.logspace(-6, 3, 200)]
    reals += [0.0, 1.0, 0.5, 0.25, 0.75, 2.0, 1.0 / 3.0, 0.1, 1e-6, 1e3,
              2.0 ** -31, 2.0 ** -32,
              # q * 2^31 rounds up to 2^31 and renormalises.
              (1 - 2.0 ** -33) * 2.0 ** -3, (1 - 2.0 ** -32) * 2.0 ** 5,
              (1 - 2.0 ** -31) * 2.0 ** 5,
              # q * 2^31 = n + 0.5 exactly: rounds away from zero.
              (2.0 ** 30 + 0.5) * 2.0 ** -31, (2.0 ** 30 + 1.5) * 2.0 ** -31,
              (2.0 ** 31 - 1.5) * 2.0 ** -38,
              # Flush to zero below 2^-32 (shift < -31)...
              2.0 ** -33, 1e-10, 2.0 ** -62, 2.0 ** -63, 2.0 ** -70, 1e-300,
              5e-324,
              # ...but not when rounding lifts the value back to 2^-32.
              2.0 ** -32 * (1 - 2.0 ** -40),
              # Shifts above 30 saturate.
              2.0 ** 30 * (1 - 2.0 ** -30), 2.0 ** 30 * (1 - 2.0 ** -40),
              2.0 ** 30, 2.0 ** 31, 2.0 ** 31 + 1, 1e10, 1e300,
              float(np.finfo(np.float64).max)]
    for m in reals:
        r = quantize_multiplier(m)
        emit("qmul", hexd(m), 1, r[0], r[1])
    for m in [-1.0, -1e-300, -2.0 ** -70, math.nan, math.inf, -math.inf]:
        assert quantize_multiplier(m) is None
        emit("qmul", hexd(m), 0, 0, 0)


def apply_ref(x, mult, shift, mode, seed, index):
    return round_exact(Fraction(x * mult, 1 << (31 - shift)), mode, seed, index)


def gen_apply():
    comment("applyMultiplier(x, {multiplier, shift}, mode, seed, index)")
    mults = [quantize_multiplier(m) for m in
             [0.5, 0.25, 0.75, 1.0, 2.0, 3.0, 1e-3, 0.0123, 2.0 ** -32, 0.0,
              2.0 ** 30, 1.0 / 3.0, 57.5, 2.0 ** -20 * 1.37]]
    mults += [((1 << 31) - 1, -31), (0x5A5A5A5A, 7)]
    n = 0
    for i, (mult, shift) in enumerate(mults):
        # With 0.5, 0.25 and 0.75 several of these land on exact halves.
        big = (1 << 32) - 1
        xs = [1, -1, 2, -6, 3, -5, prng.randrange(-(1 << 31), 1 << 31),
              big if i % 2 else -big]
        for x in xs:
            for mode, seed, index in mode_seeds(n):
                emit("apply", mode, x, mult, shift, seed, index,
                     apply_ref(x, mult, shift, mode, seed, index))
            n += 1

    comment("requantize(q, zpIn, {multiplier, shift}, zpOut, "
            "IntRange{qmin, qmax}, mode, seed, index)")
    cases = []
    for _ in range(16):
        real = float(np.exp(rng.uniform(math.log(1e-4), math.log(4.0))))
        mult, shift = quantize_multiplier(real)
        qmin, qmax = prng.choice([(-128, 127), (0, 255), (-8, 7), (-127, 127)])
        zp_in = prng.randrange(-100, 100)
        zp_out = prng.randrange(qmin, qmax + 1)
        q = prng.randrange(-(1 << 20), 1 << 20)
        cases.append((q, zp_in, mult, shift, zp_out, qmin, qmax))
    # Exact halves with multiplier 0.5 and saturation at both ends.
    cases += [(3, 0, 1 << 30, 0, 0, -128, 127),
              (-3, 0, 1 << 30, 0, 0, -128, 127),
              (5, 0, 1 << 30, 0, 10, -128, 127),
              (-5, 2, 1 << 30, 0, 10, 0, 255),
              (1000, 0, 1 << 30, 0, 0, -128, 127),
              (-1000, 0, 1 << 30, 0, 0, -128, 127),
              (1 << 20, 0, (1 << 31) - 1, 30, 0, 0, 255),
              (-(1 << 20), 0, (1 << 31) - 1, 30, 0, 0, 255)]
    for q, zp_in, mult, shift, zp_out, qmin, qmax in cases:
        for mode, seed, index in mode_seeds(n):
            r = apply_ref(q - zp_in, mult, shift, mode, seed, index) + zp_out
            r = min(max(r, qmin), qmax)
            emit("requant", mode, q, zp_in, mult, shift, zp_out, qmin, qmax,
                 seed, index, r)
        n += 1


# ---------------------------------------------------------------------------
# Packing.h
# ---------------------------------------------------------------------------


def pack_ref(values, rows, row_len, bits):
    row_bytes = (row_len * bits + 7) // 8
    out = []
    for r in range(rows):
        stream = 0
        for j in range(row_len):
            field = values[r * row_len + j] & ((1 << bits) - 1)
            stream |= field << (j * bits)
        out += list(stream.to_bytes(row_bytes, "little"))
    return out


def unpack_ref(data, rows, row_len, bits, signed):
    row_bytes = (row_len * bits + 7) // 8
    out = []
    for r in range(rows):
        stream = int.from_bytes(bytes(data[r * row_bytes:(r + 1) * row_bytes]),
                                "little")
        for j in range(row_len):
            v = (stream >> (j * bits)) & ((1 << bits) - 1)
            if signed and v >> (bits - 1):
                v -= 1 << bits
            out.append(v)
    return out


def gen_pack():
    comment("packBits(values, rows, rowLength, bits) -> bytes")
    # Hand-checked anchors for the documented order.
    anchors = [
        (4, 1, 2, [1, 2], [0x21]),         # low nibble first
        (4, 1, 3, [-1, 7, -8], [0x7F, 0x08]),
        (2, 1, 4, [0, 1, 2, 3], [0xE4]),
        (3, 1, 5, [1, 2, 3, 4, 5], [0xD1, 0x58]),
        (1, 1, 9, [1, 0, 1, 1, 0, 0, 0, 0, 1], [0x0D, 0x01]),
        (3, 2, 3, [7, 0, 7, 1, 2, 3], [0xC7, 0x01, 0xD1, 0x00]),
    ]
    for bits, rows, row_len, values, expected in anchors:
        assert pack_ref(values, rows, row_len, bits) == expected
        emit("pack", bits, rows, row_len, *values, len(expected), *expected)
    for bits in range(1, 8):
        for rows, row_len in [(1, 1), (1, 5), (2, 5), (3, 7), (2, 8), (1, 13),
                              (4, 3)]:
            for signed in (0, 1):
                lo, hi = for_bits(bits, signed, False)
                values = [prng.randint(lo, hi) for _ in range(rows * row_len)]
                data = pack_ref(values, rows, row_len, bits)
                assert unpack_ref(data, rows, row_len, bits, signed) == values
                emit("pack", bits, rows, row_len, *values, len(data), *data)
                emit("unpack", bits, signed, rows, row_len, len(data), *data,
                     *values)
        # Only the low `bits` bits of a value are stored.
        rows, row_len = 1, 4
        values = [prng.randrange(-1000, 1000) for _ in range(rows * row_len)]
        emit("pack", bits, rows, row_len, *values,
             (row_len * bits + 7) // 8, *pack_ref(values, rows, row_len, bits))
        # Padding bits are ignored when unpacking.
        for rows, row_len in [(2, 5), (3, 3)]:
            nbytes = rows * ((row_len * bits + 7) // 8)
            data = [prng.randrange(256) for _ in range(nbytes)]
            for signed in (0, 1):
                emit("unpack", bits, signed, rows, row_len, nbytes, *data,
                     *unpack_ref(data, rows, row_len, bits, signed))


def main():
    lines.append("# Generated by gen_reference.py; do not edit by hand.")
    gen_draw()
    gen_round()
    gen_shr()
    gen_intrange()
    gen_quantize()
    gen_dequantize()
    gen_qparams()
    gen_layouts()
    gen_blocks()
    gen_qmul()
    gen_apply()
    gen_pack()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "reference.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    counts = {}
    for line in lines:
        if not line.startswith("#"):
            kind = line.split(" ", 1)[0]
            counts[kind] = counts.get(kind, 0) + 1
    print(path, os.path.getsize(path), "bytes")
    for kind, count in counts.items():
        print(f"  {kind}: {count}")


if __name__ == "__main__":
    main()
