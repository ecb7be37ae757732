//===- KernelBench.cpp - CPU kernels against OpenBLAS and oneDNN ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The kernels of runtime/Kernels beside OpenBLAS's sgemm and oneDNN's
// matmul (f32 and u8 x s8 -> s32), on the same shapes and thread count in
// one process, and the machine's measured limits:
//
//   qf-bench-kernels [--threads 1] [--runs 7] [--shapes MxNxK,...]
//
// - peaks: an FMA loop (f32 GFLOP/s), a vpmaddwd loop and a
//   vpmaddubsw + vpmaddwd loop (int8 GOP/s, 2 ops per multiply-add), each
//   on every thread; DRAM read bandwidth (a 512 MB buffer summed with
//   AVX2 loads, 4 streams per thread);
// - shapes MxNxK: 1024x1024x1024, 128x4096x4096 (prefill), 1x4096x4096
//   (decode GEMV). Weights are packed (ours) or reordered (oneDNN) before
//   timing, as a compiler does with constants. GEMV weights rotate through
//   copies that together exceed the 32 MB L3, so they come from memory.
//
// Prints Markdown: median time of --runs (peaks: the best run), GOP/s
// (2MNK / t), weight GB/s.
// OpenBLAS and oneDNN take their thread count from --threads (oneDNN's
// through its OpenMP runtime's omp_set_num_threads).
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/CpuFeatures.h"
#include "runtime/Kernels/Kernels.h"
#include "runtime/Kernels/ThreadPool.h"

#include <cblas.h>
#include <dlfcn.h>
#if QF_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace mlir::qf::kernels;

namespace {

unsigned threads = 1;
int runs = 7;

double seconds(const std::function<void()> &f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

/// Sorted times of `runs` calls after one warm-up. A pause first lets the
/// previous library's spinning worker threads (OpenBLAS, OpenMP) go to
/// sleep, so they do not compete for the cores.
std::vector<double> times(const std::function<void()> &f) {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  f();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i)
    t.push_back(seconds(f));
  std::sort(t.begin(), t.end());
  return t;
}

/// Kernels: the median. Peaks: the best run (what the machine can do).
double median(const std::function<void()> &f) {
  std::vector<double> t = times(f);
  return t[t.size() / 2];
}
double best(const std::function<void()> &f) { return times(f).front(); }

//===--- Peaks ------------------------------------------------------------===//

__attribute__((target("avx2,fma"), noinline)) float fmaLoop(int64_t iters) {
  __m256 a[10];
  for (int i = 0; i < 10; ++i)
    a[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-4f);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 10; ++i) {
      a[i] = _mm256_fmadd_ps(a[i], x, y);
      asm volatile("" : "+x"(a[i])); // keep every FMA
    }
  __m256 s = a[0];
  for (int i = 1; i < 10; ++i)
    s = _mm256_add_ps(s, a[i]);
  return _mm256_cvtss_f32(s);
}

template <bool UBSW>
__attribute__((target("avx2"), noinline)) int int8Loop(int64_t iters) {
  __m256i acc[10];
  for (int i = 0; i < 10; ++i)
    acc[i] = _mm256_set1_epi32(i);
  const __m256i x = _mm256_set1_epi8(3), w = _mm256_set1_epi8(-2),
                ones = _mm256_set1_epi16(1);
  __m256i xs = x;
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 10; ++i) {
      asm volatile("" : "+x"(xs)); // no hoisting the multiplies
      __m256i p = UBSW ? _mm256_madd_epi16(_mm256_maddubs_epi16(xs, w), ones)
                       : _mm256_madd_epi16(xs, w);
      acc[i] = _mm256_add_epi32(acc[i], p);
      asm volatile("" : "+x"(acc[i]));
    }
  __m256i s = acc[0];
  for (int i = 1; i < 10; ++i)
    s = _mm256_add_epi32(s, acc[i]);
  return _mm256_extract_epi32(s, 0);
}

