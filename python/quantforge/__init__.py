"""QuantForge for Python: import, quantize, compile and run models.

    import quantforge as qf, numpy as np
    m = qf.import_onnx("gpt.onnx", input_shapes={"tokens": (1, 128)})
    q = qf.quantize(m, recipe="w4a16-gptq", calib=[{"tokens": x} for x in batches])
    print(q.report.table())                # per-layer scheme, bits, error
    y = q.compile("cpu")(tokens=x)         # numpy in, numpy out
    q.save("gpt-w4.mlir")                  # and gpt-w4.safetensors beside it

A thin layer over QuantForge's C API (include/quantforge-c/Session.h).
Arrays go in without a copy where they are C-contiguous; the GIL is released
while the compiler imports, calibrates, quantizes, compiles and runs, so
models in other threads go on meanwhile. Each model read or imported gets a
compiler session (an MLIRContext) of its own; models derived from it
(quantize, clone) share it. Errors raise CompilerError with the compiler's
diagnostics.
"""

import json
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _quantforge
from .errors import CompilerError, Diagnostic

__all__ = ["CompilerError", "Diagnostic", "Model", "CompiledModel", "Report",
           "import_onnx", "load", "parse", "quantize", "recipes",
           "api_version"]

Shape = Sequence[int]
Sample = Mapping[str, np.ndarray]


def api_version() -> Tuple[int, int]:
    """The C library's ABI version as (major, minor)."""
    v = _quantforge.api_version()
    return v >> 16, v & 0xFFFF


def recipes() -> List[str]:
    """The names of the built-in recipes (qf-quantize --list-recipes)."""
    return list(_quantforge.recipes())


class Report:
    """What quantizing did: each quantized weight's scheme, size and error,
    the model's size before and after, and (with calibration data) the
    output error against the float model."""

    def __init__(self, data: dict, markdown: str):
        self.data = data
        self._markdown = markdown

    @property
    def weights(self) -> List[dict]:
        return self.data["weights"]

    @property
    def outputs(self) -> List[dict]:
        return self.data["outputs"]

    def markdown(self) -> str:
        """The report qf-quantize --report writes."""
        return self._markdown

    def table(self) -> str:
        """One line per quantized weight: layer, scheme, bits per weight,
        weight error and (where measured) the layer's output error."""
        rows = [("layer", "scheme", "bits", "weight error", "output error")]
        for w in self.weights:
            bits = 8.0 * w["bytes"] / w["params"] if w["params"] else 0.0
            out = w.get("output_error")
            rows.append((w["layer"], w["scheme"], f"{bits:.2f}",
                         f"{w['weight_error']:.3e}",
                         "-" if out is None else f"{out:.3e}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                 for r in rows]
        size = (f"model: {self.data['float_model_bytes']} -> "
                f"{self.data['quantized_model_bytes']} bytes")
        return "\n".join(lines + [size])

    def __repr__(self) -> str:
        return f"<Report {self.data['recipe']}: {len(self.weights)} weights>"


class CompiledModel:
    """A model compiled for a backend: call it with arrays (by position or
    by input name); it returns the output array, or a tuple of them."""

    def __init__(self, executable: "_quantforge.Executable"):
        self._executable = executable
        self.inputs: List[dict] = list(executable.inputs())
        self.outputs: List[dict] = list(executable.outputs())

    def __call__(self, *args: np.ndarray, **kwargs: np.ndarray
                 ) -> Union[np.ndarray, Tuple[np.ndarray, ...]]:
        given: List[Optional[np.ndarray]] = [None] * len(self.inputs)
        if len(args) > len(given):
            raise TypeError(f"the model takes {len(given)} inputs, "
                            f"not {len(args)}")
        for i, a in enumerate(args):
            given[i] = a
        names = [p["name"] or str(i) for i, p in enumerate(self.inputs)]
        for name, a in kwargs.items():
            if name not in names:
                raise TypeError(f"the model has no input '{name}'; its inputs "
                                f"are {', '.join(names)}")
            i = names.index(name)
            if given[i] is not None:
                raise TypeError(f"input '{name}' is given twice")
            given[i] = a
        missing = [n for n, a in zip(names, given) if a is None]
        if missing:
            raise TypeError(f"missing input(s): {', '.join(missing)}")
        results = self._executable.run([np.asarray(a) for a in given])
        return results[0] if len(results) == 1 else tuple(results)


class Model:
    """A model (an MLIR module and its weights) in a compiler session."""

    def __init__(self, handle: "_quantforge.Model"):
        self._handle = handle
        self.report: Optional[Report] = None

    def clone(self) -> "Model":
        return Model(self._handle.clone())

    def __str__(self) -> str:
        """The IR, weights inline."""
        return self._handle.text()

    def save(self, path: str, weights: str = "") -> None:
        """Writes the IR to `path` and the weights of 4 KiB or more to
        `weights` (default: beside it, extension .safetensors), each file
        whole or not at all."""
        self._handle.write(str(path), str(weights))

    def run_pipeline(self, pipeline: str) -> "Model":
        """Runs a pass pipeline (as qf-opt's --pass-pipeline) in place."""
        self._handle.run_pipeline(pipeline)
        return self

    def compile(self, backend: str = "cpu", entry: str = "main"
                ) -> CompiledModel:
        return CompiledModel(self._handle.compile(backend, entry))


def import_onnx(path: str, input_shapes: Optional[Mapping[str, Shape]] = None,
                *, num_threads: int = 0) -> Model:
    """Imports an ONNX model; `input_shapes` fixes its inputs' dynamic
    dimensions by name. `num_threads` bounds MLIR's threads in the model's
    compiler session (0: one per core)."""
    shapes = {k: [int(d) for d in v] for k, v in (input_shapes or {}).items()}
    return Model(_quantforge.Model.import_onnx(str(path), shapes, num_threads))


def load(path: str, weights: str = "", *, num_threads: int = 0) -> Model:
    """Reads MODEL.mlir (text or bytecode) and its weights (`weights`, or
    MODEL.safetensors beside it)."""
    return Model(_quantforge.Model.read(str(path), str(weights), num_threads))


def parse(text: str, name: str = "<string>", *, num_threads: int = 0
          ) -> Model:
    """Parses MLIR text, weights inline."""
    return Model(_quantforge.Model.parse(text, name, num_threads))


def quantize(model: Model, recipe: str,
             calib: Optional[Iterable[Sample]] = None, *,
             backend: str = "cpu", report: bool = True, entry: str = "main",
             progress: bool = True) -> Model:
    """Quantizes a copy of `model` with a built-in recipe (see recipes()) or
    a recipe YAML file, calibrating on `calib`: samples, each a dict from
    input name to array (or a stack of samples along a leading dimension).
    The arrays are read in place while quantize runs, after `calib` has been
    consumed: a loader that refills one buffer must yield copies. With `progress`, calibration draws a
    progress bar on stderr when it is a terminal. The copy's `report` says
    what was done (None without `report`)."""
    dataset = None
    if calib is not None:
        dataset = model._handle.dataset()
        for i, sample in enumerate(calib):
            if not isinstance(sample, Mapping):
                raise TypeError(f"calibration sample {i} is not a dict of "
                                f"arrays")
            dataset.add(dict(sample))
    quantized = model.clone()
    quantized._handle.quantize(recipe, dataset, backend, report, entry,
                               progress)
    if report:
        quantized.report = Report(json.loads(quantized._handle.report("json")),
                                  quantized._handle.report("markdown"))
    return quantized
