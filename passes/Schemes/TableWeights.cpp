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

namespace {

/// The MX element of an MX weight format.
std::optional<nm::MXElement> mxElementOf(WeightFormat format) {
  switch (format) {
  case WeightFormat::mxfp4:
    return nm::MXElement::FP4E2M1;
  case WeightFormat::mxfp6:
    return nm::MXElement::FP6E2M3;
  case WeightFormat::mxfp8:
    return nm::MXElement::FP8E4M3;
  case WeightFormat::mxint8:
    return nm::MXElement::INT8;
  default:
    return std::nullopt;
  }
}

/// The value of every code of `format`, indexed by code.
std::vector<float> codeTable(WeightFormat format) {
  std::vector<float> table;
  unsigned bits = codeBitsOf(format);
  for (unsigned code = 0; code < (1u << bits); ++code) {
    if (format == WeightFormat::nf4) {
      table.push_back(nm::nf4Levels()[code]);
      continue;
    }
    if (format == WeightFormat::mxint8) {
      // 1.6 fixed point, two's complement.
      table.push_back(float(int8_t(code)) / 64.0f);
      continue;
    }
    nm::FloatFormat element = nm::FloatFormat::E4M3FN;
    if (std::optional<nm::MXElement> mx = mxElementOf(format))
      element = *nm::elementFormat(*mx);
    else if (format == WeightFormat::nvfp4)
      element = nm::FloatFormat::E2M1FN;
    table.push_back(float(nm::decodeFloat(code, element)));
  }
  return table;
}

} // namespace

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
  std::optional<nm::MXElement> mx = mxElementOf(format);

  TableWeight result;
  result.bits = codeBitsOf(format);
  result.gridShape = layout.gridShape();
  result.table = codeTable(format);
  // Each block's largest magnitude.
  std::vector<float> amax(layout.numBlocks(), 0.0f);
  float tensorAmax = 0;
  for (int64_t i = 0, e = layout.numElements(); i < e; ++i) {
    if (!std::isfinite(data[i]))
      return emitError() << "weight contains NaN or infinite values; it "
                            "cannot be quantized to "
                         << name;
    float &m = amax[layout.blockOf(i)];
    m = std::max(m, std::fabs(data[i]));
    tensorAmax = std::max(tensorAmax, m);
  }
  if (mx || format == WeightFormat::nvfp4) {
    for (int code = 0; code < 256; ++code)
      result.scaleTable.push_back(
          mx ? float(nm::decodeFloat(code, nm::FloatFormat::E8M0FNU))
             : float(nm::decodeFloat(code, nm::FloatFormat::E4M3FN)));
    if (format == WeightFormat::nvfp4)
      result.tensorScale = nm::nvfp4TensorScale(tensorAmax);
  }
  for (float m : amax) {
    if (mx)
      result.scaleCodes.push_back(nm::mxScale(m, *mx, nm::MXScaleRule::Floor));
    else if (format == WeightFormat::nvfp4)
      result.scaleCodes.push_back(nm::nvfp4BlockScale(m, *result.tensorScale));
    else if (format == WeightFormat::fp8)
      // 1 where amax / 448 is 0 in float32 (a zero block, or one below
      // 448 * 2^-149): its codes are then 0, never 0 / 0.
      result.scales.push_back(m / 448.0f == 0 ? 1.0f : m / 448.0f);
    else // nf4
      result.scales.push_back(m);
  }

  uint64_t seed = scheme.getSeed().value_or(0);
  for (int64_t i = 0, e = layout.numElements(); i < e; ++i) {
    int64_t block = layout.blockOf(i);
    std::optional<uint8_t> code;
    float value;
    if (mx) {
      uint8_t scale = result.scaleCodes[block];
      code = nm::mxEncode(data[i], scale, *mx, mode, seed, i);
      value = result.table[*code] * result.scaleTable[scale];
    } else if (format == WeightFormat::nvfp4) {
      uint8_t scale = result.scaleCodes[block];
      code =
          nm::nvfp4Encode(data[i], scale, *result.tensorScale, mode, seed, i);
      value = nm::nvfp4Decode(*code, scale, *result.tensorScale);
    } else {
      float scale = result.scales[block];
      code = format == WeightFormat::fp8
                 ? nm::encodeFloat(data[i] / scale, nm::FloatFormat::E4M3FN,
                                   mode, nm::OverflowMode::Saturate, seed, i)
                 : nm::nf4Encode(data[i], scale);
      value = result.table[*code] * scale;
    }
    // Finite data always has a code: the scales are positive and finite
    // (nf4's of a zero block is 0, whose codes are then 7, the level 0).
    result.codes.push_back(*code);
    result.dequantized.push_back(value);
  }
  result.relativeError = relativeError(data, result.dequantized);
  result.storageBytes = (layout.numElements() * result.bits + 7) / 8 +
                        int64_t(layout.numBlocks()) * scheme.getScaleBytes() +
                        (result.tensorScale ? 4 : 0);
  return result;
}

std::optional<float> mlir::qf::floatActivationScale(double min, double max,
                                                    FloatType format) {
  double amax = std::max(std::fabs(min), std::fabs(max));
  double largest =
      APFloat::getLargest(format.getFloatSemantics()).convertToDouble();
  float scale = amax == 0 ? 1.0f : float(amax / largest);
  if (!std::isnormal(scale))
    return std::nullopt;
  return scale;
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
  auto f32Table = [&](ArrayRef<float> values) {
    auto type = RankedTensorType::get({int64_t(values.size())}, b.getF32Type());
    return cast<DenseFPElementsAttr>(DenseElementsAttr::get(type, values));
  };
  Value scales;
  DenseFPElementsAttr scaleTable;
  if (weight.scaleCodes.empty()) {
    auto type = RankedTensorType::get(weight.gridShape, b.getF32Type());
    scales = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef(weight.scales)));
  } else {
    auto type = RankedTensorType::get(weight.gridShape, b.getI8Type());
    std::vector<int8_t> scaleBytes(weight.scaleCodes.begin(),
                                   weight.scaleCodes.end());
    scales = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef(scaleBytes)));
    scaleTable = f32Table(weight.scaleTable);
  }
  FloatAttr tensorScale;
  if (weight.tensorScale)
    tensorScale = b.getF32FloatAttr(*weight.tensorScale);
  return DequantizeTableOp::create(b, loc, floatType, codes, scales,
                                   f32Table(weight.table), scaleTable,
                                   tensorScale);
}
