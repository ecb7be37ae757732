//===- GptqSolver.h - GPTQ on one weight matrix ---------------------*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The numerical core of GPTQ (Frantar et al., 2022) on plain arrays, as the
// reference implementation computes it, in double precision: the weight
// W [rows = output channels, cols = input channels] is rounded one column at
// a time, each rounding error pushed onto the columns not yet rounded
// through the upper Cholesky factor U of H^-1 (H^-1 = U^T U), in blocks of
// columns with one trailing update per block (BLAS dgemm). Rows are
// independent and run in parallel; the result does not depend on the number
// of threads.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SOLVERS_GPTQSOLVER_H
#define QF_PASSES_SOLVERS_GPTQSOLVER_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace mlir::qf::gptq {

/// A grid the solver rounds onto instead of its affine integers (a float
/// format): a block's parameter from the block's values, and a value
/// rounded under that parameter. The parameter is the grid's own (a scale,
/// or a scale's code); the solver stores it in Result::scales and only
/// passes it back.
class Grid {
public:
  virtual ~Grid();
  virtual double fit(const double *x, int64_t n) const = 0;
  virtual double round(double w, double param) const = 0;
};

struct Options {
  unsigned bits = 4;
  /// Columns per group of quantization parameters; 0: one group per row.
  int64_t groupSize = 128;
  /// Range symmetric around 0 (zero point at the middle code).
  bool symmetric = false;
  /// Columns in descending order of diag(H).
  bool actOrder = true;
  /// Group parameters fitted up front on the original weight (not on the
  /// weight as updated so far).
  bool staticGroups = false;
  /// Damping, relative to the mean of diag(H).
  double damp = 0.01;
  int64_t blockSize = 128;
  /// Search a shrink of each row's (group's) range minimizing |error|^2.4.
  bool mseGrid = false;
  /// Round onto this grid instead (bits, symmetric and mseGrid unused).
  const Grid *grid = nullptr;
};

/// A quantized weight. Codes are unsigned, 0 .. 2^bits - 1, with the value
/// scale * (code - zero). `columnOrder` is the order of the columns in
/// storage: the identity unless act-order moved groups (act-order without
/// static groups), where group g holds the stored columns [g * groupSize,
/// (g + 1) * groupSize) and stored column j is original column
/// columnOrder[j].
struct Result {
  int64_t rows = 0, cols = 0;
  /// [rows, cols], in storage column order.
  std::vector<int64_t> codes;
  /// With a grid: the rounded values [rows, cols], in storage column order
  /// (codes and zeros unused).
  std::vector<double> values;
  /// [rows, groups] (groups = 1 without groups): scales, or the grid's
  /// parameters.
  std::vector<double> scales, zeros;
  std::vector<int64_t> columnOrder;
  /// The damping added to diag(H) in the end (absolute), and how many times
  /// it had to be raised (x10) for H to be positive definite.
  double damping = 0;
  int raised = 0;
  /// Whether columnOrder is not the identity.
  bool permuted() const;
  /// The dequantized weight [rows, cols] in the original column order.
  std::vector<double> dequantized() const;
};

/// Runs GPTQ on `weight` [rows, cols] (row-major) with `hessian` [cols, cols]
/// (symmetric, 2/N X^T X). Errors: non-finite weights or Hessian, an
/// all-zero Hessian (no calibration data reached the layer), a group size
/// that does not divide cols, an H that damping cannot make positive
/// definite.
llvm::Expected<Result> run(const std::vector<double> &weight, int64_t rows,
                           int64_t cols, std::vector<double> hessian,
                           const Options &options);

/// Round to nearest with the same quantizer and groups (c / groupSize): the
/// baseline GPTQ is measured against.
Result roundToNearest(const std::vector<double> &weight, int64_t rows,
                      int64_t cols, const Options &options);

/// tr(dW H dW^T) / tr(W H W^T) with dW = dequantized - weight: the relative
/// squared output error ||dW X||^2 / ||W X||^2 over the calibration rows.
double outputError(const std::vector<double> &weight,
                   const std::vector<double> &dequantized, int64_t rows,
                   int64_t cols, const std::vector<double> &hessian);

} // namespace mlir::qf::gptq

#endif // QF_PASSES_SOLVERS_GPTQSOLVER_H
