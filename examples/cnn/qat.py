"""Quantization-aware training of the demo Fashion-MNIST CNN, exported as Q/DQ.

    /usr/bin/python3 examples/cnn/qat.py [--out examples/cnn]

Trains train.py's CNN in float (1 epoch), then QAT with PyTorch's FX graph
mode (prepare_qat_fx, qnnpack engine; conv+bn+relu and linear+relu fused):
quint8 activations (0..255, moving-average min/max) and per-channel
symmetric qint8 weights (-127..127), plain FakeQuantize modules (the
default FusedMovingAvgObsFakeQuantize does not export to ONNX). BN
statistics are frozen after 60% of the QAT steps, observers after 80%.
convert_fx gives PyTorch's quantized (qnnpack) model, the reference.

Seeded; repeatable on the same PyTorch and thread count.

Writes to --out:
  cnn-qat.onnx       opset 13 Q/DQ graph: images float32 [batch, 1, 28, 28]
                     in [0, 1] -> logits [batch, 10] (qf-import
                     --input-shape images=B,1,28,28)
  qat-reference.npz  the quantized model's logits for test.npz's 1000 images
  qat.log            top-1 of the float, fake-quant and quantized models,
                     the export route and the ONNX graph's operators

Export routes, the first that works is kept:
  a   the converted model (quantized::conv2d_relu/linear become
      DequantizeLinear -> op -> QuantizeLinear, int8 weight initializers);
      PyTorch 1.13 cannot export quantized::linear_relu, so where that
      fails the fused fc1 is exported as a quantized Linear with the same
      output scale and zero point 0 (checked bit-identical: the saturation
      to code 0 is the ReLU); the graph is then cleaned (clean_graph:
      float biases rounded as qnnpack rounds them instead of int32
      DequantizeLinear, no-op Cast/Identity bypassed)
  b   a module built from the trained QAT model: BN folded into the conv
      weight and bias as convert_fx folds it, the trained weight and
      activation fake quants (FakeQuantize exports as Q + DQ)
"""
import argparse
import copy
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import CNN, idx  # noqa: E402

from torch.ao.quantization import (QConfig, QConfigMapping, FakeQuantize,  # noqa: E402
                                   MovingAverageMinMaxObserver,
                                   MovingAveragePerChannelMinMaxObserver)
from torch.ao.quantization.quantize_fx import prepare_qat_fx, convert_fx  # noqa: E402

OPSET = 13


def qconfig():
    act = FakeQuantize.with_args(observer=MovingAverageMinMaxObserver,
                                 quant_min=0, quant_max=255, dtype=torch.quint8,
                                 qscheme=torch.per_tensor_affine,
                                 reduce_range=False)
    weight = FakeQuantize.with_args(observer=MovingAveragePerChannelMinMaxObserver,
                                    quant_min=-127, quant_max=127,
                                    dtype=torch.qint8,
                                    qscheme=torch.per_channel_symmetric,
                                    ch_axis=0, reduce_range=False)
    return QConfig(activation=act, weight=weight)


def train(model, x, y, rng, lr, hook=None):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    order = rng.permutation(len(x))
    steps = (len(order) + 63) // 64
    for step, i in enumerate(range(0, len(order), 64)):
        if hook:
            hook(step, steps)
        b = order[i:i + 64]
        loss = F.cross_entropy(model(torch.from_numpy(x[b])),
                               torch.from_numpy(y[b]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def predict(model, x):
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(x[i:i + 1000]))
                          for i in range(0, len(x), 1000)]).numpy()


def top1(logits, y):
    return (float((logits.argmax(1) == y).mean()),
            float((logits[:1000].argmax(1) == y[:1000]).mean()))


# --- Route a: the converted model --------------------------------------------