/// Operations per second of `loop` run on every thread: each iteration does
/// 10 vector instructions of `opsPerInstr`.
double peak(const std::function<void(int64_t)> &loop, double opsPerInstr) {
  const int64_t iters = 20'000'000;
  double t = best([&] {
    parallelFor(threads, threads, [&](int64_t, int64_t) { loop(iters); });
  });
  return threads * iters * 10 * opsPerInstr / t;
}

/// Sums `count` floats at p in 4 streams.
__attribute__((target("avx2"), noinline)) float streamSum(const float *p,
                                                          int64_t count) {
  const int64_t quarter = count / 4;
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (int64_t i = 0; i + 8 <= quarter; i += 8) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(p + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(p + quarter + i));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(p + 2 * quarter + i));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(p + 3 * quarter + i));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  return _mm256_cvtss_f32(s);
}

double readBandwidth(const std::vector<float> &buffer) {
  const int64_t n = buffer.size(), per = n / threads;
  volatile float sink = 0;
  double t = best([&] {
    parallelFor(threads, threads, [&](int64_t first, int64_t) {
      sink = sink + streamSum(buffer.data() + first * per, per);
    });
  });
  return double(n) * sizeof(float) / t;
}

//===--- Shapes -----------------------------------------------------------===//

struct Row {
  std::string name;
  double seconds, ops, weightBytes;
};

void print(const char *title, const std::vector<Row> &rows) {
  std::printf("\n%s\n\n| variant | ms | GOP/s | weight GB/s |\n"
              "|---|---|---|---|\n",
              title);
  for (const Row &r : rows)
    std::printf("| %s | %.3f | %.1f | %.1f |\n", r.name.c_str(),
                r.seconds * 1e3, r.ops / r.seconds / 1e9,
                r.weightBytes / r.seconds / 1e9);
}

void shape(int64_t m, int64_t n, int64_t k) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 1);
  std::uniform_int_distribution<int> byte(-128, 127), nibble(0, 15);
  const double ops = 2.0 * m * n * k;
  // Copies of each weight, so GEMV weights stream from memory: the
  // smallest (int4) copies together exceed 96 MB, three times the L3.
  const int64_t copies =
      m == 1 ? std::max<int64_t>(1, (96ll << 20) / (n * k / 2) + 1) : 1;
  std::vector<float> a(m * k), c(m * n);
  std::vector<int8_t> a8(m * k);
  std::vector<uint8_t> au8(m * k);
  for (int64_t i = 0; i < m * k; ++i) {
    a[i] = normal(rng);
    a8[i] = int8_t(byte(rng));
    au8[i] = uint8_t(int(a8[i]) + 128);
  }
  std::vector<int32_t> acc(m * n);
  std::vector<std::vector<float>> wf(copies, std::vector<float>(k * n));
  std::vector<PackedF32> pf;
  // int8 weights in [-64, 64] (the quad layout) and full-range ones (the
  // pair layout).
  std::vector<PackedS8> ps, psFull;
  std::vector<std::vector<int8_t>> w8Full;
  std::vector<PackedW4> pw;
  std::vector<PackedW8> pw8;
  for (int64_t cidx = 0; cidx < copies; ++cidx) {
    std::vector<int8_t> w8(k * n);
    std::vector<uint8_t> codes(k * n);
    for (int64_t i = 0; i < k * n; ++i) {
      wf[cidx][i] = normal(rng) * 0.02f;
      w8[i] = int8_t(byte(rng));
      codes[i] = uint8_t(nibble(rng));
    }
    std::vector<float> scales((k / 128) * n, 0.01f), zeros((k / 128) * n, 8);
    pf.push_back(packF32(wf[cidx].data(), k, n));
    w8[0] = -128; // so the full-range layout is taken at any size
    psFull.push_back(packS8(w8.data(), k, n));
    w8Full.push_back(w8);
    for (int8_t &v : w8)
      v = int8_t(v / 2);
    ps.push_back(packS8(w8.data(), k, n));
    pw.push_back(packW4(codes.data(), k, n, 128, scales.data(), zeros.data()));
    std::vector<float> channelScales(n, 0.01f), channelZeros(n, 0.0f);
    pw8.push_back(
        packW8(w8.data(), k, n, k, channelScales.data(), channelZeros.data()));
  }
  int64_t next = 0, oneDnnInexact = -1;
  auto rotate = [&] { return next++ % copies; };
  std::vector<Row> rows;
  rows.push_back({"QuantForge f32", median([&] {
                    gemmF32(a.data(), k, m, pf[rotate()], c.data(), n, threads);
                  }),
                  ops, 4.0 * n * k});
  rows.push_back({"OpenBLAS sgemm", median([&] {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n,
                                k, 1.0f, a.data(), k, wf[rotate()].data(), n,
                                0.0f, c.data(), n);
                  }),
                  ops, 4.0 * n * k});
  rows.push_back({"QuantForge W8A8 (s8 x s8 -> s32, exact), w in [-64, 64]",
                  median([&] {
                    gemmS8(a8.data(), k, m, 0, ps[rotate()], nullptr,
                           acc.data(), n, threads);
                  }),
                  ops, 1.0 * n * k});
  rows.push_back({"QuantForge W8A8 (exact), full-range w", median([&] {
                    gemmS8(a8.data(), k, m, 0, psFull[rotate()], nullptr,
                           acc.data(), n, threads);
                  }),
                  ops, 1.0 * n * k});
  rows.push_back({"QuantForge W4A16 g128", median([&] {
                    gemmW4(a.data(), k, m, pw[rotate()], c.data(), n, threads);
                  }),
                  ops, 0.5 * n * k + 8.0 * n * (k / 128)});
  rows.push_back({"QuantForge W8A16 per channel", median([&] {
                    gemmW8(a.data(), k, m, pw8[rotate()], c.data(), n, threads);
                  }),
                  ops, 1.0 * n * k + 8.0 * n});
