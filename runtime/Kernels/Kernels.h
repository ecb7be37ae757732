//===- Kernels.h - Fast CPU kernels for quantized layers --------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Hand-written x86 kernels for what quantized models spend their time in:
// f32 GEMM, W8A8 integer GEMM (qf.matmul's arithmetic exactly) and W4A16
// and W8A16 weight-only GEMM/GEMV. Weights are constants, so each kernel has a
// packing step done once (at compile time in a compiler; once per model
// in a benchmark) into the layout its inner loop streams, and a run step
// on row-major activations. Inner loops are register-blocked microkernels
// written with AVX2/FMA intrinsics, chosen at run time from the host's
// features (CpuFeatures.h); other hosts take a portable path that computes
// the same results. Work is split over output-column panels among
// `threads` (ThreadPool.h).
//
// Integer kernels are exact: they equal numerics' reference arithmetic bit
// for bit on any shape. Float kernels sum in a fixed, documented order.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_KERNELS_KERNELS_H
#define QF_RUNTIME_KERNELS_KERNELS_H

#include <cstdint>
#include <vector>

namespace mlir::qf::kernels {

//===----------------------------------------------------------------------===//
// f32: C[M, N] = A[M, K] B[K, N]
//===----------------------------------------------------------------------===//

/// B [K, N] row-major in 16-column panels, k-major inside a panel, padded
/// with zeros to whole panels.
struct PackedF32 {
  int64_t k = 0, n = 0;
  std::vector<float> data;
};
PackedF32 packF32(const float *b, int64_t k, int64_t n);

/// C = A B, or C += A B with `accumulate` (row-major, leading dimensions
/// lda, ldc). Each C element is summed over k in increasing order within
/// blocks of 256, blocks added in order.
void gemmF32(const float *a, int64_t lda, int64_t m, const PackedF32 &b,
             float *c, int64_t ldc, unsigned threads = 1,
             bool accumulate = false);
/// The same on packF32's data for a [k, n] weight held elsewhere (a global
/// of compiled code).
void gemmF32(const float *a, int64_t lda, int64_t m, const float *packed,
             int64_t k, int64_t n, float *c, int64_t ldc, unsigned threads,
             bool accumulate);

//===----------------------------------------------------------------------===//
// W8A8: acc[M, N] = sum_k (a[m, k] - za) (w[k, n] - zw[n]), i32
//===----------------------------------------------------------------------===//

/// How packS8 lays a weight out, chosen from the weight alone (so the same
/// on every host); GemmS8.cpp says why each is exact.
enum class S8Layout : int32_t {
  /// 16-bit pairs (k, k+1) per column, 16-column panels: any int8 weight.
  Pairs = 0,
  /// Bytes of 4 consecutive k per column, 16-column panels, weights in
  /// [-64, 64]: vpmaddubsw is exact on them, about 1.3x the pairs' speed.
  NarrowQuads = 1,
  /// The same bytes for any weight, on hosts with a non-saturating int8 dot
  /// product (AVX-512 VNNI, Arm i8mm).
  Quads = 2,
};
/// int8 weights [K, N] with per-column zero points, packed in `layout`,
/// with their column sums.
struct PackedS8 {
  int64_t k = 0, n = 0;
  S8Layout layout = S8Layout::Pairs;
  std::vector<int8_t> data;
  std::vector<int32_t> colSums;
  std::vector<int32_t> zeroPoints;
};
/// `zeroPoints` has N entries, or one for all columns, or none (zero).
PackedS8 packS8(const int8_t *w, int64_t k, int64_t n,
                const std::vector<int32_t> &zeroPoints = {});

/// qf.matmul's accumulator exactly (plus `bias[n]` when given).
void gemmS8(const int8_t *a, int64_t lda, int64_t m, int32_t aZeroPoint,
            const PackedS8 &w, const int32_t *bias, int32_t *acc, int64_t ldc,
            unsigned threads = 1);
/// The same on packS8's arrays for a [k, n] weight held elsewhere (globals
/// of compiled code).
void gemmS8(const int8_t *a, int64_t lda, int64_t m, int32_t aZeroPoint,
            S8Layout layout, const int8_t *packed, const int32_t *colSums,
            const int32_t *zeroPoints, int64_t k, int64_t n,
            const int32_t *bias, int32_t *acc, int64_t ldc, unsigned threads);

//===----------------------------------------------------------------------===//
// Weight-only: C[M, N] = A[M, K] dequantize(W)[K, N], f32 activations
//===----------------------------------------------------------------------===//
//
// Codes with a scale and zero point per group of `group` rows and column:
// w = (code - zero) * scale. Below 16 rows: per group, sum_k a[k] code[k]
// is accumulated in U interleaved partial sums (k - start = u mod U, the
// last group % U in partial 0; U = 4 for single rows, 2 for pairs, else
// 1), each in order over k with fused multiply-adds, added in order; then
// c += scale (s - zero sum_k a[k]) with two fused operations. From 16
// rows: gemmF32's sums over w as numerics::dequantize gives it.

/// W4A16: unsigned 4-bit codes (0..15).
struct PackedW4 {
  int64_t k = 0, n = 0, group = 0;
  /// Per 16-column panel and k: 8 bytes, column j in the low nibble of
  /// byte j and column j + 8 in the high one.
  std::vector<uint8_t> codes;
  /// [K / group, N] per panel, as [groups][16]
  std::vector<float> scales, zeros;
};
/// `codes` row-major [K, N], one code per byte; `group` divides K.
PackedW4 packW4(const uint8_t *codes, int64_t k, int64_t n, int64_t group,
                const float *scales, const float *zeros);

/// C = A dequantize(W).
void gemmW4(const float *a, int64_t lda, int64_t m, const PackedW4 &w, float *c,
            int64_t ldc, unsigned threads = 1);
/// The same on packW4's arrays for a [k, n] weight held elsewhere (globals
/// of compiled code); with `accumulate`, C += A dequantize(W).
void gemmW4(const float *a, int64_t lda, int64_t m, const uint8_t *codes,
            const float *scales, const float *zeros, int64_t k, int64_t n,
            int64_t group, float *c, int64_t ldc, unsigned threads,
            bool accumulate);

/// W8A16: signed 8-bit codes.
struct PackedW8 {
  int64_t k = 0, n = 0, group = 0;
  /// Per 16-column panel and k: 16 bytes, column j in byte j.
  std::vector<uint8_t> codes;
  std::vector<float> scales, zeros;
};
/// `codes` row-major [K, N]; `group` divides K (K for per channel).
PackedW8 packW8(const int8_t *codes, int64_t k, int64_t n, int64_t group,
                const float *scales, const float *zeros);

void gemmW8(const float *a, int64_t lda, int64_t m, const PackedW8 &w, float *c,
            int64_t ldc, unsigned threads = 1);
void gemmW8(const float *a, int64_t lda, int64_t m, const uint8_t *codes,
            const float *scales, const float *zeros, int64_t k, int64_t n,
            int64_t group, float *c, int64_t ldc, unsigned threads,
            bool accumulate);

} // namespace mlir::qf::kernels

#endif // QF_RUNTIME_KERNELS_KERNELS_H
