//===- WeightOptions.h - Validation of bits and group-size options -*- C++ -*-//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The weight options every pass that rounds weights itself (quant-gptq,
// quant-awq, quant-qat-finetune) takes, checked in one place, and the
// float-code `format` of quant-gptq and quant-awq.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SCHEMES_WEIGHTOPTIONS_H
#define QF_PASSES_SCHEMES_WEIGHTOPTIONS_H

#include "dialects/QF/QFAttrs.h"

#include <cstdint>
#include <string>

namespace mlir::qf {

/// Why `bits` (weight bits, 2 to 8) and `groupSize` (0 for per output
/// channel, else positive) are invalid, naming the option; empty when valid.
std::string checkWeightOptions(int64_t bits, int64_t groupSize);

/// The weight-only, half_even scheme of the weight-rounding passes' `format`
/// option (a float-code format in groups of `groupSize`, per channel for 0);
/// a null scheme for an empty `format`, an error message for another.
FailureOr<SchemeAttr> formatOption(MLIRContext *ctx, StringRef format,
                                   int64_t groupSize, std::string &error);

} // namespace mlir::qf

#endif // QF_PASSES_SCHEMES_WEIGHTOPTIONS_H
