//===- Histogram.h - Range selection from a histogram of |x| ----*- C++ -*-===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//
//
// Calibration's histogram methods, as TensorRT and pytorch-quantization define
// them: a histogram of |x| over [0, R) in B equal bins, from which a
// threshold T (the "amax") is chosen; the range is then [-T, T], or [0, T]
// for data that was never negative.
//
// The histogram streams: R starts at the first non-zero |x| seen and doubles
// (merging bin pairs, which loses nothing) whenever a larger value arrives,
// so it equals a one-shot histogram of all the data over the final [0, R).
//
//===----------------------------------------------------------------------===//

#ifndef QF_NUMERICS_HISTOGRAM_H
#define QF_NUMERICS_HISTOGRAM_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mlir::qf::numerics {

class AbsHistogram {
public:
  /// `bins` must be even and positive.
  explicit AbsHistogram(int bins = 2048);

  /// Adds |data[i * stride]| for i < count. Values must be finite.
  void add(const float *data, size_t count, size_t stride = 1);

  /// The bin counts; the last bin includes its upper edge.
  std::vector<uint64_t> counts() const;
  /// The upper end R of the histogram (0 while only zeros were seen).
  double range() const { return upper; }
  double binWidth() const { return upper / bins.size(); }
  uint64_t total() const { return seen; }

private:
  std::vector<uint64_t> bins;
  double upper = 0;
  uint64_t zeros = 0; ///< Zeros seen before the first non-zero value.
  /// Values equal to the current upper end: they belong to the last bin
  /// now, but to the middle bin once the range doubles.
  uint64_t atUpper = 0;
  uint64_t seen = 0;
};

/// The upper edge of the first bin at which the cumulative count reaches
/// `percentile`% of the total.
double percentileThreshold(const AbsHistogram &hist, double percentile);

/// The bin edge T = i * width (i = 1..B) minimizing the squared error of
/// quantizing every bin centre to `bits` bits with scale T / qmax (qmax =
/// 2^(bits-1) - 1 for signed data, 2^bits - 1 for unsigned), rounding half
/// to even and clamping; counts weight the errors. Ties keep the smaller T.
double mseThreshold(const AbsHistogram &hist, int bits, bool isUnsigned);

/// TensorRT's entropy calibration: for i = n..B with n = 2^(bits-1) levels
/// (2^bits for unsigned data), P is the first i bins with the remaining
/// counts added to bin i-1; Q merges those i bins into n chunks of i/n bins
/// (the last chunk takes the remainder) and spreads each chunk's total evenly
/// over its bins where P is non-zero; the threshold is the edge i * width
/// minimizing KL(P || Q) (candidates where Q is 0 but P is not are skipped;
/// ties keep the smaller i).
double entropyThreshold(const AbsHistogram &hist, int bits, bool isUnsigned);

} // namespace mlir::qf::numerics

#endif // QF_NUMERICS_HISTOGRAM_H