#if QF_HAVE_DNNL
  {
    using namespace dnnl;
    engine eng(engine::kind::cpu, 0);
    stream s(eng);
    auto run = [&](memory::data_type src, memory::data_type dst,
                   const char *name, double bytesPerWeight) {
      memory::desc aMd({m, k}, src, memory::format_tag::ab);
      memory::desc wAny({k, n},
                        src == memory::data_type::f32 ? memory::data_type::f32
                                                      : memory::data_type::s8,
                        memory::format_tag::any);
      memory::desc cMd({m, n}, dst, memory::format_tag::ab);
      matmul::primitive_desc pd(matmul::desc(aMd, wAny, cMd), eng);
      matmul prim(pd);
      memory am(aMd, eng,
                src == memory::data_type::f32
                    ? static_cast<void *>(a.data())
                    : static_cast<void *>(au8.data()));
      memory cm(cMd, eng,
                dst == memory::data_type::f32
                    ? static_cast<void *>(c.data())
                    : static_cast<void *>(acc.data()));
      std::vector<memory> weights;
      for (int64_t cidx = 0; cidx < copies; ++cidx) {
        memory plain(memory::desc({k, n}, pd.weights_desc().data_type(),
                                  memory::format_tag::ab),
                     eng);
        if (pd.weights_desc().data_type() == memory::data_type::f32)
          std::memcpy(plain.get_data_handle(), wf[cidx].data(), 4 * k * n);
        else
          std::memcpy(plain.get_data_handle(), w8Full[cidx].data(), k * n);
        memory packed(pd.weights_desc(), eng);
        reorder(plain, packed).execute(s, plain, packed);
        weights.push_back(packed);
      }
      s.wait();
      if (src == memory::data_type::u8) {
        // Against the exact accumulator on the same full-range weights:
        // sum (a + 128) w is ours with a zero point of -128.
        prim.execute(s, {{DNNL_ARG_SRC, am},
                         {DNNL_ARG_WEIGHTS, weights[0]},
                         {DNNL_ARG_DST, cm}});
        s.wait();
        std::vector<int32_t> exact(m * n);
        gemmS8(a8.data(), k, m, -128, psFull[0], nullptr, exact.data(), n,
               threads);
        int64_t differ = 0;
        for (int64_t i = 0; i < m * n; ++i)
          differ += exact[i] != acc[i];
        oneDnnInexact = differ;
      }
      rows.push_back({name, median([&] {
                        prim.execute(s, {{DNNL_ARG_SRC, am},
                                         {DNNL_ARG_WEIGHTS, weights[rotate()]},
                                         {DNNL_ARG_DST, cm}});
                        s.wait();
                      }),
                      ops, bytesPerWeight * n * k});
    };
    run(memory::data_type::f32, memory::data_type::f32, "oneDNN f32", 4.0);
    run(memory::data_type::u8, memory::data_type::s32,
        "oneDNN int8 (u8 x s8 -> s32)", 1.0);
  }
