//===- TableWeights.cpp - Weights in the float-code formats ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Schemes/TableWeights.h"

#include "dialects/QF/QFOps.h"
#include "numerics/FloatFormats.h"
#include "numerics/Packing.h"
#include "numerics/QuantParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;
namespace nm = mlir::qf::numerics;

FailureOr<TableWeight>
mlir::qf::quantizeTableWeight(ArrayRef<float> data, ArrayRef<int64_t> shape,
                              SchemeAttr scheme, WeightAxes axes,
                              function_ref<InFlightDiagnostic()> emitError) {
  WeightFormat format = scheme.getFormat();
  StringRef name = stringifyWeightFormat(format);
  auto mode = static_cast<nm::RoundingMode>(scheme.getRounding());
  if (format == WeightFormat::nf4 && mode != nm::RoundingMode::HalfEven)
    return emitError() << "format nf4 rounds to the nearest level only "
                          "(rounding = half_even)";
  FailureOr<nm::BlockLayout> blocks =
      weightLayout(shape, scheme, axes, emitError);
  if (failed(blocks))
    return failure();
  const nm::BlockLayout &layout = *blocks;

  TableWeight result;
  result.bits = format == WeightFormat::fp8 ? 8 : 4;
  result.gridShape = layout.gridShape();
  // Each block's largest magnitude.
  std::vector<float> amax(layout.numBlocks(), 0.0f);
  for (int64_t i = 0, e = layout.numElements(); i < e; ++i) {
    if (!std::isfinite(data[i]))
      return emitError() << "weight contains NaN or infinite values; it "
                            "cannot be quantized to "
                         << name;
    float &m = amax[layout.blockOf(i)];
    m = std::max(m, std::fabs(data[i]));
  }
  std::vector<uint8_t> mxScales;
  for (float m : amax) {
    switch (format) {
    case WeightFormat::fp8: {
      // 1 where amax / 448 is 0 in float32 (a zero block, or one below
      // 448 * 2^-149): its codes are then 0, never 0 / 0.
      float scale = m / 448.0f;
      result.scales.push_back(scale == 0 ? 1.0f : scale);
      break;
    }
    case WeightFormat::mxfp4: {
      uint8_t code =
          nm::mxScale(m, nm::MXElement::FP4E2M1, nm::MXScaleRule::Floor);
      mxScales.push_back(code);
      result.scales.push_back(std::ldexp(1.0f, int(code) - 127));
      break;
    }
    default: // nf4
      result.scales.push_back(m);
      break;
    }
  }
  for (int code = 0, e = 1 << result.bits; code < e; ++code)
    result.table.push_back(
        format == WeightFormat::fp8
            ? float(nm::decodeFloat(code, nm::FloatFormat::E4M3FN))
        : format == WeightFormat::mxfp4
            ? float(nm::decodeFloat(code, nm::FloatFormat::E2M1FN))
            : nm::nf4Levels()[code]);

  uint64_t seed = scheme.getSeed().value_or(0);
  for (int64_t i = 0, e = layout.numElements(); i < e; ++i) {
    int64_t block = layout.blockOf(i);
    float scale = result.scales[block];
    std::optional<uint8_t> code;
    if (format == WeightFormat::fp8)
      code = nm::encodeFloat(data[i] / scale, nm::FloatFormat::E4M3FN, mode,
                             nm::OverflowMode::Saturate, seed, i);
    else if (format == WeightFormat::mxfp4)
      code = nm::mxEncode(data[i], mxScales[block], nm::MXElement::FP4E2M1,
                          mode, seed, i);
    else
      code = nm::nf4Encode(data[i], scale);
    // Finite data always has a code: scales are positive, but nf4's of a
    // zero block, whose codes are then 7 (0).
    result.codes.push_back(*code);
    result.dequantized.push_back(result.table[*code] * scale);
  }
  result.relativeError = relativeError(data, result.dequantized);
  result.storageBytes = (layout.numElements() * result.bits + 7) / 8 +
                        int64_t(result.scales.size()) * 4;
  return result;
}

Value mlir::qf::materializeTableWeight(OpBuilder &b, Location loc,
                                       RankedTensorType floatType,
                                       const TableWeight &weight) {
  ArrayRef<int64_t> shape = floatType.getShape();
  SmallVector<int64_t> codesShape(shape);
  std::vector<int8_t> bytes;
  if (weight.bits == 8) {
    bytes.assign(weight.codes.begin(), weight.codes.end());
  } else {
    int64_t rowLength = shape.back();
    int64_t rows = ShapedType::getNumElements(shape.drop_back());
    std::vector<int64_t> codes(weight.codes.begin(), weight.codes.end());
    std::vector<uint8_t> packed =
        nm::packBits(codes.data(), rows, rowLength, weight.bits);
    bytes.assign(packed.begin(), packed.end());
    codesShape.back() = nm::packedRowBytes(rowLength, weight.bits);
  }
  auto codesType = RankedTensorType::get(codesShape, b.getI8Type());
  Value codes = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(codesType, ArrayRef(bytes)));
  auto scalesType = RankedTensorType::get(weight.gridShape, b.getF32Type());
  Value scales = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(scalesType, ArrayRef(weight.scales)));
  auto tableType =
      RankedTensorType::get({int64_t(weight.table.size())}, b.getF32Type());
  return DequantizeTableOp::create(
      b, loc, floatType, codes, scales,
      cast<DenseFPElementsAttr>(
          DenseElementsAttr::get(tableType, ArrayRef(weight.table))));
}
