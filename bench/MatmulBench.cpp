//===- MatmulBench.cpp - Quantized matmuls through a backend --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// One linear layer y = x W (W a constant [K, N]) compiled by a backend (cpu
// unless --backend says otherwise) as float, as W8A8 (int8 weights per channel,
// activations quantized per token at run time, i8 x i8 -> i32), as W8A16 (int8
// weights per channel, float activations) and as W4A16 (int4 weights in groups
// of 128, dequantized on the fly), all through quant-quantize, qf-fuse-qdq and
// the backend's pipeline, in one process.
//
//   qf-bench-matmul [--backend cpu] [--runs 10]
//                   [--shapes 1024x1024x1024,1x4096x4096]
//
// Prints a Markdown table per shape (MxKxN): median wall time, GFLOP/s
// (2MNK / t), the weight bytes the compiled code keeps and reads, and those
// bytes per second. Times are of whole calls, host-to-host: on a GPU they
// include the copies to and from the device.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "passes/Passes.h"
#include "plugins/BuiltinBackends.h"
#include "plugins/api/Registry.h"
#include "runtime/Executor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::qf;
namespace cl = llvm::cl;

static cl::opt<int> runs("runs", cl::init(10), cl::desc("timed runs"));
static cl::opt<std::string> backendName("backend", cl::init("cpu"),
                                        cl::desc("backend to run on"));
static cl::list<std::string>
    shapes("shapes", cl::CommaSeparated,
           cl::desc("MxKxN shapes (default 1024x1024x1024,1x4096x4096)"));

namespace {

struct Variant {
  const char *name;
  const char *pipeline; // quantization passes, empty for float
};

/// Bytes of the compiled weight: codes plus per-channel or per-group f32
/// scales (and i8 zero points for the asymmetric groups).
double weightBytes(const Variant &v, int64_t k, int64_t n) {
  std::string name = v.name;
  if (name == "f32")
    return 4.0 * k * n;
  if (name == "w8a8" || name == "w8a16")
    return 1.0 * k * n + 4.0 * n;
  return 0.5 * k * n + (k / 128.0) * n * 5.0; // w4a16g128
}

/// func @main(x: [M, K]) -> [M, N] { x @ W } with W ~ N(0, 1/K).
OwningOpRef<ModuleOp> buildLinear(MLIRContext *ctx, int64_t m, int64_t k,
                                  int64_t n, std::mt19937 &rng) {
  OpBuilder b(ctx);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto f32 = b.getF32Type();
  auto xType = RankedTensorType::get({m, k}, f32);
  auto wType = RankedTensorType::get({k, n}, f32);
  auto yType = RankedTensorType::get({m, n}, f32);
  auto func =
      func::FuncOp::create(b, loc, "main", b.getFunctionType({xType}, {yType}));
  b.setInsertionPointToStart(func.addEntryBlock());
  std::normal_distribution<float> normal(0.0f, 1.0f / std::sqrt(float(k)));
  std::vector<float> w(k * n);
  for (float &v : w)
    v = normal(rng);
  Value weight = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(wType, ArrayRef(w)));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  Value empty = tensor::EmptyOp::create(b, loc, yType.getShape(), f32);
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  Value y = linalg::MatmulOp::create(b, loc, TypeRange{yType},
                                     ValueRange{func.getArgument(0), weight},
                                     ValueRange{init})
                .getResult(0);
  func::ReturnOp::create(b, loc, y);
  return module;
}

