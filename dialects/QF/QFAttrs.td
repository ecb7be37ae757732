//===- QFAttrs.td - qf enums and attributes ----------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFATTRS_TD
#define QF_DIALECTS_QF_QFATTRS_TD

include "dialects/QF/QFDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def QF_RoundingModeEnum : I32EnumAttr<"RoundingMode",
    "rounding of a real value to an integer", [
  I32EnumAttrCase<"half_even", 0>,
  I32EnumAttrCase<"half_away", 1>,
  I32EnumAttrCase<"floor", 2>,
  I32EnumAttrCase<"ceil", 3>,
  I32EnumAttrCase<"toward_zero", 4>,
  I32EnumAttrCase<"stochastic", 5>
]> {
  let cppNamespace = "::mlir::qf";
}


def QF_GradientEnum : I32EnumAttr<"StraightThrough",
    "straight-through gradient of a fake quantization", [
  // d out / d in = 1 where the input lies inside the representable range,
  // 0 outside (the PyTorch/TF convention).
  I32EnumAttrCase<"clipped", 0>,
  // d out / d in = 1 everywhere.
  I32EnumAttrCase<"identity", 1>
]> {
  let cppNamespace = "::mlir::qf";
}


def QF_GranularityEnum : I32EnumAttr<"Granularity",
    "how many scales a quantized tensor has", [
  I32EnumAttrCase<"per_tensor", 0>,
  I32EnumAttrCase<"per_channel", 1>,
  I32EnumAttrCase<"per_group", 2>
]> {
  let cppNamespace = "::mlir::qf";
  // Only a parameter of #qf.scheme, never an attribute of its own.
  let genSpecializedAttr = 0;
}

def QF_WeightFormatEnum : I32EnumAttr<"WeightFormat",
    "what a weight's codes mean", [
  // Affine integers: (code - zero point) * scale (!quant.uniform).
  I32EnumAttrCase<"integer", 0>,
  // Codes of a float format times a float32 scale per block
  // (qf.dequantize_table; numerics/FloatFormats.h): FP8 E4M3FN, i8 codes.
  I32EnumAttrCase<"fp8", 1>,
  // OCP MXFP4: E2M1 codes, a power-of-two scale per block (MX floor rule).
  I32EnumAttrCase<"mxfp4", 2>,
  // NF4 (QLoRA): the 16 normal-quantile levels times the block's absmax.
  I32EnumAttrCase<"nf4", 3>,
  // NVFP4: E2M1 codes, an E4M3FN scale per block and a float32 scale for
  // the whole tensor.
  I32EnumAttrCase<"nvfp4", 4>,
  // OCP MXFP6 (E2M3 elements), MXFP8 (E4M3 elements) and MXINT8: a
  // power-of-two E8M0 scale per block.
  I32EnumAttrCase<"mxfp6", 5>,
  I32EnumAttrCase<"mxfp8", 6>,
  I32EnumAttrCase<"mxint8", 7>
]> {
  let cppNamespace = "::mlir::qf";
  // Only a parameter of #qf.scheme.
  let genSpecializedAttr = 0;
}

def QF_SchemeAttr : AttrDef<QF_Dialect, "Scheme"> {
  let mnemonic = "scheme";
  let summary = "the quantization a pass decided for one op";
  let description = [{
    Weight and activation storage (integer widths 2, 3, 4, 8 or the float
    casts f16/bf16; activations may be left unquantized), granularity
    (`per_group = N` is groups of N along the reduction axis), symmetry and
    the rounding mode. Mixed-precision assignment writes one per op;
    `quant-quantize` materializes it.

    ```mlir
    #qf.scheme<weight = i4, per_group = 128, asymmetric, rounding = half_even>
    #qf.scheme<weight = i8, act = i8, per_channel, symmetric, rounding = half_even>
    #qf.scheme<weight = i8, per_tensor, symmetric, rounding = stochastic, seed = 7>
    #qf.scheme<weight = bf16, per_tensor, symmetric, rounding = half_even>
    ```

    A weight format other than affine integers has the weight type of its
    codes (i8 for fp8, mxfp8 and mxint8, i6 for mxfp6, i4 for mxfp4, nvfp4
    and nf4) and is symmetric; its blocks are the granularity's (MX's own
    blocks are groups of 32, NVFP4's of 16, NF4's of 64). Only fp8 and mxfp8
    take activations, of FP8 (`act = f8E4M3FN`: rounded to E4M3FN under a
    calibrated per-tensor scale, or in MX blocks with run-time scales); the
    others are weight-only:

    ```mlir
    #qf.scheme<weight = i8, format = fp8, per_channel, symmetric, rounding = half_even>
    #qf.scheme<weight = i4, format = mxfp4, per_group = 32, symmetric, rounding = half_even>
    #qf.scheme<weight = i4, format = nf4, per_group = 64, symmetric, rounding = half_even>
    #qf.scheme<weight = i8, format = fp8, act = f8E4M3FN, per_channel, symmetric, rounding = half_even>
    ```
  }];
  let parameters = (ins
    "::mlir::Type":$weightType,
    "::mlir::Type":$actType,
    "::mlir::qf::Granularity":$granularity,
    "int64_t":$groupSize,
    "bool":$symmetric,
    "::mlir::qf::RoundingMode":$rounding,
    "std::optional<uint64_t>":$seed,
    DefaultValuedParameter<"::mlir::qf::WeightFormat",
                           "::mlir::qf::WeightFormat::integer">:$format
  );
  let builders = [
    // An affine integer (or float cast) scheme.
    AttrBuilder<(ins "::mlir::Type":$weightType, "::mlir::Type":$actType,
                     "::mlir::qf::Granularity":$granularity,
                     "int64_t":$groupSize, "bool":$symmetric,
                     "::mlir::qf::RoundingMode":$rounding,
                     "std::optional<uint64_t>":$seed), [{
      return $_get($_ctxt, weightType, actType, granularity, groupSize,
                   symmetric, rounding, seed,
                   ::mlir::qf::WeightFormat::integer);
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bits of the weight storage (16 for the float casts).
    unsigned getWeightBits() const;
    /// True when activations stay in floating point.
    bool isWeightOnly() const { return !getActType(); }
    /// True for the float-code formats (qf.dequantize_table).
    bool isTableFormat() const {
      return getFormat() != ::mlir::qf::WeightFormat::integer;
    }
    /// Bytes of one block's scale as stored: 1 for the formats whose scales
    /// are E8M0 or E4M3 codes (MX, NVFP4), else a float32 (and a zero point
    /// byte when asymmetric); 0 for the float casts.
    unsigned getScaleBytes() const;
  }];
}

#endif // QF_DIALECTS_QF_QFATTRS_TD
