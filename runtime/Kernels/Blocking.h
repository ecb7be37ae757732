//===- Blocking.h - The loop nest the GEMM kernels share --------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// GotoBLAS-style: K in blocks of KC (the first block writes C, later ones
// add to it), M in blocks of MC packed by the caller, and MR x NR register
// tiles over the weight's NR-column panels, which threads split. Edge tiles
// are computed whole into a scratch tile and their valid part written.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_KERNELS_BLOCKING_H
#define QF_RUNTIME_KERNELS_BLOCKING_H

#include "runtime/Kernels/ThreadPool.h"

#include <algorithm>
#include <cstdint>

namespace mlir::qf::kernels {

/// `pack(ic, mc, pc, kc)` packs rows [ic, ic + mc) of A over k in
/// [pc, pc + kc); `tile(panel, pc, kc, ir, out, ldo, accumulate)` computes
/// the MR x NR tile of packed micro-panel `ir` (a row offset in the block)
/// and weight panel `panel` into `out`. With `accumulateFirst` the first K
/// block adds to C as well.
template <int64_t MR, int64_t NR, typename T, typename Pack, typename Tile>
void blockedGemm(int64_t m, int64_t n, int64_t k, int64_t kcMax, int64_t mcMax,
                 T *c, int64_t ldc, unsigned threads, Pack pack, Tile tile,
                 bool accumulateFirst = false) {
  const int64_t panels = (n + NR - 1) / NR;
  // k == 0 still runs one (empty) block, so C is written.
  for (int64_t pc = 0; pc < std::max<int64_t>(k, 1); pc += kcMax) {
    const int64_t kc = std::min(kcMax, k - pc);
    const bool accumulate = accumulateFirst || pc > 0;
    for (int64_t ic = 0; ic < m; ic += mcMax) {
      const int64_t mc = std::min(mcMax, m - ic);
      pack(ic, mc, pc, kc);
      parallelFor(panels, threads, [&](int64_t first, int64_t last) {
        alignas(32) T edge[MR * NR];
        for (int64_t panel = first; panel < last; ++panel) {
          const int64_t cols = std::min(NR, n - panel * NR);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t rows = std::min(MR, mc - ir);
            T *cp = c + (ic + ir) * ldc + panel * NR;
            if (rows == MR && cols == NR) {
              tile(panel, pc, kc, ir, cp, ldc, accumulate);
              continue;
            }
            tile(panel, pc, kc, ir, edge, NR, false);
            for (int64_t r = 0; r < rows; ++r)
              for (int64_t j = 0; j < cols; ++j)
                cp[r * ldc + j] = accumulate
                                      ? cp[r * ldc + j] + edge[r * NR + j]
                                      : edge[r * NR + j];
          }
        }
      });
    }
  }
}

} // namespace mlir::qf::kernels

#endif // QF_RUNTIME_KERNELS_BLOCKING_H
