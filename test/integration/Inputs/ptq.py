#!/usr/bin/python3
"""Float models for the PTQ integration tests, and their NumPy reference.

  ptq.py write DIR MODEL
      writes DIR/MODEL.mlir (float weights as constants), DIR/calib.npz (16
      calibration samples, stacked) and DIR/x.npy (a held-out input) for
      MODEL in linear, mlp, convnet
  ptq.py check DIR MODEL SCHEME STATS.json RESULT.npz
      recomputes what quant-quantize + qf-fuse-qdq + the lowering must
      produce for SCHEME, independently, and compares:
        w8a8, w8a8-token (static, dynamic per-token activations) and
          w8a8-pt-away (per-tensor weights, activations and requantization
          rounded half away from zero, as the example backend plugin does):
          the output equals the integer pipeline bit for bit;
        w8, w4 (per channel), w4g8, w3g8 (groups of 8, asymmetric),
          weight-only: the output equals the float model run on the
          dequantized weights to 1e-5 of max |y| (one code off by one moves
          it by about 1e-3);
      and reports the error against the float model, bounded per scheme.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib",
                                "python"))
import qfref  # noqa: E402

MODELS = {
    # name: (input shape, layers); a layer is (kind, params...).
    "linear": ((8, 32), [("linear", 32, 16)]),
    "mlp": ((8, 32), [("linear", 32, 64), ("relu",), ("linear", 64, 16)]),
    "convnet": ((2, 8, 8, 8), [("pad",), ("conv", 8, 8, 1), ("relu",),
                               ("pad",), ("conv", 8, 8, 2), ("relu",),
                               ("flatten",), ("linear", 128, 10)]),
}

# Max |y - y_float| / max |y_float| allowed per scheme (measured values are
# in the test files).
BOUNDS = {"w8a8": 0.03, "w8a8-token": 0.02, "w8a8-pt-away": 0.05, "w8": 0.012, "w4": 0.3,
          "w4g8": 0.14, "w3g8": 0.4}


def weights(model):
    rng = np.random.RandomState(sum(map(ord, model)))
    params = []
    for layer in MODELS[model][1]:
        if layer[0] == "linear":
            k, n = layer[1], layer[2]
            params.append(((rng.randn(k, n) / np.sqrt(k)).astype(np.float32),
                           (rng.randn(n) * 0.1).astype(np.float32)))
        elif layer[0] == "conv":
            c, f = layer[1], layer[2]
            params.append(((rng.randn(3, 3, c, f) / np.sqrt(9 * c))
                           .astype(np.float32),
                           (rng.randn(f) * 0.1).astype(np.float32)))
        else:
            params.append(None)
    return params


def hexconst(a):
    return '"0x' + np.ascontiguousarray(a).tobytes().hex().upper() + '"'


def tensor(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def write(d, model):
    shape, layers = MODELS[model]
    rng = np.random.RandomState(7)
    np.savez(os.path.join(d, "calib.npz"),
             x=rng.randn(16, *shape).astype(np.float32))
    np.save(os.path.join(d, "x.npy"), rng.randn(*shape).astype(np.float32))
    lines, cur, v = [], shape, "%x"
    zero = "%zero"
    for i, (layer, p) in enumerate(zip(layers, weights(model))):
        kind = layer[0]
        if kind in ("linear", "conv"):
            w, b = p
            out = ((cur[0], w.shape[1]) if kind == "linear" else
                   (cur[0], (cur[1] - 3) // layer[3] + 1,
                    (cur[2] - 3) // layer[3] + 1, w.shape[3]))
            lines.append(f"%w{i} = arith.constant dense<{hexconst(w)}> : "
                         f"{tensor(w.shape)}")
            lines.append(f"%b{i} = arith.constant dense<{hexconst(b)}> : "
                         f"{tensor(b.shape)}")
            lines.append(f"%e{i} = tensor.empty() : {tensor(out)}")
            dims = ", ".join(str(d) for d in range(len(out) - 1))
            lines.append(f"%i{i} = linalg.broadcast ins(%b{i} : "
                         f"{tensor(b.shape)}) outs(%e{i} : {tensor(out)}) "
                         f"dimensions = [{dims}]")
            if kind == "linear":
                lines.append(f"%v{i} = linalg.matmul ins({v}, %w{i} : "
                             f"{tensor(cur)}, {tensor(w.shape)}) outs(%i{i} : "
                             f"{tensor(out)}) -> {tensor(out)}")
            else:
                s = layer[3]
                lines.append(
                    f"%v{i} = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1>"
                    f" : tensor<2xi64>, strides = dense<{s}> : tensor<2xi64>}}"
                    f" ins({v}, %w{i} : {tensor(cur)}, {tensor(w.shape)}) "
                    f"outs(%i{i} : {tensor(out)}) -> {tensor(out)}")
            cur = out
        elif kind == "relu":
            n = len(cur)
            ids = ", ".join(f"d{k}" for k in range(n))
            iters = ", ".join(['"parallel"'] * n)
            lines.append(f"%e{i} = tensor.empty() : {tensor(cur)}")
            lines.append(
                f"%v{i} = linalg.generic {{indexing_maps = [affine_map<({ids})"
                f" -> ({ids})>, affine_map<({ids}) -> ({ids})>], "
                f"iterator_types = [{iters}]}} ins({v} : {tensor(cur)}) "
                f"outs(%e{i} : {tensor(cur)}) {{\n"
                f"  ^bb0(%a: f32, %o: f32):\n"
                f"    %r = arith.maximumf %a, {zero} : f32\n"
                f"    linalg.yield %r : f32\n  }} -> {tensor(cur)}")
        elif kind == "pad":
            out = (cur[0], cur[1] + 2, cur[2] + 2, cur[3])
            lines.append(
                f"%v{i} = tensor.pad {v} low[0, 1, 1, 0] high[0, 1, 1, 0] {{\n"
                f"  ^bb0(%p0: index, %p1: index, %p2: index, %p3: index):\n"
                f"    tensor.yield {zero} : f32\n"
                f"  }} : {tensor(cur)} to {tensor(out)}")
            cur = out
        elif kind == "flatten":
            out = (cur[0], int(np.prod(cur[1:])))
            lines.append(f"%v{i} = tensor.collapse_shape {v} [[0], [1, 2, 3]]"
                         f" : {tensor(cur)} into {tensor(out)}")
            cur = out
        v = f"%v{i}"
    body = "\n  ".join(lines)
    with open(os.path.join(d, model + ".mlir"), "w") as f:
        f.write(f"// Generated by ptq.py write DIR {model}.\n"
                f"func.func @main(%x: {tensor(shape)} {{qf.name = \"x\"}}) -> "
                f"({tensor(cur)} {{qf.name = \"y\"}}) {{\n"
                f"  {zero} = arith.constant 0.0 : f32\n  {body}\n"
                f"  return {v} : {tensor(cur)}\n}}\n")


def patches(a):
    """3x3 windows of NHWC `a` (already padded) at stride 1, as
    [N, OH, OW, 3, 3, C]."""
    n, h, w, c = a.shape
    out = np.zeros((n, h - 2, w - 2, 3, 3, c), a.dtype)
    for i in range(3):
        for j in range(3):
            out[:, :, :, i, j, :] = a[:, i:i + h - 2, j:j + w - 2, :]
    return out


def contract(kind, a, w, stride=1):
    """a @ w or a (*) w in a's dtype (int64 codes or float64)."""
    if kind == "linear":
        return a @ w
    p = patches(a)[:, ::stride, ::stride]
    return np.einsum("nhwijc,ijcf->nhwf", p, w)


