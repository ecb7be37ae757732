//===- WeightOptions.h - Validation of bits and group-size options -*- C++ -*-//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The weight options every pass that rounds weights itself (quant-gptq,
// quant-awq, quant-qat-finetune) takes, checked in one place.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SCHEMES_WEIGHTOPTIONS_H
#define QF_PASSES_SCHEMES_WEIGHTOPTIONS_H

#include <cstdint>
#include <string>

namespace mlir::qf {

/// Why `bits` (weight bits, 2 to 8) and `groupSize` (0 for per output
/// channel, else positive) are invalid, naming the option; empty when valid.
std::string checkWeightOptions(int64_t bits, int64_t groupSize);

} // namespace mlir::qf

#endif // QF_PASSES_SCHEMES_WEIGHTOPTIONS_H
