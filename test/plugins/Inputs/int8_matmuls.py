"""Inputs and NumPy references for Inputs/int8-matmuls.mlir.

  int8_matmuls.py write DIR          writes DIR/ENTRY.npz for each entry
  int8_matmuls.py check DIR ENTRY RESULT.npz

The reference is the integer definition of qf.matmul with the zero points
of the test file (activations 3, weights 0): sum_k (a - 3) * w, in int64,
which no test shape takes out of the i32 range. Prints one verdict line and
exits non-zero on a mismatch.
"""
import os
import sys

import numpy as np

SHAPES = {
    "tiles": ((20, 64), (64, 12)),
    "batched": ((3, 20, 64), (64, 12)),
    "narrow": ((4, 12), (12, 3)),
}
ZERO_POINT_A = 3


def inputs(entry):
    rng = np.random.default_rng(list(SHAPES).index(entry) + 7)
    a_shape, w_shape = SHAPES[entry]
    a = rng.integers(-128, 128, size=a_shape, dtype=np.int64).astype(np.int8)
    w = rng.integers(-128, 128, size=w_shape, dtype=np.int64).astype(np.int8)
    return a, w


def main(argv):
    if argv[1] == "write":
        for entry in SHAPES:
            a, w = inputs(entry)
            np.savez(os.path.join(argv[2], entry + ".npz"), a=a, w=w)
        return 0
    entry, result = argv[3], argv[4]
    a, w = inputs(entry)
    want = np.matmul(a.astype(np.int64) - ZERO_POINT_A, w.astype(np.int64))
    got = np.load(result)
    got = got["acc"]
    if got.shape != want.shape or got.dtype != np.int32:
        print(f"{entry}: got {got.dtype}{list(got.shape)}, "
              f"want int32{list(want.shape)}")
        return 1
    bad = np.argwhere(got != want)
    if bad.size:
        i = tuple(bad[0])
        print(f"{entry}: {len(bad)} wrong, first at {i}: {got[i]} != {want[i]}")
        return 1
    print(f"{entry}: equal to the NumPy reference bit for bit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
