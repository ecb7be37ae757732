//===- GptqSolver.cpp - GPTQ on one weight matrix
//-----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Solvers/GptqSolver.h"

#include "passes/Solvers/Lapack.h"

#include "llvm/Support/Parallel.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

using namespace mlir::qf;
using namespace mlir::qf::gptq;

namespace {

struct Params {
  double scale, zero;
};

/// The reference's quantizer: codes 0..maxq, range always containing 0; or
/// a grid's rounding.
struct Quantizer {
  double maxq;
  bool symmetric, mse;
  const Grid *grid;

  double code(double w, Params p) const {
    return std::clamp(std::nearbyint(w / p.scale) + p.zero, 0.0, maxq);
  }
  double value(double w, Params p) const {
    if (grid)
      return grid->round(w, p.scale);
    return p.scale * (code(w, p) - p.zero);
  }

  /// Parameters for the values x[0..n), with the reference's MSE shrink
  /// search (grid 100, shrinking to 0.8 of the range, norm 2.4).
  Params fit(const double *x, int64_t n) const {
    if (grid)
      return {grid->fit(x, n), 0};
    double lo = 0, hi = 0;
    for (int64_t i = 0; i < n; ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    if (symmetric) {
      hi = std::max(std::fabs(lo), hi);
      if (lo < 0)
        lo = -hi;
    }
    if (lo == 0 && hi == 0) {
      lo = -1;
      hi = 1;
    }
    double scale = (hi - lo) / maxq;
    Params best{scale,
                symmetric ? (maxq + 1) / 2 : std::nearbyint(-lo / scale)};
    if (!mse)
      return best;
    double bestError = INFINITY;
    const double middle = best.zero;
    for (int i = 0; i < 80; ++i) {
      double shrink = 1 - i / 100.0;
      double l = shrink * lo, h = shrink * hi;
      Params p{(h - l) / maxq, 0};
      p.zero = symmetric ? middle : std::nearbyint(-l / p.scale);
      double error = 0;
      for (int64_t j = 0; j < n; ++j)
        error += std::pow(std::fabs(value(x[j], p) - x[j]), 2.4);
      if (error < bestError) {
        bestError = error;
        best = p;
      }
    }
    return best;
  }
};

bool allFinite(const std::vector<double> &v) {
  return std::all_of(v.begin(), v.end(),
                     [](double x) { return std::isfinite(x); });
}

/// The upper factor U of H^-1 = U^T U, from the Cholesky factor of H with
/// rows and columns reversed (J H J = M M^T gives H = R R^T with R = J M J
/// upper, so H^-1 = R^-T R^-1 and U = R^-1 = J M^-1 J): one factorization
/// and one triangular inverse instead of inverting H and factoring again.
/// False when H is not positive definite.
bool inverseFactor(const std::vector<double> &h, int n,
                   std::vector<double> &u) {
  std::vector<double> a(size_t(n) * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      a[size_t(i) * n + j] = h[size_t(n - 1 - i) * n + (n - 1 - j)];
  int info = 0;
  dpotrf_("L", &n, a.data(), &n, &info, 1);
  if (info != 0)
    return false;
  dtrtri_("L", "N", &n, a.data(), &n, &info, 1, 1);
  if (info != 0)
    return false;
  // a holds M^-1 column-major: (p, q) at a[p + q * n].
  u.assign(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = i; j < n; ++j)
      u[size_t(i) * n + j] = a[size_t(n - 1 - i) + size_t(n - 1 - j) * n];
  return true;
}

} // namespace

bool Result::permuted() const {
  for (int64_t j = 0; j < int64_t(columnOrder.size()); ++j)
    if (columnOrder[j] != j)
      return true;
  return false;
}

Grid::~Grid() = default;

std::vector<double> Result::dequantized() const {
  std::vector<double> out(rows * cols);
  if (!values.empty()) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < cols; ++j)
        out[r * cols + columnOrder[j]] = values[r * cols + j];
    return out;
  }
  int64_t groups = scales.size() / rows;
  int64_t perGroup = cols / groups;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      int64_t g = r * groups + j / perGroup;
      out[r * cols + columnOrder[j]] =
          scales[g] * (double(codes[r * cols + j]) - zeros[g]);
    }
  return out;
}

