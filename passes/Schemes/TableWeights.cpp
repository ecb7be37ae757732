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

} // namespace

TableFormat::TableFormat(SchemeAttr scheme, float weightAmax,
                         nm::MXScaleRule mxRule)
    : kind(scheme.getFormat()),
      mode(static_cast<nm::RoundingMode>(scheme.getRounding())),
      seed(scheme.getSeed().value_or(0)), mx(mxElementOf(kind)),
      mxRule(mxRule) {
  unsigned bits = codeBitsOf(kind);
  for (unsigned code = 0; code < (1u << bits); ++code) {
    if (kind == WeightFormat::nf4)
      values.push_back(nm::nf4Levels()[code]);
    else if (kind == WeightFormat::mxint8) // 1.6 fixed point
      values.push_back(float(int8_t(code)) / 64.0f);
    else
      values.push_back(float(nm::decodeFloat(
          code, mx                            ? *nm::elementFormat(*mx)
                : kind == WeightFormat::nvfp4 ? nm::FloatFormat::E2M1FN
                                              : nm::FloatFormat::E4M3FN)));
  }
  if (mx || kind == WeightFormat::nvfp4)
    for (int code = 0; code < 256; ++code)
      scaleValues.push_back(float(nm::decodeFloat(
          code, mx ? nm::FloatFormat::E8M0FNU : nm::FloatFormat::E4M3FN)));
  if (kind == WeightFormat::nvfp4)
    weightScale = nm::nvfp4TensorScale(weightAmax);
}

double TableFormat::blockParam(float amax) const {
  if (mx)
    return nm::mxScale(amax, *mx, mxRule);
  if (kind == WeightFormat::nvfp4)
    return nm::nvfp4BlockScale(amax, *weightScale);
  if (kind == WeightFormat::fp8)
    // 1 where amax / 448 is 0 in float32 (a zero block, or one below
    // 448 * 2^-149): its codes are then 0, never 0 / 0.
    return amax / 448.0f == 0 ? 1.0f : amax / 448.0f;
  return amax; // nf4
}

double TableFormat::blockParamOf(const double *v, int64_t count,
                                 int64_t stride) const {
  float amax = 0;
  for (int64_t i = 0; i < count; ++i)
    amax = std::max(amax, std::fabs(float(v[i * stride])));
  return blockParam(amax);
}

std::optional<uint8_t> TableFormat::encode(float v, double param,
                                           uint64_t index) const {
  if (mx)
    return nm::mxEncode(v, uint8_t(param), *mx, mode, seed, index);
  if (kind == WeightFormat::nvfp4)
    return nm::nvfp4Encode(v, uint8_t(param), *weightScale, mode, seed, index);
  if (kind == WeightFormat::fp8)
    return nm::encodeFloat(v / float(param), nm::FloatFormat::E4M3FN, mode,
                           nm::OverflowMode::Saturate, seed, index);
  return nm::nf4Encode(v, float(param));
}

float TableFormat::decode(uint8_t code, double param) const {
  if (mx)
    return values[code] * scaleValues[uint8_t(param)];
  if (kind == WeightFormat::nvfp4)
    return nm::nvfp4Decode(code, uint8_t(param), *weightScale);
  return values[code] * float(param);
}

FailureOr<TableWeight> mlir::qf::quantizeTableWeight(
    ArrayRef<float> data, ArrayRef<int64_t> shape, SchemeAttr scheme,
    WeightAxes axes, function_ref<InFlightDiagnostic()> emitError,
    const SolvedBlocks *solved, nm::MXScaleRule mxRule) {
  WeightFormat format = scheme.getFormat();
  StringRef name = stringifyWeightFormat(format);
  if (format == WeightFormat::nf4 &&
      scheme.getRounding() != RoundingMode::half_even)
    return emitError() << "format nf4 rounds to the nearest level only "
                          "(rounding = half_even)";
  FailureOr<nm::BlockLayout> blocks =
      solved ? FailureOr<nm::BlockLayout>(solved->layout)
             : weightLayout(shape, scheme, axes, emitError);
  if (failed(blocks))
    return failure();
  const nm::BlockLayout &layout = *blocks;
  if (solved && (!layout.isValid() ||
                 int64_t(solved->params.size()) != layout.numBlocks()))
    return emitError() << solved->params.size() << " block parameters for "
                       << layout.numBlocks() << " blocks";

  // Each block's largest magnitude.
  std::vector<float> amax(layout.numBlocks(), 0.0f);
  float dataAmax = 0;
  for (int64_t i = 0, e = layout.numElements(); i < e; ++i) {
    if (!std::isfinite(data[i]))
      return emitError() << "weight contains NaN or infinite values; it "
                            "cannot be quantized to "
                         << name;
    float &m = amax[layout.blockOf(i)];
    m = std::max(m, std::fabs(data[i]));
    dataAmax = std::max(dataAmax, m);
  }
  TableFormat rules(scheme, solved ? solved->weightAmax : dataAmax, mxRule);
  std::vector<double> params;
  if (solved)
    params = solved->params;
  else
    for (float m : amax)
      params.push_back(rules.blockParam(m));

  TableWeight result;
  result.bits = codeBitsOf(format);
  result.gridShape = layout.gridShape();
  result.table = rules.table();
  result.scaleTable = rules.scaleTable();
  result.tensorScale = rules.tensorScale();
  for (double p : params) {
    if (result.scaleTable.empty())
      result.scales.push_back(float(p));
    else
      result.scaleCodes.push_back(uint8_t(p));
  }
  for (int64_t i = 0, e = layout.numElements(); i < e; ++i) {
    double param = params[layout.blockOf(i)];
    // Finite data always has a code: the scales are positive and finite
    // (nf4's of a zero block is 0, whose codes are then 7, the level 0).
    uint8_t code = *rules.encode(data[i], param, i);
    result.codes.push_back(code);
    result.dequantized.push_back(rules.decode(code, param));
  }
  result.relativeError = relativeError(data, result.dequantized);
  result.storageBytes = (layout.numElements() * result.bits + 7) / 8 +
                        int64_t(layout.numBlocks()) * scheme.getScaleBytes() +
                        (result.tensorScale ? 4 : 0);
  return result;
}

float mlir::qf::floatActivationScale(double min, double max, FloatType format) {
  double amax = std::max(std::fabs(min), std::fabs(max));
  double largest =
      APFloat::getLargest(format.getFloatSemantics()).convertToDouble();
  return amax == 0 ? 1.0f : float(amax / largest);
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
