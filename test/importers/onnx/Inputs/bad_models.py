"""Writes malformed and unsupported ONNX models for errors.test.

  bad_models.py DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT


def save(d, name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              [numpy_helper.from_array(v, n) for n, v in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(model, os.path.join(d, name + ".onnx"))
    return model


def main(d):
    x = helper.make_tensor_value_info("x", F32, [2, 4, 5, 5])
    y = helper.make_tensor_value_info("y", F32, None)
    save(d, "unsupported", [helper.make_node("Celu", ["x"], ["y"], name="celu0")],
         [x], [y])
    save(d, "group", [helper.make_node("Conv", ["x", "w"], ["y"], name="grouped",
                                       group=2)],
         [x], [y], [("w", np.ones((4, 2, 3, 3), np.float32))])
    save(d, "badshape", [helper.make_node("Reshape", ["x", "s"], ["y"], name="r")],
         [x], [y], [("s", np.array([3, -1, 7], np.int64))])
    save(d, "runtimeshape", [helper.make_node("Reshape", ["x", "x"], ["y"], name="r")],
         [x], [y])
    dyn = helper.make_tensor_value_info("x", F32, ["batch", 4])
    save(d, "dynamic", [helper.make_node("Relu", ["x"], ["y"], name="relu")], [dyn], [y])
    save(d, "dyngemm", [helper.make_node("Gemm", ["x", "w"], ["y"], name="g")], [dyn],
         [y], [("w", np.ones((4, 3), np.float32))])
    save(d, "dynslice", [helper.make_node("Slice", ["x", "s", "e", "a"], ["y"], name="s")],
         [dyn], [y], [("s", np.array([1], np.int64)), ("e", np.array([3], np.int64)),
                      ("a", np.array([0], np.int64))])
    save(d, "opset8", [helper.make_node("Relu", ["x"], ["y"])], [x], [y], opset=8)
    save(d, "undefined", [helper.make_node("Relu", ["nowhere"], ["y"], name="relu")],
         [x], [y])
    save(d, "scales", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"],
                                        name="q", axis=1)],
         [x], [y], [("s", np.ones(3, np.float32)), ("z", np.zeros(3, np.int8))])
    m = save(d, "good", [helper.make_node("Relu", ["x"], ["y"], name="relu")], [x], [y])
    data = m.SerializeToString()
    with open(os.path.join(d, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(d, "garbage.onnx"), "wb") as f:
        f.write(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    # A weight whose raw data is shorter than its shape.
    w = numpy_helper.from_array(np.ones((4, 4, 3, 3), np.float32), "w")
    w.raw_data = w.raw_data[:100]
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"])], "short",
                              [x], [y], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(d, "short.onnx"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
