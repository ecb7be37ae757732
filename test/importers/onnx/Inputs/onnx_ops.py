"""Per-operator ONNX import cases, each with a NumPy reference.

  onnx_ops.py write DIR          DIR/CASE.onnx and DIR/CASE.npz (inputs) for
                                 every case; prints the case names
  onnx_ops.py check DIR CASE OUT.npz
                                 compares qf-run's outputs with the
                                 reference; prints one verdict line

Every case is a one- or few-node graph built with onnx.helper; the
reference is written here in NumPy, independently of the importer. Floats
must agree within 1e-5 (relative to the output's magnitude), integers
exactly.
"""
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT
I64 = TensorProto.INT64
RNG = np.random.default_rng(3)
CASES = {}


def case(name):
    def register(fn):
        CASES[name] = fn
        return fn
    return register


def rand(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, size=shape).astype(np.float32)


def model(nodes, inputs, outputs, inits=(), opset=17):
    """inputs/outputs: [(name, array or (elem, shape))]."""
    def info(name, value):
        if isinstance(value, np.ndarray):
            elem = helper.np_dtype_to_tensor_dtype(value.dtype) if hasattr(
                helper, "np_dtype_to_tensor_dtype") else \
                onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[value.dtype]
            return helper.make_tensor_value_info(name, elem, value.shape)
        return helper.make_tensor_value_info(name, value[0], value[1])
    graph = helper.make_graph(
        nodes, "case", [info(n, v) for n, v in inputs],
        [info(n, v) for n, v in outputs],
        [numpy_helper.from_array(v, n) for n, v in inits])
    return helper.make_model(graph,
                             opset_imports=[helper.make_opsetid("", opset)])


def unary_case(name, op, fn, x=None, **attrs):
    x = rand(2, 3, 4) if x is None else x
    y = fn(x).astype(np.float32)
    node = helper.make_node(op, ["x"], ["y"], **attrs)
    return model([node], [("x", x)], [("y", y)]), {"x": x}, {"y": y}


# Elementwise ----------------------------------------------------------------

def binary(op, fn, a_shape, b_shape, positive_b=False):
    a = rand(*a_shape)
    b = rand(*b_shape, lo=0.5 if positive_b else -2.0)
    y = fn(a, b).astype(np.float32)
    node = helper.make_node(op, ["a", "b"], ["y"])
    return model([node], [("a", a), ("b", b)], [("y", y)]), {"a": a, "b": b}, {"y": y}


case("add_broadcast")(lambda: binary("Add", np.add, (2, 3, 4), (4,)))
case("sub_broadcast")(lambda: binary("Sub", np.subtract, (2, 3, 4), (3, 1)))
case("mul_broadcast")(lambda: binary("Mul", np.multiply, (2, 1, 4), (3, 1)))
case("div")(lambda: binary("Div", np.divide, (2, 3), (2, 3), positive_b=True))
@case("pow_general")
def _():
    a = rand(2, 3, lo=0.5, hi=2.0)
    b = rand(2, 3)
    y = np.power(a, b).astype(np.float32)
    node = helper.make_node("Pow", ["a", "b"], ["y"])
    return model([node], [("a", a), ("b", b)], [("y", y)]), {"a": a, "b": b}, {"y": y}


@case("pow_square")
def _():
    x = rand(2, 5)
    two = np.array(2.0, dtype=np.float32)
    node = helper.make_node("Pow", ["x", "two"], ["y"])
    y = x * x
    return model([node], [("x", x)], [("y", y)], [("two", two)]), {"x": x}, {"y": y}


case("sqrt")(lambda: unary_case("sqrt", "Sqrt", np.sqrt, rand(3, 4, lo=0.1)))
case("reciprocal")(lambda: unary_case("r", "Reciprocal", lambda x: 1 / x,
                                      rand(3, 4, lo=0.5)))
case("neg")(lambda: unary_case("neg", "Neg", np.negative))
case("exp")(lambda: unary_case("exp", "Exp", np.exp))
case("log")(lambda: unary_case("log", "Log", np.log, rand(3, 4, lo=0.1)))
case("erf")(lambda: unary_case("erf", "Erf", np.vectorize(math.erf)))
case("tanh")(lambda: unary_case("tanh", "Tanh", np.tanh))
case("sin")(lambda: unary_case("sin", "Sin", np.sin, rand(3, 4, lo=-7, hi=7)))
case("cos")(lambda: unary_case("cos", "Cos", np.cos, rand(3, 4, lo=-7, hi=7)))
case("relu")(lambda: unary_case("relu", "Relu", lambda x: np.maximum(x, 0)))
case("sigmoid")(lambda: unary_case("sig", "Sigmoid", lambda x: 1 / (1 + np.exp(-x))))
case("hardsigmoid")(lambda: unary_case(
    "hs", "HardSigmoid", lambda x: np.clip(0.3 * x + 0.4, 0, 1),
    alpha=0.3, beta=0.4))
case("hardswish")(lambda: unary_case(
    "hw", "HardSwish", lambda x: x * np.clip(x / 6 + 0.5, 0, 1), rand(3, 4, lo=-5, hi=5)))


