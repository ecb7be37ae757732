//===- GptqBench.cpp - Time GPTQ on one layer -----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// qf-bench-gptq W.npy H.npy: times the GPTQ solver (passes/GPTQ/Solver.h) on
// a weight [K, N] (the IR's layout) and its Hessian [K, K], as written by
// bench/gptq/reference_bench.py --save, whose NumPy reference times the same
// problem. bench/gptq/run.sh runs both.
//
//===----------------------------------------------------------------------===//

#include "passes/Solvers/GptqSolver.h"
#include "runtime/IO/NumpyIO.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace mlir::qf;

static llvm::cl::opt<std::string> weightPath(llvm::cl::Positional,
                                             llvm::cl::desc("<w.npy>"),
                                             llvm::cl::Required);
static llvm::cl::opt<std::string> hessianPath(llvm::cl::Positional,
                                              llvm::cl::desc("<h.npy>"),
                                              llvm::cl::Required);
static llvm::cl::opt<int> bits("bits", llvm::cl::init(4));
static llvm::cl::opt<int64_t> groupSize("group-size", llvm::cl::init(128));
static llvm::cl::opt<bool> actOrder("act-order", llvm::cl::init(true));
static llvm::cl::opt<int> runs("runs", llvm::cl::init(3));

static llvm::Expected<std::vector<double>> load(llvm::StringRef path,
                                                int64_t &rows, int64_t &cols) {
  llvm::Expected<runtime::HostTensor> t = runtime::readNpy(path);
  if (!t)
    return t.takeError();
  if (t->dtype() != runtime::DType::F32 || t->rank() != 2)
    return llvm::createStringError(path + ": expected a 2-D float32 array");
  rows = t->shape()[0];
  cols = t->shape()[1];
  const float *data = t->dataAs<float>();
  return std::vector<double>(data, data + t->numElements());
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::ParseCommandLineOptions(argc, argv, "time GPTQ on one layer\n");
  int64_t k, n, hk, hk2;
  auto w = load(weightPath, k, n);
  auto h = w ? load(hessianPath, hk, hk2) : w.takeError();
  if (!w || !h) {
    llvm::errs() << "qf-bench-gptq: "
                 << llvm::toString(w ? h.takeError() : w.takeError()) << "\n";
    return 1;
  }
  if (hk != k || hk2 != k) {
    llvm::errs() << "qf-bench-gptq: the Hessian must be [" << k << ", " << k
                 << "]\n";
    return 1;
  }
  // IR [K, N] -> solver [N, K].
  std::vector<double> weight(k * n);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      weight[j * k + i] = (*w)[i * n + j];
  gptq::Options options;
  options.bits = bits;
  options.groupSize = groupSize;
  options.actOrder = actOrder;
  std::vector<double> seconds;
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    llvm::Expected<gptq::Result> result = gptq::run(weight, n, k, *h, options);
    auto stop = std::chrono::steady_clock::now();
    if (!result) {
      llvm::errs() << "qf-bench-gptq: " << llvm::toString(result.takeError())
                   << "\n";
      return 1;
    }
    seconds.push_back(std::chrono::duration<double>(stop - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  llvm::outs() << llvm::formatv("qf-gptq K={0} N={1}: {2:f3} s (median of "
                                "{3}, min {4:f3} s)\n",
                                k, n, seconds[seconds.size() / 2], runs,
                                seconds.front());
  return 0;
}
