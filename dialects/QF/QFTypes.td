//===- QFTypes.td - qf dialect types -----------------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFTYPES_TD
#define QF_DIALECTS_QF_QFTYPES_TD

include "dialects/QF/QFDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributes.td"

def QF_QuantRefType : TypeDef<QF_Dialect, "QuantRef"> {
  let mnemonic = "quant_ref";
  let summary = "a quantized type whose scales and zero points are in the "
                "weights file";
  let description = [{
    Only in files: a per-axis or sub-channel `!quant.uniform` type with many
    scales is written as `!qf.quant_ref`, everything but its scales and
    zero points inline, those being tensors `NAME.scales` and
    `NAME.zero_points` of the model's weights file (`parameters/`). Loading
    the weights file turns it back into the `!quant.uniform` type; no pass
    sees it. An empty `block_sizes` is the per-axis type of the one
    quantized dimension (scales f64 `[n]`, zero points i64 `[n]`); otherwise
    the sub-channel type (scales of the expressed type and zero points i64,
    both shaped as the upstream type's).

    ```mlir
    tensor<768x2048x!qf.quant_ref<"quant3", i4, f32, 1, -8, 7, [0, 1],
        [128, 1]>>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the tensors' name prefix">:$name,
    "::mlir::Type":$storageType,
    "::mlir::Type":$expressedType,
    "unsigned":$flags,
    "int64_t":$storageMin,
    "int64_t":$storageMax,
    "::mlir::DenseI32ArrayAttr":$quantizedDims,
    "::mlir::DenseI64ArrayAttr":$blockSizes
  );
  let genVerifyDecl = 1;
  let assemblyFormat = [{
    `<` $name `,` $storageType `,` $expressedType `,` $flags `,` $storageMin
    `,` $storageMax `,` $quantizedDims `,` $blockSizes `>`
  }];
}

#endif // QF_DIALECTS_QF_QFTYPES_TD