@case("clip_inputs")
def _():
    x = rand(3, 4)
    lo, hi = np.array(-0.5, np.float32), np.array(1.0, np.float32)
    node = helper.make_node("Clip", ["x", "lo", "hi"], ["y"])
    y = np.clip(x, -0.5, 1.0)
    return model([node], [("x", x)], [("y", y)], [("lo", lo), ("hi", hi)]), {"x": x}, {"y": y}


@case("clip_opset9")
def _():
    x = rand(3, 4)
    node = helper.make_node("Clip", ["x"], ["y"], min=-1.0, max=0.25)
    y = np.clip(x, -1.0, 0.25)
    return model([node], [("x", x)], [("y", y)], opset=9), {"x": x}, {"y": y}


@case("where_equal_cast")
def _():
    a = RNG.integers(0, 3, size=(3, 4)).astype(np.int64)
    b = RNG.integers(0, 3, size=(4,)).astype(np.int64)
    x = rand(3, 4)
    nodes = [helper.make_node("Equal", ["a", "b"], ["eq"]),
             helper.make_node("Cast", ["a"], ["af"], to=F32),
             helper.make_node("Where", ["eq", "x", "af"], ["y"]),
             helper.make_node("Cast", ["x"], ["xi"], to=TensorProto.INT32)]
    y = np.where(a == b, x, a.astype(np.float32))
    xi = np.trunc(x).astype(np.int32)
    return (model(nodes, [("a", a), ("b", b), ("x", x)], [("y", y), ("xi", xi)]),
            {"a": a, "b": b, "x": x}, {"y": y, "xi": xi})


# Reductions and normalizations ------------------------------------------------

def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


case("softmax")(lambda: unary_case("sm", "Softmax", lambda x: softmax(x, -1)))


@case("softmax_opset11")
def _():
    x = rand(2, 3, 4)
    node = helper.make_node("Softmax", ["x"], ["y"], axis=1)
    flat = x.reshape(2, 12)
    y = softmax(flat, 1).reshape(2, 3, 4)
    return model([node], [("x", x)], [("y", y)], opset=11), {"x": x}, {"y": y}


case("logsoftmax")(lambda: unary_case(
    "lsm", "LogSoftmax", lambda x: np.log(softmax(x, 1)), axis=1))


@case("layernorm")
def _():
    x = rand(2, 3, 8)
    scale, bias = rand(8), rand(8)
    node = helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"],
                            axis=-1, epsilon=1e-5)
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    y = (x - m) / np.sqrt(v + 1e-5) * scale + bias
    return (model([node], [("x", x)], [("y", y)], [("s", scale), ("b", bias)]),
            {"x": x}, {"y": y})


@case("reduce")
def _():
    x = rand(2, 3, 4)
    axes = np.array([0, 2], dtype=np.int64)
    nodes = [helper.make_node("ReduceMean", ["x"], ["mean"], axes=[1], keepdims=1),
             helper.make_node("ReduceSum", ["x", "axes"], ["sum"], keepdims=0),
             helper.make_node("ReduceMax", ["x"], ["max"], keepdims=0)]
    out = {"mean": x.mean(1, keepdims=True), "sum": x.sum((0, 2)), "max": np.array(x.max())}
    return (model(nodes, [("x", x)], [(k, v) for k, v in out.items()], [("axes", axes)]),
            {"x": x}, out)


# Matmuls ----------------------------------------------------------------------

@case("matmul")
def _():
    a2, b2 = rand(3, 5), rand(5, 4)
    a3, w = rand(2, 3, 5), rand(5, 4)
    a4, b4 = rand(2, 2, 3, 5), rand(1, 2, 5, 4)
    v = rand(5)
    nodes = [helper.make_node("MatMul", ["a2", "b2"], ["y2"]),
             helper.make_node("MatMul", ["a3", "w"], ["y3"]),
             helper.make_node("MatMul", ["a4", "b4"], ["y4"]),
             helper.make_node("MatMul", ["a2", "v"], ["yv"])]
    out = {"y2": a2 @ b2, "y3": a3 @ w, "y4": a4 @ b4, "yv": a2 @ v}
    ins = {"a2": a2, "b2": b2, "a3": a3, "a4": a4, "b4": b4}
    return (model(nodes, list(ins.items()), list(out.items()), [("w", w), ("v", v)]),
            ins, out)


@case("gemm")
def _():
    a, b, c = rand(5, 3), rand(4, 5), rand(4)
    node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], transA=1, transB=1,
                            alpha=0.5, beta=2.0)
    y = 0.5 * (a.T @ b.T) + 2.0 * c
    return model([node], [("a", a)], [("y", y)], [("b", b), ("c", c)]), {"a": a}, {"y": y}


# Shapes -----------------------------------------------------------------------