def forward(model, x, scheme=None, stats=None):
    """The float model (scheme None, float64) or its quantized form."""
    a = np.asarray(x, np.float32)
    obs = 0
    for layer, p in zip(MODELS[model][1], weights(model)):
        kind = layer[0]
        if kind == "relu":
            a = np.maximum(a, 0).astype(a.dtype)
        elif kind == "pad":
            a = np.pad(a, ((0, 0), (1, 1), (1, 1), (0, 0)))
        elif kind == "flatten":
            a = a.reshape(a.shape[0], -1)
        else:
            w, b = p
            stride = layer[3] if kind == "conv" else 1
            axis = w.ndim - 1
            if scheme is None:
                a = contract(kind, a.astype(np.float64), w.astype(np.float64),
                             stride) + b
            elif scheme.startswith("w8a8"):
                per_tensor = scheme == "w8a8-pt-away"
                codes, _, s_w = qfref.quantize_weight(
                    w, 8, True, None if per_tensor else axis)
                if scheme != "w8a8-token":
                    mode = "half_away" if per_tensor else "half_even"
                    a = static_layer(kind, a, codes, s_w, b, stride, stats,
                                     obs, mode)
                else:
                    a = dynamic_layer(kind, a, codes, s_w, b, stride)
            else:
                bits = int(scheme[1])
                group = 8 if "g" in scheme else None
                _, deq, _ = qfref.quantize_weight(
                    w, bits, group is None, axis, w.ndim - 2, group)
                a = (contract(kind, a.astype(np.float64),
                              deq.astype(np.float64), stride) + b)
            obs += 2
    return a