double medianMs(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerQFPasses();
  plugin::registerBuiltinBackends();
  cl::ParseCommandLineOptions(argc, argv, "QuantForge matmul benchmark\n");
  std::vector<std::string> shapeList(shapes.begin(), shapes.end());
  if (shapeList.empty())
    shapeList = {"1024x1024x1024", "1x4096x4096"};

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerQFDialect(registry);
  plugin::registerBuiltinBackendDependencies(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  auto executor = runtime::ExecutorRegistry::global().create(backendName);
  if (!executor) {
    llvm::errs() << "qf-bench-matmul: " << llvm::toString(executor.takeError());
    if (const plugin::BackendPlugin *backend =
            plugin::BackendRegistry::global().lookup(backendName))
      llvm::errs() << ": " << backend->whyNoExecutor();
    llvm::errs() << "\n";
    return 1;
  }

  const Variant variants[] = {
      {"f32", ""},
      {
          "w8a8",
          "quant-quantize{scheme=w8a8 dynamic-activations=per-token},"
          "qf-fuse-qdq",
      },
      {"w8a16", "quant-quantize{scheme=w8a16}"},
      {"w4a16g128", "quant-quantize{scheme=w4a16g128 symmetric=false}"},
  };
  std::mt19937 rng(1);
  for (const std::string &spec : shapeList) {
    int64_t m = 0, k = 0, n = 0;
    if (std::sscanf(spec.c_str(), "%ldx%ldx%ld", &m, &k, &n) != 3 || m <= 0 ||
        k <= 0 || n <= 0) {
      llvm::errs() << "qf-bench-matmul: bad shape '" << spec
                   << "', expected MxKxN\n";
      return 1;
    }
    llvm::outs() << llvm::formatv(
        "\nM={0} K={1} N={2} on {3}; median of {4} runs\n\n", m, k, n,
        backendName.getValue(), runs.getValue());
    llvm::outs() << "| variant | ms | GFLOP/s | weight MB | weight GB/s | "
                    "error vs f32 |\n"
                 << "|---|---|---|---|---|---|\n";
    runtime::HostTensor x(runtime::DType::F32, {m, k});
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int64_t i = 0; i < m * k; ++i)
      x.dataAs<float>()[i] = normal(rng);
    std::vector<float> reference; // the f32 variant's output
    for (const Variant &v : variants) {
      std::mt19937 weightRng(7); // same weights for every variant
      OwningOpRef<ModuleOp> module = buildLinear(&ctx, m, k, n, weightRng);
      if (*v.pipeline) {
        PassManager pm(&ctx);
        if (failed(parsePassPipeline(v.pipeline, pm)) ||
            failed(pm.run(*module))) {
          llvm::errs() << "qf-bench-matmul: quantizing " << v.name
                       << " failed\n";
          return 1;
        }
      }
      auto executable = (*executor)->compile(*module, "main");
      if (failed(executable))
        return 1;
      std::vector<double> times;
      double error = 0;
      for (int r = -1; r < runs; ++r) {
        auto start = std::chrono::steady_clock::now();
        auto out = (*executable)->run({&x});
        auto end = std::chrono::steady_clock::now();
        if (!out) {
          llvm::errs() << llvm::toString(out.takeError()) << "\n";
          return 1;
        }
        if (r >= 0) { // the first run warms up
          times.push_back(
              std::chrono::duration<double, std::milli>(end - start).count());
          continue;
        }
        // max |y - y_f32| / max |y_f32|: the quantized code computes the layer.
        const float *y = (*out)[0].dataAs<float>();
        if (reference.empty())
          reference.assign(y, y + m * n);
        double diff = 0, scale = 0;
        for (int64_t i = 0; i < m * n; ++i) {
          diff = std::max(diff, (double)std::fabs(y[i] - reference[i]));
          scale = std::max(scale, (double)std::fabs(reference[i]));
        }
        error = diff / scale;
      }
      double ms = medianMs(times);
      double bytes = weightBytes(v, k, n);
      llvm::outs() << llvm::formatv(
          "| {0} | {1:f3} | {2:f2} | {3:f2} | {4:f2} | {5:f4} |\n", v.name, ms,
          2.0 * m * n * k / (ms * 1e6), bytes / 1e6, bytes / (ms * 1e6), error);
      llvm::outs().flush();
    }
  }
  return 0;
}