@case("reshape_chain")
def _():
    # The shape computed from Shape, Gather, Unsqueeze and Concat (what
    # PyTorch exports for x.view(x.size(0), -1)), folded at import.
    x = rand(2, 3, 4)
    idx0 = np.array(0, dtype=np.int64)
    minus1 = np.array([-1], dtype=np.int64)
    zero_axes = np.array([0], dtype=np.int64)
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "i0"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax"], ["n1"]),
             helper.make_node("Concat", ["n1", "m1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["y"]),
             helper.make_node("Reshape", ["x", "keep"], ["z"]),
             helper.make_node("Flatten", ["x"], ["f"], axis=2),
             helper.make_node("Transpose", ["x"], ["t"], perm=[2, 0, 1])]
    keep = np.array([0, -1, 2], dtype=np.int64)
    out = {"y": x.reshape(2, -1), "z": x.reshape(2, 6, 2),
           "f": x.reshape(6, 4), "t": x.transpose(2, 0, 1)}
    inits = [("i0", idx0), ("m1", minus1), ("ax", zero_axes), ("keep", keep)]
    return model(nodes, [("x", x)], list(out.items()), inits), {"x": x}, out


@case("squeeze_unsqueeze")
def _():
    x = rand(1, 3, 1, 4)
    axes = np.array([0, 2], dtype=np.int64)
    nodes13 = [helper.make_node("Squeeze", ["x", "axes"], ["s"]),
               helper.make_node("Unsqueeze", ["s", "axes"], ["u"])]
    out = {"s": x.reshape(3, 4), "u": x}
    return (model(nodes13, [("x", x)], list(out.items()), [("axes", axes)]),
            {"x": x}, out)


@case("squeeze_opset11")
def _():
    x = rand(1, 3, 1, 4)
    nodes = [helper.make_node("Squeeze", ["x"], ["s"], axes=[-2]),
             helper.make_node("Unsqueeze", ["s"], ["u"], axes=[3])]
    out = {"s": x.reshape(1, 3, 4), "u": x.reshape(1, 3, 4, 1)}
    return model(nodes, [("x", x)], list(out.items()), opset=11), {"x": x}, out


@case("concat_slice_split")
def _():
    a, b = rand(2, 3), rand(2, 5)
    starts = np.array([1, -4], dtype=np.int64)
    ends = np.array([100, -1], dtype=np.int64)
    axes = np.array([0, 1], dtype=np.int64)
    steps = np.array([1, 2], dtype=np.int64)
    sizes = np.array([2, 6], dtype=np.int64)
    nodes = [helper.make_node("Concat", ["a", "b"], ["c"], axis=1),
             helper.make_node("Slice", ["c", "st", "en", "ax", "sp"], ["s"]),
             helper.make_node("Split", ["c", "sz"], ["p", "q"], axis=1),
             helper.make_node("Split", ["c"], ["r", "t"], axis=0)]
    c = np.concatenate([a, b], 1)
    out = {"c": c, "s": c[1:, -4:-1:2], "p": c[:, :2], "q": c[:, 2:],
           "r": c[:1], "t": c[1:]}
    inits = [("st", starts), ("en", ends), ("ax", axes), ("sp", steps), ("sz", sizes)]
    return model(nodes, [("a", a), ("b", b)], list(out.items()), inits), {"a": a, "b": b}, out


@case("gather")
def _():
    table = rand(6, 4)
    idx = np.array([[0, 5, -1], [2, 2, 3]], dtype=np.int64)
    x = rand(3, 6, 2)
    col = np.array([1, -6], dtype=np.int64)
    nodes = [helper.make_node("Gather", ["table", "idx"], ["e"], axis=0),
             helper.make_node("Gather", ["x", "col"], ["g"], axis=1)]
    out = {"e": table[idx], "g": x[:, [1, 0], :]}
    return (model(nodes, [("idx", idx), ("x", x)], list(out.items()),
                  [("table", table), ("col", col)]),
            {"idx": idx, "x": x}, out)


@case("expand_trilu_range")
def _():
    x = rand(3, 1)
    shape = np.array([2, 3, 4], dtype=np.int64)
    m = rand(4, 5)
    k = np.array(1, dtype=np.int64)
    nodes = [helper.make_node("Expand", ["x", "shape"], ["e"]),
             helper.make_node("Trilu", ["m", "k"], ["up"], upper=1),
             helper.make_node("Trilu", ["m"], ["lo"], upper=0),
             helper.make_node("ConstantOfShape", ["shape"], ["zeros"],
                              value=helper.make_tensor("v", F32, [1], [1.5])),
             helper.make_node("Range", ["r0", "r1", "r2"], ["r"])]
    out = {"e": np.broadcast_to(x, (2, 3, 4)), "up": np.triu(m, 1), "lo": np.tril(m),
           "zeros": np.full((2, 3, 4), 1.5, np.float32),
           "r": np.arange(1.0, 3.0, 0.5, dtype=np.float32)}
    inits = [("shape", shape), ("k", k), ("r0", np.array(1.0, np.float32)),
             ("r1", np.array(3.0, np.float32)), ("r2", np.array(0.5, np.float32))]
    return model(nodes, [("x", x), ("m", m)], list(out.items()), inits), {"x": x, "m": m}, out


@case("shape_where_expand")
def _():
    # PyTorch's export of x[:, :, None].expand(b, n, t): the target shape
    # from Shape/Gather/Concat, then Where(Equal(shape, -1 * ones), ones,
    # shape), all folded at import.
    x = rand(2, 1, 3)
    i64 = lambda v: np.array(v, dtype=np.int64)
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "i0"], ["b"], axis=0),
             helper.make_node("Gather", ["s", "i2"], ["t"], axis=0),
             helper.make_node("Unsqueeze", ["b", "ax"], ["bu"]),
             helper.make_node("Unsqueeze", ["t", "ax"], ["tu"]),
             helper.make_node("Concat", ["bu", "four", "tu"], ["shape"], axis=0),
             helper.make_node("Shape", ["shape"], ["ss"]),
             helper.make_node("ConstantOfShape", ["ss"], ["ones"],
                              value=helper.make_tensor("v", TensorProto.INT64, [1], [1])),
             helper.make_node("Mul", ["ones", "minus1"], ["m1"]),
             helper.make_node("Equal", ["shape", "m1"], ["eq"]),
             helper.make_node("Where", ["eq", "ones", "shape"], ["target"]),
             helper.make_node("Expand", ["x", "target"], ["y"])]
    inits = [("i0", i64(0)), ("i2", i64(2)), ("ax", i64([0])), ("four", i64([4])),
             ("minus1", i64(-1))]
    out = {"y": np.broadcast_to(x, (2, 4, 3))}
    return model(nodes, [("x", x)], list(out.items()), inits), {"x": x}, out


