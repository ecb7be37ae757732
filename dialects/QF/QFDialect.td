//===- QFDialect.td - The qf dialect -----------------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFDIALECT_TD
#define QF_DIALECTS_QF_QFDIALECT_TD

include "mlir/IR/OpBase.td"

def QF_Dialect : Dialect {
  let name = "qf";
  let cppNamespace = "::mlir::qf";
  let summary = "QuantForge quantization operations";
  let description = [{
    The `qf` dialect adds to upstream `!quant.uniform` types what a
    quantization compiler needs and upstream lacks: calibration points
    (`qf.observe`), quantize / dequantize / requantize with an explicit
    rounding mode and saturation, QAT simulation that canonicalization never
    removes (`qf.fake_quant`), integer compute with i32 accumulation whose
    requantization is explicit (`qf.matmul`, `qf.conv2d`), sub-byte storage
    (`qf.pack` / `qf.unpack`) and the per-op decision of a pass
    (`#qf.scheme`).

    Quantized values are tensors of upstream `!quant.uniform` element types
    (per-tensor, per-axis and sub-channel). Every op saturates: an integer
    result is clamped to its quantized type's storage range
    (`storageTypeMin..storageTypeMax`, which narrow-range types shrink).
    The bit-level meaning of every op is the numerics core in
    `numerics/`.
  }];
  // Folded pack/unpack results materialize as arith.constant.
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

class QF_Op<string mnemonic, list<Trait> traits = []>
    : Op<QF_Dialect, mnemonic, traits>;

#endif // QF_DIALECTS_QF_QFDIALECT_TD
