"""Fashion-MNIST as Debian's dataset-fashion-mnist installs it (idx files)."""
import gzip
import os

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def idx(name):
    """The idx file `name` (MNIST's format) of DATA as a uint8 array."""
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