@case("causal_mask")
def _():
    # A causal attention mask from the sequence length (Range, Unsqueeze,
    # Greater: folded to a boolean constant), selecting -1e4 above the
    # diagonal of the scores.
    scores = rand(1, 2, 8, 8)
    i64 = lambda v: np.array(v, dtype=np.int64)
    nodes = [helper.make_node("Range", ["zero", "eight", "one"], ["pos"]),
             helper.make_node("Unsqueeze", ["pos", "ax0"], ["row"]),
             helper.make_node("Unsqueeze", ["pos", "ax1"], ["col"]),
             helper.make_node("Greater", ["row", "col"], ["mask"]),
             helper.make_node("Where", ["mask", "big", "scores"], ["y"])]
    inits = [("zero", i64(0)), ("eight", i64(8)), ("one", i64(1)),
             ("ax0", i64([0])), ("ax1", i64([1])), ("big", np.array(-1e4, np.float32))]
    pos = np.arange(8)
    out = {"y": np.where(pos[None, :] > pos[:, None], np.float32(-1e4), scores)}
    return model(nodes, [("scores", scores)], list(out.items()), inits), {"scores": scores}, out


# Convolutions and pooling ----------------------------------------------------------

def conv_ref(x, w, b, stride=1, pads=(0, 0, 0, 0), dil=1, group=1):
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (xp.shape[2] - dil * (kh - 1) - 1) // stride + 1
    ow = (xp.shape[3] - dil * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, f, oh, ow), np.float64)
    per = f // group
    for fi in range(f):
        g = fi // per
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * dil:i * dil + stride * (oh - 1) + 1:stride,
                           j * dil:j * dil + stride * (ow - 1) + 1:stride]
                y[:, fi] += np.einsum("nchw,c->nhw", patch, w[fi, :, i, j])
    if b is not None:
        y += b[None, :, None, None]
    return y.astype(np.float32)


@case("conv")
def _():
    x = rand(2, 3, 7, 6)
    w, b = rand(4, 3, 3, 3), rand(4)
    wd = rand(3, 1, 3, 3)
    w2 = rand(2, 3, 2, 2)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[1, 0, 2, 1],
                              strides=[2, 1]),
             helper.make_node("Conv", ["x", "wd"], ["dw"], group=3, pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["x", "w2"], ["dl"], dilations=[2, 2],
                              auto_pad="SAME_UPPER")]
    # Row and column strides differ: compute by rows then subsample.
    full = conv_ref(x, w, b, 1, (1, 0, 2, 1))
    y = full[:, :, ::2, :]
    dw = conv_ref(x, wd, None, 1, (1, 1, 1, 1), group=3)
    # SAME_UPPER with dilation 2, kernel 2: effective 3, total pad 2: 1 and 1.
    dl = conv_ref(x, w2, None, 1, (1, 1, 1, 1), dil=2)
    out = {"y": y, "dw": dw, "dl": dl}
    return (model(nodes, [("x", x)], list(out.items()), [("w", w), ("b", b), ("wd", wd), ("w2", w2)]),
            {"x": x}, out)


