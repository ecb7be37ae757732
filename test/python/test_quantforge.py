"""The quantforge package end to end on the demo GPT and CNN, against the
command-line tools (same bytes), and its errors and threads.

Run by test/python/pytest.test with PYTHONPATH=BUILD/python, QF_TOOLS=BUILD/bin
and QF_SRC=the repository; QF_TMP is a scratch directory."""

import os
import subprocess
import threading

import numpy as np
import pytest

import quantforge as qf

SRC = os.environ["QF_SRC"]
TOOLS = os.environ["QF_TOOLS"]
GPT = os.path.join(SRC, "examples", "gpt", "gpt.onnx")
CNN = os.path.join(SRC, "examples", "cnn", "cnn.onnx")


@pytest.fixture
def tmp(tmp_path):
    return str(tmp_path)


def tool(name, *args):
    # Under ASan the interpreter runs with the sanitizer's shared runtime
    # preloaded; the tools link their own.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run([os.path.join(TOOLS, name), *map(str, args)], check=True,
                   stdout=subprocess.DEVNULL, env=env)


def run_tool(model, inputs, tmp, key):
    """qf-run MODEL on the arrays `inputs`; its first output."""
    np.savez(os.path.join(tmp, "in.npz"), **inputs)
    out = os.path.join(tmp, "out.npz")
    tool("qf-run", model, "--inputs", os.path.join(tmp, "in.npz"),
         "--output", out)
    return np.load(out)[key]


def gpt_tokens(n, seed=0):
    # Byte-level tokens, as the demo GPT reads text.
    return np.random.default_rng(seed).integers(0, 256, (n, 1, 128),
                                                dtype=np.int64)


def cnn_images(n):
    return np.load(os.path.join(SRC, "examples", "cnn", "calib.npz"))[
        "images"][:n]


