#!/usr/bin/python3
# ===- gen_float_reference.py - Reference for numerics/FloatFormats.h -----=== #
#
# Part of QuantForge.
#
# ===----------------------------------------------------------------------=== #
#
# Computes what numerics/FloatFormats.h specifies, from the specifications,
# without its implementation: the OCP 8-bit floating point spec (E4M3FN,
# E5M2), the OCP Microscaling spec v1.0 (FP6 E2M3/E3M2, FP4 E2M1, E8M0 scales,
# the shared-exponent rule, MXINT8), NVIDIA's NVFP4 (E2M1 with E4M3 block
# scales under a float32 tensor scale) and QLoRA's NF4 table.
#
# The method differs from the C++ on purpose: each format's values are
# enumerated from its bit layout (sign, exponent field, mantissa field, the
# special codes), and a value is encoded by searching that table for its two
# neighbours (bisect), not by computing a grid. All arithmetic is exact:
# Python floats hold every value involved (dyadic rationals in range), and
# float32 steps use NumPy float32 scalars (IEEE single operations).
#
#   gen_float_reference.py --edge IN OUT         the edge cases
#   gen_float_reference.py --random N SEED IN OUT  N random cases
#
# IN gets one case per line in test/lib/Numerics/float-codes.cpp's syntax,
# OUT the expected result of each. test/numerics/float-formats.test runs both
# and compares with qf-float-codes.
#
# ===----------------------------------------------------------------------=== #

import bisect
import math
import sys

import numpy as np

# name: (exponent bits, mantissa bits, bias, signed, has inf, NaN codes rule)
FORMATS = {
    "f8E4M3FN": (4, 3, 7, True, False, "all-ones"),  # S.1111.111 is NaN
    "f8E5M2": (5, 2, 15, True, True, "ieee"),        # S.11111.xx: Inf/NaN
    "f6E2M3FN": (2, 3, 1, True, False, None),
    "f6E3M2FN": (3, 2, 3, True, False, None),
    "f4E2M1FN": (2, 1, 1, True, False, None),
    "f8E8M0FNU": (8, 0, 127, False, False, "all-ones"),  # 0xFF is NaN
}
CANONICAL_NAN = {"f8E4M3FN": 0x7F, "f8E5M2": 0x7E, "f8E8M0FNU": 0xFF}
MODES = ["half_even", "half_away", "floor", "ceil", "toward_zero",
         "stochastic"]
MX_ELEMENTS = {"fp8e4m3": "f8E4M3FN", "fp8e5m2": "f8E5M2",
               "fp6e2m3": "f6E2M3FN", "fp6e3m2": "f6E3M2FN",
               "fp4e2m1": "f4E2M1FN", "int8": None}
NF4 = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
       -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
       0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
       0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
       0.7229568362236023, 1.0]
M64 = (1 << 64) - 1