def pool_ref(x, k, s, pads, fn, ceil=False, include_pad=False):
    n, c, h, w = x.shape
    def size(i, lo, hi):
        span = i + lo + hi - k
        return (-(-span // s) if ceil else span // s) + 1
    oh, ow = size(h, pads[0], pads[2]), size(w, pads[1], pads[3])
    y = np.zeros((n, c, oh, ow), np.float32)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s - pads[0], j * s - pads[1]
            rows = [r for r in range(r0, r0 + k) if 0 <= r < h]
            cols = [q for q in range(c0, c0 + k) if 0 <= q < w]
            win = x[:, :, rows][:, :, :, cols]
            if fn == "max":
                y[:, :, i, j] = win.max((2, 3))
            else:
                if include_pad:
                    rr = [r for r in range(r0, r0 + k) if -pads[0] <= r < h + pads[2]]
                    cc = [q for q in range(c0, c0 + k) if -pads[1] <= q < w + pads[3]]
                    count = len(rr) * len(cc)
                else:
                    count = len(rows) * len(cols)
                y[:, :, i, j] = win.sum((2, 3)) / count
    return y


@case("pool")
def _():
    x = rand(1, 2, 7, 7)
    nodes = [helper.make_node("MaxPool", ["x"], ["mp"], kernel_shape=[3, 3],
                              strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("MaxPool", ["x"], ["mc"], kernel_shape=[2, 2],
                              strides=[2, 2], ceil_mode=1),
             helper.make_node("AveragePool", ["x"], ["ap"], kernel_shape=[3, 3],
                              strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("AveragePool", ["x"], ["ai"], kernel_shape=[3, 3],
                              strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1),
             helper.make_node("GlobalAveragePool", ["x"], ["g"])]
    out = {"mp": pool_ref(x, 3, 2, (1, 1, 1, 1), "max"),
           "mc": pool_ref(x, 2, 2, (0, 0, 0, 0), "max", ceil=True),
           "ap": pool_ref(x, 3, 2, (1, 1, 1, 1), "avg"),
           "ai": pool_ref(x, 3, 2, (1, 1, 1, 1), "avg", include_pad=True),
           "g": x.mean((2, 3), keepdims=True)}
    return model(nodes, [("x", x)], list(out.items())), {"x": x}, out


@case("batchnorm_pad")
def _():
    x = rand(2, 3, 4, 4)
    s, b, m, v = rand(3), rand(3), rand(3), rand(3, lo=0.1)
    pads = np.array([0, 0, 1, 2, 0, 0, 0, 1], dtype=np.int64)
    value = np.array(0.5, np.float32)
    nodes = [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"],
                              epsilon=1e-3),
             helper.make_node("Pad", ["x", "pads", "value"], ["p"])]
    r = lambda a: a[None, :, None, None]
    y = (x - r(m)) / np.sqrt(r(v) + 1e-3) * r(s) + r(b)
    p = np.pad(x, ((0, 0), (0, 0), (1, 0), (2, 1)), constant_values=0.5)
    out = {"y": y, "p": p}
    inits = [("s", s), ("b", b), ("m", m), ("v", v), ("pads", pads), ("value", value)]
    return model(nodes, [("x", x)], list(out.items()), inits), {"x": x}, out


def conv_transpose_ref(x, w, b, s, pads, d, out_pad):
    n, c, h, wd = x.shape
    _, f, kh, kw = w.shape
    fh = (h - 1) * s[0] + d[0] * (kh - 1) + 1 + out_pad[0]
    fw = (wd - 1) * s[1] + d[1] * (kw - 1) + 1 + out_pad[1]
    full = np.zeros((n, f, fh, fw), np.float64)
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for bb in range(kw):
                    full[:, :, i * s[0] + a * d[0], j * s[1] + bb * d[1]] += \
                        np.einsum("nc,cf->nf", x[:, :, i, j], w[:, :, a, bb])
    oh = (h - 1) * s[0] - pads[0] - pads[2] + d[0] * (kh - 1) + out_pad[0] + 1
    ow = (wd - 1) * s[1] - pads[1] - pads[3] + d[1] * (kw - 1) + out_pad[1] + 1
    y = full[:, :, pads[0]:pads[0] + oh, pads[1]:pads[1] + ow]
    return (y + b[None, :, None, None]).astype(np.float32)


@case("conv_transpose")
def _():
    x = rand(2, 3, 4, 5)
    w, b = rand(3, 2, 3, 3), rand(2)
    nodes = [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2],
                              pads=[1, 0, 1, 1], output_padding=[1, 0]),
             helper.make_node("ConvTranspose", ["x", "w", "b"], ["z"], dilations=[2, 1])]
    out = {"y": conv_transpose_ref(x, w, b, (2, 2), (1, 0, 1, 1), (1, 1), (1, 0)),
           "z": conv_transpose_ref(x, w, b, (1, 1), (0, 0, 0, 0), (2, 1), (0, 0))}
    return model(nodes, [("x", x)], list(out.items()), [("w", w), ("b", b)]), {"x": x}, out


def resize_ref(x, out_h, out_w, scale_h, scale_w, mode, coord, nearest="round_prefer_floor"):
    n, c, h, w = x.shape
    def src(o, scale, size, out):
        if coord == "half_pixel":
            return (o + 0.5) / scale - 0.5
        if coord == "align_corners":
            return 0.0 if out == 1 else o * (size - 1) / (out - 1)
        return o / scale  # asymmetric
    y = np.zeros((n, c, out_h, out_w), np.float32)
    for i in range(out_h):
        for j in range(out_w):
            r, q = src(i, scale_h, h, out_h), src(j, scale_w, w, out_w)
            if mode == "nearest":
                pick = (lambda v: int(np.floor(v))) if nearest == "floor" else \
                       (lambda v: int(np.floor(v)) if v - np.floor(v) == 0.5 else int(round(v)))
                y[:, :, i, j] = x[:, :, min(max(pick(r), 0), h - 1), min(max(pick(q), 0), w - 1)]
                continue
            r, q = min(max(r, 0), h - 1), min(max(q, 0), w - 1)
            r0, q0 = int(np.floor(r)), int(np.floor(q))
            r1, q1 = min(r0 + 1, h - 1), min(q0 + 1, w - 1)
            tr, tq = np.float32(r - r0), np.float32(q - q0)
            top = x[:, :, r0, q0] + (x[:, :, r0, q1] - x[:, :, r0, q0]) * tq
            bot = x[:, :, r1, q0] + (x[:, :, r1, q1] - x[:, :, r1, q0]) * tq
            y[:, :, i, j] = top + (bot - top) * tr
    return y


@case("resize")
def _():
    x = rand(1, 2, 4, 5)
    scales = np.array([1, 1, 2, 2], np.float32)
    sizes = np.array([1, 2, 3, 7], np.int64)
    empty = np.array([], np.float32)
    nodes = [helper.make_node("Resize", ["x", "", "sc"], ["near"], mode="nearest",
                              coordinate_transformation_mode="asymmetric",
                              nearest_mode="floor"),
             helper.make_node("Resize", ["x", "", "em", "sz"], ["lin"], mode="linear"),
             helper.make_node("Resize", ["x", "", "em", "sz"], ["ac"], mode="linear",
                              coordinate_transformation_mode="align_corners"),
             helper.make_node("Resize", ["x", "", "sc"], ["hp"], mode="nearest")]
    out = {"near": resize_ref(x, 8, 10, 2, 2, "nearest", "asymmetric", "floor"),
           "lin": resize_ref(x, 3, 7, 3 / 4, 7 / 5, "linear", "half_pixel"),
           "ac": resize_ref(x, 3, 7, 3 / 4, 7 / 5, "linear", "align_corners"),
           "hp": resize_ref(x, 8, 10, 2, 2, "nearest", "half_pixel")}
    inits = [("sc", scales), ("sz", sizes), ("em", empty)]
    return model(nodes, [("x", x)], list(out.items()), inits), {"x": x}, out


# Quantized operators ------------------------------------------------------------

U8, I8, I32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32


def quantize_ref(x, scale, zp, lo, hi, axis=None):
    if axis is not None:
        shape = [1] * x.ndim
        shape[axis] = -1
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    q = np.round(x / scale.astype(np.float32)) + zp
    return np.clip(q, lo, hi)


@case("quantize_linear")
def _():
    # Ties (k + 0.5 steps, to even), saturation at both ends: per tensor
    # uint8 of an input, per axis int8 of a constant (folded at import).
    s = np.float32(0.5)
    x = np.array([[0.25, 0.75, -0.25, -0.75, 200.0, -200.0],
                  [1.25, 1.75, 0.0, 63.75, -64.25, 3.3]], np.float32)
    su = np.array(s, np.float32)
    zu = np.array(128, np.uint8)
    sc = np.array([0.5, 0.25], np.float32)
    zc = np.array([0, -3], np.int8)
    nodes = [helper.make_node("QuantizeLinear", ["x", "su", "zu"], ["qu"]),
             helper.make_node("QuantizeLinear", ["w", "sc", "zc"], ["qc"], axis=0)]
    out = {"qu": quantize_ref(x, su, 128, 0, 255).astype(np.uint8),
           "qc": quantize_ref(x, sc, zc.astype(np.float32), -128, 127, axis=0).astype(np.int8)}
    inits = [("su", su), ("zu", zu), ("sc", sc), ("zc", zc), ("w", x.copy())]
    return model(nodes, [("x", x)], list(out.items()), inits), {"x": x}, out


@case("dequantize_linear")
def _():
    qu = RNG.integers(0, 256, size=(2, 3)).astype(np.uint8)
    qc = RNG.integers(-128, 128, size=(2, 3)).astype(np.int8)
    q32 = RNG.integers(-100000, 100000, size=(3,)).astype(np.int32)
    su, zu = np.array(0.1, np.float32), np.array(7, np.uint8)
    sc, zc = np.array([0.5, 0.25, 2.0], np.float32), np.array([1, 0, -2], np.int8)
    s32 = np.array(0.001, np.float32)
    nodes = [helper.make_node("DequantizeLinear", ["qu", "su", "zu"], ["xu"]),
             helper.make_node("DequantizeLinear", ["qc", "sc", "zc"], ["xc"], axis=1),
             helper.make_node("DequantizeLinear", ["q32", "s32"], ["x32"])]
    out = {"xu": ((qu.astype(np.int32) - 7) * su).astype(np.float32),
           "xc": ((qc.astype(np.int32) - zc) * sc).astype(np.float32),
           "x32": (q32.astype(np.float32) * s32).astype(np.float32)}
    inits = [("su", su), ("zu", zu), ("sc", sc), ("zc", zc), ("s32", s32)]
    ins = {"qu": qu, "qc": qc, "q32": q32}
    return model(nodes, list(ins.items()), list(out.items()), inits), ins, out


@case("dynamic_quantize_linear")
def _():
    x = rand(3, 5, lo=-1.0, hi=3.0)
    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "s", "z"])
    hi, lo = max(0.0, float(x.max())), min(0.0, float(x.min()))
    s = np.float32((np.float32(hi) - np.float32(lo)) / np.float32(255))
    z = np.clip(np.round(-np.float32(lo) / s), 0, 255)
    y = np.clip(np.round(x / s) + z, 0, 255).astype(np.uint8)
    out = {"y": y, "s": np.array(s, np.float32), "z": np.array(z, np.uint8)}
    return model([node], [("x", x)], list(out.items())), {"x": x}, out


