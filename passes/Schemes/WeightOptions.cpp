//===- WeightOptions.cpp - Validation of bits and group-size options ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Schemes/WeightOptions.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::qf;

std::string mlir::qf::checkWeightOptions(int64_t bits, int64_t groupSize) {
  if (bits < 2 || bits > 8)
    return "bits must be in [2, 8], got " + std::to_string(bits);
  if (groupSize < 0)
    return "group-size must be 0 (per channel) or positive";
  return "";
}

FailureOr<SchemeAttr> mlir::qf::formatOption(MLIRContext *ctx, StringRef format,
                                             int64_t groupSize,
                                             std::string &error) {
  if (format.empty())
    return SchemeAttr();
  std::optional<WeightFormat> parsed = symbolizeWeightFormat(format);
  if (!parsed || *parsed == WeightFormat::integer) {
    error = "format must be fp8, mxfp4, mxfp6, mxfp8, mxint8, nvfp4 or nf4, "
            "got '" +
            format.str() + "'";
    return failure();
  }
  return SchemeAttr::get(
      ctx, IntegerType::get(ctx, codeBitsOf(*parsed)), Type(),
      groupSize > 0 ? Granularity::per_group : Granularity::per_channel,
      groupSize > 0 ? groupSize : 0, /*symmetric=*/true,
      RoundingMode::half_even, std::nullopt, *parsed);
}