static Result emptyResult(int64_t rows, int64_t cols, int64_t groups,
                          const Options &options) {
  Result result;
  result.rows = rows;
  result.cols = cols;
  result.codes.assign(rows * cols, 0);
  if (options.grid)
    result.values.assign(rows * cols, 0.0);
  result.scales.assign(rows * groups, 0.0);
  result.zeros.assign(rows * groups, 0.0);
  result.columnOrder.resize(cols);
  std::iota(result.columnOrder.begin(), result.columnOrder.end(), 0);
  return result;
}

Result gptq::roundToNearest(const std::vector<double> &weight, int64_t rows,
                            int64_t cols, const Options &options) {
  Quantizer quantizer{double((1u << options.bits) - 1), options.symmetric,
                      options.mseGrid, options.grid};
  int64_t perGroup = options.groupSize > 0 && cols % options.groupSize == 0
                         ? options.groupSize
                         : cols;
  int64_t groups = cols / perGroup;
  Result result = emptyResult(rows, cols, groups, options);
  llvm::parallelFor(0, rows, [&](size_t r) {
    for (int64_t g = 0; g < groups; ++g) {
      const double *x = weight.data() + r * cols + g * perGroup;
      Params p = quantizer.fit(x, perGroup);
      result.scales[r * groups + g] = p.scale;
      result.zeros[r * groups + g] = p.zero;
      for (int64_t j = 0; j < perGroup; ++j) {
        int64_t at = r * cols + g * perGroup + j;
        if (options.grid)
          result.values[at] = quantizer.value(x[j], p);
        else
          result.codes[at] = int64_t(quantizer.code(x[j], p));
      }
    }
  });
  return result;
}