@case("matmul_integer")
def _():
    a = RNG.integers(0, 256, size=(2, 3, 8)).astype(np.uint8)
    b = RNG.integers(-128, 128, size=(8, 5)).astype(np.int8)
    az = np.array(12, np.uint8)
    bz = np.array([1, -2, 0, 3, 5], np.int8)
    node = helper.make_node("MatMulInteger", ["a", "b", "az", "bz"], ["y"])
    y = ((a.astype(np.int32) - 12) @ (b.astype(np.int32) - bz)).astype(np.int32)
    return (model([node], [("a", a)], [("y", y)], [("b", b), ("az", az), ("bz", bz)]),
            {"a": a}, {"y": y})


def requant_ref(acc, s_acc, ys, yz, lo, hi):
    real = acc.astype(np.float32) * s_acc
    return np.clip(np.round(real / np.float32(ys)) + yz, lo, hi)


@case("qlinear_matmul")
def _():
    a = RNG.integers(0, 256, size=(4, 16)).astype(np.uint8)
    b = RNG.integers(-128, 128, size=(16, 3)).astype(np.int8)
    a_s, a_z = np.array(0.02, np.float32), np.array(100, np.uint8)
    b_s, b_z = np.array([0.01, 0.03, 0.005], np.float32), np.array([0, 0, 0], np.int8)
    y_s, y_z = np.array(0.15, np.float32), np.array(120, np.uint8)
    node = helper.make_node("QLinearMatMul",
                            ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])
    acc = (a.astype(np.int64) - 100) @ b.astype(np.int64)
    s_acc = (np.float64(a_s) * b_s.astype(np.float64)).astype(np.float32)
    y = requant_ref(acc, s_acc, y_s, 120, 0, 255).astype(np.uint8)
    inits = [("as", a_s), ("az", a_z), ("b", b), ("bs", b_s), ("bz", b_z),
             ("ys", y_s), ("yz", y_z)]
    return model([node], [("a", a)], [("y", y)], inits), {"a": a}, {"y": y}


