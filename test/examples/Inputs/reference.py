"""The demo models against their committed PyTorch references.

  reference.py inputs REFERENCE.npz NAME OUT.npz
      writes the reference's input NAME to OUT.npz
  reference.py check REFERENCE.npz OUT.npz NAME TOLERANCE
      compares output NAME; prints the max abs error, exits 1 above
      TOLERANCE
  reference.py relative REFERENCE.npz OUT.npz NAME TOLERANCE
      the same with the relative error ||out - ref|| / ||ref||
"""
import sys

import numpy as np


def main(argv):
    ref = np.load(argv[2])
    if argv[1] == "inputs":
        np.savez(argv[4], **{argv[3]: ref[argv[3]]})
        return 0
    name, tol = argv[4], float(argv[5])
    got, want = np.load(argv[3])[name], ref[name]
    if got.shape != want.shape:
        print(f"{name}: shape {got.shape}, PyTorch {want.shape}")
        return 1
    diff = got.astype(np.float64) - want
    if argv[1] == "relative":
        err = float(np.linalg.norm(diff) / np.linalg.norm(want))
        kind = "relative error"
    else:
        err = float(np.abs(diff).max())
        kind = "max abs error"
    ok = err <= tol
    print(f"{name}: {kind} {'within' if ok else 'ABOVE'} {tol:g} of the reference")
    print(f"({err:.3g})", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
