//===- SchemeName.cpp - Short names of quantization schemes ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Schemes/SchemeName.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::qf;

FailureOr<SchemeAttr> mlir::qf::parseSchemeName(MLIRContext *ctx,
                                                StringRef name, bool symmetric,
                                                RoundingMode rounding,
                                                std::optional<uint64_t> seed,
                                                std::string &error) {
  Builder b(ctx);
  if (name == "f16" || name == "bf16") {
    Type weight = name == "f16" ? Type(b.getF16Type()) : b.getBF16Type();
    return SchemeAttr::get(ctx, weight, Type(), Granularity::per_tensor, 0,
                           true, rounding, seed);
  }
  // The float-code formats, with their own blocks by default: fp8 (per
  // channel; fp8a8 with E4M3FN activations), the MX formats (groups of 32;
  // mxfp8a8 with MXFP8 activations),
  // nvfp4 (16), nf4 (64, QLoRA's); a gN suffix sets another group.
  for (auto [prefix, format, group, fp8Act] :
       {std::tuple{"fp8a8", WeightFormat::fp8, int64_t(0), true},
        std::tuple{"fp8", WeightFormat::fp8, int64_t(0), false},
        std::tuple{"mxfp4", WeightFormat::mxfp4, int64_t(32), false},
        std::tuple{"mxfp6", WeightFormat::mxfp6, int64_t(32), false},
        std::tuple{"mxfp8a8", WeightFormat::mxfp8, int64_t(32), true},
        std::tuple{"mxfp8", WeightFormat::mxfp8, int64_t(32), false},
        std::tuple{"mxint8", WeightFormat::mxint8, int64_t(32), false},
        std::tuple{"nvfp4", WeightFormat::nvfp4, int64_t(16), false},
        std::tuple{"nf4", WeightFormat::nf4, int64_t(64), false}}) {
    StringRef rest = name;
    if (!rest.consume_front(prefix))
      continue;
    if (rest.consume_front("g") &&
        (rest.consumeInteger(10, group) || group <= 0 || !rest.empty())) {
      error = "unknown scheme '" + name.str() + "'; expected " + prefix +
              " or " + prefix + "gN";
      return failure();
    }
    if (!rest.empty())
      continue;
    return SchemeAttr::get(
        ctx, b.getIntegerType(codeBitsOf(format)),
        fp8Act ? Type(b.getType<Float8E4M3FNType>()) : Type(),
        group ? Granularity::per_group : Granularity::per_channel, group,
        /*symmetric=*/true, rounding, seed, format);
  }
  StringRef rest = name;
  unsigned weightBits = 0, actBits = 0;
  int64_t group = 0;
  bool ok = rest.consume_front("w") && !rest.consumeInteger(10, weightBits) &&
            rest.consume_front("a") && !rest.consumeInteger(10, actBits);
  bool perTensor = false;
  if (ok && rest.consume_front("g"))
    ok = !rest.consumeInteger(10, group) && group > 0;
  else if (ok)
    perTensor = rest.consume_front("t");
  if (!ok || !rest.empty()) {
    error = "unknown scheme '" + name.str() +
            "'; expected wBaA[gN|t] (e.g. w8a8, w4a16g128, w8a8t), f16, "
            "bf16, fp8, fp8a8, mxfp4, mxfp6, mxfp8, mxfp8a8, mxint8, nvfp4 "
            "or nf4 (with gN)";
    return failure();
  }
  if (weightBits != 2 && weightBits != 3 && weightBits != 4 &&
      weightBits != 8) {
    error = "scheme '" + name.str() + "': weight bits must be 2, 3, 4 or 8";
    return failure();
  }
  if (actBits != 8 && actBits != 16) {
    error =
        "scheme '" + name.str() + "': activations are a8 (int8) or a16 (float)";
    return failure();
  }
  Type act = actBits == 8 ? Type(b.getIntegerType(8)) : Type();
  return SchemeAttr::get(ctx, b.getIntegerType(weightBits), act,
                         group       ? Granularity::per_group
                         : perTensor ? Granularity::per_tensor
                                     : Granularity::per_channel,
                         group, symmetric, rounding, seed);
}

std::string mlir::qf::schemeName(SchemeAttr scheme) {
  if (scheme.isTableFormat()) {
    std::string name = stringifyWeightFormat(scheme.getFormat()).str();
    if (scheme.getActType())
      name += "a8";
    if (scheme.getGranularity() == Granularity::per_group)
      name += "g" + std::to_string(scheme.getGroupSize());
    return name;
  }
  Type weight = scheme.getWeightType();
  if (weight.isF16())
    return "f16";
  if (weight.isBF16())
    return "bf16";
  std::string name = "w" + std::to_string(scheme.getWeightBits()) + "a" +
                     (scheme.isWeightOnly() ? "16" : "8");
  if (scheme.getGranularity() == Granularity::per_group)
    name += "g" + std::to_string(scheme.getGroupSize());
  else if (scheme.getGranularity() == Granularity::per_tensor)
    name += "t";
  return name;
}

std::optional<WeightRounding> mlir::qf::weightRoundingOf(SchemeAttr scheme) {
  if (isa<FloatType>(scheme.getWeightType()) ||
      (scheme.isTableFormat() && !scheme.isWeightOnly()) ||
      scheme.getGranularity() == Granularity::per_tensor)
    return std::nullopt;
  int64_t group = scheme.getGranularity() == Granularity::per_group
                      ? scheme.getGroupSize()
                      : 0;
  return WeightRounding{scheme.getWeightBits(), group, scheme.getSymmetric(),
                        scheme.isTableFormat() ? scheme : SchemeAttr()};
}
