//===- QFOps.cpp - qf operations ------------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"
#include "numerics/Packing.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;

//===----------------------------------------------------------------------===//
// Shared verification
//===----------------------------------------------------------------------===//

static quant::QuantizedType quantElement(Type type) {
  return cast<quant::QuantizedType>(cast<ShapedType>(type).getElementType());
}

/// `stochastic` rounding needs a seed; any other mode takes none.
static LogicalResult verifyRounding(Operation *op, RoundingMode rounding,
                                    std::optional<int64_t> seed) {
  if (rounding == RoundingMode::stochastic && !seed)
    return op->emitOpError("stochastic rounding requires a seed");
  if (rounding != RoundingMode::stochastic && seed)
    return op->emitOpError("seed is only meaningful with stochastic rounding, "
                           "not ")
           << stringifyRoundingMode(rounding);
  return success();
}

static LogicalResult verifyExpressedType(Operation *op, Type floatType,
                                         quant::QuantizedType qtype,
                                         StringRef floatRole) {
  if (qtype.getExpressedType() != floatType)
    return op->emitOpError() << floatRole << " element type " << floatType
                             << " differs from the expressed type "
                             << qtype.getExpressedType() << " of " << qtype;
  return success();
}

static bool scalesMatch(double a, double b) {
  // Quantized types print their scales in decimal; allow for that rounding.
  return std::abs(a - b) <= 1e-5 * std::max(std::abs(a), std::abs(b));
}

/// Index of the first pair of equally long scale lists that differ.
static std::optional<size_t> firstScaleMismatch(ArrayRef<double> a,
                                                ArrayRef<double> b) {
  for (size_t i = 0, e = std::min(a.size(), b.size()); i < e; ++i)
    if (!scalesMatch(a[i], b[i]))
      return i;
  return std::nullopt;
}

static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string result;
  llvm::raw_string_ostream os(result);
  os << "[";
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return result;
}

static bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto pair) {
           auto [x, y] = pair;
           return ShapedType::isDynamic(x) || ShapedType::isDynamic(y) ||
                  x == y;
         });
}

namespace {
/// How the operands of an integer contraction are quantized, and where their
/// per-axis dimensions land in the accumulator.
struct ContractionOperand {
  StringRef role;
  RankedTensorType type;
  /// The one operand dimension allowed to be per-axis, and its accumulator
  /// dimension; none when the operand must be per-tensor.
  std::optional<std::pair<int32_t, int32_t>> axisToAccumulator;
};
} // namespace

