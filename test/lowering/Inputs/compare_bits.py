#!/usr/bin/python3
"""compare_bits.py [--ulps N] EXPECTED.npz DIR PREFIX ENTRY...: each
DIR/PREFIX_ENTRY.npz (its one array) equals EXPECTED[ENTRY] bit for bit,
except that a NaN matches any NaN. With --ulps N, values may differ by up to
N units in the last place and -0 equals +0 instead. Prints "ENTRY: same"
(or "ENTRY: within N ulps") or the first differences; exits 1 on any."""
import sys

import numpy as np

args = sys.argv[1:]
ulps = None
if args[0] == "--ulps":
    ulps, args = int(args[1]), args[2:]
expected_path, folder, prefix, entries = args[0], args[1], args[2], args[3:]
expected = np.load(expected_path)


def ordered(a):
    """float32 bits as integers in the order of their values (-0 = +0)."""
    bits = a.view(np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & 0x7FFFFFFF), bits)


status = 0
for entry in entries:
    got = next(iter(np.load(f"{folder}/{prefix}_{entry}.npz").values()))
    want = expected[entry]
    nan = np.isnan(want)
    if ulps is None:
        differ = got.view(np.uint32) != want.view(np.uint32)
    else:
        differ = np.abs(ordered(got) - ordered(want)) > ulps
    bad = (np.isnan(got) != nan) | (~nan & differ)
    if bad.any():
        i = np.flatnonzero(bad)[:5]
        print(f"{entry}: {bad.sum()} differ, e.g. at {i.tolist()}: "
              f"{got.ravel()[i].tolist()} != {want.ravel()[i].tolist()}")
        status = 1
    else:
        print(f"{entry}: " + ("same" if ulps is None else
                              f"within {ulps} ulps"))
sys.exit(status)
