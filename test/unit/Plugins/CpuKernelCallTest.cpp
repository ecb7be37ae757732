//===- CpuKernelCallTest.cpp - The cpu backend calling the kernels -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The cpu backend's JIT turns a matmul with a constant f32 weight, a
// qf.matmul with constant 8-bit weights and a matmul on dequantized int4
// codes into calls of runtime/Kernels
// (plugins/cpu/UseKernels.cpp). Checked end to end on odd shapes: f32 with
// an init that is not zero (the matmul accumulates into it) against
// float64, W8A8 with zero points and a bias against the integer reference
// exactly, W4A16 in groups against float64; and the rewritten module is checked
// to contain the call (so the tests cannot pass on the backend's own loops).
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "numerics/Packing.h"
#include "numerics/QuantParams.h"
#include "plugins/BuiltinBackends.h"
#include "plugins/api/Registry.h"
#include "plugins/cpu/CpuBackend.h"
#include "plugins/cpu/Passes.h"
#include "runtime/Executor.h"
#include "runtime/Kernels/KernelABI.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::qf;

namespace {

/// The cpu backend's JIT executor, and a check that the kernel rewrite
/// calls `kernel` and leaves no `replaced` op behind.
class CpuKernelCall : public ::testing::Test {
public:
  CpuKernelCall() {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerQFDialect(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    plugin::registerBuiltinBackends();
    executor =
        plugin::BackendRegistry::global().lookup("cpu")->createExecutor();
  }

  OwningOpRef<ModuleOp> parse(const std::string &source) {
    return parseSourceString<ModuleOp>(source, &context);
  }

  void expectCall(ModuleOp module, StringRef kernel, StringRef replaced) {
    OwningOpRef<ModuleOp> probe = module.clone();
    PassManager pm(&context);
    pm.addPass(cpu::createCpuUseKernelsPass());
    ASSERT_TRUE(succeeded(pm.run(*probe)));
    std::string text;
    llvm::raw_string_ostream os(text);
    probe->print(os);
    EXPECT_NE(text.find(("call @" + kernel).str()), std::string::npos);
    EXPECT_EQ(text.find(replaced.str()), std::string::npos);
  }

  MLIRContext context;
  std::unique_ptr<runtime::Executor> executor;
};

struct Case {
  int64_t m, k, n;
};

/// y = x W + bias (the init), W and bias constants.
std::string module(const Case &c, const std::vector<float> &w,
                   const std::vector<float> &bias) {
  auto list = [](const std::vector<float> &v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + llvm::formatv("{0:e}", v[i]).str();
    return s;
  };
  std::string rows;
  for (int64_t i = 0; i < c.k; ++i)
    rows += std::string(i ? ", " : "") + "[" +
            list({w.begin() + i * c.n, w.begin() + (i + 1) * c.n}) + "]";
  std::string init;
  for (int64_t i = 0; i < c.m; ++i)
    init += std::string(i ? ", " : "") + "[" + list(bias) + "]";
  return llvm::formatv(R"mlir(
func.func @main(%x: tensor<{0}x{1}xf32>) -> tensor<{0}x{2}xf32> {
  %w = arith.constant dense<[{3}]> : tensor<{1}x{2}xf32>
  %init = arith.constant dense<[{4}]> : tensor<{0}x{2}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{0}x{1}xf32>, tensor<{1}x{2}xf32>) outs(%init : tensor<{0}x{2}xf32>) -> tensor<{0}x{2}xf32>
  return %y : tensor<{0}x{2}xf32>
}
)mlir",
                       c.m, c.k, c.n, rows, init)
      .str();
}