/// Verifies that `acc` is the i32 accumulator of `lhs x rhs` (zero point 0,
/// scale the product of the operand scales) and that `bias`, if any, has the
/// accumulator's quantization along its only dimension.
static LogicalResult verifyAccumulator(Operation *op, ContractionOperand lhs,
                                       ContractionOperand rhs,
                                       RankedTensorType acc, Value bias) {
  auto accType = quantElement(acc);
  Type expressed = accType.getExpressedType();
  for (const ContractionOperand &operand : {lhs, rhs}) {
    auto qtype = quantElement(operand.type);
    if (qtype.getStorageTypeIntegralWidth() > 8)
      return op->emitOpError()
             << operand.role << " storage " << qtype.getStorageType()
             << " is wider than 8 bits; integer compute takes at most 8-bit "
                "operands";
    if (qtype.getExpressedType() != expressed)
      return op->emitOpError()
             << operand.role << " expressed type " << qtype.getExpressedType()
             << " differs from the result's " << expressed;
    std::optional<int32_t> axis = getQuantizedAxis(qtype);
    if (axis && *axis == -1)
      return op->emitOpError()
             << operand.role
             << " is quantized in blocks, which cannot accumulate in i32 with "
                "one scale per output; dequantize it instead";
    if (axis && (!operand.axisToAccumulator ||
                 operand.axisToAccumulator->first != *axis))
      return op->emitOpError()
             << operand.role << " is quantized per channel on axis " << *axis
             << ", which is not an output dimension of the contraction";
  }

  if (!accType.isSigned() || accType.getStorageTypeIntegralWidth() != 32)
    return op->emitOpError() << "result must be the i32 accumulator, got "
                                "storage "
                             << accType.getStorageType();
  if (llvm::any_of(getZeroPoints(accType), [](int64_t zp) { return zp != 0; }))
    return op->emitOpError("result accumulator zero point must be 0");

  // Expected accumulator scales: lhs(row) * rhs(channel); at most one of the
  // two varies.
  SmallVector<double> lhsScales = getScales(quantElement(lhs.type));
  SmallVector<double> rhsScales = getScales(quantElement(rhs.type));
  if (lhsScales.size() > 1 && rhsScales.size() > 1)
    return op->emitOpError(
        "lhs and rhs are both quantized per channel; the accumulator would "
        "need a scale per element");
  // Operand axes were checked above: a per-axis operand maps to an
  // accumulator dimension.
  std::optional<int32_t> expectedAxis;
  if (getQuantizedAxis(quantElement(lhs.type)))
    expectedAxis = lhs.axisToAccumulator->second;
  if (getQuantizedAxis(quantElement(rhs.type)))
    expectedAxis = rhs.axisToAccumulator->second;
  SmallVector<double> expected;
  for (double l : lhsScales)
    for (double r : rhsScales)
      expected.push_back(l * r);

  std::optional<int32_t> accAxis = getQuantizedAxis(accType);
  SmallVector<double> accScales = getScales(accType);
  if (accAxis != expectedAxis)
    return op->emitOpError()
           << "result accumulator must be "
           << (expectedAxis ? "quantized per channel on axis " +
                                  std::to_string(*expectedAxis)
                            : std::string("per tensor"))
           << " like its operands";
  if (accScales.size() != expected.size())
    return op->emitOpError() << "result accumulator has " << accScales.size()
                             << " scales, expected " << expected.size();
  if (std::optional<size_t> i = firstScaleMismatch(accScales, expected))
    return op->emitOpError()
           << "result accumulator scale " << accScales[*i] << " at index " << *i
           << " must be the product of the operand scales, " << expected[*i];

  if (!bias)
    return success();
  auto biasType = cast<RankedTensorType>(bias.getType());
  int64_t channels = acc.getDimSize(acc.getRank() - 1);
  if (biasType.getRank() != 1 ||
      !shapesCompatible(biasType.getShape(), {channels}))
    return op->emitOpError()
           << "bias shape " << formatShape(biasType.getShape()) << " must be ["
           << channels << "]";
  auto biasQType = quantElement(biasType);
  std::optional<int32_t> biasAxis = getQuantizedAxis(biasQType);
  bool biasAxisOk =
      accAxis ? (biasAxis && *biasAxis == 0 && *accAxis == acc.getRank() - 1)
              : !biasAxis;
  SmallVector<double> biasScales = getScales(biasQType);
  if (biasQType.getStorageType() != accType.getStorageType() || !biasAxisOk ||
      biasScales.size() != accScales.size() ||
      firstScaleMismatch(biasScales, accScales))
    return op->emitOpError()
           << "bias type " << biasQType
           << " must carry the accumulator's quantization " << accType;
  return success();
}

//===----------------------------------------------------------------------===//
// ObserveOp
//===----------------------------------------------------------------------===//

LogicalResult ObserveOp::verify() {
  // I64Attr reads back unsigned; the sign lives in the attribute.
  if (getIdAttr().getInt() < 0)
    return emitOpError("id must be non-negative, got ") << getIdAttr().getInt();
  DictionaryAttr stats = getStatsAttr();
  if (!stats)
    return success();
  auto minAttr = stats.getAs<FloatAttr>("min");
  auto maxAttr = stats.getAs<FloatAttr>("max");
  if (bool(stats.get("min")) != bool(minAttr) ||
      bool(stats.get("max")) != bool(maxAttr))
    return emitOpError("stats min and max must be float attributes");
  for (FloatAttr bound : {minAttr, maxAttr})
    if (bound && !bound.getValue().isFinite())
      return emitOpError("stats bound ")
             << bound.getValueAsDouble() << " is not finite";
  if (minAttr && maxAttr &&
      minAttr.getValueAsDouble() > maxAttr.getValueAsDouble())
    return emitOpError("stats min ")
           << minAttr.getValueAsDouble() << " exceeds max "
           << maxAttr.getValueAsDouble();
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp, DequantizeOp, RequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  if (failed(verifyRounding(*this, getRounding(), getSeed())))
    return failure();
  auto resultType = cast<RankedTensorType>(getType());
  if (failed(verifyExpressedType(*this, getInput().getType().getElementType(),
                                 quantElement(resultType), "input")))
    return failure();
  return verifyQuantizedTensor(*this, resultType, "result");
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(q)) == q when the types agree: (q - zp) * s / s is
  // within an ulp of the integer q - zp, which rounding to nearest restores.
  // Directed and stochastic modes could step off it, so only those two.
  auto dequantize = getInput().getDefiningOp<DequantizeOp>();
  if (dequantize && dequantize.getInput().getType() == getType() &&
      (getRounding() == RoundingMode::half_even ||
       getRounding() == RoundingMode::half_away))
    return dequantize.getInput();
  return {};
}

