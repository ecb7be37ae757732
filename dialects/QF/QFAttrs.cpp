//===- QFAttrs.cpp - qf enums and attributes ------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qf;

#include "dialects/QF/QFEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/QF/QFAttrs.cpp.inc"

void QFDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/QF/QFAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// SchemeAttr
//===----------------------------------------------------------------------===//

static bool isFloatCast(Type type) { return type.isF16() || type.isBF16(); }

unsigned SchemeAttr::getWeightBits() const {
  return getWeightType().getIntOrFloatBitWidth();
}

unsigned mlir::qf::codeBitsOf(WeightFormat format) {
  switch (format) {
  case WeightFormat::fp8:
  case WeightFormat::mxfp8:
  case WeightFormat::mxint8:
    return 8;
  case WeightFormat::mxfp6:
    return 6;
  case WeightFormat::mxfp4:
  case WeightFormat::nvfp4:
  case WeightFormat::nf4:
    return 4;
  case WeightFormat::integer:
    break;
  }
  return 0;
}

unsigned SchemeAttr::getScaleBytes() const {
  switch (getFormat()) {
  case WeightFormat::mxfp4:
  case WeightFormat::mxfp6:
  case WeightFormat::mxfp8:
  case WeightFormat::mxint8:
  case WeightFormat::nvfp4:
    return 1;
  case WeightFormat::fp8:
  case WeightFormat::nf4:
    return 4;
  case WeightFormat::integer:
    break;
  }
  if (isFloatCast(getWeightType()))
    return 0;
  return getSymmetric() ? 4 : 5;
}

LogicalResult SchemeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 Type weightType, Type actType,
                                 Granularity granularity, int64_t groupSize,
                                 bool symmetric, RoundingMode rounding,
                                 std::optional<uint64_t> seed,
                                 WeightFormat format) {
  auto weightInt = dyn_cast<IntegerType>(weightType);
  bool weightIsInt =
      weightInt && weightInt.isSignless() &&
      (llvm::is_contained({2u, 3u, 4u, 8u}, weightInt.getWidth()) ||
       (format == WeightFormat::mxfp6 && weightInt.getWidth() == 6));
  if (!weightIsInt && !isFloatCast(weightType))
    return emitError() << "scheme weight type must be i2, i3, i4, i8, f16 or "
                          "bf16, got "
                       << weightType;
  bool fp8Act =
      (format == WeightFormat::fp8 || format == WeightFormat::mxfp8) &&
      actType && isa<Float8E4M3FNType>(actType);
  if (actType && !fp8Act) {
    auto actInt = dyn_cast<IntegerType>(actType);
    bool actIsInt = actInt && actInt.isSignless() &&
                    (actInt.getWidth() == 8 || actInt.getWidth() == 16);
    if (!actIsInt && !isFloatCast(actType))
      return emitError() << "scheme activation type must be i8, i16, f16 or "
                            "bf16 (or f8E4M3FN with format fp8 or mxfp8), got "
                         << actType;
  }
  if (granularity == Granularity::per_group && groupSize <= 0)
    return emitError() << "scheme group size must be positive, got "
                       << groupSize;
  if (granularity != Granularity::per_group && groupSize != 0)
    return emitError() << "scheme group size is only meaningful per_group";
  if (isFloatCast(weightType) && granularity != Granularity::per_tensor)
    return emitError() << "scheme with float weight type " << weightType
                       << " has no scales and must be per_tensor";
  if (format != WeightFormat::integer) {
    unsigned codeBits = codeBitsOf(format);
    StringRef name = stringifyWeightFormat(format);
    if (!weightIsInt || weightInt.getWidth() != codeBits)
      return emitError() << "scheme format " << name << " has i" << codeBits
                         << " codes, got weight type " << weightType;
    if (actType && !fp8Act)
      return emitError() << "scheme format " << name
                         << (format == WeightFormat::fp8 ||
                                     format == WeightFormat::mxfp8
                                 ? " takes activations of f8E4M3FN only"
                                 : " is weight-only");
    if (!symmetric)
      return emitError() << "scheme format " << name << " is symmetric";
  }
  if (rounding == RoundingMode::stochastic && !seed)
    return emitError() << "scheme with stochastic rounding needs a seed";
  if (rounding != RoundingMode::stochastic && seed)
    return emitError() << "scheme seed is only meaningful with stochastic "
                          "rounding";
  return success();
}