def int_conv_ref(x, xz, w, wz, pads):
    xi = x.astype(np.float64) - xz
    wi = w.astype(np.float64) - wz.reshape(-1, 1, 1, 1)
    return conv_ref(xi, wi, None, 1, pads).astype(np.float64)


@case("conv_integer")
def _():
    x = RNG.integers(0, 256, size=(1, 2, 5, 5)).astype(np.uint8)
    w = RNG.integers(-128, 128, size=(3, 2, 3, 3)).astype(np.int8)
    xz = np.array(130, np.uint8)
    node = helper.make_node("ConvInteger", ["x", "w", "xz"], ["y"], pads=[1, 1, 1, 1])
    y = np.round(int_conv_ref(x, 130, w, np.zeros(3), (1, 1, 1, 1))).astype(np.int32)
    return model([node], [("x", x)], [("y", y)], [("w", w), ("xz", xz)]), {"x": x}, {"y": y}


@case("qlinear_conv")
def _():
    x = RNG.integers(0, 256, size=(1, 2, 6, 6)).astype(np.uint8)
    w = RNG.integers(-127, 128, size=(4, 2, 3, 3)).astype(np.int8)
    x_s, x_z = np.array(0.05, np.float32), np.array(128, np.uint8)
    w_s = np.array([0.01, 0.02, 0.005, 0.04], np.float32)
    w_z = np.zeros(4, np.int8)
    y_s, y_z = np.array(0.2, np.float32), np.array(10, np.uint8)
    bias = np.array([100, -2000, 0, 50], np.int32)
    node = helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys",
                                            "yz", "b"], ["y"], pads=[1, 0, 1, 0])
    acc = np.round(int_conv_ref(x, 128, w, w_z.astype(np.float64), (1, 0, 1, 0)))
    acc = acc + bias.reshape(1, -1, 1, 1)
    s_acc = (np.float64(x_s) * w_s.astype(np.float64)).astype(np.float32).reshape(1, -1, 1, 1)
    y = requant_ref(acc.astype(np.int64), s_acc, y_s, 10, 0, 255).astype(np.uint8)
    inits = [("xs", x_s), ("xz", x_z), ("w", w), ("ws", w_s), ("wz", w_z),
             ("ys", y_s), ("yz", y_z), ("b", bias)]
    return model([node], [("x", x)], [("y", y)], inits), {"x": x}, {"y": y}