LogicalResult DequantizeOp::verify() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  if (failed(verifyExpressedType(*this, getType().getElementType(),
                                 quantElement(inputType), "result")))
    return failure();
  return verifyQuantizedTensor(*this, inputType, "input");
}

LogicalResult DequantizeTableOp::verify() {
  int64_t entries = getTable().getNumElements();
  if (getTable().getType().getRank() != 1 ||
      (entries != 16 && entries != 64 && entries != 256))
    return emitOpError("table has ")
           << entries
           << " entries; 4-bit codes need 16, 6-bit codes 64, 8-bit codes 256";
  bool byteScales = getScales().getType().getElementType().isInteger(8);
  if (byteScales != bool(getScaleTable()))
    return emitOpError(byteScales ? "has i8 scales but no scale_table"
                                  : "has a scale_table but f32 scales");
  if (getScaleTable() && (getScaleTable()->getType().getRank() != 1 ||
                          getScaleTable()->getNumElements() != 256))
    return emitOpError("scale_table has ") << getScaleTable()->getNumElements()
                                           << " entries; byte scales need 256";
  if (getTensorScale() && !getScaleTable())
    return emitOpError("tensor_scale needs byte scales and a scale_table");
  auto codes = getCodes().getType();
  auto scales = getScales().getType();
  auto output = getOutput().getType();
  if (!codes.hasStaticShape() || !scales.hasStaticShape() ||
      !output.hasStaticShape())
    return emitOpError("needs static shapes");
  int64_t rank = output.getRank();
  if (rank == 0 || codes.getRank() != rank || scales.getRank() != rank)
    return emitOpError("codes, scales and output must have one rank of at "
                       "least 1");
  unsigned bits = getCodeBits();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = output.getDimSize(d);
    int64_t expected = d + 1 < rank ? size : (size * bits + 7) / 8;
    if (codes.getDimSize(d) != expected)
      return emitOpError("codes dimension ")
             << d << " is " << codes.getDimSize(d) << ", expected " << expected
             << " for " << bits << "-bit codes of " << output;
    int64_t grid = scales.getDimSize(d);
    if (grid <= 0 || size % grid != 0)
      return emitOpError("scales dimension ")
             << d << " (" << grid << ") does not divide the output's (" << size
             << ")";
  }
  return success();
}

/// The low-precision float formats that values are rounded to.
static LogicalResult verifyRoundingFormat(Operation *op, Type format) {
  if (!isa<Float8E4M3FNType, Float8E5M2Type, Float6E2M3FNType, Float6E3M2FNType,
           Float4E2M1FNType>(format))
    return op->emitOpError("format must be f8E4M3FN, f8E5M2, f6E2M3FN, "
                           "f6E3M2FN or f4E2M1FN, got ")
           << format;
  return success();
}

LogicalResult RoundToMXOp::verify() {
  if (failed(verifyRoundingFormat(*this, getFormat())))
    return failure();
  auto type = getInput().getType();
  int64_t block = getBlock();
  if (block <= 0)
    return emitOpError("block must be positive, got ") << block;
  if (type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1) ||
      type.getShape().back() % block != 0)
    return emitOpError("block ")
           << block << " must divide the static innermost dimension of "
           << type;
  return success();
}

LogicalResult RoundToFloatOp::verify() {
  if (failed(verifyRoundingFormat(*this, getFormat())))
    return failure();
  float scale = getScale().convertToFloat();
  if (!std::isnormal(scale) || scale < 0)
    return emitOpError("scale must be a positive normal float32, got ")
           << scale;
  return success();
}

