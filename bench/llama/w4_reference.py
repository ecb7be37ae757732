"""The compiled W4 model against PyTorch on the weights its files describe.

    w4_reference.py MODEL.onnx W4.mlir TOKENS.npy OURS.npz

Reads W4.mlir and W4.safetensors beside it without QuantForge's code: each
packed 4-bit weight (a `dense_resource` of bytes, unpacked by `qf.unpack` to
a `!qf.quant_ref` type) is decoded here from the safetensors bytes (low
nibble first, two's complement), its scales and zero points from the
`quantN.scales` / `quantN.zero_points` tensors, and dequantized as
`(q - zero_point) * scale` per block. The Llama of `examples/llama/llama.py`
gets those weights (the others from MODEL.onnx's external data), runs the
tokens in float32, and its logits are compared with OURS.npz's: the
difference is the compiler's, not the quantization's.
"""
import json
import os
import re
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "examples", "llama"))
import llama  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64, "I8": np.int8, "U8": np.uint8,
          "I32": np.int32, "I64": np.int64, "F16": np.float16}

CONSTANT = re.compile(
    r'(%\S+) = arith\.constant dense_resource<"?([^">]+)"?> : '
    r'tensor<(\d+)x(\d+)xi8>')
UNPACK = re.compile(
    r'= qf\.unpack (%\S+) : tensor<\d+x\d+xi8> -> tensor<(\d+)x(\d+)x'
    r'!qf\.quant_ref<"(quant\d+)", i4, f32, (\d+), (-?\d+), (-?\d+), '
    r'\[([\d, ]*)\], \[([\d, ]*)\]>>')


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    return {name: data[e["data_offsets"][0]:e["data_offsets"][1]]
            .view(DTYPES[e["dtype"]]).reshape(e["shape"])
            for name, e in header.items()}


def ints(text):
    return [int(v) for v in text.split(",") if v.strip()]


def dequantize(packed, k, n, signed, scales, zero_points, dims, blocks):
    low = (packed & 0x0F).astype(np.int8)
    high = (packed >> 4).astype(np.int8)
    q = np.empty((k, n), np.int8)
    q[:, 0::2], q[:, 1::2] = low, high
    if signed:
        q = np.where(q >= 8, q - 16, q).astype(np.int8)
    if not blocks:  # per axis: one scale per index of dims[0]
        shape = [1, 1]
        shape[dims[0]] = -1
        s = scales.reshape(shape).astype(np.float32)
        z = zero_points.reshape(shape).astype(np.float32)
    else:
        block = [1, 1]
        for d, b in zip(dims, blocks):
            block[d] = b
        s = np.repeat(np.repeat(scales, block[0], 0), block[1], 1)
        z = np.repeat(np.repeat(zero_points, block[0], 0), block[1], 1)
        s, z = s.astype(np.float32), z.astype(np.float32)
    return (q.astype(np.float32) - z) * s


def main():
    model_path, mlir_path, tokens_path, ours_path = sys.argv[1:5]
    tensors = read_safetensors(os.path.splitext(mlir_path)[0] + ".safetensors")
    constants, weights = {}, {}
    for line in open(mlir_path):
        if m := CONSTANT.search(line):
            constants[m.group(1)] = m.group(2)
        elif m := UNPACK.search(line):
            ssa, k, n, ref, flags, _, _, dims, blocks = m.groups()
            name = constants[ssa]  # "/layers.0/attn/wq/MatMul"
            param = name.strip("/").rsplit("/", 1)[0].replace("/", ".") + ".weight"
            weights[param] = dequantize(
                np.asarray(tensors[name]), int(k), int(n), int(flags) & 1,
                np.asarray(tensors[ref + ".scales"]),
                np.asarray(tensors[ref + ".zero_points"]), ints(dims),
                ints(blocks))
    config, _, onnx_weights = llama.load_onnx_weights(model_path)
    model = llama.Llama(llama.CONFIGS[config["name"]]).eval()
    linears = {name + ".weight" for name, module in model.named_modules()
               if isinstance(module, llama.Linear)}
    if set(weights) != linears:
        sys.exit(f"{mlir_path}: the packed 4-bit weights found ({len(weights)}) "
                 f"are not the model's {len(linears)} linear layers")
    for key, value in model.state_dict().items():
        source = weights.get(key)
        if source is None:
            source = onnx_weights[key]
        value.numpy()[...] = source
    tokens = np.load(tokens_path)
    with torch.no_grad():
        want = model(torch.from_numpy(tokens)).numpy().astype(np.float64)
    got = np.load(ours_path)["logits"].astype(np.float64)
    rel = np.linalg.norm(got - want) / np.linalg.norm(want)
    print(f"{len(weights)} dequantized weights; compiled W4 logits against "
          f"PyTorch on the same weights: relative error {rel:.2e}, max |diff| / "
          f"max |logit| {np.abs(got - want).max() / np.abs(want).max():.2e}")


if __name__ == "__main__":
    main()
