//===- qf-run.cpp - Run a function of an MLIR module on .npy data ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-run MODULE.mlir [--entry main] [--backend cpu]
//          [--load-backend-plugin=LIB.so]...
//          [--input NAME_OR_INDEX=FILE.npy]... [--inputs FILE.npz]...
//          [--output FILE.npz]... [--bench N] [--warmup K]
//
// The module is compiled once and run on each --inputs archive in turn
// (with the --input tensors added to each), the results of the i-th going
// to the i-th --output: a model with dynamic dimensions runs every batch
// and sequence length from one compilation. Without --output, prints each
// result's shape and leading values.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "parameters/ParameterFile.h"
#include "parameters/ReadModel.h"
#include "plugins/BuiltinBackends.h"
#include "plugins/api/Registry.h"
#include "runtime/Bindings.h"
#include "runtime/Executor.h"
#include "runtime/IO/NumpyIO.h"
#include "runtime/MemoryEstimate.h"
#include "tools/common/FatalError.h"
#include "tools/common/HelpOptions.h"
#include "tools/common/MemoryLimit.h"
#include "tools/common/ReadDeadline.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <sys/resource.h>

using namespace mlir;
using namespace mlir::qf::runtime;
namespace cl = llvm::cl;

/// --help lists these first (tools/common/HelpOptions.h).
static cl::OptionCategory toolOptions("Command-line options of qf-run");

static cl::opt<std::string> modulePath(cl::Positional, cl::Required,
                                       cl::desc("<module.mlir>"),
                                       cl::cat(toolOptions));
static cl::opt<std::string>
    weightsPath("weights",
                cl::desc("the module's weights file (default: "
                         "beside it, extension .safetensors)"),
                cl::cat(toolOptions));
static cl::opt<std::string> entryName("entry", cl::init("main"),
                                      cl::desc("The function to run"),
                                      cl::cat(toolOptions));
static cl::opt<std::string> backendName("backend", cl::init("cpu"),
                                        cl::desc("The backend to run on"),
                                        cl::cat(toolOptions));
static cl::list<std::string>
    pluginPaths("load-backend-plugin",
                cl::desc("Load a backend plugin library (repeatable)"),
                cl::cat(toolOptions));
static cl::list<std::string>
    inputSpecs("input", cl::desc("NAME_OR_INDEX=FILE.npy: one argument"),
               cl::cat(toolOptions));
static cl::list<std::string> inputArchives(
    "inputs",
    cl::desc("FILE.npz: arguments by member name (repeatable: one run each)"),
    cl::cat(toolOptions));
static cl::list<std::string>
    outputPaths("output",
                cl::desc("FILE.npz: where the results go (one per run)"),
                cl::cat(toolOptions));
static cl::opt<unsigned> benchRuns("bench", cl::init(0),
                                   cl::desc("Time N runs and print "
                                            "min/median/max wall time"),
                                   cl::cat(toolOptions));
static cl::opt<unsigned> warmupRuns("warmup", cl::init(1),
                                    cl::desc("Untimed runs before --bench"),
                                    cl::cat(toolOptions));

static cl::opt<std::string> maxMemory(
    "max-memory",
    cl::desc("refuse a run that needs more memory than this (512M, 8G; "
             "default: the memory available)"),
    cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "qf-run: " << message << "\n";
  return 1;
}

static bool sameFile(StringRef a, StringRef b) {
  bool same = false;
  return !llvm::sys::fs::equivalent(a, b, same) && same;
}

/// Prints up to eight values of a result.
static void printSummary(StringRef key, const HostTensor &tensor) {
  llvm::outs() << key << ": " << tensor.describe() << " [";
  int64_t n = std::min<int64_t>(tensor.numElements(), 8);
  for (int64_t i = 0; i < n; ++i) {
    if (i)
      llvm::outs() << ", ";
    switch (tensor.dtype()) {
    case DType::F32:
      llvm::outs() << tensor.dataAs<float>()[i];
      break;
    case DType::F64:
      llvm::outs() << tensor.dataAs<double>()[i];
      break;
    case DType::I32:
      llvm::outs() << tensor.dataAs<int32_t>()[i];
      break;
    case DType::I64:
      llvm::outs() << tensor.dataAs<int64_t>()[i];
      break;
    case DType::I8:
      llvm::outs() << (int)tensor.dataAs<int8_t>()[i];
      break;
    default:
      llvm::outs() << "...";
      i = n;
    }
  }
  llvm::outs() << (tensor.numElements() > n ? ", ...]\n" : "]\n");
}

