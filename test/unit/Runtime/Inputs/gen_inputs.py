#!/usr/bin/python3
"""Writes the files NumpyIOTest.cpp and SafeTensorsTest.cpp read.

Run with the system Python, which has NumPy, from this folder:
    /usr/bin/python3 gen_inputs.py
The outputs are committed; rerun only to change them. Values are simple
functions of np.arange so the tests can state them directly:
  floats:  arange(6).reshape(2, 3) * 0.5 - 1   -> -1, -0.5, 0, 0.5, 1, 1.5
  signed:  arange(6).reshape(2, 3) - 2         -> -2 .. 3
  u1:      arange(6).reshape(2, 3) * 50        -> 0 .. 250
  b1:      arange(6).reshape(2, 3) % 2 == 0    -> T F T F T F
"""

import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def base():
    return np.arange(6).reshape(2, 3)


def main():
    for code in ["f2", "f4", "f8"]:
        np.save(path(code + ".npy"), (base() * 0.5 - 1).astype("<" + code))
    for code in ["i1", "i2", "i4", "i8"]:
        np.save(path(code + ".npy"), (base() - 2).astype("<" + code))
    np.save(path("u1.npy"), (base() * 50).astype(np.uint8))
    np.save(path("b1.npy"), base() % 2 == 0)

    # The byte-exact reference for serializeNpy.
    np.save(path("f4_arange.npy"), np.arange(6, dtype=np.float32).reshape(2, 3))
    # Ranks 0 and 1, and a zero-size array: the "()", "(3,)" and "(0, 3)"
    # shape spellings.
    np.save(path("f8_scalar.npy"), np.array(2.5))
    np.save(path("i2_vector.npy"), np.array([-2, 0, 7], dtype="<i2"))
    np.save(path("f4_empty.npy"), np.zeros((0, 3), dtype=np.float32))

    # Big-endian data, converted on read.
    np.save(path("f4_big.npy"), (base() * 0.5 - 1).astype(">f4"))
    np.save(path("i4_big.npy"), (base() - 2).astype(">i4"))

    # bf16 as NumPy writes ml_dtypes' bfloat16 without ml_dtypes: the raw
    # 16-bit patterns as void. 0x3F80 = 1.0, 0xC000 = -2.0, 0x3F00 = 0.5.
    bits = np.array([0x3F80, 0xC000, 0x3F00, 0x0000], dtype="<u2")
    np.save(path("bf16.npy"), bits.view("V2"))

    # Header versions 2.0 and 3.0 (4-byte header length).
    for version in [(2, 0), (3, 0)]:
        name = "f4_v%d.npy" % version[0]
        with open(path(name), "wb") as f:
            np.lib.format.write_array(
                f, (base() * 0.5 - 1).astype("<f4"), version=version)

    # Rejected: Fortran order and an unsupported dtype.
    np.save(path("fortran.npy"),
            np.asfortranarray((base() * 0.5 - 1).astype("<f4")))
    np.save(path("complex.npy"), np.arange(3, dtype=np.complex64))

    # Archives: stored and deflated members, in this order.
    arrays = {
        "weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        "bias": np.arange(4, dtype=np.int64) - 1,
        "flag": np.array(True),
    }
    np.savez(path("savez.npz"), **arrays)
    np.savez_compressed(path("savez_compressed.npz"), **arrays)

    write_safetensors()


def write_safetensors():
    # The safetensors package is not installed: the format by hand, as the
    # reference implementation lays it out (header padded with spaces to a
    # multiple of 8, tensors contiguous in header order).
    tensors = [
        ("weight", "F32", np.arange(6, dtype="<f4").reshape(2, 3)),
        ("bias", "I64", np.arange(3, dtype="<i8") - 1),
        ("half", "F16", np.array([0.5, -2.0], dtype="<f2")),
        ("flag", "BOOL", np.array([True, False])),
        ("empty", "F32", np.zeros((0, 4), dtype="<f4")),
        ("bytes", "U8", np.array([[1, 2], [3, 250]], dtype=np.uint8)),
    ]
    header = {"__metadata__": {"format": "pt", "source": "gen_inputs.py"}}
    data = b""
    for name, dtype, array in tensors:
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path("model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    main()