#endif
  char title[128];
  std::snprintf(title, sizeof(title), "M=%lld N=%lld K=%lld, %u thread%s",
                (long long)m, (long long)n, (long long)k, threads,
                threads == 1 ? "" : "s");
  print(title, rows);
  if (oneDnnInexact >= 0)
    std::printf("\noneDNN int8 on the full-range weights: %lld of %lld "
                "accumulators differ from the exact sum.\n",
                (long long)oneDnnInexact, (long long)(m * n));
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::array<long long, 3>> shapes = {
      {1024, 1024, 1024}, {128, 4096, 4096}, {1, 4096, 4096}};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0)
      threads = unsigned(std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--shapes") == 0) {
      shapes.clear();
      for (const char *p = argv[i + 1]; *p;) {
        std::array<long long, 3> mnk{};
        int used = 0;
        if (std::sscanf(p, "%lldx%lldx%lld%n", &mnk[0], &mnk[1], &mnk[2],
                        &used) != 3 ||
            mnk[0] < 1 || mnk[1] < 1 || mnk[2] < 128 || mnk[2] % 128) {
          std::fprintf(stderr, "qf-bench-kernels: --shapes takes MxNxK,... "
                               "with K a multiple of 128\n");
          return 1;
        }
        shapes.push_back(mnk);
        p += used;
        if (*p == ',')
          ++p;
      }
    } else if (std::strcmp(argv[i], "--runs") == 0)
      runs = std::atoi(argv[i + 1]);
  }
  if (threads < 1 || runs < 1) {
    std::fprintf(stderr, "qf-bench-kernels: --threads and --runs must be "
                         "positive\n");
    return 1;
  }
  // oneDNN's OpenMP read OMP_NUM_THREADS when it was loaded; set its
  // thread count directly.
  if (auto setThreads = reinterpret_cast<void (*)(int)>(
          dlsym(RTLD_DEFAULT, "omp_set_num_threads")))
    setThreads(int(threads));
  openblas_set_num_threads(int(threads));
  if (!useAvx2()) {
    std::fprintf(stderr, "qf-bench-kernels: needs AVX2 and FMA\n");
    return 1;
  }
  std::printf("# qf-bench-kernels --threads %u --runs %d\n", threads, runs);
  std::printf("\nPeaks (%u thread%s)\n\n| loop | rate |\n|---|---|\n", threads,
              threads == 1 ? "" : "s");
  std::printf("| f32 FMA | %.1f GFLOP/s |\n",
              peak([](int64_t n) { fmaLoop(n); }, 16) / 1e9);
  std::printf("| int16 vpmaddwd + vpaddd | %.1f GOP/s |\n",
              peak([](int64_t n) { int8Loop<false>(n); }, 32) / 1e9);
  std::printf("| int8 vpmaddubsw + vpmaddwd + vpaddd | %.1f GOP/s |\n",
              peak([](int64_t n) { int8Loop<true>(n); }, 64) / 1e9);
  std::vector<float> buffer((512ll << 20) / sizeof(float), 1.0f);
  std::printf("| DRAM read | %.1f GB/s |\n", readBandwidth(buffer) / 1e9);
  buffer = {};
  for (const auto &[m, n, k] : shapes)
    shape(m, n, k);
  return 0;
}
