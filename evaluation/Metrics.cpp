//===- Metrics.cpp - Scores of logits and their bootstrap intervals -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "evaluation/Metrics.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace mlir::qf;
using namespace mlir::qf::evaluation;

/// log Σ exp(x), shifted by the maximum.
static double logSumExp(llvm::ArrayRef<float> x) {
  double top = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (float v : x)
    sum += std::exp(double(v) - top);
  return top + std::log(sum);
}

double evaluation::negativeLogLikelihood(llvm::ArrayRef<float> logits,
                                         int64_t target) {
  return logSumExp(logits) - double(logits[target]);
}

double evaluation::klDivergence(llvm::ArrayRef<float> reference,
                                llvm::ArrayRef<float> logits) {
  assert(reference.size() == logits.size() && "one distribution each");
  double refNorm = logSumExp(reference), norm = logSumExp(logits);
  double kl = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    double logP = double(reference[i]) - refNorm;
    double logQ = double(logits[i]) - norm;
    kl += std::exp(logP) * (logP - logQ);
  }
  return std::max(kl, 0.0);
}

int64_t evaluation::argmax(llvm::ArrayRef<float> logits) {
  return std::max_element(logits.begin(), logits.end()) - logits.begin();
}

uint64_t SplitMix64::next() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double evaluation::percentile(llvm::ArrayRef<double> sorted, double q) {
  assert(!sorted.empty() && "the percentile of nothing");
  double position = q * double(sorted.size() - 1);
  size_t below = size_t(std::floor(position));
  size_t above = std::min(below + 1, sorted.size() - 1);
  double fraction = position - double(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

std::vector<Interval>
evaluation::bootstrapMeans(llvm::ArrayRef<std::vector<double>> columns,
                           unsigned resamples, uint64_t seed,
                           double confidence) {
  std::vector<Interval> intervals(columns.size());
  if (columns.empty() || columns[0].empty())
    return intervals;
  const size_t n = columns[0].size();
  for (auto [column, interval] : llvm::zip(columns, intervals)) {
    assert(column.size() == n && "columns of one length");
    double sum = 0;
    for (double v : column)
      sum += v;
    interval.value = interval.low = interval.high = sum / double(n);
  }
  if (resamples == 0)
    return intervals;
  std::vector<std::vector<double>> means(columns.size(),
                                         std::vector<double>(resamples));
  std::vector<double> sums(columns.size());
  SplitMix64 random(seed);
  for (unsigned b = 0; b < resamples; ++b) {
    std::fill(sums.begin(), sums.end(), 0.0);
    for (size_t i = 0; i < n; ++i) {
      size_t unit = random.next() % n;
      for (size_t c = 0; c < columns.size(); ++c)
        sums[c] += columns[c][unit];
    }
    for (size_t c = 0; c < columns.size(); ++c)
      means[c][b] = sums[c] / double(n);
  }
  double tail = (1 - confidence) / 2;
  for (size_t c = 0; c < columns.size(); ++c) {
    std::sort(means[c].begin(), means[c].end());
    intervals[c].low = percentile(means[c], tail);
    intervals[c].high = percentile(means[c], 1 - tail);
  }
  return intervals;
}