def dynamic_attention(batch, seq):
    """Attention as torch.onnx.export writes it for dynamic batch and
    sequence (Shape, Gather, Unsqueeze, Concat into Reshape; Expand to a
    shape chosen by Equal/Where; Range and a causal mask; ConstantOfShape),
    over an input [batch, seq, 8] whose graph dimensions are named, not
    sized: the importer keeps them dynamic."""
    x = rand(batch, seq, 8)
    I64 = TensorProto.INT64

    def const(name, values):
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(
            np.array(values, np.int64), name))

    n = helper.make_node
    nodes = [
        n("Shape", ["x"], ["sh"]), const("i0", 0), const("i1", 1),
        n("Gather", ["sh", "i0"], ["b"], axis=0), n("Gather", ["sh", "i1"], ["s"], axis=0),
        const("ax0", [0]), n("Unsqueeze", ["b", "ax0"], ["b1"]),
        n("Unsqueeze", ["s", "ax0"], ["s1"]),
        const("c2", [2]), const("c4", [4]), const("cm1", [-1]), const("c0", [0]),
        n("Concat", ["b1", "s1", "c2", "c4"], ["shape4"], axis=0),
        n("Reshape", ["x", "shape4"], ["r"]),
        n("Transpose", ["r"], ["t"], perm=[0, 2, 1, 3]),
        const("ax2", [2]), n("Unsqueeze", ["t", "ax2"], ["u"]),
        n("Concat", ["b1", "c2", "c2", "s1", "c4"], ["target"], axis=0),
        n("Shape", ["target"], ["tshape"]),
        n("ConstantOfShape", ["tshape"], ["ones"],
          value=numpy_helper.from_array(np.array([1], np.int64))),
        n("Mul", ["ones", "cm1"], ["neg"]), n("Equal", ["target", "neg"], ["eq"]),
        n("Where", ["eq", "ones", "target"], ["expand_to"]),
        n("Expand", ["u", "expand_to"], ["ex"]),
        n("Concat", ["b1", "c4", "s1", "c4"], ["gshape"], axis=0),
        n("Reshape", ["ex", "gshape"], ["g"]),
        n("Transpose", ["g"], ["gt"], perm=[0, 1, 3, 2]),
        n("MatMul", ["g", "gt"], ["scores"]),
        const("zero", 0), const("one", 1), n("Range", ["zero", "s", "one"], ["ar"]),
        n("Unsqueeze", ["ar", "ax0"], ["row"]), n("Unsqueeze", ["ar", "c4_1"], ["col"]),
        n("Greater", ["row", "col"], ["mask"]),
        n("Where", ["mask", "big", "scores"], ["masked"]),
        n("Softmax", ["masked"], ["p"], axis=-1),
        n("MatMul", ["p", "g"], ["o4"]),
        n("Transpose", ["o4"], ["o4t"], perm=[0, 2, 1, 3]),
        const("flat", [0, 0, -1]), n("Reshape", ["o4t", "flat"], ["o"]),
        const("c1", [1]), n("Concat", ["b1", "s1", "c1"], ["cshape"], axis=0),
        n("ConstantOfShape", ["cshape"], ["half"],
          value=numpy_helper.from_array(np.array([0.5], np.float32))),
        n("Add", ["o", "half"], ["y"]),
        const("last", [-1]), n("ReduceMean", ["y"], ["m"], axes=[-1], keepdims=1),
        const("s0", [0]), const("e8", [8]), n("Slice", ["y", "s0", "e8", "ax2"], ["z"]),
    ]
    inits = [("c4_1", np.array([1], np.int64)), ("big", np.array(-1e9, np.float32))]
    r = x.reshape(batch, seq, 2, 4).transpose(0, 2, 1, 3)
    g = np.repeat(r[:, :, None], 2, axis=2).reshape(batch, 4, seq, 4)
    scores = g @ g.transpose(0, 1, 3, 2)
    ar = np.arange(seq)
    masked = np.where(ar[None, :] > ar[:, None], np.float32(-1e9), scores)
    e = np.exp(masked - masked.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    y = ((p @ g).transpose(0, 2, 1, 3).reshape(batch, seq, 16) + 0.5).astype(np.float32)
    out = {"y": y, "m": y.mean(-1, keepdims=True), "z": y[:, :, :8]}
    F = TensorProto.FLOAT
    m = model(nodes, [("x", (F, ["batch", "seq", 8]))],
              [(k, (F, ["batch", "seq", v.shape[-1]])) for k, v in out.items()],
              inits)
    return m, {"x": x}, out


@case("dynamic_attention_1x5")
def _():
    return dynamic_attention(1, 5)


@case("dynamic_attention_3x9")
def _():
    return dynamic_attention(3, 9)


def main(argv):
    if argv[1] == "write":
        for name, fn in CASES.items():
            m, ins, _ = fn()
            onnx.checker.check_model(m)
            onnx.save(m, os.path.join(argv[2], name + ".onnx"))
            # ONNX uint8 is i8 in the imported function: the same bits.
            ins = {k: v.view(np.int8) if v.dtype == np.uint8 else v
                   for k, v in ins.items()}
            np.savez(os.path.join(argv[2], name + ".npz"), **ins)
            print(name)
        return 0
    name, result = argv[3], argv[4]
    global RNG
    RNG = np.random.default_rng(3)
    # Rebuild every case in order so the random inputs are the same.
    for n, fn in CASES.items():
        built = fn()
        if n == name:
            break
    _, _, want = built
    got = np.load(result)
    for key, w in want.items():
        w = np.asarray(w)
        if key not in got.files:
            print(f"{name}: no output '{key}'")
            return 1
        g = got[key]
        if w.dtype == np.uint8 and g.dtype == np.int8:
            g = g.view(np.uint8)
        if g.shape != w.shape:
            print(f"{name}: {key} has shape {g.shape}, want {w.shape}")
            return 1
        if np.issubdtype(w.dtype, np.floating):
            err = float(np.abs(g.astype(np.float64) - w).max()) if w.size else 0.0
            bound = 1e-5 * max(1.0, float(np.abs(w).max()))
            if not err <= bound:
                print(f"{name}: {key} differs by {err:.3g} (bound {bound:.3g})")
                return 1
        elif not np.array_equal(g, w):
            print(f"{name}: {key} differs")
            return 1
    print(f"{name}: matches NumPy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
