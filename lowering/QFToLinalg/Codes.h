//===- Codes.h - Scalar quantization code inside linalg bodies --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Internal to lowering/QFToLinalg: the scalar arithmetic of the numerics core
// (rounding, quantize, dequantize, the stochastic draw) emitted inside
// linalg.generic bodies, and elementwise generics that read per-tensor,
// per-axis or blocked parameters.
//
//===----------------------------------------------------------------------===//

#ifndef QF_LOWERING_QFTOLINALG_CODES_H
#define QF_LOWERING_QFTOLINALG_CODES_H

#include "dialects/QF/QFAttrs.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::qf::lowering {

/// How a parameter tensor is read inside an elementwise generic over a
/// tensor of `rank` dimensions: `shape` (empty for a scalar) indexed by
/// `exprs` of the loop dimensions.
struct ParamGrid {
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> exprs;
};

/// Per-element constants of a generic, laid out as `grid`.
struct ParamVector {
  Type type;
  SmallVector<Attribute> values;
  ParamGrid grid;
};

/// An op's rounding: the mode, the seed and, for stochastic draws, the
/// row-major strides of its input (the draw index is the element's position).
struct Rounding {
  RoundingMode mode;
  uint64_t seed;
  SmallVector<Value> strides;
};

/// One value per index of `axis` (a scalar when `count` is 1).
ParamGrid alongAxis(std::optional<int32_t> axis, int64_t count,
                    MLIRContext *ctx);

/// The parameter grid of a quantized type: per tensor, per axis, or blocks
/// (element i of a dimension with block size B reads grid index i floordiv B).
ParamGrid gridOf(quant::QuantizedType q, MLIRContext *ctx);

/// A parameter as a constant: a scalar when its grid is empty, else a
/// tensor shaped like the grid.
Value paramConstant(OpBuilder &b, Location loc, const ParamVector &param);

/// Builds an elementwise `linalg.generic` over `input` producing
/// `resultType`. Each parameter reaches `body` as a scalar: a constant when
/// its grid is empty, else a block argument read through the grid's map.
Value buildElementwise(
    PatternRewriter &rewriter, Location loc, Value input,
    RankedTensorType resultType, ArrayRef<ParamVector> params,
    function_ref<Value(OpBuilder &, Location, Value, ValueRange)> body);

/// Scales (in `fType`) and zero points (i64) of a quantized type, per
/// tensor, per axis or per block.
SmallVector<ParamVector> scaleAndZeroPoint(Builder &b, quant::QuantizedType q,
                                           FloatType fType);

/// Inputs and maps reading the scales and zero points of a tensor of
/// quantized type `qtype` inside a generic of `numDims` loops, where tensor
/// dimension d is loop `loopOf[d]`; scalars when per tensor.
struct ParamReads {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  Value scalarScale, scalarZeroPoint;

  /// The scale and zero point inside the body, whose arguments from
  /// `first` on are `inputs`.
  std::pair<Value, Value> at(ValueRange args, unsigned first) const {
    Value scale = scalarScale ? scalarScale : args[first];
    Value zp =
        scalarZeroPoint ? scalarZeroPoint : args[first + (scalarScale ? 0 : 1)];
    return {scale, zp};
  }
};

ParamReads readParams(PatternRewriter &rewriter, Location loc,
                      quant::QuantizedType qtype, FloatType fType,
                      unsigned numDims, ArrayRef<unsigned> loopOf);

/// Row-major strides of `value`'s shape, for the stochastic draw's index.
SmallVector<Value> rowMajorStrides(PatternRewriter &rewriter, Location loc,
                                   Value value);

/// The rounding of a qf op with a `rounding` mode and optional `seed`.
template <typename OpT> Rounding roundingOf(PatternRewriter &rewriter, OpT op) {
  Rounding rounding{op.getRounding(), op.getSeed().value_or(0), {}};
  if (rounding.mode == RoundingMode::stochastic)
    rounding.strides = rowMajorStrides(rewriter, op.getLoc(), op.getInput());
  return rounding;
}

/// The row-major index of the current element of a generic over `shape`,
/// from strides computed outside the generic.
Value flatIndex(OpBuilder &b, Location loc, ArrayRef<Value> strides);

/// numerics' drawBits: the top 24 bits of splitmix64 of
/// seed + (index + 1) * golden, as i64.
Value drawBits(OpBuilder &b, Location loc, uint64_t seed, Value index);

/// round(v) as f64. Deterministic modes round in v's type (the result is an
/// integer, exact in f64); stochastic rounds up with probability frac(v).
Value roundValue(OpBuilder &b, Location loc, Value v, const Rounding &rounding);

/// q = clamp(round(x / scale) + zp) as i64, numerics::quantize exactly: the
/// clamp happens in f64 on [qmin - zp, qmax - zp], so infinities and huge
/// values saturate, and NaN quantizes to the zero point.
Value quantizeCode(OpBuilder &b, Location loc, Value x, Value scale,
                   Value zeroPoint, int64_t qmin, int64_t qmax,
                   const Rounding &rounding);

/// x = float(q - zp) * scale, numerics::dequantize exactly; q is i64.
Value dequantizeCode(OpBuilder &b, Location loc, Value q, Value scale,
                     Value zeroPoint, FloatType fType);

/// The code of element (outer..., inner) of a packed tensor (qf.pack's bit
/// order: a little-endian bit stream per innermost row), as i64,
/// sign-extended for signed storage. `rowBytes` is the packed row length.
Value extractCode(OpBuilder &b, Location loc, Value packed, ValueRange outer,
                  Value inner, unsigned bits, bool isSigned, Value rowBytes);

} // namespace mlir::qf::lowering

#endif // QF_LOWERING_QFTOLINALG_CODES_H