def split_linear_relu(quantized):
    """Replaces each quantized LinearReLU by a quantized Linear with the same
    weight, bias and output scale/zero point. PyTorch 1.13 exports no
    quantized::linear_relu (and does not unpack its weights), and with the
    output zero point 0 (a ReLU's observed range starts at 0) the Linear's
    saturation to code 0 is the ReLU: the results are the same bits."""
    import torch.nn.intrinsic.quantized as nniq
    import torch.nn.quantized as nnq
    for name, m in list(quantized.named_modules()):
        if isinstance(m, nniq.LinearReLU):
            assert m.zero_point == 0, (name, m.zero_point)
            lin = nnq.Linear(m.in_features, m.out_features, dtype=torch.qint8)
            lin.set_weight_bias(m.weight(), m.bias())
            lin.scale, lin.zero_point = m.scale, m.zero_point
            setattr(quantized, name, lin)
    quantized.recompile()


# --- Route b: a fake-quant module built from the QAT model --------------------

class FQ(nn.Module):
    """A frozen FakeQuantize: exports as QuantizeLinear + DequantizeLinear."""

    def __init__(self, fq):
        super().__init__()
        scale, zp = fq.calculate_qparams()
        self.register_buffer("scale", scale.float())
        self.register_buffer("zp", zp.int())
        self.qmin, self.qmax, self.axis = fq.quant_min, fq.quant_max, fq.ch_axis
        self.per_channel = fq.is_per_channel

    def forward(self, x):
        if self.per_channel:
            return torch.fake_quantize_per_channel_affine(
                x, self.scale, self.zp, self.axis, self.qmin, self.qmax)
        return torch.fake_quantize_per_tensor_affine(
            x, float(self.scale), int(self.zp), self.qmin, self.qmax)


class QDQCNN(nn.Module):
    """The QAT model's arithmetic with BN folded: DQ -> Conv -> Relu -> Q."""

    def __init__(self, qat):
        super().__init__()
        mods = dict(qat.named_modules())
        # Activation fake quants in graph order: input, conv1, conv2, fc1,
        # fc2 (a max pool calls its input's again).
        acts = []
        for n in qat.graph.nodes:
            if n.op == "call_module":
                m = qat.get_submodule(n.target)
                if isinstance(m, FakeQuantize) and all(m is not a for a in acts):
                    acts.append(m)
        assert len(acts) == 5, len(acts)
        self.acts = nn.ModuleList(FQ(m) for m in acts)
        self.layers = nn.ModuleList()
        self.wfq = nn.ModuleList()
        self.w, self.b = [], []
        for name in ("conv1", "conv2", "fc1", "fc2"):
            m = mods[name]
            w, b = m.weight.detach(), m.bias
            b = b.detach() if b is not None else torch.zeros(w.shape[0])
            if hasattr(m, "bn"):  # torch.nn.utils.fusion.fuse_conv_bn_weights
                from torch.nn.utils.fusion import fuse_conv_bn_weights
                w, b = fuse_conv_bn_weights(w, b, m.bn.running_mean,
                                            m.bn.running_var, m.bn.eps,
                                            m.bn.weight, m.bn.bias)
                w, b = w.detach(), b.detach()
            fq = FQ(m.weight_fake_quant)
            if (fq.qmin, fq.qmax) == (-127, 127) and not fq.zp.any():
                # torch.onnx exports only -128..127: clamp the weight to
                # +-127 steps first, the same codes.
                s = fq.scale.view(-1, *[1] * (w.dim() - 1))
                w = torch.maximum(torch.minimum(w, 127 * s), -127 * s)
                fq.qmin = -128
            self.register_buffer(name + "_w", w)
            self.register_buffer(name + "_b", b)
            self.wfq.append(fq)

    def forward(self, x):
        a = self.acts
        x = a[0](x)
        x = a[1](F.relu(F.conv2d(x, self.wfq[0](self.conv1_w), self.conv1_b,
                                 padding=1)))
        x = F.max_pool2d(x, 2)
        x = a[2](F.relu(F.conv2d(x, self.wfq[1](self.conv2_w), self.conv2_b,
                                 padding=1)))
        x = torch.flatten(F.max_pool2d(x, 2), 1)
        x = a[3](F.relu(F.linear(x, self.wfq[2](self.fc1_w), self.fc1_b)))
        return a[4](F.linear(x, self.wfq[3](self.fc2_w), self.fc2_b))


