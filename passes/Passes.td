//===- Passes.td - QuantForge passes -----------------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_PASSES_TD
#define QF_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def QFRaiseQuantCastsPass : Pass<"qf-raise-quant-casts"> {
  let summary = "Turn upstream quant.qcast/quant.dcast into qf ops with "
                "explicit rounding";
  let description = [{
    Upstream `quant.qcast` leaves its rounding unstated (its lowering divides,
    adds the zero point and truncates), and canonicalization folds
    `quant.dcast(quant.qcast(x))` to `x`. This pass rewrites every
    `quant.qcast` into `qf.quantize` with the chosen rounding mode and every
    `quant.dcast` into `qf.dequantize`, so that graphs coming from other
    compilers get the explicit, saturating semantics of the qf dialect and
    keep their quantization through canonicalization.

    Before:
    ```mlir
    %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
    %y = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf32>
    ```
    After (`rounding=half_even`):
    ```mlir
    %q = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>
    %y = qf.dequantize %q : tensor<4x!quant.uniform<i8:f32, 5.000000e-01>> -> tensor<4xf32>
    ```

    Casts on scalars or unranked tensors have no qf counterpart and are
    reported as errors.
  }];
  let dependentDialects = ["::mlir::qf::QFDialect"];
  let options = [
    Option<"rounding", "rounding", "std::string", "\"half_even\"",
           "rounding mode of the produced qf.quantize ops: half_even, "
           "half_away, floor, ceil, toward_zero or stochastic">,
    Option<"seed", "seed", "int64_t", "-1",
           "seed of stochastic rounding (required with rounding=stochastic)">,
  ];
}

#endif // QF_PASSES_PASSES_TD