TEST_F(CpuKernelCall, MatmulWithConstantWeightCallsTheKernelAndIsRight) {

  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 1);
  for (Case c : {Case{1, 3, 5}, Case{7, 33, 17}, Case{13, 300, 16}}) {
    std::vector<float> w(c.k * c.n), bias(c.n);
    for (float &v : w)
      v = normal(rng);
    for (float &v : bias)
      v = normal(rng);
    OwningOpRef<ModuleOp> m = parse(module(c, w, bias));
    ASSERT_TRUE(m);
    expectCall(*m, kernels::kGemmF32Function, "linalg.matmul");

    auto executable = executor->compile(*m, "main");
    ASSERT_TRUE(succeeded(executable));
    runtime::HostTensor x(runtime::DType::F32, {c.m, c.k});
    for (int64_t i = 0; i < c.m * c.k; ++i)
      x.dataAs<float>()[i] = normal(rng);
    auto results = (*executable)->run({&x});
    ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError());
    const float *y = (*results)[0].dataAs<float>();
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j) {
        double ref = bias[j], mag = std::fabs(bias[j]);
        for (int64_t kk = 0; kk < c.k; ++kk) {
          double t = double(x.dataAs<float>()[i * c.k + kk]) * w[kk * c.n + j];
          ref += t;
          mag += std::fabs(t);
        }
        ASSERT_NEAR(y[i * c.n + j], ref, mag * (c.k + 1) * 0x1p-23)
            << c.m << "x" << c.k << "x" << c.n << " at " << i << "," << j;
      }
  }
}

/// Three matmuls share one zero fill as their init; the middle one (no
/// constant weight) keeps the backend's loops, which may write its result
/// into the fill's buffer. The kernel calls around it must still start from
/// zeros (a read through to_buffer alone did not guarantee it).
TEST_F(CpuKernelCall, KernelsReadASharedInitBeforeOthersReuseIt) {
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0, 1);
  const int64_t m = 4, k = 8, n = 8;
  std::vector<float> w1(k * n), w2(k * n);
  for (float &v : w1)
    v = normal(rng);
  for (float &v : w2)
    v = normal(rng);
  auto matrix = [&](const std::vector<float> &w) {
    std::string rows;
    for (int64_t i = 0; i < k; ++i) {
      rows += std::string(i ? ", " : "") + "[";
      for (int64_t j = 0; j < n; ++j)
        rows += llvm::formatv("{0}{1:e}", j ? ", " : "", w[i * n + j]).str();
      rows += "]";
    }
    return rows;
  };
  std::string source = llvm::formatv(R"mlir(
func.func @main(%x: tensor<4x8xf32>, %v: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %w1 = arith.constant dense<[{0}]> : tensor<8x8xf32>
  %w2 = arith.constant dense<[{1}]> : tensor<8x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %a = linalg.matmul ins(%x, %w1 : tensor<4x8xf32>, tensor<8x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = linalg.matmul ins(%x, %v : tensor<4x8xf32>, tensor<8x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  %c = linalg.matmul ins(%x, %w2 : tensor<4x8xf32>, tensor<8x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %a, %b, %c : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
)mlir",
                                     matrix(w1), matrix(w2))
                           .str();
  OwningOpRef<ModuleOp> module = parse(source);
  ASSERT_TRUE(module) << source;
  auto executable = executor->compile(*module, "main");
  ASSERT_TRUE(succeeded(executable));
  runtime::HostTensor x(runtime::DType::F32, {m, k}),
      v(runtime::DType::F32, {k, n});
  for (int64_t i = 0; i < m * k; ++i)
    x.dataAs<float>()[i] = normal(rng);
  for (int64_t i = 0; i < k * n; ++i)
    v.dataAs<float>()[i] = normal(rng);
  auto results = (*executable)->run({&x, &v});
  ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError());
  const float *weights[] = {w1.data(), v.dataAs<float>(), w2.data()};
  for (int r = 0; r < 3; ++r)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double ref = 0, mag = 0;
        for (int64_t kk = 0; kk < k; ++kk) {
          double t =
              double(x.dataAs<float>()[i * k + kk]) * weights[r][kk * n + j];
          ref += t;
          mag += std::fabs(t);
        }
        ASSERT_NEAR((*results)[r].dataAs<float>()[i * n + j], ref,
                    mag * k * 0x1p-23)
            << "result " << r << " at " << i << "," << j;
      }
}

