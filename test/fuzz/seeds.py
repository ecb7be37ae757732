"""Writes the seed corpora under test/fuzz/corpus/: small valid inputs of
every kind each reader takes, and the hostile ones the readers must refuse.

  /usr/bin/python3 test/fuzz/seeds.py [--qf-opt build/bin/qf-opt]

With --qf-opt, the mlir-bytecode corpus is written too: the bytecode of each
mlir seed that verifies (qf-opt --emit-bytecode), plus the hostile bytecode
the tools' tests use.

The output is deterministic; inputs libFuzzer found that were worth keeping
(crashes made regression tests) are added to the same folders by hand
with a name that says what they found.
"""
import argparse
import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def put(kind, name, data):
    os.makedirs(os.path.join(CORPUS, kind), exist_ok=True)
    with open(os.path.join(CORPUS, kind, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def npy_header(header, data=b"", version=1):
    """A raw .npy image with the given header text (padded as NumPy does)."""
    text = header.encode()
    prefix = 10 if version == 1 else 12
    pad = (-(prefix + len(text) + 1)) % 64
    text += b" " * pad + b"\n"
    size = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + data


def npy_seeds():
    rng = np.random.default_rng(0)
    arrays = {
        "f32-2x3": rng.standard_normal((2, 3)).astype(np.float32),
        "f16-4": rng.standard_normal(4).astype(np.float16),
        "f64-scalar": np.array(1.5),
        "i8-3x2": np.arange(-3, 3, dtype=np.int8).reshape(3, 2),
        "u8-5": np.arange(5, dtype=np.uint8),
        "i32-2x2x2": np.arange(8, dtype=np.int32).reshape(2, 2, 2),
        "i64-3": np.array([1, -2, 3], np.int64),
        "bool-4": np.array([True, False, True, True]),
        "f32-empty-0x3": np.zeros((0, 3), np.float32),
        "f32-big-endian": np.arange(4, dtype=">f4"),
        "f32-nan-inf": np.array([np.nan, np.inf, -np.inf, -0.0], np.float32),
    }
    for name, a in arrays.items():
        put("npy", name + ".npy", npy(a))
    put("npy", "v2-header.npy",
        npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                   np.ones(2, np.float32).tobytes(), version=2))
    hostile = {
        "shape-1e12": "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }",
        "shape-negative": "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }",
        "shape-overflow": "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
        "fortran": "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
        "bad-descr": "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
        "dup-key": "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
        "unterminated": "{'descr': '<f4', 'fortran_order': False, 'shape': (1,",
    }
    for name, header in hostile.items():
        put("npy", name + ".npy", npy_header(header, b"\0" * 8))
    good = npy(np.ones(4, np.float32))
    put("npy", "truncated-data.npy", good[:-3])
    put("npy", "trailing-data.npy", good + b"xx")
    # The header length field claims more than the file has.
    put("npy", "header-longer-than-file.npy", good[:8] + struct.pack("<H", 60000) + good[10:80])


def member(name):
    """A zip member with a fixed date, so the seeds do not change."""
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))


def npz_seeds():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = np.arange(6, dtype=np.int8)
    for name, compressed in (("stored", False), ("deflated", True)):
        buf = io.BytesIO()
        (np.savez_compressed if compressed else np.savez)(buf, a=a, b=b)
        put("npz", name + ".npz", buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf)
    put("npz", "empty.npz", buf.getvalue())
    data = open(os.path.join(CORPUS, "npz", "stored.npz"), "rb").read()
    put("npz", "truncated.npz", data[: len(data) // 2])
    # A member whose sizes claim far more than the archive holds.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member("x.npy"), npy(np.ones(2, np.float32)))
    raw = bytearray(buf.getvalue())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 20:central + 28] = struct.pack("<II", 0x7FFFFFF0, 0x7FFFFFF0)
    put("npz", "member-size-lies.npz", bytes(raw))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member("x.txt"), b"not an array")
    put("npz", "not-npy-member.npz", buf.getvalue())


