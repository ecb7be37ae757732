//===- Statistics.cpp - What calibration measures at one observer ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Calibration/Statistics.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir::qf;
using namespace mlir::qf::calibration;

llvm::StringRef calibration::methodName(Method method) {
  switch (method) {
  case Method::MinMax:
    return "minmax";
  case Method::EMA:
    return "ema";
  case Method::Percentile:
    return "percentile";
  case Method::MSE:
    return "mse";
  case Method::Entropy:
    return "entropy";
  }
  return "";
}

static bool usesHistogram(Method method) {
  return method == Method::Percentile || method == Method::MSE ||
         method == Method::Entropy;
}

RangeTracker::RangeTracker(const StatisticsOptions &options)
    : options(&options), min(INFINITY), max(-INFINITY) {
  if (usesHistogram(options.method))
    histogram.emplace(options.bins);
}

void RangeTracker::add(const float *data, size_t count, size_t stride) {
  if (!count)
    return;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < count; ++i) {
    double v = data[i * stride];
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  min = std::min(min, lo);
  max = std::max(max, hi);
  if (first) {
    emaMin = lo;
    emaMax = hi;
  } else {
    emaMin = options->emaDecay * emaMin + (1 - options->emaDecay) * lo;
    emaMax = options->emaDecay * emaMax + (1 - options->emaDecay) * hi;
  }
  first = false;
  if (histogram)
    histogram->add(data, count, stride);
}

std::pair<double, double> RangeTracker::range() const {
  if (first)
    return {0, 0};
  bool isUnsigned = min >= 0;
  double amax;
  switch (options->method) {
  case Method::MinMax:
    return {min, max};
  case Method::EMA:
    return {emaMin, emaMax};
  case Method::Percentile:
    amax = numerics::percentileThreshold(*histogram, options->percentile);
    break;
  case Method::MSE:
    amax = numerics::mseThreshold(*histogram, options->bits, isUnsigned);
    break;
  case Method::Entropy:
    amax = numerics::entropyThreshold(*histogram, options->bits, isUnsigned);
    break;
  }
  return {isUnsigned ? 0.0 : -amax, amax};
}

ObserverStatistics::ObserverStatistics(StatisticsOptions opts)
    : options(std::move(opts)), rngState(options.seed) {}

std::optional<std::string>
ObserverStatistics::add(const float *data, llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(data[i]))
      return std::string(std::isnan(data[i]) ? "a NaN" : "an infinite value") +
             " at flat index " + std::to_string(i);
  if (!tensor)
    tensor.emplace(options);
  ++numBatches;
  tensor->add(data, count, 1);

  if (options.perChannel && !shape.empty()) {
    int64_t c = shape.back();
    if (channels.empty())
      channels.assign(c, RangeTracker(options));
    if ((int64_t)channels.size() != c)
      return "the channel count changed from " +
             std::to_string(channels.size()) + " to " + std::to_string(c);
    // One transposing pass, then each channel reads contiguous memory:
    // strided passes per channel would touch every cache line C times.
    const int64_t rowCount = c ? count / c : 0;
    channelMajor.resize(count);
    for (int64_t r = 0; r < rowCount; ++r)
      for (int64_t k = 0; k < c; ++k)
        channelMajor[k * rowCount + r] = data[r * c + k];
    for (int64_t k = 0; k < c && count; ++k)
      channels[k].add(channelMajor.data() + k * rowCount, rowCount, 1);
  }
  if (options.inputStats)
    return addInput(data, shape);
  return std::nullopt;
}

