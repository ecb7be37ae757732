//===- ConcurrencyTest.cpp - Compiling and running from several threads --===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// How a host compiler or the Python package uses the library: threads, each
// with a context of its own, quantize, compile and run different models at
// once. Four threads go round four models (a float MLP, an int8 weight-only
// matmul, a convolution of fake-quantized activations, and the MLP
// quantized by the w4a16-rtn recipe) and every result must be byte-identical
// to the same model's run on one thread.
//
// The weights are resource blobs of 4 KiB and more, which the cpu JIT binds
// in place and never caches: the float models compile anew every
// iteration, through the executor registry, the pass managers, LLVM's JIT
// and the kernels' thread pool (the quantized MLP's weights are new
// constants, so its code may come from the process's compile cache, which
// is then under test too). A second test runs one executable from four
// threads at once. QF_STRESS_SECONDS sets how long the threads go on
// (default: a few rounds each, for `make test`); `make check-tsan` runs
// them for a minute.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "passes/Passes.h"
#include "pipelines/Recipe.h"
#include "pipelines/RecipePipelines.h"
#include "plugins/BuiltinBackends.h"
#include "runtime/Executor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::runtime;

namespace {

/// A deterministic value in [-1, 1) for element `i` of stream `seed`.
float valueAt(uint64_t seed, uint64_t i) {
  uint64_t z = (seed * 0x9E3779B97F4A7C15ull) ^ (i + 0x632BE59BD9B4E019ull);
  z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
  z ^= z >> 29;
  return float(z >> 40) / float(1ull << 23) - 1.0f;
}

/// The hex MLIR writes for a resource blob: alignment, then the bytes.
std::string blobHex(const void *data, size_t size, uint32_t alignment) {
  std::string hex = "0x";
  auto append = [&](const uint8_t *bytes, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      hex += "0123456789ABCDEF"[bytes[i] >> 4];
      hex += "0123456789ABCDEF"[bytes[i] & 15];
    }
  };
  append(reinterpret_cast<const uint8_t *>(&alignment), 4);
  append(static_cast<const uint8_t *>(data), size);
  return hex;
}

std::string floatBlob(uint64_t seed, size_t count, float scale) {
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i)
    values[i] = scale * valueAt(seed, i);
  return blobHex(values.data(), count * sizeof(float), alignof(float));
}

std::string int8Blob(uint64_t seed, size_t count) {
  std::vector<int8_t> values(count);
  for (size_t i = 0; i < count; ++i)
    values[i] = int8_t(127 * valueAt(seed, i));
  return blobHex(values.data(), count, 1);
}

std::string mlpModel() {
  return R"(
func.func @main(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w1 = arith.constant dense_resource<w1> : tensor<64x64xf32>
  %w2 = arith.constant dense_resource<w2> : tensor<64x32xf32>
  %zero = arith.constant 0.0 : f32
  %zeros = arith.constant dense<0.0> : tensor<4x64xf32>
  %e1 = tensor.empty() : tensor<4x64xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x64xf32>) -> tensor<4x64xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<4x64xf32>, tensor<64x64xf32>)
                     outs(%i1 : tensor<4x64xf32>) -> tensor<4x64xf32>
  %r = arith.maximumf %h, %zeros : tensor<4x64xf32>
  %e2 = tensor.empty() : tensor<4x32xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul ins(%r, %w2 : tensor<4x64xf32>, tensor<64x32xf32>)
                     outs(%i2 : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
{-#
  dialect_resources: { builtin: {
    w1: ")" +
         floatBlob(1, 64 * 64, 0.2f) +
         R"(",
    w2: ")" +
         floatBlob(2, 64 * 32, 0.2f) + R"("
  } }
#-}
)";
}

std::string weightOnlyInt8Model() {
  return R"(
!w = !quant.uniform<i8:f32, 0.02>
func.func @main(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %wc = arith.constant dense_resource<wq> : tensor<64x64xi8>
  %wq = quant.scast %wc : tensor<64x64xi8> to tensor<64x64x!w>
  %w = qf.dequantize %wq : tensor<64x64x!w> -> tensor<64x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x64xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x64xf32>)
                     outs(%i : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
{-#
  dialect_resources: { builtin: { wq: ")" +
         int8Blob(3, 64 * 64) + R"(" } }
#-}
)";
}

std::string fakeQuantConvModel() {
  return R"(
!a = !quant.uniform<i8:f32, 0.05:3>
func.func @main(%x: tensor<1x8x8x16xf32>) -> tensor<1x6x6x32xf32> {
  %xq = qf.quantize %x half_away : tensor<1x8x8x16xf32> -> tensor<1x8x8x16x!a>
  %xd = qf.dequantize %xq : tensor<1x8x8x16x!a> -> tensor<1x8x8x16xf32>
  %w = arith.constant dense_resource<wc> : tensor<3x3x16x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x6x6x32xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x6x32xf32>) -> tensor<1x6x6x32xf32>
  %y = linalg.conv_2d_nhwc_hwcf ins(%xd, %w : tensor<1x8x8x16xf32>, tensor<3x3x16x32xf32>)
                                outs(%i : tensor<1x6x6x32xf32>) -> tensor<1x6x6x32xf32>
  return %y : tensor<1x6x6x32xf32>
}
{-#
  dialect_resources: { builtin: { wc: ")" +
         floatBlob(4, 3 * 3 * 16 * 32, 0.1f) + R"(" } }
#-}
)";
}

struct Model {
  std::string name;
  std::string source;
  std::string recipe; ///< applied before compiling, when not empty
  std::vector<int64_t> inputShape;
};