LogicalResult RequantizeOp::verify() {
  if (failed(verifyRounding(*this, getRounding(), getSeed())))
    return failure();
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto resultType = cast<RankedTensorType>(getType());
  quant::QuantizedType in = quantElement(inputType);
  quant::QuantizedType out = quantElement(resultType);
  if (in.getExpressedType() != out.getExpressedType())
    return emitOpError("input expressed type ")
           << in.getExpressedType() << " differs from the result's "
           << out.getExpressedType();
  if (getQuantizedAxis(in) == -1 || getQuantizedAxis(out) == -1)
    return emitOpError("blocked (sub-channel) types cannot be requantized; "
                       "dequantize them instead");
  if (failed(verifyQuantizedTensor(*this, inputType, "input")) ||
      failed(verifyQuantizedTensor(*this, resultType, "result")))
    return failure();
  std::optional<int32_t> inAxis = getQuantizedAxis(in);
  std::optional<int32_t> outAxis = getQuantizedAxis(out);
  if (inAxis && outAxis && *inAxis != *outAxis)
    return emitOpError("input is quantized on axis ")
           << *inAxis << " but the result on axis " << *outAxis;
  return success();
}

OpFoldResult RequantizeOp::fold(FoldAdaptor) {
  // The multiplier is exactly 1 (2^30 with shift 1): every mode is exact.
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// DynamicQuantizeOp, DynamicDequantizeOp
//===----------------------------------------------------------------------===//

/// A run-time scale tensor must have the data's rank and, per dimension,
/// either its size or 1.
static LogicalResult verifyRuntimeScale(Operation *op, RankedTensorType data,
                                        RankedTensorType scale) {
  if (scale.getRank() != data.getRank())
    return op->emitOpError("scale has rank ")
           << scale.getRank() << ", expected the data's rank "
           << data.getRank();
  for (auto [d, s] : llvm::zip(data.getShape(), scale.getShape()))
    if (s != 1 && !shapesCompatible({d}, {s}))
      return op->emitOpError("scale shape ")
             << formatShape(scale.getShape()) << " must match the data's "
             << formatShape(data.getShape()) << " or be 1 in each dimension";
  if (scale.getElementType() != quantElement(data).getExpressedType())
    return op->emitOpError("scale element type ")
           << scale.getElementType() << " differs from the expressed type "
           << quantElement(data).getExpressedType();
  return success();
}

LogicalResult DynamicQuantizeOp::verify() {
  if (failed(verifyRounding(*this, getRounding(), getSeed())))
    return failure();
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto resultType = cast<RankedTensorType>(getOutput().getType());
  if (inputType.getShape() != resultType.getShape())
    return emitOpError("result shape ")
           << formatShape(resultType.getShape()) << " differs from the input's "
           << formatShape(inputType.getShape());
  if (failed(verifyExpressedType(*this, inputType.getElementType(),
                                 quantElement(resultType), "input")) ||
      failed(verifyQuantizedTensor(*this, resultType, "result")))
    return failure();
  auto uniform =
      dyn_cast<quant::UniformQuantizedType>(quantElement(resultType));
  if (!uniform || uniform.getScale() != 1.0 || uniform.getZeroPoint() != 0 ||
      !uniform.isSigned())
    return emitOpError("result must be a signed per-tensor type with scale 1.0 "
                       "and zero point 0 (the scale is the run-time one), got ")
           << quantElement(resultType);
  return verifyRuntimeScale(*this, resultType,
                            cast<RankedTensorType>(getScale().getType()));
}

LogicalResult DynamicDequantizeOp::verify() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto resultType = cast<RankedTensorType>(getType());
  if (inputType.getShape() != resultType.getShape())
    return emitOpError("result shape ")
           << formatShape(resultType.getShape()) << " differs from the input's "
           << formatShape(inputType.getShape());
  if (failed(verifyExpressedType(*this, resultType.getElementType(),
                                 quantElement(inputType), "result")) ||
      failed(verifyQuantizedTensor(*this, inputType, "input")))
    return failure();
  if (getQuantizedAxis(quantElement(inputType)) == -1)
    return emitOpError("blocked (sub-channel) input types are not supported");
  return verifyRuntimeScale(*this, inputType,
                            cast<RankedTensorType>(getScale().getType()));
}

