//===- Statistics.h - What calibration measures at one observer -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Accumulates, one observed tensor value at a time (a "batch"), the range of
// the tensor and of each channel by the chosen method, and for the inputs of
// matmuls and convolutions the per-input-channel max|x| (SmoothQuant) and
// mean|x| (AWQ), the Hessian H = 2/N * sum x x^T over the N rows the weight
// multiplies (GPTQ; im2col patches for a convolution), and a capped uniform
// sample of those rows.
//
// Channels are the last axis (features of a [.., K] activation, C of NHWC).
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_CALIBRATION_STATISTICS_H
#define QF_PASSES_CALIBRATION_STATISTICS_H

#include "numerics/Histogram.h"
#include "passes/PassOptions.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::qf::calibration {

llvm::StringRef methodName(Method method);

/// A convolution's window, to unfold NHWC inputs into the rows (patches) its
/// HWCF weight multiplies.
struct ConvWindow {
  int64_t kernelH, kernelW, strideH, strideW, dilationH, dilationW;
};

struct StatisticsOptions {
  Method method = Method::MinMax;
  bool perChannel = false;
  int bins = 2048;
  double percentile = 99.99;
  double emaDecay = 0.99;
  int bits = 8;
  /// Gather max|x|, mean|x|, the Hessian and row samples (matmul inputs).
  bool inputStats = false;
  bool hessian = true;
  int64_t sampleRows = 0;
  uint64_t seed = 0;
  std::optional<ConvWindow> window;
};

/// The range of a stream of values by one method.
class RangeTracker {
public:
  explicit RangeTracker(const StatisticsOptions &options);
  void add(const float *data, size_t count, size_t stride);
  /// The calibrated [min, max].
  std::pair<double, double> range() const;
  double dataMin() const { return min; }
  double dataMax() const { return max; }

private:
  const StatisticsOptions *options;
  double min, max;
  double emaMin = 0, emaMax = 0;
  bool first = true;
  std::optional<numerics::AbsHistogram> histogram;
};

class ObserverStatistics {
public:
  explicit ObserverStatistics(StatisticsOptions options);
  // Range trackers point at `options`: the object stays where it is.
  ObserverStatistics(const ObserverStatistics &) = delete;
  ObserverStatistics &operator=(const ObserverStatistics &) = delete;

  /// Adds one value of the observed tensor; an error message for NaN or
  /// infinite values or a shape the accumulated statistics cannot take.
  std::optional<std::string> add(const float *data,
                                 llvm::ArrayRef<int64_t> shape);

  const StatisticsOptions &getOptions() const { return options; }
  int64_t batches() const { return numBatches; }
  const RangeTracker &tensorRange() const { return *tensor; }
  const std::vector<RangeTracker> &channelRanges() const { return channels; }

  /// Input statistics, when gathered.
  int64_t inputChannels() const { return channelsIn; }
  int64_t rowLength() const { return rowSize; }
  uint64_t rows() const { return numRows; }
  std::vector<float> absMax() const;
  std::vector<float> absMean() const;
  /// The full symmetric H = 2/N * sum x x^T, row-major rowLength^2.
  std::vector<float> hessian() const;
  /// Sampled rows, row-major [n, rowLength], in the order they were seen.
  std::vector<float> sampledRows() const;

private:
  void addRows(const float *rowsData, int64_t count);
  std::optional<std::string> addInput(const float *data,
                                      llvm::ArrayRef<int64_t> shape);

  StatisticsOptions options;
  int64_t numBatches = 0;
  std::optional<RangeTracker> tensor;
  std::vector<RangeTracker> channels;
  std::vector<float> channelMajor; ///< Scratch: the batch transposed.

  int64_t channelsIn = -1, rowSize = -1;
  uint64_t numRows = 0;
  std::vector<float> inAbsMax;
  std::vector<double> inAbsSum;
  uint64_t inValues = 0;    ///< Values per channel summed into inAbsSum.
  std::vector<double> gram; ///< Upper triangle of sum x x^T.
  std::vector<float> sample;
  std::vector<uint64_t> sampleOrder;
  uint64_t rngState;
};

} // namespace mlir::qf::calibration

#endif // QF_PASSES_CALIBRATION_STATISTICS_H
