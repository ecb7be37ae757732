#!/usr/bin/python3
"""Times the NumPy GPTQ reference (test/integration/Inputs/gptq.py) on one
random layer, for comparison with the compiler's GPTQ on the same problem.

  reference_bench.py K N [--bits B] [--group-size G] [--act-order 0|1]
                         [--sym 0|1] [--seed S] [--save DIR]

The layer is W_ir [K, N] (IR layout) ~ normal / sqrt(K), and the Hessian
H = 2/M X^T X of M = 2K correlated rows X; both are rounded to float32, and
the reference quantizes exactly those. Only the GPTQ call is timed. With
--save, DIR/w.npy (W_ir, float32 [K, N]) and DIR/h.npy (H, float32 [K, K])
receive the problem.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "test", "integration", "Inputs"))
import gptq  # noqa: E402


def problem(k, n, seed):
    """(W_ir [K, N], H [K, K]), float32."""
    rng = np.random.default_rng(seed)
    m = 2 * k
    # Channels correlated through a shared direction, of unequal scales.
    A = rng.standard_normal((k, k)) / np.sqrt(k)
    A += rng.standard_normal(k) / np.sqrt(k)
    X = (rng.standard_normal((m, k)) @ A) * np.exp(
        0.5 * rng.standard_normal(k))
    H = (2 / m * (X.T @ X)).astype(np.float32)
    W = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
    return W, H


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("k", type=int)
    parser.add_argument("n", type=int)
    parser.add_argument("--bits", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=128)
    parser.add_argument("--act-order", type=int, choices=(0, 1), default=1)
    parser.add_argument("--sym", type=int, choices=(0, 1), default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", metavar="DIR")
    args = parser.parse_args()

    W, H = problem(args.k, args.n, args.seed)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        np.save(os.path.join(args.save, "w.npy"), W)
        np.save(os.path.join(args.save, "h.npy"), H)

    start = time.perf_counter()
    gptq.gptq(W.T, H, bits=args.bits, group_size=args.group_size,
              sym=args.sym, act_order=args.act_order)
    seconds = time.perf_counter() - start
    print(f"numpy-gptq K={args.k} N={args.n}: {seconds:.3f} s")


if __name__ == "__main__":
    main()
