#!/usr/bin/python3
"""An ONNX model with batch normalization after every kind of layer, for the
BN-folding test.

  batchnorm.py write DIR
      writes DIR/bn.onnx and DIR/x.npy. The model: Conv 3->4 (3x3, pad 1,
      bias) + BN + Relu, depthwise Conv 4->4 (3x3, pad 1, no bias) + BN,
      Flatten, Gemm 64->5 (transB, bias) + BN. Channel 2 of the first BN and
      channel 0 of the last have zero variance; the BN parameters are far
      from identity (scale up to 3, shifts up to 2, means up to 1).
  batchnorm.py export DIR QAT.npz
      checks quant-prepare-qat's export (scheme w8a8, learnable) against
      NumPy: layer0 (conv1) and layer1 (fc) weights equal the ONNX weights
      (to HWCF / [K, N]) times gamma / sqrt(var + eps) within 1e-6, biases
      equal bias * a + beta - mean * a, weight scales max |w| / 127 per
      output channel, zero points 0, range [-127, 127], LSQ's gradient scale
      1 / sqrt(K * 127); conv1's input scale and zero point come from the
      range of the padded input x (calibrated on x itself).
  batchnorm.py close FLOAT.npz INT.npz BOUND
      the integer model's output is within BOUND of max |float| (over the
      whole output: one per-tensor output scale serves every channel, and
      the zero-variance channel's values dwarf the others').
  batchnorm.py check FLOAT.npz FOLDED.npz
      per output channel, max |folded - float| / max |float| must be
      <= 1e-5 (per channel, so the zero-variance channel's large values do
      not hide the others).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def bn_params(rng, name, c, zero_variance):
    var = rng.uniform(0.05, 2.0, c).astype(np.float32)
    var[zero_variance] = 0.0
    return [
        numpy_helper.from_array(rng.uniform(0.5, 3.0, c).astype(np.float32),
                                name + ".scale"),
        numpy_helper.from_array(rng.uniform(-2, 2, c).astype(np.float32),
                                name + ".B"),
        numpy_helper.from_array(rng.uniform(-1, 1, c).astype(np.float32),
                                name + ".mean"),
        numpy_helper.from_array(var, name + ".var"),
    ]


def bn_node(name, x, y):
    return helper.make_node(
        "BatchNormalization",
        [x, name + ".scale", name + ".B", name + ".mean", name + ".var"], [y],
        name=name, epsilon=1e-5)


def write(out):
    rng = np.random.default_rng(7)
    w = lambda *s: rng.normal(0, 0.5, s).astype(np.float32)  # noqa: E731
    inits = [
        numpy_helper.from_array(w(4, 3, 3, 3), "conv1.w"),
        numpy_helper.from_array(w(4), "conv1.b"),
        numpy_helper.from_array(w(4, 1, 3, 3), "dw.w"),
        numpy_helper.from_array(w(5, 64), "fc.w"),
        numpy_helper.from_array(w(5), "fc.b"),
    ]
    inits += bn_params(rng, "bn1", 4, 2) + bn_params(rng, "bn2", 4, [])
    inits += bn_params(rng, "bn3", 5, 0)
    nodes = [
        helper.make_node("Conv", ["x", "conv1.w", "conv1.b"], ["c1"],
                         name="conv1", pads=[1, 1, 1, 1]),
        bn_node("bn1", "c1", "b1"),
        helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "dw.w"], ["c2"], name="dw",
                         pads=[1, 1, 1, 1], group=4),
        bn_node("bn2", "c2", "b2"),
        helper.make_node("Flatten", ["b2"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["g"], name="fc",
                         transB=1),
        bn_node("bn3", "g", "y"),
    ]
    graph = helper.make_graph(
        nodes, "bn", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                    [2, 3, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, f"{out}/bn.onnx")
    x = rng.normal(0, 1, (2, 3, 4, 4)).astype(np.float32)
    np.save(f"{out}/x.npy", x)
    np.savez(f"{out}/calib.npz", x=x)


def fold(model, layer, bn):
    """The folded weight and bias of `layer` followed by `bn`, from ONNX."""
    t = {i.name: numpy_helper.to_array(i).astype(np.float64)
         for i in model.graph.initializer}
    a = t[bn + ".scale"] / np.sqrt(t[bn + ".var"] + 1e-5)
    shift = t[bn + ".B"] - t[bn + ".mean"] * a
    if layer == "conv1":
        w = t["conv1.w"].transpose(2, 3, 1, 0)  # FCHW -> HWCF
        bias = t["conv1.b"]
    else:
        w = t["fc.w"].T  # Gemm transB: [N, K] -> [K, N]
        bias = t["fc.b"]
    return w * a, bias * a + shift


def export(out, path):
    model = onnx.load(f"{out}/bn.onnx")
    z = np.load(path)
    x = np.load(f"{out}/x.npy").astype(np.float64)
    for key, layer, bn in (("layer0", "conv1", "bn1"), ("layer1", "fc", "bn3")):
        w, bias = fold(model, layer, bn)
        got = z[key + ".weight"]
        assert np.abs(got - w).max() <= 1e-6 * np.abs(w).max(), key
        assert np.abs(z[key + ".bias"] - bias).max() <= 1e-6 * np.abs(bias).max()
        k = w.size // w.shape[-1]
        scale = np.abs(w.reshape(k, -1)).max(axis=0) / 127
        assert np.allclose(z[key + ".weight.scale"], scale, rtol=1e-6), key
        assert (z[key + ".weight.zero_point"] == 0).all()
        assert list(z[key + ".weight.qrange"]) == [-127, 127]
        assert int(z[key + ".weight.axis"]) == w.ndim - 1
        assert np.isclose(z[key + ".weight.grad_scale"], 1 / np.sqrt(k * 127))
    # conv1 reads x padded with zeros: the range always holds 0.
    lo, hi = min(x.min(), 0.0), max(x.max(), 0.0)
    scale = (hi - lo) / 255
    zp = int(np.clip(np.rint(-128 - lo / scale), -128, 127))
    assert np.isclose(z["layer0.input.scale"], scale, rtol=1e-6)
    assert int(z["layer0.input.zero_point"]) == zp
    print(f"export equals NumPy: {len(z.files)} arrays")


def close(float_path, int_path, bound):
    a, b = np.load(float_path), np.load(int_path)
    (key,) = a.files
    ref, got = a[key].astype(np.float64), b[key].astype(np.float64)
    rel = np.abs(got - ref).max() / np.abs(ref).max()
    print(f"integer vs float: max relative difference {rel:.4f}")
    if not rel <= float(bound):
        sys.exit(f"above {bound}")


def check(float_path, folded_path):
    a = np.load(float_path)
    b = np.load(folded_path)
    (key,) = a.files
    ref, got = a[key].astype(np.float64), b[key].astype(np.float64)
    rel = (np.abs(got - ref).max(axis=0) / np.abs(ref).max(axis=0)).max()
    print(f"folded vs float: max relative difference {rel:.2e}")
    if not rel <= 1e-5:
        sys.exit("batch-norm folding changed the float outputs")
    print("within 1e-5")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "export":
        export(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "close":
        close(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        check(sys.argv[2], sys.argv[3])