def draw(seed, index):
    """numerics/Rounding.h's stochastic draw, from its specification."""
    z = (seed + (index + 1) * 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    z ^= z >> 31
    return (z >> 40) * 2.0 ** -24


class Format:
    """Every code of a format and its value, from the bit layout."""

    def __init__(self, name):
        e_bits, m_bits, bias, signed, has_inf, nan_rule = FORMATS[name]
        self.name, self.signed, self.has_inf = name, signed, has_inf
        self.has_nan = nan_rule is not None
        self.bits = int(signed) + e_bits + m_bits
        self.value = {}  # code -> value (nan, inf included)
        for code in range(1 << self.bits):
            sign = (code >> (e_bits + m_bits)) & 1 if signed else 0
            exp = (code >> m_bits) & ((1 << e_bits) - 1)
            man = code & ((1 << m_bits) - 1)
            top = exp == (1 << e_bits) - 1
            if nan_rule == "all-ones" and top and man == (1 << m_bits) - 1:
                v = math.nan
            elif nan_rule == "ieee" and top:
                v = math.inf if man == 0 else math.nan
            elif m_bits == 0:
                v = 2.0 ** (exp - bias)  # E8M0: no zero, no subnormals
            elif exp == 0:
                v = man * 2.0 ** (1 - bias - m_bits)
            else:
                v = (1 + man / 2 ** m_bits) * 2.0 ** (exp - bias)
            self.value[code] = -v if sign else v
        # Non-negative finite magnitudes and their (positive) codes.
        pos = sorted((v, c) for c, v in self.value.items()
                     if not math.isnan(v) and not math.isinf(v) and
                     not math.copysign(1, v) < 0)
        self.magnitudes = [v for v, _ in pos]
        self.code_of = {v: c for v, c in pos}
        self.max = self.magnitudes[-1]
        self.max_code = self.code_of[self.max]
        # The grid goes on above the largest value: one quantum of its
        # binade further (the next code, were there one).
        self.beyond = self.max + (self.max - self.magnitudes[-2]
                                  if m_bits else self.max)
        self.sign_bit = 1 << (self.bits - 1) if signed else 0

    def encode(self, x, mode, overflow, seed=0, index=0):
        if math.isnan(x):
            return CANONICAL_NAN.get(self.name)
        neg = math.copysign(1, x) < 0
        if not self.signed and (neg or x == 0):
            return None
        sign = self.sign_bit if neg else 0

        def overflowed():
            if overflow == "nonfinite" and self.has_inf:
                return sign | [c for c, v in self.value.items()
                               if v == math.inf][0]
            if overflow == "nonfinite" and self.has_nan:
                return CANONICAL_NAN[self.name]
            return sign | self.max_code

        if math.isinf(x):
            return overflowed()
        a = abs(x)
        if a == 0:
            return sign
        if a >= self.beyond:
            return overflowed()
        grid = self.magnitudes + [self.beyond]
        codes = [self.code_of[v] for v in self.magnitudes] + [self.max_code + 1]
        if not self.signed:  # E8M0: below the smallest, the smallest
            if a < grid[0]:
                return codes[0]
        i = bisect.bisect_right(grid, a) - 1
        lo, hi = grid[i], grid[i + 1]
        if lo == a:
            r = lo
        else:
            below, above = a - lo, hi - a
            if mode == "half_even":
                r = lo if below < above else hi if above < below else (
                    lo if codes[i] % 2 == 0 else hi)
            elif mode == "half_away":
                r = lo if below < above else hi
            elif mode == "toward_zero":
                r = lo
            elif mode == "floor":
                r = hi if neg else lo
            elif mode == "ceil":
                r = lo if neg else hi
            else:  # stochastic: toward +inf with probability (x - low) / q
                low_v = -hi if neg else lo
                up = draw(seed, index) < (x - low_v) / (hi - lo)
                r = (lo if up else hi) if neg else (hi if up else lo)
        if r > self.max:
            return overflowed()
        return sign | self.code_of[r]

    def decode(self, code):
        return self.value[code]


FMT = {name: Format(name) for name in FORMATS}


def half_away(v):
    """Ties away from zero."""
    r = math.floor(abs(v) + 0.5)
    return math.copysign(r, v)


def round_integral(v, mode, seed, index):
    """numerics/Rounding.h's roundToIntegral, from its specification."""
    f = math.floor(v)
    if mode == "half_even":
        return float(round(v))  # Python rounds ties to even
    if mode == "half_away":
        return half_away(v)
    if mode == "floor":
        return float(f)
    if mode == "ceil":
        return float(math.ceil(v))
    if mode == "toward_zero":
        return float(math.trunc(v))
    return float(f) + (1.0 if draw(seed, index) < v - f else 0.0)


def mx_scale(amax, element, rule):
    if math.isnan(amax) or math.isinf(amax):
        return 0xFF
    amax = abs(amax)
    if amax == 0:
        return 0
    fmt = MX_ELEMENTS[element]
    if rule == "floor":
        emax = math.floor(math.log2(FMT[fmt].max)) if fmt else 0
        x = math.frexp(amax)[1] - 1 - emax
    else:
        big = FMT[fmt].max if fmt else 127 / 64
        x = -200
        while amax > big * 2.0 ** x:
            x += 1
    return max(-127, min(127, x)) + 127


def mx_encode(v, scale, element, mode, seed, index):
    if scale == 0xFF:
        return 0
    y = v * 2.0 ** (127 - scale)
    fmt = MX_ELEMENTS[element]
    if fmt:
        return FMT[fmt].encode(y, mode, "saturate", seed, index)
    if math.isnan(y):
        return None
    if math.isinf(y):
        r = y
    else:
        r = round_integral(y * 64, mode, seed, index)
    return int(max(-127.0, min(127.0, r))) & 0xFF


def mx_decode(code, scale, element):
    if scale == 0xFF:
        return math.nan
    fmt = MX_ELEMENTS[element]
    if fmt:
        return FMT[fmt].decode(code) * 2.0 ** (scale - 127)
    signed = code - 256 if code >= 128 else code
    return signed * 2.0 ** (scale - 127 - 6)


F32 = np.float32
# Overflow to infinity and NaN are cases here, not accidents.
np.seterr(all="ignore")


def nv_tensor_scale(amax):
    scale = F32(amax) / (F32(448) * F32(6))
    return F32(1) if scale == 0 else scale


def nv_block_scale(amax, ts):
    q = F32(amax) / (F32(6) * F32(ts))
    return FMT["f8E4M3FN"].encode(float(q), "half_even", "saturate")


def nv_encode(v, bs, ts, mode, seed, index):
    s = F32(FMT["f8E4M3FN"].decode(bs)) * F32(ts)
    if s == 0:
        return 0
    y = F32(v) / s
    return FMT["f4E2M1FN"].encode(float(y), mode, "saturate", seed, index)


def nv_decode(code, bs, ts):
    return float(F32(FMT["f4E2M1FN"].decode(code)) *
                 F32(FMT["f8E4M3FN"].decode(bs)) * F32(ts))


NF4_F32 = [F32(v) for v in NF4]
NF4_MID = [(NF4_F32[i] + NF4_F32[i + 1]) / F32(2) for i in range(15)]


def nf4_encode(v, absmax):
    if F32(absmax) == 0:
        return 7
    q = F32(v) / F32(absmax)
    if math.isnan(q):
        return None
    return sum(1 for m in NF4_MID if q > m)


def nf4_decode(code, absmax):
    return float(NF4_F32[code] * F32(absmax))


def show(v):
    """A value as C's %a prints a double; "nan" for any NaN."""
    if isinstance(v, (np.floating,)):
        v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    text = v.hex()  # [-]0x1.8000000000000p+1
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("-")[2:]
    mantissa, exponent = body.split("p")
    head, _, tail = mantissa.partition(".")
    tail = tail.rstrip("0")
    return f"{sign}0x{head}{'.' + tail if tail else ''}p{exponent}"


def code(c):
    return "none" if c is None else str(c)


def hexf(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    return float(v).hex()


class Cases:
    def __init__(self):
        self.inputs, self.expected = [], []

    def add(self, line, result):
        self.inputs.append(line)
        self.expected.append(result)

    def encode(self, name, x, mode, overflow, seed=0, index=0):
        self.add(f"encode {name} {mode} {overflow} {seed} {index} {hexf(x)}",
                 code(FMT[name].encode(x, mode, overflow, seed, index)))

    def write(self, inputs, expected):
        with open(inputs, "w") as f:
            f.write("\n".join(self.inputs) + "\n")
        with open(expected, "w") as f:
            f.write("\n".join(self.expected) + "\n")


def edge_cases():
    c = Cases()
    for name, fmt in FMT.items():
        for k in range(1 << fmt.bits):  # every code decodes
            c.add(f"decode {name} {k}", show(fmt.decode(k)))
        special = [0.0, -0.0, math.inf, -math.inf, math.nan, fmt.max,
                   -fmt.max, fmt.beyond, (fmt.max + fmt.beyond) / 2,
                   fmt.max * 1e6, 1e300, -1e300, 1e-300, -1e-300,
                   fmt.magnitudes[0], fmt.magnitudes[1] if len(
                       fmt.magnitudes) > 1 else 1.0]
        # Every value, every midpoint (ties), and a hair either side.
        grid = fmt.magnitudes + [fmt.beyond]
        for i, v in enumerate(fmt.magnitudes):
            mid = (v + grid[i + 1]) / 2
            special += [v, -v, mid, -mid, math.nextafter(mid, 0),
                        math.nextafter(mid, math.inf)]
        for x in special:
            for mode in MODES:
                for overflow in ("saturate", "nonfinite"):
                    c.encode(name, x, mode, overflow, 7, len(c.inputs))
    for element in MX_ELEMENTS:
        for amax in [0.0, math.nan, math.inf, 1e-45, 2.0 ** -140, 1.0, 1.5,
                     6.0, 6.5, 448.0, 449.0, 2.0 ** 126, 2.0 ** 130, 3e38,
                     127 / 64, 1.984375 * 4]:
            for rule in ("floor", "roundup"):
                c.add(f"mxscale {element} {rule} {hexf(amax)}",
                      code(mx_scale(amax, element, rule)))
        for scale in (0, 1, 120, 127, 128, 200, 254, 255):
            for v in (0.0, -0.0, 1.0, -1.0, 3.0, 1e10, -1e10, math.nan,
                      math.inf, 2.0 ** -130, 0.75, 1.0 / 128):
                for mode in MODES:
                    c.add(f"mxencode {element} {mode} 3 {len(c.inputs)} "
                          f"{scale} {hexf(v)}",
                          code(mx_encode(v, scale, element, mode, 3,
                                         len(c.inputs))))
            for k in range(256 if element in ("fp8e4m3", "fp8e5m2", "int8")
                           else 1 << FMT[MX_ELEMENTS[element]].bits):
                c.add(f"mxdecode {element} {scale} {k}",
                      show(mx_decode(k, scale, element)))
    for amax in (0.0, 1.0, 2688.0, 1e-30, 3e38, 0.1, 1e-42):
        c.add(f"nvts {hexf(amax)}", show(nv_tensor_scale(amax)))
        ts = float(nv_tensor_scale(amax))
        for block in (0.0, amax, amax / 3, amax * 10, 1e-40):
            c.add(f"nvbs {hexf(float(F32(block)))} {hexf(ts)}",
                  code(nv_block_scale(block, ts)))
    for bs in (0, 1, 0x38, 0x7E, 0x7F, 0xB8):
        for ts in (1.0, 0.001, float(F32(1) / F32(3))):
            for k in range(16):
                c.add(f"nvdecode {k} {bs} {hexf(ts)}", show(nv_decode(k, bs, ts)))
            for v in (0.0, -0.0, 0.25, 0.75, -5.0, 5.0, 100.0, math.nan, 1.25):
                for mode in MODES:
                    c.add(f"nvencode {mode} 5 {len(c.inputs)} {bs} {hexf(ts)} "
                          f"{hexf(v)}",
                          code(nv_encode(v, bs, ts, mode, 5, len(c.inputs))))
    for absmax in (0.0, 1.0, 0.5, 3.0):
        for k in range(16):
            c.add(f"nf4decode {k} {hexf(absmax)}", show(nf4_decode(k, absmax)))
        for v in [0.0, -0.0, 1.0, -1.0, 2.0, math.nan] + [
                float(m * F32(absmax)) for m in NF4_MID]:
            c.add(f"nf4encode {hexf(v)} {hexf(absmax)}",
                  code(nf4_encode(v, absmax)))
    # The midpoints themselves as quotients: ties go to the lower level.
    for m in NF4_MID:
        c.add(f"nf4encode {hexf(float(m))} {hexf(1.0)}",
              code(nf4_encode(float(m), 1.0)))
    return c


def random_cases(n, seed):
    """n cases: encodes of every format (values spread over the range, grid
    points, ties), MX blocks, NVFP4 blocks and NF4 blocks."""
    rng = np.random.default_rng(seed)
    c = Cases()
    names = list(FMT)
    share = n * 6 // 10 // len(names)
    for name in names:
        fmt = FMT[name]
        grid = fmt.magnitudes + [fmt.beyond]
        smallest = grid[1] if grid[0] == 0 else grid[0]
        lo, hi = math.log2(smallest), math.log2(fmt.beyond * 4)
        for i in range(share):
            kind = i % 3
            if kind == 0:  # log-uniform over the range and beyond
                x = 2.0 ** rng.uniform(lo - 2, hi)
            elif kind == 1:  # ties
                j = int(rng.integers(len(grid) - 1))
                x = (grid[j] + grid[j + 1]) / 2
            else:  # float32 normals at a random magnitude
                x = float(F32(rng.standard_normal() * 2.0 ** rng.uniform(lo, hi)))
            if fmt.signed and rng.integers(2):
                x = -x
            mode = MODES[int(rng.integers(len(MODES)))]
            overflow = ("saturate", "nonfinite")[int(rng.integers(2))]
            c.encode(name, x, mode, overflow, int(rng.integers(1 << 32)), i)
    rest = n - len(c.inputs)
    elements = list(MX_ELEMENTS)
    per = rest // 6  # MX and NVFP4 cases come in pairs: a third of the rest each
    for i in range(per):  # MX: a block's scale and one of its elements
        element = elements[i % len(elements)]
        block = (rng.standard_normal(32) * 2.0 ** rng.uniform(-20, 20))
        block = block.astype(np.float32).astype(float)
        amax = float(np.abs(block).max())
        rule = ("floor", "roundup")[i % 2]
        scale = mx_scale(amax, element, rule)
        c.add(f"mxscale {element} {rule} {hexf(amax)}", code(scale))
        v = float(block[int(rng.integers(32))])
        mode = ("half_even", "stochastic")[int(rng.integers(2))]
        c.add(f"mxencode {element} {mode} 11 {i} {scale} {hexf(v)}",
              code(mx_encode(v, scale, element, mode, 11, i)))
    for i in range(per):  # NVFP4: tensor, block, element
        block = (rng.standard_normal(16) * 2.0 ** rng.uniform(-10, 10))
        block = block.astype(np.float32)
        tensor_amax = float(np.abs(block).max() * F32(rng.uniform(1, 50)))
        ts = float(nv_tensor_scale(tensor_amax))
        amax = float(np.abs(block).max())
        bs = nv_block_scale(amax, ts)
        c.add(f"nvbs {hexf(amax)} {hexf(ts)}", code(bs))
        v = float(block[int(rng.integers(16))])
        mode = ("half_even", "stochastic")[int(rng.integers(2))]
        c.add(f"nvencode {mode} 13 {i} {bs} {hexf(ts)} {hexf(v)}",
              code(nv_encode(v, bs, ts, mode, 13, i)))
    while len(c.inputs) < n:  # NF4
        block = rng.standard_normal(64).astype(np.float32)
        absmax = float(np.abs(block).max())
        v = float(block[int(rng.integers(64))])
        c.add(f"nf4encode {hexf(v)} {hexf(absmax)}", code(nf4_encode(v, absmax)))
    return c


def main(argv):
    if len(argv) == 4 and argv[1] == "--edge":
        edge_cases().write(argv[2], argv[3])
    elif len(argv) == 6 and argv[1] == "--random":
        random_cases(int(argv[2]), int(argv[3])).write(argv[4], argv[5])
    else:
        sys.exit("usage: gen_float_reference.py --edge IN OUT | "
                 "--random N SEED IN OUT")


if __name__ == "__main__":
    main(sys.argv)
