//===- WeightOptions.cpp - Validation of bits and group-size options ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Schemes/WeightOptions.h"

std::string mlir::qf::checkWeightOptions(int64_t bits, int64_t groupSize) {
  if (bits < 2 || bits > 8)
    return "bits must be in [2, 8], got " + std::to_string(bits);
  if (groupSize < 0)
    return "group-size must be 0 (per channel) or positive";
  return "";
}