Attribute SchemeAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  Type weightType, actType;
  if (parser.parseLess() || parser.parseKeyword("weight") ||
      parser.parseEqual() || parser.parseType(weightType) ||
      parser.parseComma())
    return {};
  WeightFormat format = WeightFormat::integer;
  if (succeeded(parser.parseOptionalKeyword("format"))) {
    StringRef name;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseEqual() || parser.parseKeyword(&name))
      return {};
    std::optional<WeightFormat> parsed = symbolizeWeightFormat(name);
    if (!parsed) {
      parser.emitError(loc, "unknown weight format '") << name << "'";
      return {};
    }
    format = *parsed;
    if (parser.parseComma())
      return {};
  }
  if (succeeded(parser.parseOptionalKeyword("act"))) {
    if (parser.parseEqual() || parser.parseType(actType) || parser.parseComma())
      return {};
  }

  StringRef keyword;
  SMLoc granularityLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&keyword))
    return {};
  std::optional<Granularity> granularity = symbolizeGranularity(keyword);
  if (!granularity) {
    parser.emitError(granularityLoc, "expected per_tensor, per_channel or "
                                     "per_group, got '")
        << keyword << "'";
    return {};
  }
  int64_t groupSize = 0;
  if (*granularity == Granularity::per_group &&
      (parser.parseEqual() || parser.parseInteger(groupSize)))
    return {};

  SMLoc symmetryLoc = parser.getCurrentLocation();
  if (parser.parseComma() || parser.parseKeyword(&keyword))
    return {};
  if (keyword != "symmetric" && keyword != "asymmetric") {
    parser.emitError(symmetryLoc, "expected symmetric or asymmetric");
    return {};
  }
  bool symmetric = keyword == "symmetric";

  SMLoc roundingLoc;
  if (parser.parseComma() || parser.parseKeyword("rounding") ||
      parser.parseEqual() ||
      (roundingLoc = parser.getCurrentLocation(), false) ||
      parser.parseKeyword(&keyword))
    return {};
  std::optional<RoundingMode> rounding = symbolizeRoundingMode(keyword);
  if (!rounding) {
    parser.emitError(roundingLoc, "unknown rounding mode '") << keyword << "'";
    return {};
  }

  std::optional<uint64_t> seed;
  if (succeeded(parser.parseOptionalComma())) {
    uint64_t value;
    if (parser.parseKeyword("seed") || parser.parseEqual() ||
        parser.parseInteger(value))
      return {};
    seed = value;
  }
  if (parser.parseGreater())
    return {};
  return SchemeAttr::getChecked(
      [&] { return parser.emitError(parser.getNameLoc()); }, ctx, weightType,
      actType, *granularity, groupSize, symmetric, *rounding, seed, format);
}

void SchemeAttr::print(AsmPrinter &printer) const {
  printer << "<weight = " << getWeightType();
  if (isTableFormat())
    printer << ", format = " << stringifyWeightFormat(getFormat());
  if (getActType())
    printer << ", act = " << getActType();
  printer << ", " << stringifyGranularity(getGranularity());
  if (getGranularity() == Granularity::per_group)
    printer << " = " << getGroupSize();
  printer << ", " << (getSymmetric() ? "symmetric" : "asymmetric");
  printer << ", rounding = " << stringifyRoundingMode(getRounding());
  if (getSeed())
    printer << ", seed = " << *getSeed();
  printer << ">";
}
