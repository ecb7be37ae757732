#!/usr/bin/python3
"""Quantize the demo GPT from Python: GPTQ to 4 bits, calibrated on windows
of examples/gpt/calib.txt, scored on held-out text against the float model.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/quantize_gpt.py \
        [--recipe w4a16-gptq] [--calib-windows 16] [--eval-windows 32] [-o OUT.mlir]

(After `cmake --install`, the package is importable without PYTHONPATH.)
Prints the report's per-layer table, then bits per byte of the float and the
quantized model on the first --eval-windows windows of examples/gpt/heldout.txt.
"""

import argparse
import os

import numpy as np

import quantforge as qf

HERE = os.path.dirname(os.path.abspath(__file__))
GPT = os.path.join(HERE, "..", "gpt")
CONTEXT = 128


def windows(path, count):
    """`count` windows of 128 bytes and the byte after each position."""
    data = np.frombuffer(open(path, "rb").read(), dtype=np.uint8)
    x = data[:count * CONTEXT].reshape(count, 1, CONTEXT).astype(np.int64)
    y = data[1:count * CONTEXT + 1].reshape(count, 1, CONTEXT).astype(np.int64)
    return x, y


def bits_per_byte(run, x, y):
    """Mean next-byte cross-entropy in bits."""
    total = 0.0
    for tokens, targets in zip(x, y):
        logits = run(tokens=tokens).astype(np.float64)[0]
        logits -= logits.max(axis=-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        total -= logp[np.arange(CONTEXT), targets[0]].sum()
    return total / (x.size * np.log(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", default="w4a16-gptq")
    parser.add_argument("--calib-windows", type=int, default=16)
    parser.add_argument("--eval-windows", type=int, default=32)
    parser.add_argument("-o", dest="output", help="write the quantized model")
    args = parser.parse_args()

    m = qf.import_onnx(os.path.join(GPT, "gpt.onnx"),
                       input_shapes={"tokens": (1, CONTEXT)})
    calib, _ = windows(os.path.join(GPT, "calib.txt"), args.calib_windows)
    q = qf.quantize(m, recipe=args.recipe,
                    calib=[{"tokens": x} for x in calib])
    print(q.report.table())

    x, y = windows(os.path.join(GPT, "heldout.txt"), args.eval_windows)
    f32 = bits_per_byte(m.compile("cpu"), x, y)
    quantized = bits_per_byte(q.compile("cpu"), x, y)
    print(f"bits/byte on {args.eval_windows} held-out windows: "
          f"f32 {f32:.4f}, {args.recipe} {quantized:.4f}")
    if args.output:
        q.save(args.output)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