/// `model` quantized (if it has a recipe) and compiled in `context`; a
/// failure message, or "".
std::string compile(const Model &model, MLIRContext &context,
                    std::shared_ptr<Executable> &executable) {
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(model.source, &context);
  if (!module)
    return model.name + ": does not parse: " + diagnostics;
  if (!model.recipe.empty()) {
    std::string error;
    FailureOr<recipes::Recipe> recipe =
        recipes::loadRecipe(model.recipe, error);
    PassManager pm(&context);
    if (failed(recipe) ||
        failed(recipes::buildRecipePipeline(pm, *recipe, {"", "cpu", "", false},
                                            error)) ||
        failed(pm.run(*module)))
      return model.name + ": recipe failed: " + error + diagnostics;
  }
  auto executor = ExecutorRegistry::global().create("cpu");
  if (!executor)
    return model.name + ": " + llvm::toString(executor.takeError());
  FailureOr<std::shared_ptr<Executable>> compiled =
      (*executor)->compile(*module, "main");
  if (failed(compiled))
    return model.name + ": does not compile: " + diagnostics;
  executable = *compiled;
  return "";
}

/// The bytes of `executable`'s result on `model`'s input, or a failure
/// message in `failure`.
std::vector<char> run(Executable &executable, const Model &model,
                      std::string &failure) {
  HostTensor x(DType::F32, model.inputShape);
  for (int64_t i = 0; i < x.numElements(); ++i)
    x.dataAs<float>()[i] = valueAt(9, i);
  auto outputs = executable.run({&x});
  if (!outputs) {
    failure = model.name + ": " + llvm::toString(outputs.takeError());
    return {};
  }
  const HostTensor &y = (*outputs)[0];
  return std::vector<char>(static_cast<const char *>(y.data()),
                           static_cast<const char *>(y.data()) + y.byteSize());
}

/// One model quantized, compiled and run in a context of its own; the
/// result's bytes, or a failure message.
std::string compileAndRun(const Model &model, const DialectRegistry &registry,
                          std::vector<char> &result) {
  MLIRContext context(registry);
  std::shared_ptr<Executable> executable;
  std::string failure = compile(model, context, executable);
  if (failure.empty())
    result = run(*executable, model, failure);
  return failure;
}

DialectRegistry allDialects() {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  qf::registerQFDialect(registry);
  qf::registerQFPasses();
  plugin::registerBuiltinBackends();
  registerExecutorDependencies("cpu", registry);
  return registry;
}

/// QF_STRESS_SECONDS, or 0.
double stressSeconds() {
  const char *env = std::getenv("QF_STRESS_SECONDS");
  return env ? std::atof(env) : 0;
}

} // namespace

TEST(ConcurrencyTest, FourThreadsGetTheResultsOfOne) {
  DialectRegistry registry = allDialects();

  std::vector<Model> models = {
      {"mlp", mlpModel(), "", {4, 64}},
      {"int8 weight-only", weightOnlyInt8Model(), "", {4, 64}},
      {"fake-quant conv", fakeQuantConvModel(), "", {1, 8, 8, 16}},
      {"mlp w4a16-rtn", mlpModel(), "w4a16-rtn", {4, 64}},
  };
  std::vector<std::vector<char>> expected(models.size());
  for (size_t m = 0; m < models.size(); ++m)
    ASSERT_EQ(compileAndRun(models[m], registry, expected[m]), "");
  // Quantizing changes the MLP's result, so that model is not the MLP again.
  ASSERT_NE(expected[0], expected[3]);

  double seconds = 0;
  if (const char *env = std::getenv("QF_STRESS_SECONDS"))
    seconds = std::atof(env);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  constexpr unsigned kThreads = 4, kMinRounds = 2;
  std::atomic<unsigned> iterations{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (unsigned round = 0;
           round < kMinRounds || std::chrono::steady_clock::now() < deadline;
           ++round) {
        // Each round, each thread takes another model than the others.
        size_t m = (t + round) % models.size();
        std::vector<char> result;
        std::string failure = compileAndRun(models[m], registry, result);
        if (failure.empty() && result != expected[m])
          failure = models[m].name + ": another result than on one thread";
        if (!failure.empty()) {
          failures[t] = failure;
          return;
        }
        ++iterations;
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  for (unsigned t = 0; t < kThreads; ++t)
    EXPECT_EQ(failures[t], "") << "thread " << t;
  EXPECT_GE(iterations.load(), kThreads * kMinRounds);
  std::printf("%u compilations and runs on %u threads\n", iterations.load(),
              kThreads);
}

// One compiled executable run from four threads at once: each run has its
// own buffers, the kernels share their thread pool. The model is the MLP
// quantized to W4A16, whose matmuls are the weight-only kernels.
TEST(ConcurrencyTest, OneExecutableRunsOnFourThreads) {
  DialectRegistry registry = allDialects();
  MLIRContext context(registry);
  Model model{"mlp w4a16-rtn", mlpModel(), "w4a16-rtn", {4, 64}};
  std::shared_ptr<Executable> executable;
  ASSERT_EQ(compile(model, context, executable), "");
  std::string failure;
  std::vector<char> expected = run(*executable, model, failure);
  ASSERT_EQ(failure, "");

  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(stressSeconds());
  constexpr unsigned kThreads = 4, kMinRuns = 20;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (unsigned i = 0;
           i < kMinRuns || std::chrono::steady_clock::now() < deadline; ++i) {
        std::vector<char> result = run(*executable, model, failures[t]);
        if (failures[t].empty() && result != expected)
          failures[t] = "another result than on one thread";
        if (!failures[t].empty())
          return;
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  for (unsigned t = 0; t < kThreads; ++t)
    EXPECT_EQ(failures[t], "") << "thread " << t;
}