std::optional<std::string>
ObserverStatistics::addInput(const float *data, llvm::ArrayRef<int64_t> shape) {
  if (shape.empty())
    return std::nullopt;
  const int64_t c = shape.back();
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  const ConvWindow *window = options.window ? &*options.window : nullptr;
  if (window && shape.size() != 4)
    return "a convolution input must be NHWC, got rank " +
           std::to_string(shape.size());
  int64_t length = window ? window->kernelH * window->kernelW * c : c;
  if (channelsIn < 0) {
    channelsIn = c;
    rowSize = length;
    inAbsMax.assign(c, 0.0f);
    inAbsSum.assign(c, 0.0);
    if (options.hessian)
      gram.assign(length * length, 0.0);
  } else if (channelsIn != c) {
    return "the input channel count changed from " +
           std::to_string(channelsIn) + " to " + std::to_string(c);
  }
  for (int64_t i = 0; i < count; ++i) {
    float a = std::fabs(data[i]);
    int64_t k = i % c;
    inAbsMax[k] = std::max(inAbsMax[k], a);
    inAbsSum[k] += a;
  }
  inValues += c ? count / c : 0;

  if (!window) {
    addRows(data, c ? count / c : 0);
    return std::nullopt;
  }
  // Unfold NHWC into patches ordered (kh, kw, c), the row order of an HWCF
  // weight flattened to [KH*KW*C, F].
  const int64_t n = shape[0], h = shape[1], w = shape[2];
  const int64_t spanH = window->dilationH * (window->kernelH - 1) + 1;
  const int64_t spanW = window->dilationW * (window->kernelW - 1) + 1;
  if (h < spanH || w < spanW)
    return std::nullopt;
  const int64_t oh = (h - spanH) / window->strideH + 1;
  const int64_t ow = (w - spanW) / window->strideW + 1;
  std::vector<float> patch(length);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x) {
        float *out = patch.data();
        for (int64_t ky = 0; ky < window->kernelH; ++ky)
          for (int64_t kx = 0; kx < window->kernelW; ++kx) {
            int64_t iy = y * window->strideH + ky * window->dilationH;
            int64_t ix = x * window->strideW + kx * window->dilationW;
            const float *in = data + ((b * h + iy) * w + ix) * c;
            out = std::copy(in, in + c, out);
          }
        addRows(patch.data(), 1);
      }
  return std::nullopt;
}

/// splitmix64: a small, well-mixed generator with a fixed sequence per seed.
static uint64_t nextRandom(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void ObserverStatistics::addRows(const float *data, int64_t count) {
  const int64_t k = rowSize;
  if (options.hessian) {
    // Blocks of rows in double, then one pass over H's upper triangle per
    // block: each row of H stays in cache while the block's rows update it.
    constexpr int64_t kBlock = 64;
    std::vector<double> block(kBlock * k);
    for (int64_t start = 0; start < count; start += kBlock) {
      int64_t rowsInBlock = std::min(kBlock, count - start);
      std::copy(data + start * k, data + (start + rowsInBlock) * k,
                block.begin());
      for (int64_t i = 0; i < k; ++i) {
        double *hRow = gram.data() + i * k;
        for (int64_t r = 0; r < rowsInBlock; ++r) {
          const double *x = block.data() + r * k;
          double xi = x[i];
          if (xi == 0)
            continue;
          for (int64_t j = i; j < k; ++j)
            hRow[j] += xi * x[j];
        }
      }
    }
  }
  // Reservoir sampling (Algorithm R) with a seeded generator.
  const uint64_t cap = options.sampleRows;
  for (int64_t r = 0; r < count && cap; ++r) {
    uint64_t seen = numRows + r;
    if (seen < cap) {
      sample.insert(sample.end(), data + r * k, data + (r + 1) * k);
      sampleOrder.push_back(seen);
      continue;
    }
    uint64_t slot = nextRandom(rngState) % (seen + 1);
    if (slot < cap) {
      std::copy(data + r * k, data + (r + 1) * k, sample.begin() + slot * k);
      sampleOrder[slot] = seen;
    }
  }
  numRows += count;
}

std::vector<float> ObserverStatistics::absMax() const { return inAbsMax; }

std::vector<float> ObserverStatistics::absMean() const {
  std::vector<float> mean(inAbsSum.size(), 0.0f);
  if (inValues)
    for (size_t k = 0; k < mean.size(); ++k)
      mean[k] = inAbsSum[k] / (double)inValues;
  return mean;
}

std::vector<float> ObserverStatistics::hessian() const {
  const int64_t k = rowSize;
  std::vector<float> h(gram.size(), 0.0f);
  if (!numRows)
    return h;
  const double scale = 2.0 / (double)numRows;
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = i; j < k; ++j)
      h[i * k + j] = h[j * k + i] = gram[i * k + j] * scale;
  return h;
}

std::vector<float> ObserverStatistics::sampledRows() const {
  const int64_t k = rowSize;
  std::vector<size_t> order(sampleOrder.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return sampleOrder[a] < sampleOrder[b];
  });
  std::vector<float> rowsOut;
  rowsOut.reserve(sample.size());
  for (size_t slot : order)
    rowsOut.insert(rowsOut.end(), sample.begin() + slot * k,
                   sample.begin() + (slot + 1) * k);
  return rowsOut;
}
