//===- SchemeName.h - Short names of quantization schemes -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// `w8a8`, `w4a16g128`, `f16`: the names users type in pass options and
// mixed-precision candidate lists, turned into #qf.scheme attributes.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SCHEMES_SCHEMENAME_H
#define QF_PASSES_SCHEMES_SCHEMENAME_H

#include "dialects/QF/QFAttrs.h"

#include <optional>
#include <string>

namespace mlir::qf {

/// Parses `wBaA[gN|t]` (B in 2, 3, 4, 8; A = 8 for int8 activations or 16
/// for float ones; N the group size, `t` per tensor, per-channel without
/// either), `f16` or `bf16`, with
/// the given symmetry and rounding. Returns an error message on failure.
FailureOr<SchemeAttr> parseSchemeName(MLIRContext *ctx, StringRef name,
                                      bool symmetric, RoundingMode rounding,
                                      std::optional<uint64_t> seed,
                                      std::string &error);

/// The short name of a scheme, the inverse of parseSchemeName (symmetry and
/// rounding are not part of it).
std::string schemeName(SchemeAttr scheme);

/// How a scheme's weights are rounded, as the weight-rounding passes (GPTQ,
/// AWQ, QAT fine-tuning) take it: bits, groups along the reduction (0: per
/// channel) and symmetry; for a float-code format, `grid` is the scheme
/// (its codes' bits, symmetric).
struct WeightRounding {
  unsigned bits;
  int64_t groupSize;
  bool symmetric;
  SchemeAttr grid = {};
};

/// The rounding of `scheme`'s weights, or std::nullopt for float casts,
/// per-tensor schemes and float-code schemes with float-code activations,
/// which those passes leave to quant-quantize.
std::optional<WeightRounding> weightRoundingOf(SchemeAttr scheme);

} // namespace mlir::qf

#endif // QF_PASSES_SCHEMES_SCHEMENAME_H