def safetensors(tensors, metadata=None, header_override=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header_override if header_override is not None else header)
    text = text.encode()
    text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def safetensors_seeds():
    f32 = np.arange(6, dtype=np.float32).tobytes()
    put("safetensors", "two.safetensors",
        safetensors({"w": ("F32", [2, 3], f32), "b": ("I8", [4], b"\1\2\3\4")},
                    {"format": "pt"}))
    put("safetensors", "bf16.safetensors",
        safetensors({"h": ("BF16", [2], b"\0\x3f\0\x40"), "f": ("F16", [1], b"\0\x3c")}))
    put("safetensors", "empty.safetensors", safetensors({}))
    put("safetensors", "shape-1e12.safetensors", safetensors({}, header_override={
        "w": {"dtype": "F32", "shape": [1000000, 1000000], "data_offsets": [0, 8]}}) + b"\0" * 8)
    put("safetensors", "shape-negative.safetensors", safetensors({}, header_override={
        "w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}) + b"\0" * 8)
    put("safetensors", "overlap.safetensors", safetensors({}, header_override={
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}) + b"\0" * 12)
    put("safetensors", "header-longer-than-file.safetensors",
        struct.pack("<Q", 1 << 40) + b"{}")
    put("safetensors", "not-json.safetensors", struct.pack("<Q", 8) + b"{\"a\": [ ")


def onnx_model(nodes, inputs, outputs, inits=(), name="g", opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              [numpy_helper.from_array(v, n) for n, v in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def raw_tensor(name, dims, raw):
    """A float tensor with any dims and raw data (make_tensor checks sizes)."""
    t = TensorProto()
    t.name, t.data_type, t.raw_data = name, TensorProto.FLOAT, raw
    t.dims.extend(dims)
    return t


def onnx_seeds():
    F32 = TensorProto.FLOAT
    x = helper.make_tensor_value_info("x", F32, [1, 4])
    y = helper.make_tensor_value_info("y", F32, None)
    rng = np.random.default_rng(2)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    models = {
        "relu": onnx_model([helper.make_node("Relu", ["x"], ["y"])], [x], [y]),
        "matmul-add": onnx_model(
            [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Add", ["m", "b"], ["y"])], [x], [y],
            [("w", w), ("b", np.ones(3, np.float32))]),
        "gemm-softmax": onnx_model(
            [helper.make_node("Gemm", ["x", "w"], ["g"], transB=0),
             helper.make_node("Softmax", ["g"], ["y"], axis=-1)], [x], [y], [("w", w)]),
        "qdq": onnx_model(
            [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"])], [x], [y],
            [("s", np.array(0.1, np.float32)), ("z", np.array(3, np.uint8))]),
        "conv-pool": onnx_model(
            [helper.make_node("Conv", ["i", "k"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["y"])],
            [helper.make_tensor_value_info("i", F32, [1, 1, 4, 4])], [y],
            [("k", rng.standard_normal((2, 1, 3, 3)).astype(np.float32))]),
        "reshape-transpose": onnx_model(
            [helper.make_node("Reshape", ["x", "s"], ["r"]),
             helper.make_node("Transpose", ["r"], ["y"], perm=[1, 0])], [x], [y],
            [("s", np.array([2, 2], np.int64))]),
        # Integer constants are cast at import (a shape computation).
        "cast-shape": onnx_model(
            [helper.make_node("Cast", ["s"], ["c"], to=TensorProto.INT64),
             helper.make_node("Reshape", ["x", "c"], ["y"])], [x], [y],
            [("s", np.array([2, 2], np.int32))]),
        # A node reads its own output: a cycle.
        "cyclic": onnx_model([helper.make_node("Add", ["x", "y"], ["y"])], [x], [y]),
        # Two nodes read each other's output.
        "cyclic-pair": onnx_model([helper.make_node("Relu", ["b"], ["a"]),
                                   helper.make_node("Relu", ["a"], ["b"]),
                                   helper.make_node("Relu", ["b"], ["y"])], [x], [y]),
        "dangling-input": onnx_model([helper.make_node("Relu", ["nowhere"], ["y"])], [x], [y]),
        "dangling-output": onnx_model([helper.make_node("Relu", ["x"], ["z"])], [x], [y]),
    }
    big = raw_tensor("w", [1000000, 1000000], b"\0" * 16)
    models["initializer-1e12"] = helper.make_model(
        helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g", [x], [y], [big]),
        opset_imports=[helper.make_opsetid("", 17)])
    neg = raw_tensor("w", [4, -3], b"\0" * 16)
    models["initializer-negative-shape"] = helper.make_model(
        helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g", [x], [y], [neg]),
        opset_imports=[helper.make_opsetid("", 17)])
    models["input-negative-shape"] = onnx_model(
        [helper.make_node("Relu", ["x"], ["y"])],
        [helper.make_tensor_value_info("x", F32, [2, -5])], [y])
    for name, m in models.items():
        put("onnx", name + ".onnx", m.SerializeToString())
    good = models["matmul-add"].SerializeToString()
    put("onnx", "truncated.onnx", good[: len(good) // 2])


def external_tensor(name, array, location="data.bin", offset=0, length=None):
    """An initializer whose bytes are in an external data file."""
    t = numpy_helper.from_array(array, name)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    fields = [("location", location), ("offset", str(offset))]
    if length is not None:
        fields.append(("length", str(length)))
    for key, value in fields:
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    return t


def onnx_external_seeds():
    """Inputs of qf-fuzz-onnx-external: a little-endian u32 length, that many
    bytes of model, and the rest the file 'data.bin' its tensors refer to."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    b = np.ones(3, np.float32)
    data = b"\0" * 8 + w.tobytes() + b.tobytes()

    def case(name, inits, payload=data):
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Add", ["m", "b"], ["y"])], "g", [x], [y], inits)
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
        put("onnx-external", name, struct.pack("<I", len(model)) + model + payload)

    good = [external_tensor("w", w, offset=8, length=w.nbytes),
            external_tensor("b", b, offset=8 + w.nbytes)]
    case("valid", good)
    case("truncated-data", good, data[:20])
    case("offset-past-end", [good[0], external_tensor("b", b, offset=len(data))])
    case("offset-wraps", [external_tensor("w", w, offset=2**64 - 4), good[1]])
    case("length-mismatch", [external_tensor("w", w, offset=8, length=4), good[1]])
    case("escapes-directory", [external_tensor("w", w, location="../data.bin"), good[1]])
    case("absolute-location", [external_tensor("w", w, location="/etc/passwd"), good[1]])
    case("unknown-file", [external_tensor("w", w, location="other.bin"), good[1]])


def mlir_seeds():
    sources = ["test/dialects/QF/ops.mlir", "test/dialects/QF/canonicalize.mlir",
               "test/dialects/QF/invalid.mlir", "test/passes/qf-fuse-qdq.mlir",
               "test/passes/quant-quantize.mlir", "test/passes/qf-insert-observers.mlir",
               "test/passes/qf-raise-quant-casts.mlir"]
    for source in sources:
        text = open(os.path.join(ROOT, source)).read()
        stem = os.path.splitext(os.path.basename(source))[0]
        for i, piece in enumerate(re.split(r"^// -----$", text, flags=re.M)):
            # Comments (RUN and CHECK lines) teach the fuzzer nothing.
            body = "\n".join(l for l in piece.splitlines()
                             if not l.lstrip().startswith("//")).strip() + "\n"
            if body.strip():
                put("mlir", "%s-%02d.mlir" % (stem, i), body)
    # Whole models with linalg, one of them invalid, and the text on which
    # MLIR 22's linalg parser crashes (the tools recover and refuse it).
    for source, name in [
            ("test/passes/Inputs/calibration/mlp.mlir", "linalg-mlp.mlir"),
            ("test/tools/Inputs/does-not-verify.mlir", "linalg-does-not-verify.mlir"),
            ("test/tools/Inputs/upstream-linalg-broadcast-crash.mlir",
             "crash-linalg-broadcast-dimensions.mlir")]:
        put("mlir", name, open(os.path.join(ROOT, source), "rb").read())


def mlir_bytecode_seeds(qf_opt):
    """The bytecode of each mlir seed qf-opt reads and verifies."""
    folder = os.path.join(CORPUS, "mlir")
    for name in sorted(os.listdir(folder)):
        result = subprocess.run([qf_opt, "--emit-bytecode", "--skip-weights",
                                 os.path.join(folder, name)],
                                capture_output=True)
        if result.returncode == 0:
            put("mlir-bytecode", os.path.splitext(name)[0] + ".mlirbc",
                result.stdout)
    put("mlir-bytecode", "crash-oversized-count.mlirbc",
        open(os.path.join(ROOT, "test/tools/qf-opt/Inputs/oversized-count.mlirbc"),
             "rb").read())


def recipe_seeds():
    for name in sorted(os.listdir(os.path.join(ROOT, "examples", "recipes"))):
        put("recipe", name, open(os.path.join(ROOT, "examples", "recipes", name), "rb").read())
    put("recipe", "minimal.yaml", "name: m\nquantize: scheme=w8a8\n")
    put("recipe", "full.yaml",
        "name: f\ndescription: d\ncalibrate: true\ncalibrate-options: method=percentile\n"
        "prepare: \"quant-smoothquant{alpha=0.5}\"\nrecalibrate: true\n"
        "quantize: scheme=w8a8 symmetric=true\nfuse: true\n")
    put("recipe", "bad-bool.yaml", "name: b\nquantize: x\nfuse: maybe\n")
    put("recipe", "missing-quantize.yaml", "name: b\n")
    put("recipe", "unknown-key.yaml", "name: b\nquantize: scheme=w8a8\nspeed: fast\n")
    put("recipe", "bad-pipeline.yaml", "name: b\nprepare: \"quant-smoothquant{alpha=\"\nquantize: scheme=w8a8\n")
    put("recipe", "recalibrate-alone.yaml", "name: b\nrecalibrate: true\nquantize: scheme=w8a8\n")
    put("recipe", "not-a-map.yaml", "- a\n- b\n")


def plugin_api_version():
    """QF_BACKEND_PLUGIN_API_VERSION, as plugins/api/PluginABI.h defines it."""
    with open(os.path.join(ROOT, "plugins", "api", "PluginABI.h")) as f:
        return int(re.search(r"#define QF_BACKEND_PLUGIN_API_VERSION (\d+)",
                             f.read()).group(1))


def plugin_seeds():
    def info(version, flags, name=b"fuzz", ver=b"1.0"):
        return struct.pack("<I", version) + bytes([flags]) + name + b"\0" + ver
    v = plugin_api_version()
    put("plugin", "valid", info(v, 0))
    put("plugin", "other-version", info(v - 1, 0))
    put("plugin", "future-version", info(0xFFFFFFFF, 0))
    put("plugin", "null-name", info(v, 1))
    put("plugin", "empty-name", info(v, 0, name=b""))
    put("plugin", "null-version", info(v, 2))
    put("plugin", "null-callback", info(v, 4))
    put("plugin", "registers-nothing", info(v, 8))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qf-opt", help="qf-opt, to write the bytecode seeds")
    args = parser.parse_args()
    npy_seeds()
    npz_seeds()
    safetensors_seeds()
    onnx_seeds()
    onnx_external_seeds()
    mlir_seeds()
    recipe_seeds()
    plugin_seeds()
    if args.qf_opt:
        mlir_bytecode_seeds(args.qf_opt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
