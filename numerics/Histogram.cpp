//===- Histogram.cpp - Range selection from a histogram of |x| ------------===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "numerics/Histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir::qf::numerics;

AbsHistogram::AbsHistogram(int count) : bins(count, 0) {
  assert(count > 0 && count % 2 == 0 && "bins must be even and positive");
}

void AbsHistogram::add(const float *data, size_t count, size_t stride) {
  double largest = 0;
  for (size_t i = 0; i < count; ++i)
    largest = std::max(largest, (double)std::fabs(data[i * stride]));
  seen += count;
  if (largest == 0 && upper == 0) {
    zeros += count;
    return;
  }
  if (upper == 0) {
    upper = largest;
    bins[0] += zeros;
    zeros = 0;
  }
  // Double the range until it covers the new data; merging pairs of bins is
  // exact because the old edges are a subset of the new ones.
  const size_t n = bins.size();
  while (largest > upper) {
    for (size_t i = 0; i < n / 2; ++i)
      bins[i] = bins[2 * i] + bins[2 * i + 1];
    std::fill(bins.begin() + n / 2, bins.end(), 0);
    bins[n / 2] += atUpper;
    atUpper = 0;
    upper *= 2;
  }
  const double perUnit = n / upper;
  for (size_t i = 0; i < count; ++i) {
    double value = std::fabs((double)data[i * stride]);
    if (value >= upper) {
      ++atUpper;
      continue;
    }
    bins[std::min((size_t)(value * perUnit), n - 1)] += 1;
  }
}

std::vector<uint64_t> AbsHistogram::counts() const {
  std::vector<uint64_t> all = bins;
  all.back() += atUpper;
  return all;
}

double mlir::qf::numerics::percentileThreshold(const AbsHistogram &hist,
                                               double percentile) {
  const std::vector<uint64_t> bins = hist.counts();
  double target = percentile / 100.0 * (double)hist.total();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bins.size(); ++i) {
    cumulative += bins[i];
    if ((double)cumulative >= target)
      return (i + 1) * hist.binWidth();
  }
  return hist.range();
}

double mlir::qf::numerics::mseThreshold(const AbsHistogram &hist, int bits,
                                        bool isUnsigned) {
  const std::vector<uint64_t> bins = hist.counts();
  const double width = hist.binWidth();
  const double qmax =
      isUnsigned ? std::ldexp(1.0, bits) - 1 : std::ldexp(1.0, bits - 1) - 1;
  double bestError = std::numeric_limits<double>::infinity();
  size_t best = bins.size();
  for (size_t i = 1; i <= bins.size(); ++i) {
    const double scale = i * width / qmax;
    double error = 0;
    for (size_t j = 0; j < bins.size(); ++j) {
      if (!bins[j])
        continue;
      double centre = (j + 0.5) * width;
      double q = std::min(std::nearbyint(centre / scale), qmax);
      double diff = q * scale - centre;
      error += diff * diff * (double)bins[j];
    }
    if (error < bestError) {
      bestError = error;
      best = i;
    }
  }
  return best * width;
}

double mlir::qf::numerics::entropyThreshold(const AbsHistogram &hist, int bits,
                                            bool isUnsigned) {
  const std::vector<uint64_t> bins = hist.counts();
  const size_t total = bins.size();
  const size_t levels = (size_t)1 << (bits - 1 + (isUnsigned ? 1 : 0));
  if (levels > total)
    return hist.range();

  double bestDivergence = std::numeric_limits<double>::infinity();
  size_t best = total;
  std::vector<double> p, q;
  for (size_t i = levels; i <= total; ++i) {
    p.assign(bins.begin(), bins.begin() + i);
    double outliers = 0;
    for (size_t j = i; j < total; ++j)
      outliers += (double)bins[j];
    p[i - 1] += outliers;

    q.assign(i, 0.0);
    const size_t merged = i / levels;
    for (size_t chunk = 0; chunk < levels; ++chunk) {
      size_t begin = chunk * merged;
      size_t end = chunk + 1 == levels ? i : begin + merged;
      double sum = 0;
      size_t nonzero = 0;
      for (size_t j = begin; j < end; ++j) {
        sum += (double)bins[j];
        nonzero += p[j] != 0;
      }
      if (!nonzero)
        continue;
      for (size_t j = begin; j < end; ++j)
        if (p[j] != 0)
          q[j] = sum / nonzero;
    }

    double pSum = 0, qSum = 0;
    for (size_t j = 0; j < i; ++j) {
      pSum += p[j];
      qSum += q[j];
    }
    if (pSum == 0 || qSum == 0)
      continue;
    double divergence = 0;
    bool finite = true;
    for (size_t j = 0; j < i && finite; ++j) {
      if (p[j] == 0)
        continue;
      if (q[j] == 0) {
        finite = false;
        break;
      }
      double pj = p[j] / pSum, qj = q[j] / qSum;
      divergence += pj * std::log(pj / qj);
    }
    if (finite && divergence < bestDivergence) {
      bestDivergence = divergence;
      best = i;
    }
  }
  return best * hist.binWidth();
}
