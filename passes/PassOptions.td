//===- PassOptions.td - One spelling per option concept ----*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Enumerated options shared by several passes, typed with the dialect's
// enums (RoundingMode, StraightThrough, Granularity) or passes/PassOptions.h,
// so that a misspelled value is refused by the option parser with the list
// of valid ones, and every pass spells a concept the same way.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_PASSOPTIONS_TD
#define QF_PASSES_PASSOPTIONS_TD

include "mlir/Pass/PassBase.td"

class RoundingOption<string description>
    : Option<"rounding", "rounding", "::mlir::qf::RoundingMode",
             "::mlir::qf::RoundingMode::half_even", description, [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::RoundingMode::half_even, "half_even",
                     "to nearest, ties to even"),
          clEnumValN(::mlir::qf::RoundingMode::half_away, "half_away",
                     "to nearest, ties away from zero"),
          clEnumValN(::mlir::qf::RoundingMode::floor, "floor",
                     "toward negative infinity"),
          clEnumValN(::mlir::qf::RoundingMode::ceil, "ceil",
                     "toward positive infinity"),
          clEnumValN(::mlir::qf::RoundingMode::toward_zero, "toward_zero",
                     "toward zero"),
          clEnumValN(::mlir::qf::RoundingMode::stochastic, "stochastic",
                     "up with probability equal to the fraction (needs seed)"))
    }]>;

// The seed of stochastic rounding: given exactly when rounding=stochastic.
def StochasticSeedOption
    : Option<"seed", "seed", "uint64_t", "0",
             "seed of stochastic rounding (required with rounding=stochastic, "
             "and only then)">;

def GroupFallbackOption
    : Option<"groupFallback", "group-fallback", "::mlir::qf::GroupFallback",
             "::mlir::qf::GroupFallback::Error",
             "where the group size does not divide a weight's reduction", [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::GroupFallback::Error, "error",
                     "report it at the op"),
          clEnumValN(::mlir::qf::GroupFallback::Channel, "channel",
                     "quantize that weight per output channel"))
    }]>;

class DynamicActivationsOption<string description>
    : Option<"dynamicActivations", "dynamic-activations",
             "::mlir::qf::DynamicActivations",
             "::mlir::qf::DynamicActivations::None", description, [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::DynamicActivations::None, "none",
                     "static, from calibration"),
          clEnumValN(::mlir::qf::DynamicActivations::PerToken, "per-token",
                     "at run time, one scale per row"),
          clEnumValN(::mlir::qf::DynamicActivations::PerTensor, "per-tensor",
                     "at run time, one scale per tensor"))
    }]>;

#endif // QF_PASSES_PASSOPTIONS_TD
