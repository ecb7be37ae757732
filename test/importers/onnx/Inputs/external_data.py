"""ONNX models whose initializers live in an external data file, and broken
variants of them, for external-data.test.

    external_data.py write DIR

writes DIR/good/model.onnx with DIR/good/weights.bin (y = x @ W + b, W and b
external, W at a non-zero offset), DIR/expected.txt (W and b as the importer
must print them), and one directory per broken case, each a copy of the
good one with one thing wrong.
"""
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

W = (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 4
B = np.array([0.5, -1.0, 2.0, 0.25], dtype=np.float32)


def external(name, array, location, offset):
    t = numpy_helper.from_array(array, name)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", str(offset)),
                       ("length", str(array.nbytes))):
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    return t


def model(w, b):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])
    nodes = [helper.make_node("MatMul", ["x", "W"], ["xw"], name="matmul"),
             helper.make_node("Add", ["xw", "b"], ["y"], name="add")]
    graph = helper.make_graph(nodes, "external", [x], [y], [w, b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def write_case(root, name, m, data):
    os.makedirs(os.path.join(root, name), exist_ok=True)
    onnx.save_model(m, os.path.join(root, name, "model.onnx"))
    if data is not None:
        with open(os.path.join(root, name, "weights.bin"), "wb") as f:
            f.write(data)


def entry(t, key, value):
    for e in t.external_data:
        if e.key == key:
            e.value = value
            return
    e = t.external_data.add()
    e.key, e.value = key, value


def main():
    root = sys.argv[2]
    # 16 bytes of padding before W: offsets are honoured.
    data = b"\x7f" * 16 + W.tobytes() + B.tobytes()
    w = external("W", W, "weights.bin", 16)
    b = external("b", B, "weights.bin", 16 + W.nbytes)
    write_case(root, "good", model(w, b), data)
    with open(os.path.join(root, "expected.txt"), "w") as f:
        f.write("W " + " ".join(repr(float(v)) for v in W.flat) + "\n")
        f.write("b " + " ".join(repr(float(v)) for v in B.flat) + "\n")

    def broken(name, edit, payload=data):
        w2, b2 = TensorProto(), TensorProto()
        w2.CopyFrom(w)
        b2.CopyFrom(b)
        edit(w2, b2)
        write_case(root, name, model(w2, b2), payload)

    broken("missing", lambda w2, b2: None, payload=None)
    broken("truncated", lambda w2, b2: None, payload=data[:40])
    broken("offset", lambda w2, b2: entry(b2, "offset", str(len(data) - 8)))
    broken("huge-offset", lambda w2, b2: entry(w2, "offset", str(2**64 - 8)))
    broken("length", lambda w2, b2: entry(w2, "length", "44"))
    broken("escape", lambda w2, b2: entry(w2, "location", "../good/weights.bin"))
    broken("absolute", lambda w2, b2: entry(w2, "location", "/etc/hostname"))
    broken("no-location", lambda w2, b2: w2.external_data.remove(
        [e for e in w2.external_data if e.key == "location"][0]))
    broken("bad-number", lambda w2, b2: entry(w2, "offset", "-4"))


if __name__ == "__main__":
    main()