/// Runs `executable` (compiled from `entry`) on the tensors of `archivePath`
/// (if any) and the --input tensors, after checking that the run fits in
/// `limit` (runtime/MemoryEstimate.h); writes the results to `outputPath`,
/// or prints them.
static int runOnce(Executable &executable, func::FuncOp entry,
                   const qf::tools::MemoryLimit &limit, StringRef archivePath,
                   StringRef outputPath) {
  const Signature &sig = executable.signature();

  // Gather the inputs: the archive's members, then each --input.
  NamedTensors loaded;
  std::vector<SourcedTensor> given;
  std::vector<std::string> origins;
  if (!archivePath.empty()) {
    llvm::Expected<NamedTensors> archive = readNpz(archivePath);
    if (!archive)
      return fail(llvm::toString(archive.takeError()));
    for (auto &[name, tensor] : *archive) {
      origins.push_back((archivePath + ":" + name).str());
      loaded.emplace_back(name, std::move(tensor));
    }
  }
  for (StringRef spec : inputSpecs) {
    auto [key, path] = spec.split('=');
    if (key.empty() || path.empty())
      return fail("--input takes NAME_OR_INDEX=FILE.npy, not '" + spec + "'");
    llvm::Expected<HostTensor> tensor = readNpy(path);
    if (!tensor)
      return fail(llvm::toString(tensor.takeError()));
    origins.push_back(path.str());
    loaded.emplace_back(key.str(), std::move(*tensor));
  }
  for (auto [i, entry] : llvm::enumerate(loaded))
    given.push_back({entry.first, origins[i], &entry.second});
  llvm::Expected<std::vector<const HostTensor *>> inputs =
      bindInputs(sig, given);
  if (!inputs)
    return fail(llvm::toString(inputs.takeError()));
  std::vector<llvm::SmallVector<int64_t, 4>> shapes;
  for (const HostTensor *input : *inputs)
    shapes.emplace_back(input->shape());
  if (llvm::Error error = limit.check(estimateMemory(entry, shapes), sig.entry))
    return fail(llvm::toString(std::move(error)));

  for (unsigned i = 0; i < warmupRuns && benchRuns; ++i)
    if (auto result = executable.run(*inputs); !result)
      return fail(llvm::toString(result.takeError()));
  std::vector<double> times;
  llvm::Expected<std::vector<HostTensor>> results = std::vector<HostTensor>();
  for (unsigned i = 0; i < std::max(1u, benchRuns.getValue()); ++i) {
    auto start = std::chrono::steady_clock::now();
    results = executable.run(*inputs);
    auto end = std::chrono::steady_clock::now();
    if (!results)
      return fail(llvm::toString(results.takeError()));
    times.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  }
  if (benchRuns) {
    std::sort(times.begin(), times.end());
    // The process's peak, compilation and inputs included.
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    llvm::outs() << llvm::formatv(
        "bench: @{0} on {1}: {2} runs after {3} warm-up: min {4:f4} ms, "
        "median {5:f4} ms, max {6:f4} ms; peak RSS {7:f1} MB\n",
        sig.entry, backendName, times.size(), warmupRuns.getValue(),
        times.front(), times[times.size() / 2], times.back(),
        double(usage.ru_maxrss) * 1024 / 1e6);
  }

  if (outputPath.empty()) {
    if (!benchRuns)
      for (auto [i, result] : llvm::enumerate(*results))
        printSummary(outputKey(sig, i), result);
    return 0;
  }
  NamedTensors outputs;
  for (auto [i, result] : llvm::enumerate(*results))
    outputs.emplace_back(outputKey(sig, i), std::move(result));
  if (llvm::Error error = writeNpz(outputPath, outputs))
    return fail(llvm::toString(std::move(error)));
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::qf::tools::exitOnFatalError("qf-run");
  mlir::qf::tools::hideLibraryOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv, "QuantForge runner\n");

  qf::plugin::registerBuiltinBackends();
  for (const std::string &path : pluginPaths)
    if (llvm::Error error = qf::plugin::BackendRegistry::global().load(path))
      return fail(llvm::toString(std::move(error)));
  llvm::Expected<std::unique_ptr<Executor>> executor =
      ExecutorRegistry::global().create(backendName);
  if (!executor) {
    // A known backend that cannot run here says why.
    if (const qf::plugin::BackendPlugin *backend =
            qf::plugin::BackendRegistry::global().lookup(backendName)) {
      llvm::consumeError(executor.takeError());
      return fail("backend '" + backendName +
                  "' cannot run on this machine: " + backend->whyNoExecutor());
    }
    return fail(llvm::toString(executor.takeError()));
  }

  if (!outputPaths.empty() &&
      outputPaths.size() != std::max<size_t>(1, inputArchives.size()))
    return fail(llvm::formatv("{0} --output for {1} runs: give one per "
                              "--inputs",
                              outputPaths.size(),
                              std::max<size_t>(1, inputArchives.size()))
                    .str());
  // Outputs never replace an input.
  std::vector<std::string> inputFiles = {modulePath};
  llvm::append_range(inputFiles, inputArchives);
  for (StringRef spec : inputSpecs)
    inputFiles.push_back(spec.split('=').second.str());
  for (const std::string &output : outputPaths)
    for (const std::string &input : inputFiles)
      if (sameFile(input, output))
        return fail("refusing to write the output over the input '" + input +
                    "'");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  qf::registerQFDialect(registry);
  registerExecutorDependencies(backendName, registry);
  qf::plugin::registerBuiltinBackendDependencies(registry);
  MLIRContext context(registry);
  // Errors name the op and its location, without a dump of the IR.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module;
  {
    qf::tools::ReadDeadline deadline("qf-run", modulePath);
    module = qf::parameters::readModelFile(
        context, sourceMgr, modulePath,
        qf::parameters::weightsToRead(modulePath, weightsPath));
  }
  if (!module)
    return 1;
  llvm::Expected<qf::tools::MemoryLimit> limit =
      qf::tools::memoryLimit(maxMemory);
  if (!limit)
    return fail(llvm::toString(limit.takeError()));
  // The weights alone are checked before compiling copies them.
  auto entry = module->lookupSymbol<func::FuncOp>(entryName);
  if (entry)
    if (llvm::Error error =
            limit->check({estimateMemory(entry).weightBytes, 0}, entryName))
      return fail(llvm::toString(std::move(error)));
  FailureOr<std::shared_ptr<Executable>> executable =
      (*executor)->compile(*module, entryName);
  if (failed(executable))
    return 1;
  size_t runs = std::max<size_t>(1, inputArchives.size());
  for (size_t run = 0; run < runs; ++run)
    if (int status = runOnce(**executable, entry, *limit,
                             inputArchives.empty() ? "" : inputArchives[run],
                             outputPaths.empty() ? "" : outputPaths[run]))
      return status;
  return 0;
}