llvm::Expected<Result> gptq::run(const std::vector<double> &weight,
                                 int64_t rows, int64_t cols,
                                 std::vector<double> h,
                                 const Options &options) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(message);
  };
  if (!allFinite(weight))
    return error("the weight contains NaN or infinite values");
  if (!allFinite(h))
    return error("the Hessian contains NaN or infinite values");
  if (std::all_of(h.begin(), h.end(), [](double x) { return x == 0; }))
    return error("the Hessian is zero: no calibration data reached this "
                 "layer");
  if (!options.grid && (options.bits < 2 || options.bits > 8))
    return error("bits must be in [2, 8]");
  if (rows <= 0 || cols <= 0 || rows > INT32_MAX || cols > INT32_MAX)
    return error("the weight must have between 1 and 2^31 - 1 rows and "
                 "columns");
  int64_t gs = options.groupSize;
  if (gs > 0 && cols % gs)
    return error("group size " + llvm::Twine(gs) +
                 " does not divide the reduction (" + llvm::Twine(cols) + ")");
  const int n = int(cols);
  Quantizer quantizer{double((1u << options.bits) - 1), options.symmetric,
                      options.mseGrid, options.grid};
  std::vector<double> w = weight;
  int64_t groups = gs > 0 ? cols / gs : 1;
  bool permutedStorage = options.actOrder && gs > 0 && !options.staticGroups;
  Result result = emptyResult(rows, cols, groups, options);

  // Whole rows: parameters up front, before dead columns are zeroed.
  std::vector<Params> params(rows * groups);
  if (gs <= 0)
    for (int64_t r = 0; r < rows; ++r)
      params[r] = quantizer.fit(w.data() + r * cols, cols);
  // Dead inputs: H_ii = 1 and zero weights.
  for (int64_t i = 0; i < cols; ++i)
    if (h[i * cols + i] == 0) {
      h[i * cols + i] = 1;
      for (int64_t r = 0; r < rows; ++r)
        w[r * cols + i] = 0;
    }
  if (gs > 0 && options.staticGroups)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t g = 0; g < groups; ++g)
        params[r * groups + g] =
            quantizer.fit(w.data() + r * cols + g * gs, gs);

  // act-order: columns by descending diag(H) (ties in column order).
  std::vector<int64_t> perm(cols);
  std::iota(perm.begin(), perm.end(), 0);
  if (options.actOrder) {
    std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
      double ha = h[a * cols + a], hb = h[b * cols + b];
      return ha > hb || (ha == hb && a < b);
    });
    std::vector<double> pw(w.size()), ph(h.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < cols; ++j)
        pw[r * cols + j] = w[r * cols + perm[j]];
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        ph[i * cols + j] = h[perm[i] * cols + perm[j]];
    w.swap(pw);
    h.swap(ph);
  }

  // Damping, raised x10 until H is positive definite.
  double mean = 0;
  for (int64_t i = 0; i < cols; ++i)
    mean += h[i * cols + i];
  mean /= double(cols);
  std::vector<double> u, damped;
  double damp = options.damp;
  for (result.raised = 0;; ++result.raised, damp *= 10) {
    if (result.raised == 10)
      return error("the Hessian is not positive definite even with damping " +
                   std::to_string(damp / 10 * mean));
    damped = h;
    result.damping = damp * mean;
    for (int64_t i = 0; i < cols; ++i)
      damped[i * cols + i] += result.damping;
    if (inverseFactor(damped, n, u))
      break;
  }
  damped = {};

  const int64_t bs = std::clamp<int64_t>(options.blockSize, 1, cols);
  std::vector<double> blockErrors(rows * bs);
  for (int64_t i1 = 0; i1 < cols; i1 += bs) {
    const int64_t i2 = std::min(i1 + bs, cols), count = i2 - i1;
    llvm::parallelFor(0, rows, [&](size_t r) {
      const double *row = w.data() + r * cols;
      // The block as updated within it; group parameters are fitted on the
      // weight as it was at the start of the block, as the reference does.
      std::vector<double> w1(row + i1, row + i2);
      double *errors = blockErrors.data() + r * bs;
      Params p = gs > 0 ? Params{} : params[r];
      for (int64_t i = 0; i < count; ++i) {
        const int64_t col = i1 + i;
        int64_t group = 0;
        if (gs > 0) {
          if (!options.staticGroups) {
            group = col / gs;
            if (col % gs == 0)
              params[r * groups + group] =
                  quantizer.fit(row + col, std::min(gs, cols - col));
          } else {
            group = perm[col] / gs;
          }
          p = params[r * groups + group];
        }
        double q = quantizer.value(w1[i], p);
        int64_t stored = permutedStorage ? col : perm[col];
        if (options.grid)
          result.values[r * cols + stored] = q;
        else
          result.codes[r * cols + stored] = int64_t(quantizer.code(w1[i], p));
        const double err = (w1[i] - q) / u[col * cols + col];
        const double *uRow = u.data() + col * cols + i1;
        for (int64_t j = i; j < count; ++j)
          w1[j] -= err * uRow[j];
        errors[i] = err;
      }
    });
    // W[:, i2:] -= E [rows, count] * U[i1:i2, i2:], in column-major terms
    // W^T[i2:, :] -= U[i1:i2, i2:]^T E^T.
    if (i2 < cols) {
      int m = int(cols - i2), nn = int(rows), k = int(count), ldu = n,
          lde = int(bs), ldw = n;
      double minusOne = -1, one = 1;
      dgemm_("N", "N", &m, &nn, &k, &minusOne, u.data() + i1 * cols + i2, &ldu,
             blockErrors.data(), &lde, &one, w.data() + i2, &ldw, 1, 1);
    }
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      result.scales[r * groups + g] = params[r * groups + g].scale;
      result.zeros[r * groups + g] = params[r * groups + g].zero;
    }
  if (permutedStorage)
    result.columnOrder = perm;
  return result;
}

double gptq::outputError(const std::vector<double> &weight,
                         const std::vector<double> &dequantized, int64_t rows,
                         int64_t cols, const std::vector<double> &hessian) {
  std::vector<double> delta(weight.size());
  for (size_t i = 0; i < delta.size(); ++i)
    delta[i] = dequantized[i] - weight[i];
  // sum over rows of v H v^T for v a row of `m`: (M H) . M.
  auto quadratic = [&](const std::vector<double> &m) {
    std::vector<double> product(m.size());
    int nn = int(cols), mm = int(rows);
    double one = 1, zero = 0;
    // Column-major: (M H)^T = H M^T, with H symmetric.
    dgemm_("N", "N", &nn, &mm, &nn, &one, hessian.data(), &nn, m.data(), &nn,
           &zero, product.data(), &nn, 1, 1);
    double sum = 0;
    for (size_t i = 0; i < m.size(); ++i)
      sum += product[i] * m[i];
    return sum;
  };
  // H from data is positive semi-definite; a hand-made one may not be.
  double norm = quadratic(weight);
  return norm > 0 ? std::max(quadratic(delta), 0.0) / norm : 0.0;
}