//===----------------------------------------------------------------------===//
// FakeQuantOp
//===----------------------------------------------------------------------===//

/// The checks qf.fake_quant and qf.fake_quant_grad share.
template <typename OpT> static LogicalResult verifySimulated(OpT op) {
  if (failed(verifyRounding(op, op.getRounding(), op.getSeed())))
    return failure();
  auto qtype = dyn_cast<quant::QuantizedType>(op.getQtype());
  if (!qtype ||
      !isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType,
           quant::UniformQuantizedSubChannelType>(qtype))
    return op.emitOpError("qtype must be a uniform quantized type, got ")
           << op.getQtype();
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  if (failed(
          verifyExpressedType(op, inputType.getElementType(), qtype, "input")))
    return failure();
  return verifyQuantizedTensor(op, inputType.clone(qtype), "qtype");
}

LogicalResult FakeQuantOp::verify() { return verifySimulated(*this); }

LogicalResult FakeQuantGradOp::verify() {
  if (failed(verifySimulated(*this)))
    return failure();
  // One gradient per parameter group.
  auto qtype = cast<quant::QuantizedType>(getQtype());
  SmallVector<int64_t> expected;
  if (auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(qtype))
    llvm::append_range(expected, blocked.getScales().getType().getShape());
  else if (getQuantizedAxis(qtype))
    expected.push_back(getScales(qtype).size());
  auto gradType = cast<RankedTensorType>(getScaleGrad().getType());
  auto inputType = cast<RankedTensorType>(getInput().getType());
  if (gradType.getShape() != ArrayRef<int64_t>(expected) ||
      gradType.getElementType() != inputType.getElementType())
    return emitOpError("parameter gradients must be ")
           << RankedTensorType::get(expected, inputType.getElementType())
           << " (one per parameter group), got " << gradType;
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  auto lhsType = cast<RankedTensorType>(getLhs().getType());
  auto rhsType = cast<RankedTensorType>(getRhs().getType());
  auto resultType = cast<RankedTensorType>(getType());
  int64_t lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
  if (!((lhsRank == 2 && rhsRank == 2) || (lhsRank == 3 && rhsRank == 3) ||
        (lhsRank == 3 && rhsRank == 2)))
    return emitOpError("expects [M, K] x [K, N], [B, M, K] x [B, K, N] or "
                       "[B, M, K] x [K, N] operands, got ranks ")
           << lhsRank << " and " << rhsRank;
  for (auto [type, role] :
       {std::pair{lhsType, "lhs"}, {rhsType, "rhs"}, {resultType, "result"}})
    if (failed(verifyQuantizedTensor(*this, type, role)))
      return failure();

  int64_t lhsK = lhsType.getDimSize(lhsRank - 1);
  int64_t rhsK = rhsType.getDimSize(rhsRank - 2);
  if (!shapesCompatible({lhsK}, {rhsK}))
    return emitOpError("contraction dimensions differ: lhs has K = ")
           << lhsK << ", rhs has K = " << rhsK;
  if (lhsRank == 3 && rhsRank == 3 &&
      !shapesCompatible({lhsType.getDimSize(0)}, {rhsType.getDimSize(0)}))
    return emitOpError("batch dimensions differ: ")
           << lhsType.getDimSize(0) << " and " << rhsType.getDimSize(0);

  SmallVector<int64_t> expected(lhsType.getShape().drop_back());
  expected.push_back(rhsType.getDimSize(rhsRank - 1));
  if (!shapesCompatible(resultType.getShape(), expected))
    return emitOpError("result shape ")
           << formatShape(resultType.getShape()) << " does not match "
           << formatShape(expected);

  int32_t resultRank = resultType.getRank();
  ContractionOperand lhs{
      "lhs", lhsType, std::pair<int32_t, int32_t>(lhsRank - 2, resultRank - 2)};
  ContractionOperand rhs{
      "rhs", rhsType, std::pair<int32_t, int32_t>(rhsRank - 1, resultRank - 1)};
  return verifyAccumulator(*this, lhs, rhs, resultType, getBias());
}

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::verify() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto filterType = cast<RankedTensorType>(getFilter().getType());
  auto resultType = cast<RankedTensorType>(getType());
  if (inputType.getRank() != 4 || filterType.getRank() != 4 ||
      resultType.getRank() != 4)
    return emitOpError("expects rank-4 NHWC input, HWCF filter and NHWF "
                       "result");
  for (auto [type, role] : {std::pair{inputType, "input"},
                            {filterType, "filter"},
                            {resultType, "result"}})
    if (failed(verifyQuantizedTensor(*this, type, role)))
      return failure();

  ArrayRef<int64_t> strides = getStrides(), dilations = getDilations(),
                    padding = getPadding();
  if (strides.size() != 2 ||
      llvm::any_of(strides, [](int64_t s) { return s <= 0; }))
    return emitOpError("strides must be two positive integers");
  if (dilations.size() != 2 ||
      llvm::any_of(dilations, [](int64_t d) { return d <= 0; }))
    return emitOpError("dilations must be two positive integers");
  if (padding.size() != 4 ||
      llvm::any_of(padding, [](int64_t p) { return p < 0; }))
    return emitOpError("padding must be four non-negative integers [top, "
                       "bottom, left, right]");
  int64_t groups = getGroups();
  if (groups <= 0)
    return emitOpError("groups must be positive, got ") << groups;

  int64_t channels = inputType.getDimSize(3);
  int64_t filterChannels = filterType.getDimSize(2);
  int64_t features = filterType.getDimSize(3);
  if (!ShapedType::isDynamic(channels) &&
      (channels % groups != 0 ||
       !shapesCompatible({filterChannels}, {channels / groups})))
    return emitOpError("filter has ")
           << filterChannels << " input channels, expected " << channels
           << " / " << groups << " groups";
  if (!ShapedType::isDynamic(features) && features % groups != 0)
    return emitOpError("filter features ")
           << features << " are not divisible by " << groups << " groups";

  SmallVector<int64_t> expected = {inputType.getDimSize(0), 0, 0, features};
  for (int i = 0; i < 2; ++i) {
    int64_t size = inputType.getDimSize(1 + i);
    int64_t kernel = filterType.getDimSize(i);
    if (ShapedType::isDynamic(size) || ShapedType::isDynamic(kernel)) {
      expected[1 + i] = ShapedType::kDynamic;
      continue;
    }
    // Checked: the attributes may hold any int64 (UBSan, on fuzzed IR).
    std::optional<int64_t> span = llvm::checkedMul(dilations[i], kernel - 1);
    if (span)
      span = llvm::checkedAdd(*span, int64_t(1));
    std::optional<int64_t> padded = llvm::checkedAdd(size, padding[2 * i]);
    if (padded)
      padded = llvm::checkedAdd(*padded, padding[2 * i + 1]);
    if (!span || !padded)
      return emitOpError("the ")
             << (i == 0 ? "height" : "width")
             << " window or padded input does not fit in 64 bits";
    if (*padded < *span)
      return emitOpError("the ")
             << (i == 0 ? "height" : "width") << " window " << *span
             << " is larger than the padded input " << *padded;
    expected[1 + i] = (*padded - *span) / strides[i] + 1;
  }
  if (!shapesCompatible(resultType.getShape(), expected))
    return emitOpError("result shape ")
           << formatShape(resultType.getShape()) << " does not match "
           << formatShape(expected);

  ContractionOperand input{"input", inputType, std::nullopt};
  ContractionOperand filter{"filter", filterType,
                            std::pair<int32_t, int32_t>(3, 3)};
  return verifyAccumulator(*this, input, filter, resultType, getBias());
}

