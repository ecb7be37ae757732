//===- QFTarget.h - What a target can run and what it costs -----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The formats a target executes (TargetCapabilities) and what an op costs
// there under a #qf.scheme (CostModel), with a process-wide registry of them
// by target name. Backend plugins fill it (plugins/api registers each
// backend it adds); passes that choose schemes, such as mixed-precision
// assignment, read it. It lives beside #qf.scheme so that neither of those
// layers depends on the other.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFTARGET_H
#define QF_DIALECTS_QF_QFTARGET_H

#include "dialects/QF/QFAttrs.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "llvm/Support/Error.h"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mlir::qf {

/// The formats a backend can execute.
struct TargetCapabilities {
  /// Integer weight widths (2, 3, 4, 8).
  std::vector<unsigned> weightBits;
  /// Integer activation widths (8); empty when activations stay float.
  std::vector<unsigned> actBits;
  bool weightOnly = true;
  bool perTensor = true, perChannel = true, perGroup = true;
  /// Allowed group sizes; empty means any.
  std::vector<int64_t> groupSizes;
  bool symmetric = true, asymmetric = true;
  bool dynamicActivations = true;
  /// Weight casts f16 / bf16.
  bool f16 = true, bf16 = true;
  /// Entry functions with dynamically shaped arguments or results (a batch
  /// or sequence length chosen when the model runs).
  bool dynamicShapes = true;
  /// The float-code weight formats (#qf.scheme's format; weights read by
  /// qf.dequantize_table) that the backend runs; empty: none.
  std::vector<WeightFormat> weightFormats;
  /// Activations rounded to FP8 (qf.round_to_float, qf.round_to_mx).
  bool fp8Activations = false;

  /// Why `scheme` cannot run here, or std::nullopt when it can.
  std::optional<std::string> whyNot(SchemeAttr scheme) const;
  /// Why a constant weight of quantized element type `type` cannot be used
  /// here (storage width, granularity, symmetry), or std::nullopt.
  std::optional<std::string> whyNotWeight(quant::QuantizedType type) const;
  /// Why an activation of quantized element type `type` (with a run-time
  /// scale when `dynamic`) cannot be used here, or std::nullopt.
  std::optional<std::string> whyNotActivation(quant::QuantizedType type,
                                              bool dynamic) const;
  /// Why a weight decoded through a table (qf.dequantize_table) or an
  /// activation rounded to a float format (qf.round_to_float) cannot run
  /// here, or std::nullopt.
  std::optional<std::string> whyNotTableWeight() const;
  std::optional<std::string> whyNotFloatActivation() const;
  /// "weights i8/i4, activations i8, per-tensor/per-channel/per-group ...".
  std::string describe() const;
};

/// What running one op under one scheme costs on a backend.
struct CostEstimate {
  double weightBytes = 0; ///< stored weights, scales and zero points
  double seconds = 0;     ///< estimated latency of one execution
};

class CostModel {
public:
  virtual ~CostModel();
  /// The cost of contraction `op` (a float linalg matmul or convolution, as
  /// mixed-precision assignment sees it) if quantized with `scheme`.
  virtual FailureOr<CostEstimate> estimate(Operation *op,
                                           SchemeAttr scheme) const = 0;
};

/// A target's capabilities and cost model, as registered.
struct TargetDescription {
  std::string name;
  const TargetCapabilities *capabilities;
  const CostModel *costModel;
};

class TargetRegistry {
public:
  static TargetRegistry &global();

  /// Adds a target; a later one of the same name replaces the earlier. The
  /// pointers must outlive every lookup (backends live for the process).
  void add(StringRef name, const TargetCapabilities *capabilities,
           const CostModel *costModel);
  /// The target called `name`, or an error listing the known ones.
  llvm::Expected<TargetDescription> get(StringRef name) const;

private:
  mutable std::mutex mutex;
  std::vector<TargetDescription> targets;
};

} // namespace mlir::qf

#endif // QF_DIALECTS_QF_QFTARGET_H
