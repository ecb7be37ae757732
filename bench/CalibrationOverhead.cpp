//===- CalibrationOverhead.cpp - Instrumented vs plain model runs ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// How much slower a calibration run is than a plain run of the same model, in
// one process: an MLP of `--layers` matmul+bias+ReLU layers of width
// `--width` on `--rows` rows, JIT-compiled once plainly and once with every
// matmul input and output observed, for several statistics settings.
//
//   qf-bench-calibration [--rows 64] [--width 512] [--layers 4] [--runs 30]
//
// Prints a Markdown table: median wall time per run and the ratio.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "passes/Calibration/Instrument.h"
#include "passes/Passes.h"
#include "plugins/BuiltinBackends.h"
#include "runtime/Executor.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <random>

using namespace mlir;
using namespace mlir::qf;
namespace cl = llvm::cl;

static cl::opt<int> rows("rows", cl::init(64), cl::desc("rows (tokens)"));
static cl::opt<int> width("width", cl::init(512), cl::desc("layer width"));
static cl::opt<int> layers("layers", cl::init(4), cl::desc("layers"));
static cl::opt<int> runs("runs", cl::init(30), cl::desc("timed runs"));

static std::string hexConstant(int64_t count, std::mt19937 &rng, float scale) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::string hex = "\"0x";
  for (int64_t i = 0; i < count; ++i) {
    float v = normal(rng);
    const unsigned char *bytes = reinterpret_cast<const unsigned char *>(&v);
    for (int b = 0; b < 4; ++b)
      hex += llvm::formatv("{0:X-2}", bytes[b]).str();
  }
  return hex + "\"";
}

/// y = relu(... relu(x W1 + b1) ... ) with random weights.
static std::string buildModel(std::mt19937 &rng) {
  std::string m, t = llvm::formatv("tensor<{0}x{1}xf32>", rows.getValue(),
                                   width.getValue());
  m += "#row = affine_map<(d0, d1) -> (d0, d1)>\n"
       "#bias = affine_map<(d0, d1) -> (d1)>\n";
  m += llvm::formatv("func.func @main(%x: {0}) -> {0} {{\n", t);
  m += "  %zero = arith.constant 0.0 : f32\n";
  std::string prev = "%x";
  for (int l = 0; l < layers; ++l) {
    m += llvm::formatv(
        "  %w{0} = arith.constant dense<{1}> : tensor<{2}x{2}xf32>\n", l,
        hexConstant((int64_t)width * width, rng, 0.05f), width.getValue());
    m +=
        llvm::formatv("  %b{0} = arith.constant dense<{1}> : tensor<{2}xf32>\n",
                      l, hexConstant(width, rng, 0.1f), width.getValue());
    m += llvm::formatv("  %e{0} = tensor.empty() : {1}\n", l, t);
    m += llvm::formatv("  %f{0} = linalg.fill ins(%zero : f32) outs(%e{0} : "
                       "{1}) -> {1}\n",
                       l, t);
    m += llvm::formatv("  %m{0} = linalg.matmul ins({1}, %w{0} : {2}, "
                       "tensor<{3}x{3}xf32>) outs(%f{0} : {2}) -> {2}\n",
                       l, prev, t, width.getValue());
    m += llvm::formatv(
        "  %a{0} = linalg.generic {{indexing_maps = [#row, #bias, #row], "
        "iterator_types = [\"parallel\", \"parallel\"]} ins(%m{0}, %b{0} : "
        "{1}, tensor<{2}xf32>) outs(%e{0} : {1}) {{\n"
        "  ^bb0(%v: f32, %b: f32, %o: f32):\n"
        "    %s = arith.addf %v, %b : f32\n"
        "    %r = arith.maximumf %s, %zero : f32\n"
        "    linalg.yield %r : f32\n"
        "  } -> {1}\n",
        l, t, width.getValue());
    prev = "%a" + std::to_string(l);
  }
  m += llvm::formatv("  return {0} : {1}\n}\n", prev, t);
  return m;
}

template <typename Fn> static double medianMs(Fn &&fn) {
  std::vector<double> times;
  fn(); // warm-up
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "calibration overhead benchmark\n");
  plugin::registerBuiltinBackends();

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerQFDialect(registry);
  runtime::registerExecutorDependencies("cpu", registry);
  MLIRContext context(registry);

  std::mt19937 rng(7);
  OwningOpRef<ModuleOp> plain =
      parseSourceString<ModuleOp>(buildModel(rng), &context);
  if (!plain)
    return 1;
  OwningOpRef<ModuleOp> observed = plain->clone();
  PassManager pm(&context);
  pm.addPass(createQFInsertObserversPass());
  if (failed(pm.run(*observed)))
    return 1;
  SmallVector<ObserveOp> observers;
  observed->walk([&](ObserveOp op) { observers.push_back(op); });

  auto executor = runtime::ExecutorRegistry::global().create("cpu");
  if (!executor)
    return 1;
  auto plainExe = (*executor)->compile(*plain, "main");
  OwningOpRef<ModuleOp> instrumented =
      calibration::instrumentObservers(*observed);
  auto instrumentedExe = (*executor)->compile(*instrumented, "main");
  if (failed(plainExe) || failed(instrumentedExe))
    return 1;

  runtime::HostTensor x(runtime::DType::F32, {rows, width});
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < x.numElements(); ++i)
    x.dataAs<float>()[i] = normal(rng);
  std::vector<const runtime::HostTensor *> inputs = {&x};

  double plainMs = medianMs([&] { (void)(*plainExe)->run(inputs); });
  llvm::outs() << llvm::formatv(
      "MLP {0} layers x {1} wide, {2} rows, {3} observers; median of {4} "
      "runs\n\n| statistics | plain ms | calibrating ms | ratio |\n"
      "|---|---|---|---|\n",
      layers.getValue(), width.getValue(), rows.getValue(), observers.size(),
      runs.getValue());

  struct Setting {
    const char *name;
    calibration::Method method;
    bool perChannel, hessian;
  };
  for (Setting setting :
       {Setting{"minmax", calibration::Method::MinMax, false, false},
        Setting{"minmax + per-channel", calibration::Method::MinMax, true,
                false},
        Setting{"entropy histogram", calibration::Method::Entropy, false,
                false},
        Setting{"minmax + Hessian (GPTQ)", calibration::Method::MinMax, false,
                true}}) {
    calibration::StatisticsOptions common;
    common.method = setting.method;
    common.perChannel = setting.perChannel;
    common.hessian = setting.hessian;
    std::vector<std::unique_ptr<calibration::ObserverStatistics>> stats;
    for (ObserveOp op : observers)
      stats.push_back(std::make_unique<calibration::ObserverStatistics>(
          calibration::statisticsOptionsFor(op, common)));
    calibration::StatisticsSink sink(stats);
    double ms = medianMs([&] { (void)(*instrumentedExe)->run(inputs, &sink); });
    llvm::outs() << llvm::formatv("| {0} | {1:f2} | {2:f2} | {3:f2}x |\n",
                                  setting.name, plainMs, ms, ms / plainMs);
  }
  return 0;
}