//===----------------------------------------------------------------------===//
// PackOp, UnpackOp
//===----------------------------------------------------------------------===//

/// Width and signedness of a sub-byte element type.
static std::pair<unsigned, bool> subByteStorage(Type element) {
  if (auto qtype = dyn_cast<quant::QuantizedType>(element))
    return {qtype.getStorageTypeIntegralWidth(), qtype.isSigned()};
  return {element.getIntOrFloatBitWidth(), true};
}

static LogicalResult verifyPacking(Operation *op, RankedTensorType unpacked,
                                   RankedTensorType packed) {
  auto [bits, isSigned] = subByteStorage(unpacked.getElementType());
  if (bits < 1 || bits > 7)
    return op->emitOpError("packs elements of 1 to 7 bits, got ")
           << bits << "-bit " << unpacked.getElementType();
  if (isa<quant::QuantizedType>(unpacked.getElementType()))
    if (failed(verifyQuantizedTensor(op, unpacked, "unpacked tensor")))
      return failure();
  if (unpacked.getRank() == 0 || unpacked.getRank() != packed.getRank())
    return op->emitOpError("packed and unpacked tensors must have the same "
                           "non-zero rank");
  SmallVector<int64_t> expected(unpacked.getShape());
  int64_t &inner = expected.back();
  if (!ShapedType::isDynamic(inner))
    inner = numerics::packedRowBytes(inner, bits);
  if (!shapesCompatible(packed.getShape(), expected))
    return op->emitOpError("packed shape ")
           << formatShape(packed.getShape()) << " must be "
           << formatShape(expected) << " for " << bits << "-bit elements";
  return success();
}

