//===- Summary.h - Means with intervals, paired differences, output -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Turns per-unit scores into the metrics qf-eval reports, each a mean with
// its bootstrap interval (Metrics.h): bits per byte and perplexity for
// next-byte models, top-1 for classifiers, KL and agreement against a
// reference, and paired differences against baselines whose per-unit
// scores were saved by an earlier evaluation on the same data.
//
//===----------------------------------------------------------------------===//

#ifndef QF_EVALUATION_SUMMARY_H
#define QF_EVALUATION_SUMMARY_H

#include "evaluation/Metrics.h"
#include "evaluation/Scoring.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

namespace mlir::qf::evaluation {

enum class Task { NextByte, Classify };

/// The unit-level score differences are taken of: bits per byte
/// (next-byte) or top-1 (classify).
std::vector<double> primaryScores(Task task, const UnitScores &scores);

/// A saved primary score per unit and the dataset it was measured on.
struct SavedScores {
  std::string name; ///< the file it came from
  Task task;
  std::vector<double> primary;
  uint64_t fingerprint;
};

llvm::Error saveScores(llvm::StringRef path, const SavedScores &scores);
llvm::Expected<SavedScores> loadScores(llvm::StringRef path);

struct Metric {
  std::string key;   ///< JSON name: "bits_per_byte", "delta_vs:f32.npz"
  std::string label; ///< Markdown row
  Interval interval;
};

struct Summary {
  std::string model, data, unitName;
  int64_t units = 0;
  unsigned resamples = 0;
  uint64_t seed = 0;
  std::vector<Metric> metrics;
  std::optional<Timing> timing;
  /// The evaluating process's peak resident memory, compilation included.
  std::optional<int64_t> peakRssBytes;
};

/// The metrics of `scores`; a baseline of another task or dataset
/// (`fingerprint`) is an error.
llvm::Expected<Summary> summarize(Task task, const UnitScores &scores,
                                  uint64_t fingerprint,
                                  llvm::ArrayRef<SavedScores> baselines,
                                  unsigned resamples, uint64_t seed);

void printMarkdown(llvm::raw_ostream &os, const Summary &summary);
llvm::json::Value toJson(const Summary &summary);

} // namespace mlir::qf::evaluation

#endif // QF_EVALUATION_SUMMARY_H