/// qf.matmul of an i8 activation (zero point -3) by a constant i8 weight
/// per output channel (zero points 0, 1, ...) with an i32 bias: the W8A8
/// kernel call, equal to the integer reference exactly.
TEST_F(CpuKernelCall, IntegerMatmulCallsTheExactKernel) {
  std::mt19937 rng(6);
  std::uniform_int_distribution<int> byte(-128, 127);
  const int64_t m = 5, k = 37, n = 19;
  std::vector<int> w(k * n), bias(n), zw(n);
  for (int &v : w)
    v = byte(rng);
  std::string scales, rows, biases;
  for (int64_t j = 0; j < n; ++j) {
    zw[j] = int(j % 5);
    bias[j] = byte(rng) * 100;
    scales += llvm::formatv("{0}0.01:{1}", j ? ", " : "", zw[j]).str();
    biases += llvm::formatv("{0}{1}", j ? ", " : "", bias[j]).str();
  }
  for (int64_t i = 0; i < k; ++i) {
    rows += std::string(i ? ", " : "") + "[";
    for (int64_t j = 0; j < n; ++j)
      rows += llvm::formatv("{0}{1}", j ? ", " : "", w[i * n + j]).str();
    rows += "]";
  }
  std::string accScales;
  for (int64_t j = 0; j < n; ++j)
    accScales += llvm::formatv("{0}0.0001", j ? ", " : "").str();
  std::string source = llvm::formatv(R"mlir(
!qa = !quant.uniform<i8:f32, 0.01:-3>
!qw = !quant.uniform<i8:f32:1, {{{0}}>
!qb = !quant.uniform<i32:f32:0, {{{1}}>
!qacc = !quant.uniform<i32:f32:1, {{{1}}>
func.func @main(%x: tensor<5x37xi8>) -> tensor<5x19xi32> {
  %a = quant.scast %x : tensor<5x37xi8> to tensor<5x37x!qa>
  %c = arith.constant dense<[{2}]> : tensor<37x19xi8>
  %w = quant.scast %c : tensor<37x19xi8> to tensor<37x19x!qw>
  %bc = arith.constant dense<[{3}]> : tensor<19xi32>
  %b = quant.scast %bc : tensor<19xi32> to tensor<19x!qb>
  %acc = qf.matmul %a, %w bias %b : tensor<5x37x!qa>, tensor<37x19x!qw>, tensor<19x!qb> -> tensor<5x19x!qacc>
  %r = quant.scast %acc : tensor<5x19x!qacc> to tensor<5x19xi32>
  return %r : tensor<5x19xi32>
}
)mlir",
                                     scales, accScales, rows, biases)
                           .str();
  OwningOpRef<ModuleOp> module = parse(source);
  ASSERT_TRUE(module);
  expectCall(*module, kernels::kGemmS8Function, "qf.matmul");

  auto executable = executor->compile(*module, "main");
  ASSERT_TRUE(succeeded(executable));
  runtime::HostTensor x(runtime::DType::I8, {m, k});
  for (int64_t i = 0; i < m * k; ++i)
    x.dataAs<int8_t>()[i] = int8_t(byte(rng));
  auto results = (*executable)->run({&x});
  ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError());
  const int32_t *acc = (*results)[0].dataAs<int32_t>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t ref = bias[j];
      for (int64_t kk = 0; kk < k; ++kk)
        ref += int64_t(x.dataAs<int8_t>()[i * k + kk] + 3) *
               (w[kk * n + j] - zw[j]);
      ASSERT_EQ(acc[i * n + j], ref) << i << "," << j;
    }
}