LogicalResult PackOp::verify() {
  return verifyPacking(*this, getInput().getType(), getType());
}

LogicalResult UnpackOp::verify() {
  return verifyPacking(*this, getType(), getInput().getType());
}

/// True when packing `type` leaves no padding bits, so that bytes and
/// elements correspond one to one.
static bool packsWithoutPadding(RankedTensorType type) {
  int64_t inner = type.getDimSize(type.getRank() - 1);
  return !ShapedType::isDynamic(inner) &&
         (inner * subByteStorage(type.getElementType()).first) % 8 == 0;
}

/// How many innermost rows a static tensor has, and their length: the unit
/// of packing.
static std::pair<int64_t, int64_t> innermostRows(RankedTensorType type) {
  ArrayRef<int64_t> shape = type.getShape();
  return {ShapedType::getNumElements(shape.drop_back()), shape.back()};
}

OpFoldResult PackOp::fold(FoldAdaptor adaptor) {
  RankedTensorType inputType = getInput().getType();
  if (auto unpack = getInput().getDefiningOp<UnpackOp>())
    if (unpack.getInput().getType() == getType() &&
        packsWithoutPadding(inputType))
      return unpack.getInput();

  auto constant = dyn_cast_if_present<DenseIntElementsAttr>(adaptor.getInput());
  if (!constant || !inputType.hasStaticShape())
    return {};
  unsigned bits = subByteStorage(inputType.getElementType()).first;
  SmallVector<int64_t> values;
  for (const APInt &v : constant.getValues<APInt>())
    values.push_back(v.getSExtValue());
  auto [rows, rowLength] = innermostRows(inputType);
  std::vector<uint8_t> bytes =
      numerics::packBits(values.data(), rows, rowLength, bits);
  SmallVector<APInt> packed;
  for (uint8_t byte : bytes)
    packed.emplace_back(8, byte);
  return DenseElementsAttr::get(getType(), packed);
}

OpFoldResult UnpackOp::fold(FoldAdaptor adaptor) {
  RankedTensorType resultType = getType();
  if (auto pack = getInput().getDefiningOp<PackOp>())
    if (pack.getInput().getType() == resultType)
      return pack.getInput();

  auto constant = dyn_cast_if_present<DenseIntElementsAttr>(adaptor.getInput());
  if (!constant || !resultType.hasStaticShape() ||
      !resultType.getElementType().isSignlessInteger())
    return {};
  unsigned bits = resultType.getElementTypeBitWidth();
  SmallVector<uint8_t> bytes;
  for (const APInt &v : constant.getValues<APInt>())
    bytes.push_back(static_cast<uint8_t>(v.getZExtValue()));
  auto [rows, rowLength] = innermostRows(resultType);
  std::vector<int64_t> values = numerics::unpackBits(
      bytes.data(), rows, rowLength, bits, /*isSigned=*/true);
  SmallVector<APInt> elements;
  for (int64_t v : values)
    elements.emplace_back(bits, v, /*isSigned=*/true);
  return DenseElementsAttr::get(resultType, elements);
}

#define GET_OP_CLASSES
#include "dialects/QF/QFOps.cpp.inc"