def export(model, batch, path):
    torch.onnx.export(model, (batch,), path,
                      input_names=["images"], output_names=["logits"],
                      dynamic_axes={"images": {0: "batch"},
                                    "logits": {0: "batch"}},
                      opset_version=OPSET, do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)


def clean_graph(path, quantized):
    """Post-processes the exported graph in place; returns what it did.

    - an int32 bias DequantizeLinear (torch.onnx quantizes the bias with a
      truncating Cast(Div(bias, scale))) becomes a float initializer, the
      bias rounded to the nearest multiple of input scale x weight scale as
      qnnpack rounds it (our cpu backend runs no 32-bit dequantize);
    - Identity and same-type Cast (uint8 -> uint8) are bypassed;
    - nodes nothing uses any more are dropped."""
    import onnx
    from onnx import numpy_helper, shape_inference
    model = onnx.load(path)
    graph = model.graph
    types = {}
    inferred = shape_inference.infer_shapes(model).graph
    for v in list(inferred.input) + list(inferred.value_info) + list(inferred.output):
        types[v.name] = v.type.tensor_type.elem_type
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    for name, value in consts.items():
        types[name] = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[value.dtype]

    nodes = list(graph.node)
    alias, drop, changed = {}, set(), 0
    for k, n in enumerate(nodes):
        if n.op_type == "Identity" or (
                n.op_type == "Cast" and types.get(n.input[0]) == n.attribute[0].i):
            alias[n.output[0]] = n.input[0]
            drop.add(k)
    resolve = lambda v: resolve(alias[v]) if v in alias else v  # noqa: E731
    for k, n in enumerate(nodes):
        for i, v in enumerate(n.input):
            n.input[i] = resolve(v)
        if n.op_type == "DequantizeLinear" and consts.get(n.input[0]) is not None \
                and consts[n.input[0]].dtype == np.int32:
            scope = n.name.split("/")[1]
            bias = quantized.get_submodule(scope).bias().detach().numpy()
            scale = consts[n.input[1]].astype(np.float32)
            q = np.round(bias.astype(np.float64) / scale.astype(np.float64))
            changed += int((q != consts[n.input[0]]).sum())
            value = (q.astype(np.float32) * scale).astype(np.float32)
            graph.initializer.append(numpy_helper.from_array(value, n.output[0]))
            drop.add(k)
    for o in graph.output:
        assert o.name not in alias
    keep = [n for k, n in enumerate(nodes) if k not in drop]
    # Dead nodes.
    while True:
        used = {v for n in keep for v in n.input} | {o.name for o in graph.output}
        live = [n for n in keep if any(o in used for o in n.output)]
        if len(live) == len(keep):
            break
        keep = live
    used = {v for n in keep for v in n.input}
    inits = [i for i in graph.initializer if i.name in used]
    keep = [type(n).FromString(n.SerializeToString()) for n in keep]
    del graph.node[:]
    graph.node.extend(keep)
    del graph.initializer[:]
    graph.initializer.extend(inits)
    del graph.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return (f"int32 bias DequantizeLinear folded to float, {changed} bias "
            f"codes rounded instead of truncated; {len(alias)} Identity/no-op "
            f"Cast bypassed")