def same_files(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def test_gpt_snippet_matches_the_tools(tmp):
    """The issue's snippet on the demo GPT with GPTQ, calibrated on four
    windows: the same model, weights and logits as qf-quantize + qf-run."""
    calib = gpt_tokens(4)
    m = qf.import_onnx(GPT, input_shapes={"tokens": (1, 128)})
    q = qf.quantize(m, recipe="w4a16-gptq", calib=[{"tokens": x} for x in calib])
    table = q.report.table()
    assert "/blocks/blocks.0/qkv/MatMul" in table
    assert "gptq w4" in table
    assert len(q.report.weights) > 0 and q.report.outputs[0]["samples"] == 4
    x = gpt_tokens(1, seed=1)[0]
    y = q.compile("cpu")(tokens=x)
    assert y.shape == (1, 128, 256) and y.dtype == np.float32
    q.save(os.path.join(tmp, "py.mlir"))

    np.savez(os.path.join(tmp, "calib.npz"), tokens=calib)
    tool("qf-quantize", GPT, "--input-shape", "tokens=1,128", "--recipe",
         "w4a16-gptq", "--calib", os.path.join(tmp, "calib.npz"), "-o",
         os.path.join(tmp, "tool.mlir"), "--report",
         os.path.join(tmp, "tool.md"))
    assert same_files(os.path.join(tmp, "py.mlir"), os.path.join(tmp, "tool.mlir"))
    assert same_files(os.path.join(tmp, "py.safetensors"),
                      os.path.join(tmp, "tool.safetensors"))
    expected = run_tool(os.path.join(tmp, "tool.mlir"), {"tokens": x}, tmp,
                        "logits")
    assert y.tobytes() == expected.tobytes()
    # The Markdown report is qf-quantize's, but for the model's name.
    with open(os.path.join(tmp, "tool.md")) as f:
        tool_report = f.read().split("\n", 1)[1]
    assert q.report.markdown().split("\n", 1)[1] == tool_report


def test_cnn_static_int8_matches_the_tools(tmp):
    """The CNN with static int8 (calibrated activations, integer convolutions):
    calibration samples stacked in one array, the results of the tools."""
    images = cnn_images(8)
    m = qf.import_onnx(CNN, input_shapes={"images": (2, 1, 28, 28)})
    q = qf.quantize(m, "w8a8-static",
                    calib=[{"images": images.reshape(4, 2, 1, 28, 28)}])
    assert "qf.conv2d" in str(q)
    x = images[:2]
    y = q.compile()(x)
    q.save(os.path.join(tmp, "py.mlir"))

    np.savez(os.path.join(tmp, "calib.npz"),
             images=images.reshape(4, 2, 1, 28, 28))
    tool("qf-quantize", CNN, "--input-shape", "images=2,1,28,28", "--recipe",
         "w8a8-static", "--calib", os.path.join(tmp, "calib.npz"), "-o",
         os.path.join(tmp, "tool.mlir"))
    assert same_files(os.path.join(tmp, "py.mlir"), os.path.join(tmp, "tool.mlir"))
    expected = run_tool(os.path.join(tmp, "tool.mlir"), {"images": x}, tmp,
                        "logits")
    assert y.tobytes() == expected.tobytes()
    # A strided view and its contiguous copy give the same bytes.
    wide = np.zeros((2, 1, 28, 56), np.float32)
    wide[..., ::2] = x
    assert q.compile()(wide[..., ::2]).tobytes() == y.tobytes()


def test_load_save_and_pipelines(tmp):
    m = qf.import_onnx(CNN, input_shapes={"images": (1, 1, 28, 28)})
    m.save(os.path.join(tmp, "f32.mlir"))
    again = qf.load(os.path.join(tmp, "f32.mlir"))
    x = cnn_images(1)
    assert again.compile()(x).tobytes() == m.compile()(x).tobytes()
    text = qf.parse("func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
                    "  %y = arith.addf %x, %x : tensor<4xf32>\n"
                    "  return %y : tensor<4xf32>\n}\n")
    text.run_pipeline("builtin.module(canonicalize)")
    assert text.compile()(np.arange(4, dtype=np.float32)).tolist() == [0, 2, 4, 6]
    # A broadcast (every stride 0) is expanded, not read as C order.
    assert text.compile()(np.broadcast_to(np.float32(3), (4,))).tolist() == [6] * 4
    assert "w4a16-rtn" in qf.recipes()
    assert qf.api_version()[0] == 1


def test_errors_raise_with_the_diagnostic():
    with pytest.raises(qf.CompilerError) as e:
        qf.import_onnx("/nonexistent/model.onnx")
    assert "/nonexistent/model.onnx" in e.value.message

    with pytest.raises(qf.CompilerError) as e:
        qf.load("/nonexistent/model.mlir")
    assert "cannot read" in str(e.value)

    with pytest.raises(qf.CompilerError) as e:
        qf.parse("func.func @main(%x: tensor<4xf32>) {\n  return %x\n}\n",
                 name="bad.mlir")
    assert e.value.location.startswith("bad.mlir:2:")

    m = qf.import_onnx(GPT, input_shapes={"tokens": (1, 128)})
    with pytest.raises(qf.CompilerError) as e:
        qf.quantize(m, "w5a16-nonsense")
    assert "unknown recipe 'w5a16-nonsense'" in e.value.message
    with pytest.raises(qf.CompilerError) as e:
        qf.quantize(m, "w8a8-static")  # calibrates: needs data
    assert "calibration data" in e.value.message

    with pytest.raises(qf.CompilerError) as e:
        qf.quantize(m, "w8a8-static", calib=[{"words": np.zeros((1, 128))}])
    assert e.value.message == (
        "qf-calibrate: calibration sample 0:words: @main has no argument "
        "'words'; its arguments: 'tokens' (#0, i64[1x128])")
    with pytest.raises(qf.CompilerError) as e:
        qf.quantize(m, "w8a8-static",
                    calib=[{"tokens": np.zeros((1, 128), np.int64)},
                           {"tokens": np.zeros((1, 128), np.int32)}])
    assert "calibration sample 1:tokens: input 'tokens' (#0, i64[1x128]) " \
        "cannot take i32[1x128]" in e.value.message
    with pytest.raises(qf.CompilerError) as e:
        qf.quantize(m, "w8a8-static", calib=[])
    assert "no calibration samples were given" in e.value.message
    with pytest.raises(qf.CompilerError) as e:
        m.save("/nonexistent/dir/model.mlir")
    assert "/nonexistent/dir/" in e.value.message

    run = m.compile("cpu")
    with pytest.raises(qf.CompilerError) as e:
        run(tokens=np.zeros((1, 128), np.float32))
    assert "cannot take f32[1x128]" in e.value.message
    with pytest.raises(qf.CompilerError) as e:
        run(tokens=np.zeros((1, 64), np.int64))
    assert "cannot take i64[1x64]" in e.value.message
    with pytest.raises(TypeError):
        run(words=np.zeros((1, 128), np.int64))
    with pytest.raises(TypeError):
        run(np.zeros((1, 128), np.complex64))
    with pytest.raises(qf.CompilerError) as e:
        m.compile("no-such-backend")
    assert "no-such-backend" in str(e.value)
    # After all of that, the model still runs.
    assert run(tokens=np.zeros((1, 128), np.int64)).shape == (1, 128, 256)


def test_two_threads_give_the_results_of_one():
    """The GPT and the CNN quantized, compiled and run in two threads at once
    give the bytes they give one at a time."""

    def gpt():
        m = qf.import_onnx(GPT, input_shapes={"tokens": (1, 128)})
        q = qf.quantize(m, "w4a16-rtn", report=False)
        run = q.compile()
        return [run(tokens=t).tobytes() for t in gpt_tokens(3, seed=2)]

    def cnn():
        m = qf.import_onnx(CNN, input_shapes={"images": (1, 1, 28, 28)})
        q = qf.quantize(m, "w8a8-dynamic", report=False)
        run = q.compile()
        return [run(img[None]).tobytes() for img in cnn_images(3)]

    alone = [gpt(), cnn()]
    together = [None, None]

    def job(i, f):
        together[i] = f()

    threads = [threading.Thread(target=job, args=(i, f))
               for i, f in enumerate((gpt, cnn))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone
