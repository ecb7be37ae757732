//===- ScaleGroups.h - Per-channel scales moved across matmuls --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// SmoothQuant and AWQ both divide a matmul input's channel j by s_j and
// multiply row j of the weights by s_j, which leaves the float model
// unchanged. A group is the producer of such an input and the matmuls (with
// constant weights) that read it, found by dataflow through qf.observe and
// reshapes that keep the last dimension. The division goes into the
// producer where it absorbs it exactly: an elementwise linalg.generic ending
// in x * gamma[j] (+ beta[j]) with constant vectors over the last dimension
// (LayerNorm, RMS-norm, elementwise scales), or a linear layer (a matmul
// with a constant weight and zero init, + a bias generic), whose output
// columns and bias are divided; or, where asked, into an explicit multiply
// by 1/s.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_LAYERS_SCALEGROUPS_H
#define QF_PASSES_LAYERS_SCALEGROUPS_H

#include "dialects/QF/QFOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::qf::scaling {

/// A matmul reading the group's input, and the observer on its way.
struct Consumer {
  linalg::MatmulOp op;
  ObserveOp observer;
};

struct Group {
  Value producer;
  SmallVector<Consumer> consumers;
  /// K: the input channels (the weights' first dimension).
  int64_t channels = 0;

  std::string producerName() const;
  llvm::json::Array consumerNames() const;
  /// The consumers' weights side by side, row-major [K, total].
  std::vector<float> joinedWeights(int64_t &total) const;
};

/// Matmuls with constant f32 [K, N] weights under `root`, grouped by the
/// producer of their input, in walk order.
SmallVector<Group> findGroups(Operation *root);

/// Where the producer takes the division by s: a constant operand of `op`
/// that is a per-channel vector [K], or a weight [K0, K] whose output
/// columns are divided (row-major, element i is in channel i % K either way).
struct Target {
  Operation *op;
  unsigned operand;
};

/// Where a group's division goes: into `targets`, or (explicit scales) a
/// multiply by 1/s put in at `starts`, the operands through which the
/// consumers read the producer.
struct Placement {
  SmallVector<Target> targets;
  std::optional<SmallVector<OpOperand *>> starts;
};

/// The placement of `group`'s scales; `why` says why the producer cannot
/// absorb them (empty when it can). With `explicitScale`, a group whose
/// producer cannot gets an explicit multiply where its consumers' chains
/// start, if they lead only to its matmuls and are observed. None: leave
/// the group alone.
std::optional<Placement> place(const Group &group, bool explicitScale,
                               std::string &why);

/// Divides by s where `placement` says, multiplies row j of every consumer's
/// weight by s_j, and drops the consumers' observers' (stale) statistics.
void applyScales(Group &group, const Placement &placement, ArrayRef<double> s);

/// Sets `operand` to a new f32 constant of its type holding `values`; the
/// old constant goes when nothing else uses it.
void replaceConstant(OpOperand &operand, ArrayRef<float> values);

/// A consumer's constant weight, row-major [K, n].
std::vector<float> weightOf(const Consumer &c, int64_t &n);

} // namespace mlir::qf::scaling

#endif // QF_PASSES_LAYERS_SCALEGROUPS_H