/// matmul(x, dequantize(codes)) with signed `bits`-bit codes in groups of 4
/// along K, asymmetric: sub-byte codes through qf.unpack call the W4A16
/// kernel, 8-bit ones through quant.scast the W8A16 kernel; results
/// against float64 on the dequantized weight.
void checkWeightOnly(CpuKernelCall &t, int bits) {
  std::mt19937 rng(8 + bits);
  const int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
  std::uniform_int_distribution<int> code(lo, hi);
  std::normal_distribution<float> normal(0, 1);
  const int64_t m = 3, k = 8, n = 5, group = 4;
  std::vector<int64_t> codes(k * n);
  for (int64_t &c : codes)
    c = code(rng);
  codes[0] = lo; // both ends of the range
  codes[1] = hi;
  std::vector<float> scales(2 * n);
  std::vector<int> zeros(2 * n);
  std::string grid, rows;
  for (int64_t g = 0; g < 2; ++g) {
    grid += std::string(g ? ", " : "") + "{";
    for (int64_t j = 0; j < n; ++j) {
      scales[g * n + j] = 0.05f * float(1 + (g * n + j) % 4);
      zeros[g * n + j] = int((g + j) % 3) - 1;
      grid += llvm::formatv("{0}{1:e}:{2}", j ? ", " : "", scales[g * n + j],
                            zeros[g * n + j])
                  .str();
    }
    grid += "}";
  }
  // The constant: packed rows of bytes, or one code per element.
  const bool packed = bits < 8;
  std::vector<uint8_t> bytes =
      packed ? numerics::packBits(codes.data(), k, n, bits)
             : std::vector<uint8_t>(codes.begin(), codes.end());
  const int64_t rowBytes = packed ? numerics::packedRowBytes(n, bits) : n;
  for (int64_t i = 0; i < k; ++i) {
    rows += std::string(i ? ", " : "") + "[";
    for (int64_t j = 0; j < rowBytes; ++j)
      rows += llvm::formatv("{0}{1}", j ? ", " : "",
                            int(int8_t(bytes[i * rowBytes + j])))
                  .str();
    rows += "]";
  }
  std::string weight =
      packed ? llvm::formatv("qf.unpack %c : tensor<8x{0}xi8> -> "
                             "tensor<8x5x!qw>",
                             rowBytes)
                   .str()
             : "quant.scast %c : tensor<8x5xi8> to tensor<8x5x!qw>";
  std::string source = llvm::formatv(R"mlir(
!qw = !quant.uniform<i{3}:f32:{{0:4, 1:1}, {{{0}}>
func.func @main(%x: tensor<3x8xf32>) -> tensor<3x5xf32> {
  %c = arith.constant dense<[{1}]> : tensor<8x{2}xi8>
  %u = {4}
  %w = qf.dequantize %u : tensor<8x5x!qw> -> tensor<8x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x8xf32>, tensor<8x5xf32>) outs(%f : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}
)mlir",
                                     grid, rows, rowBytes, bits, weight)
                           .str();
  OwningOpRef<ModuleOp> module = t.parse(source);
  ASSERT_TRUE(module) << source;
  t.expectCall(*module,
               packed ? kernels::kGemmW4Function : kernels::kGemmW8Function,
               "linalg.matmul");

  auto executable = t.executor->compile(*module, "main");
  ASSERT_TRUE(succeeded(executable));
  runtime::HostTensor x(runtime::DType::F32, {m, k});
  for (int64_t i = 0; i < m * k; ++i)
    x.dataAs<float>()[i] = normal(rng);
  auto results = (*executable)->run({&x});
  ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError());
  const float *y = (*results)[0].dataAs<float>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double ref = 0, mag = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        int64_t g = (kk / group) * n + j;
        double w = double(
            numerics::dequantize(codes[kk * n + j], scales[g], zeros[g]));
        ref += double(x.dataAs<float>()[i * k + kk]) * w;
        mag += std::fabs(x.dataAs<float>()[i * k + kk]) * (hi - lo + 2) *
               scales[g];
      }
      ASSERT_NEAR(y[i * n + j], ref, mag * k * 0x1p-22)
          << bits << " bits at " << i << "," << j;
    }
}

TEST_F(CpuKernelCall, WeightOnlyInt4CallsTheKernel) {
  checkWeightOnly(*this, 4);
}
TEST_F(CpuKernelCall, WeightOnlyInt3And2CallTheInt4Kernel) {
  checkWeightOnly(*this, 3);
  checkWeightOnly(*this, 2);
}
TEST_F(CpuKernelCall, WeightOnlyInt8CallsTheW8Kernel) {
  checkWeightOnly(*this, 8);
}

} // namespace
