//===- Metrics.h - Scores of logits and their bootstrap intervals -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The per-position scores qf-eval averages (negative log-likelihood, top-1,
// KL divergence, agreement) and the percentile bootstrap that gives each
// mean its 95% interval. The bootstrap is specified exactly so that an
// independent implementation draws the same resamples (its means then agree
// up to the order of summation: test/tools/qf-eval/check.py, within 1e-5):
//   - the generator is SplitMix64 seeded with the seed;
//   - resample b (b = 0 .. B-1) draws n unit indices, each next() mod n;
//   - every metric is averaged over the same resamples;
//   - the interval is the 2.5th and 97.5th percentile of the B resampled
//     means, linearly interpolated between order statistics (NumPy's
//     default `np.percentile`).
//
//===----------------------------------------------------------------------===//

#ifndef QF_EVALUATION_METRICS_H
#define QF_EVALUATION_METRICS_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace mlir::qf::evaluation {

/// -log softmax(logits)[target], in nats, computed in double.
double negativeLogLikelihood(llvm::ArrayRef<float> logits, int64_t target);

/// KL(softmax(reference) || softmax(logits)), in nats, computed in double.
double klDivergence(llvm::ArrayRef<float> reference,
                    llvm::ArrayRef<float> logits);

/// The index of the largest logit (the first of equal ones).
int64_t argmax(llvm::ArrayRef<float> logits);

/// Sebastiano Vigna's SplitMix64.
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next();

private:
  uint64_t state;
};

/// A mean and its bootstrap interval.
struct Interval {
  double value = 0, low = 0, high = 0;
};

/// The `q`-quantile (0..1) of sorted values, linearly interpolated.
double percentile(llvm::ArrayRef<double> sorted, double q);

/// The mean of each column (one value per unit; all columns of one length)
/// with its percentile-bootstrap interval at `confidence`, all columns
/// resampled alike (so differences between columns are paired).
std::vector<Interval>
bootstrapMeans(llvm::ArrayRef<std::vector<double>> columns, unsigned resamples,
               uint64_t seed, double confidence = 0.95);

} // namespace mlir::qf::evaluation

#endif // QF_EVALUATION_METRICS_H
