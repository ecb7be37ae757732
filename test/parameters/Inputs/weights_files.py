"""Models whose weights live in files beside the IR, for weights-file.test.

    weights_files.py model DIR
        DIR/model.onnx with its weights in DIR/weights.bin (ONNX external
        data): y = relu(x @ W1 + b) @ W2, W1 [64, 96] and W2 [96, 32] f32
        (24 and 12 KiB: parameters), b [96] (inline); DIR/x.npy [4, 64] and
        DIR/y.npy, the output computed here in float64.
    weights_files.py read FILE.safetensors NAME EXPECTED.npy
        checks, with this script's own reader, that tensor NAME of FILE
        equals EXPECTED (dtype, shape and bytes); prints "NAME: equal".
    weights_files.py write FILE.safetensors CASE [SOURCE.safetensors]
        a broken copy of SOURCE (default DIR/model.safetensors, DIR being
        FILE's directory): CASE is f16 (W1 stored as float16), shape (W1 as
        [96, 64]), missing (no W1), drop:NAME (no tensor NAME), truncated
        (the file cut short) or garbage (not safetensors).
    weights_files.py compare A.npz NAME B.npy
        prints the largest relative error of A[NAME] against B.
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DTYPES = {"F32": np.float32, "F16": np.float16, "I8": np.int8, "U8": np.uint8,
          "I32": np.int32, "I64": np.int64, "F64": np.float64}


def external(name, array, f):
    t = numpy_helper.from_array(array, name)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    offset = f.tell()
    f.write(array.tobytes())
    for key, value in (("location", "weights.bin"), ("offset", str(offset)),
                       ("length", str(array.nbytes))):
        e = t.external_data.add()
        e.key, e.value = key, value
    return t


def model(root):
    rng = np.random.default_rng(7)
    w1 = rng.standard_normal((64, 96)).astype(np.float32) / 8
    w2 = rng.standard_normal((96, 32)).astype(np.float32) / 10
    b = rng.standard_normal(96).astype(np.float32) / 4
    x = rng.standard_normal((4, 64)).astype(np.float32)
    with open(os.path.join(root, "weights.bin"), "wb") as f:
        inits = [external("W1", w1, f), external("W2", w2, f),
                 numpy_helper.from_array(b, "b")]
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h"], name="fc1"),
             helper.make_node("Add", ["h", "b"], ["hb"], name="bias"),
             helper.make_node("Relu", ["hb"], ["r"], name="relu"),
             helper.make_node("MatMul", ["r", "W2"], ["y"], name="fc2")]
    graph = helper.make_graph(
        nodes, "weights",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 32])],
        inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save_model(m, os.path.join(root, "model.onnx"))
    np.save(os.path.join(root, "x.npy"), x)
    np.save(os.path.join(root, "W1.npy"), w1)
    y = np.maximum(x.astype(np.float64) @ w1 + b, 0) @ w2
    np.save(os.path.join(root, "y.npy"), y)


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(
            body[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    names = {np.dtype(v): k for k, v in DTYPES.items()}
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": names[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    cmd = sys.argv[1]
    if cmd == "model":
        model(sys.argv[2])
    elif cmd == "read":
        tensors = read_safetensors(sys.argv[2])
        got, want = tensors[sys.argv[3]], np.load(sys.argv[4])
        assert got.dtype == want.dtype and got.shape == want.shape, \
            (got.dtype, got.shape, want.dtype, want.shape)
        assert got.tobytes() == want.tobytes()
        print(sys.argv[3] + ": equal")
    elif cmd == "write":
        path, case = sys.argv[2], sys.argv[3]
        good = (sys.argv[4] if len(sys.argv) > 4 else
                os.path.join(os.path.dirname(path), "model.safetensors"))
        tensors = dict(read_safetensors(good))
        if case == "f16":
            tensors["W1"] = tensors["W1"].astype(np.float16)
        elif case == "shape":
            tensors["W1"] = tensors["W1"].reshape(96, 64)
        elif case == "missing":
            del tensors["W1"]
        elif case.startswith("drop:"):
            del tensors[case[len("drop:"):]]
        if case == "garbage":
            open(path, "wb").write(b"not a safetensors file")
        elif case == "truncated":
            data = open(good, "rb").read()
            open(path, "wb").write(data[:len(data) - 100])
        else:
            write_safetensors(path, tensors)
    elif cmd == "compare":
        a = np.load(sys.argv[2])[sys.argv[3]].astype(np.float64)
        b = np.load(sys.argv[4])
        print("max relative error %.1e" % (np.abs(a - b).max() / np.abs(b).max()))


if __name__ == "__main__":
    main()