def onnx_ops(path):
    import onnx
    ops = []
    for n in onnx.load(path).graph.node:
        if n.op_type not in ops:
            ops.append(n.op_type)
    return ops


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--qat-epochs", type=int, default=1)
    parser.add_argument("--qat-lr", type=float, default=2e-4)
    parser.add_argument("--route", choices=["a", "b"], default="a",
                        help="b: skip route a (to test the fallback)")
    args = parser.parse_args()
    start = time.time()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    torch.backends.quantized.engine = "qnnpack"
    rng = np.random.default_rng(0)
    log = open(os.path.join(args.out, "qat.log"), "w")

    def say(line):
        print(f"[{time.time() - start:5.0f} s] {line}", flush=True)
        log.write(line + "\n")

    train_x = idx("train-images-idx3-ubyte.gz").astype(np.float32)[:, None] / 255
    train_y = idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    test_x = idx("t10k-images-idx3-ubyte.gz").astype(np.float32)[:, None] / 255
    test_y = idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    saved = np.load(os.path.join(args.out, "test.npz"))
    assert np.array_equal(saved["images"], test_x[:1000])

    # Float.
    model = CNN()
    for epoch in range(args.epochs):
        loss = train(model, train_x, train_y, rng, 2e-3)
        say(f"float epoch {epoch} loss {loss:.4f}")
    model.eval()
    t, t1000 = top1(predict(model, test_x), test_y)
    say(f"float top-1: {t:.4f} (10000), {t1000:.4f} (first 1000)")

    # QAT.
    model.train()
    mapping = QConfigMapping().set_global(qconfig())
    example = (torch.from_numpy(train_x[:64]),)
    qat = prepare_qat_fx(model, mapping, example)
    import torch.nn.intrinsic.qat as nniqat
    freeze = nniqat.freeze_bn_stats

    def schedule(step, steps, epoch):
        s = epoch * steps + step
        total = args.qat_epochs * steps
        if s == int(0.6 * total):
            qat.apply(freeze)
        if s == int(0.8 * total):
            qat.apply(torch.ao.quantization.disable_observer)

    for epoch in range(args.qat_epochs):
        loss = train(qat, train_x, train_y, rng, args.qat_lr,
                     lambda s, n: schedule(s, n, epoch))
        say(f"qat epoch {epoch} loss {loss:.4f} (lr {args.qat_lr})")
    qat.apply(freeze)
    qat.apply(torch.ao.quantization.disable_observer)
    qat.eval()
    t, t1000 = top1(predict(qat, test_x), test_y)
    say(f"QAT (fake quant) top-1: {t:.4f} (10000), {t1000:.4f} (first 1000)")

    # PyTorch's quantized model.
    quantized = convert_fx(copy.deepcopy(qat))
    logits = predict(quantized, test_x)
    t, t1000 = top1(logits, test_y)
    say(f"PyTorch quantized (qnnpack) top-1: {t:.4f} (10000), "
        f"{t1000:.4f} (first 1000)")
    np.savez(os.path.join(args.out, "qat-reference.npz"), logits=logits[:1000])

    # Export.
    path = os.path.join(args.out, "cnn-qat.onnx")
    batch = torch.from_numpy(test_x[:100])
    route = None
    if args.route == "a":
        try:
            export(quantized, batch, path)
            route = "a (converted quantized model)"
        except Exception as e:
            say(f"route a failed: {type(e).__name__}: {str(e).splitlines()[0]}")
    if route is None and args.route == "a":
        try:
            split = copy.deepcopy(quantized)
            split_linear_relu(split)
            same = np.array_equal(predict(split, test_x[:1000]), logits[:1000])
            say(f"LinearReLU -> Linear (output zero point 0): logits "
                f"{'bit-identical' if same else 'DIFFER'}")
            assert same
            export(split, batch, path)
            route = ("a (converted quantized model, quantized LinearReLU "
                     "exported as quantized Linear with zero point 0)")
        except Exception as e:
            say(f"route a with LinearReLU split failed: "
                f"{type(e).__name__}: {str(e).splitlines()[0]}")
    if route is None:
        qdq = QDQCNN(qat).eval()
        fq_logits = predict(qdq, test_x)
        t, t1000 = top1(fq_logits, test_y)
        say(f"route b module top-1: {t:.4f} (10000), {t1000:.4f} (first 1000), "
            f"max |logits - quantized| {np.abs(fq_logits - logits).max():.4g}")
        export(qdq, batch, path)
        route = "b (fake-quant module built from the QAT model, BN folded)"
    say(f"export route: {route}")
    say(f"graph cleanup: {clean_graph(path, quantized)}")
    say(f"ONNX ops (opset {OPSET}): {' '.join(onnx_ops(path))}")
    say(f"runtime: {time.time() - start:.0f} s")
    log.close()


if __name__ == "__main__":
    main()
