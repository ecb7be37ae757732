//===- Passes.td - The backend plugin interface's passes ---*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_API_PASSES_TD
#define QF_PLUGINS_API_PASSES_TD

include "mlir/Pass/PassBase.td"

def QFLowerPass : Pass<"qf-lower", "::mlir::ModuleOp"> {
  let summary = "Lower quantized IR with a backend's pipeline and optionally "
                "write its artifact";
  let description = [{
    Runs the lowering pipeline of `backend` (a built-in backend or one
    loaded with `--load-backend-plugin`; `qf-opt --qf-list-backends` lists
    them) with its `options` (`key=value`, checked by the backend), and with
    `emit=FILE` writes the backend's artifact of the lowered module (an
    object file, PTX or cubin, SPIR-V), atomically. An unknown backend or
    option is an error before anything runs.

    Before:
    ```mlir
    func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
      %y = arith.addf %x, %x : tensor<4xf32>
      return %y : tensor<4xf32>
    }
    ```
    After (`backend=cpu`: the result became an out-parameter, the function
    has a C interface):
    ```mlir
    llvm.func @main(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: i64, %arg3: i64, %arg4: i64,
                    %arg5: !llvm.ptr, %arg6: !llvm.ptr, %arg7: i64, %arg8: i64, %arg9: i64)
        attributes {llvm.emit_c_interface} {
      ...
      %s = llvm.fadd %a, %b : f32
      ...
    }
    llvm.func @_mlir_ciface_main(%arg0: !llvm.ptr, %arg1: !llvm.ptr) attributes {llvm.emit_c_interface}
    ```
  }];
  let options = [
    Option<"backend", "backend", "std::string", "\"cpu\"",
           "the backend (see qf-opt --qf-list-backends)">,
    Option<"emit", "emit", "std::string", "\"\"",
           "write the backend's artifact (object file, PTX, SPIR-V) to this "
           "file">,
    ListOption<"optionList", "options", "std::string",
               "backend options, key=value (e.g. vector-bits=256)">,
  ];
}

def QFCheckCapabilitiesPass
    : Pass<"qf-check-capabilities", "::mlir::ModuleOp"> {
  let summary = "Check quantized ops against a backend's capabilities";
  let description = [{
    The first pass of every backend's pipeline: each constant weight
    (`qf.dequantize` of a storage cast or unpack of a constant, the weight of
    `qf.matmul` and `qf.conv2d`) must have bits, granularity and symmetry the
    backend supports for weights, and each activation (`qf.quantize`,
    `qf.dynamic_quantize`, the operands of integer ops) what it supports for
    activations. Anything else is an error at the op naming the backend, what
    it cannot run and what it supports. The IR is not changed.

    Before and after (`backend=cpu`, which takes 2-, 3-, 4- and 8-bit weights
    and 8-bit activations):
    ```mlir
    %u = qf.unpack %c : tensor<4x1xi8> -> tensor<4x2x!quant.uniform<i4:f32:1, {...}>>
    %w = qf.dequantize %u : tensor<4x2x!quant.uniform<i4:f32:1, {...}>> -> tensor<4x2xf32>
    ```
  }];
  let options = [
    Option<"backend", "backend", "std::string", "\"cpu\"",
           "the backend whose capabilities decide">,
  ];
}

#endif // QF_PLUGINS_API_PASSES_TD
