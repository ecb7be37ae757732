#!/usr/bin/python3
"""GPTQ onto the float-code formats' grids: gptq.py's reference algorithm
with a quantizer from the formats' specifications
(test/unit/Numerics/gen_float_reference.py), in float32 as quant-quantize
rounds them. Per row (output channel) and group, from the largest magnitude
of the block as it is when the block is reached:
- fp8: scale f32(amax / 448) (1 where that is 0); value E4M3FN(f32(w) /
  scale) * scale;
- nf4: scale f32(amax); value the nearest NF4 level (ties down) * scale;
- mxfp4: the MX floor rule's E8M0 scale, value E2M1 under it;
- nvfp4: the tensor scale of the whole (original) weight, an E4M3 block
  scale, value E2M1 under both.

  gptq_formats.py reference DIR OUT.npz --format F [--group-size G]
                  [--act-order 0|1] [--static-groups 0|1]
      DIR as gptq.py writes it; OUT.npz: y, the rounded weight [K, N].
  gptq_formats.py check OURS.npz REF.npz
      prints how many elements of the two y differ; exits 1 if any.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "unit", "Numerics"))
import gen_float_reference as ref  # noqa: E402
import gptq  # noqa: E402

F32 = np.float32
E4M3, E2M1 = ref.FMT["f8E4M3FN"], ref.FMT["f4E2M1FN"]


class FormatQuantizer:
    """params(x [R, g]) -> (param [R], 0); codes = dequant = the values."""

    code_dtype = np.float64

    def __init__(self, fmt, weight_amax):
        self.fmt = fmt
        self.ts = ref.nv_tensor_scale(float(F32(weight_amax)))

    def params(self, x):
        amax = np.abs(x.astype(F32)).max(1)
        out = []
        for a in amax:
            if self.fmt == "fp8":
                s = a / F32(448)
                out.append(float(s if s != 0 else F32(1)))
            elif self.fmt == "nf4":
                out.append(float(a))
            elif self.fmt == "mxfp4":
                out.append(ref.mx_scale(float(a), "fp4e2m1", "floor"))
            else:
                out.append(ref.nv_block_scale(float(a), self.ts))
        return np.array(out), np.zeros(len(out))

    def value(self, w, p):
        w = F32(w)
        if self.fmt == "fp8":
            s = F32(p)
            c = E4M3.encode(float(w / s), "half_even", "saturate")
            return float(F32(E4M3.decode(c)) * s)
        if self.fmt == "nf4":
            return float(ref.NF4_F32[ref.nf4_encode(float(w), float(p))] *
                         F32(p))
        if self.fmt == "mxfp4":
            c = ref.mx_encode(float(w), int(p), "fp4e2m1", "half_even", 0, 0)
            return float(F32(ref.mx_decode(c, int(p), "fp4e2m1")))
        c = ref.nv_encode(float(w), int(p), self.ts, "half_even", 0, 0)
        return float(F32(ref.nv_decode(c, int(p), self.ts)))

    def dequant(self, x, param, zero):
        x, param = np.broadcast_arrays(x, param)
        return np.array([self.value(w, p) for w, p in zip(x.ravel(),
                                                         param.ravel())]
                        ).reshape(x.shape)

    codes = dequant


def reference(args):
    _, W_ir, H = gptq.load(args.dir)
    quant = FormatQuantizer(args.format, np.abs(W_ir).max())
    y, _, _, _ = gptq.gptq(W_ir.T, H, group_size=args.group_size,
                           act_order=bool(args.act_order),
                           static_groups=bool(args.static_groups),
                           quant=quant)
    np.savez(args.out, y=y.T.astype(F32))
    return 0


def check(args):
    ours, want = np.load(args.ours)["y"], np.load(args.ref)["y"]
    differ = int(np.count_nonzero(ours != want))
    print(f"values: {differ} of {want.size} differ")
    return 1 if differ else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("reference")
    p.add_argument("dir")
    p.add_argument("out")
    p.add_argument("--format", required=True,
                   choices=("fp8", "nf4", "mxfp4", "nvfp4"))
    p.add_argument("--group-size", type=int, default=-1)
    p.add_argument("--act-order", type=int, choices=(0, 1), default=0)
    p.add_argument("--static-groups", type=int, choices=(0, 1), default=0)
    p.set_defaults(run=reference)
    p = sub.add_parser("check")
    p.add_argument("ours")
    p.add_argument("ref")
    p.set_defaults(run=check)
    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
