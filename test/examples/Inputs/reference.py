"""The demo models against their committed PyTorch references.

  reference.py inputs REFERENCE.npz NAME OUT.npz [AS]
      writes the reference's input NAME to OUT.npz (under AS if given)
  reference.py check REFERENCE.npz OUT.npz NAME TOLERANCE [REF_NAME]
      compares output NAME with the reference's REF_NAME (default NAME);
      prints the max abs error, exits 1 above TOLERANCE
  reference.py relative REFERENCE.npz OUT.npz NAME TOLERANCE [REF_NAME]
      the same with the relative error ||out - ref|| / ||ref||
"""
import sys

import numpy as np


def main(argv):
    ref = np.load(argv[2])
    if argv[1] == "inputs":
        key = argv[5] if len(argv) > 5 else argv[3]
        np.savez(argv[4], **{key: ref[argv[3]]})
        return 0
    name, tol = argv[4], float(argv[5])
    got, want = np.load(argv[3])[name], ref[argv[6] if len(argv) > 6 else name]
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