def static_layer(kind, a, codes, s_w, b, stride, stats, obs, mode):
    """Static W8A8: activation from observer `obs`, output to `obs + 1`,
    activations and requantization rounded by `mode`."""
    s_a, z_a = qfref.choose_params(*stats[obs], -128, 127, False)
    qa = qfref.quantize(a, s_a, z_a, -128, 127, mode)
    s_acc = s_a * s_w
    bias = np.rint(b.astype(np.float64) / s_acc).astype(np.int64)
    acc = contract(kind, qa - z_a, codes, stride) + bias
    s_o, z_o = qfref.choose_params(*stats[obs + 1], -128, 127, False)
    return qfref.dequantize(
        qfref.requantize(acc, s_acc, s_o, z_o, mode=mode), s_o, z_o)


def dynamic_layer(kind, a, codes, s_w, b, stride):
    """Dynamic symmetric int8 per token (per image for a convolution)."""
    axes = tuple(range(1, a.ndim)) if kind == "conv" else (a.ndim - 1,)
    absmax = np.abs(a).max(axis=axes, keepdims=True).astype(np.float32)
    s = np.where(absmax == 0, np.float32(1), absmax / np.float32(127))
    qa = np.clip(np.rint(a / s), -127, 127).astype(np.int64)
    acc = contract(kind, qa, codes, stride)
    y = (acc.astype(np.float32) * s_w.astype(np.float32)) * s
    return (b + y).astype(np.float32)


def check(d, model, scheme, stats_file, result):
    x = np.load(os.path.join(d, "x.npy"))
    got = np.load(result)["y"]
    with open(stats_file) as f:
        observers = json.load(f)["observers"]
    stats = {o["id"]: (o["entries"]["min"]["f32"], o["entries"]["max"]["f32"])
             for o in observers}
    y_float = forward(model, x)
    y_ref = forward(model, x, scheme, stats)
    scale = np.abs(y_float).max()
    if scheme.startswith("w8a8"):
        assert got.dtype == np.float32 and np.array_equal(got, y_ref), \
            np.abs(got - y_ref).max()
        how = "bit for bit"
    else:
        diff = np.abs(got - y_ref).max() / scale
        assert diff < 1e-5, diff
        how = "within 1e-5"
    err = np.abs(got - y_float).max() / scale
    assert err < BOUNDS[scheme], (err, BOUNDS[scheme])
    print(f"{model} {scheme}: equal to the NumPy reference {how}; "
          f"error {err:.4f} of max |y| (bound {BOUNDS[scheme]})")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    else:
        check(*sys.argv[2:7])
