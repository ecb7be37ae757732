//===- CpuKernelCallTest.cpp - The cpu backend calling the kernels -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The cpu backend's JIT turns a matmul with a constant f32 weight into a
// call of runtime/Kernels' packed GEMM (plugins/cpu/UseKernels.cpp). Checked
// here end to end on odd shapes, with an init that is not zero (the matmul
// accumulates into it), against float64; and the lowered module is checked
// to contain the call (so the test cannot pass on the backend's own loops).
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "plugins/BuiltinBackends.h"
#include "plugins/api/Registry.h"
#include "plugins/cpu/CpuBackend.h"
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

TEST(CpuKernelCall, MatmulWithConstantWeightCallsTheKernelAndIsRight) {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerQFDialect(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  plugin::registerBuiltinBackends();
  const plugin::BackendPlugin *cpu =
      plugin::BackendRegistry::global().lookup("cpu");
  ASSERT_NE(cpu, nullptr);
  std::unique_ptr<runtime::Executor> executor = cpu->createExecutor();

  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 1);
  for (Case c : {Case{1, 3, 5}, Case{7, 33, 17}, Case{13, 300, 16}}) {
    std::vector<float> w(c.k * c.n), bias(c.n);
    for (float &v : w)
      v = normal(rng);
    for (float &v : bias)
      v = normal(rng);
    OwningOpRef<ModuleOp> m =
        parseSourceString<ModuleOp>(module(c, w, bias), &context);
    ASSERT_TRUE(m);

    // The rewrite: a call of the kernel, no matmul left.
    OwningOpRef<ModuleOp> probe = m->clone();
    PassManager pm(&context);
    pm.addPass(cpu::createUseKernelsPass());
    ASSERT_TRUE(succeeded(pm.run(*probe)));
    std::string text;
    llvm::raw_string_ostream os(text);
    probe->print(os);
    EXPECT_NE(text.find(std::string("call @") + kernels::kGemmF32Function),
              std::string::npos);
    EXPECT_EQ(text.find("linalg.matmul"), std::string::npos);

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

} // namespace
