//===- Scoring.h - A model's scores on every unit of a dataset ----*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Runs a compiled model (and optionally a reference model) over a dataset
// batch by batch and keeps, per unit, the mean of each position's score:
// negative log-likelihood of the target, top-1, and against the reference
// KL divergence and top-1 agreement. Only the per-unit means stay in memory,
// so the data may be of any length.
//
// The model takes one input whose first dimension is the batch: a static
// one fixes the batch, a dynamic one takes the requested rows. Its first
// result holds the logits, [rows, positions..., classes].
//
//===----------------------------------------------------------------------===//

#ifndef QF_EVALUATION_SCORING_H
#define QF_EVALUATION_SCORING_H

#include "evaluation/Datasets.h"
#include "runtime/Executor.h"

#include <functional>

namespace mlir::qf::evaluation {

/// Per unit, the mean over its scored positions.
struct UnitScores {
  std::vector<double> nll;     ///< -log p(target), nats
  std::vector<double> correct; ///< argmax == target
  std::vector<double> kl;      ///< KL(reference || model), nats; or empty
  std::vector<double> agree;   ///< argmax == the reference's; or empty
};

struct ScoringOptions {
  /// Rows per run where the model's batch dimension is dynamic.
  int64_t dynamicBatch = 16;
  /// Called after each batch with the units done and the total.
  std::function<void(int64_t, int64_t)> progress;
};

/// The rows per run `model` takes: its static batch, or `dynamicBatch`.
/// An error where the model does not take `data` (inputs, window, logits).
llvm::Expected<int64_t> batchRowsOf(const runtime::Signature &model,
                                    const Dataset &data, int64_t dynamicBatch);

/// Scores every unit of `data`. With `reference`, also KL and agreement;
/// it must take the same batches and give logits of the same shape.
llvm::Expected<UnitScores> scoreUnits(const Dataset &data,
                                      runtime::Executable &model,
                                      runtime::Executable *reference,
                                      const ScoringOptions &options);

/// Wall times of runs of one batch.
struct Timing {
  int64_t rows = 0; ///< rows per run
  unsigned runs = 0;
  double minMs = 0, medianMs = 0, maxMs = 0;
};

/// Times `runs` runs (after one untimed) of `model` on the first batch of
/// `data`.
llvm::Expected<Timing> timeRuns(const Dataset &data, runtime::Executable &model,
                                unsigned runs, int64_t dynamicBatch);

} // namespace mlir::qf::evaluation

#endif // QF_EVALUATION_SCORING_H
