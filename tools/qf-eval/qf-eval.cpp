//===- qf-eval.cpp - Score a model on data, with confidence intervals -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-eval MODEL.mlir --text FILE [--window W]                (next byte)
//   qf-eval MODEL.mlir --data FILE.npz [--input images] [--labels labels]
//           [--limit N] [--batch N] [--reference REF.mlir]
//           [--baseline-scores SCORES.npz]... [--save-scores SCORES.npz]
//           [--bootstrap 1000] [--seed 0] [--format markdown|json]
//           [-o OUT] [--progress auto|always|never] [--backend cpu]
//           [--time N]
//
// Compiles the model (and the reference) once and streams the data through
// it in batches: bits per byte and perplexity, or top-1; against a
// reference model, KL divergence and top-1 agreement; against each
// baseline's saved per-unit scores (an earlier --save-scores on the same
// data), the paired difference. Every value carries its 95% percentile
// bootstrap interval over the units (windows, examples), seeded and
// reproducible (evaluation/Metrics.h specifies it). --time N adds the
// measurements: the median wall time of a run of one batch and the
// process's peak resident memory.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "evaluation/Summary.h"
#include "parameters/ParameterFile.h"
#include "parameters/ReadModel.h"
#include "plugins/BuiltinBackends.h"
#include "plugins/api/Registry.h"
#include "runtime/Executor.h"
#include "runtime/IO/FileUtilities.h"
#include "tools/common/FatalError.h"
#include "tools/common/HelpOptions.h"
#include "tools/common/MemoryLimit.h"
#include "tools/common/ReadDeadline.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/resource.h>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::evaluation;
namespace cl = llvm::cl;

/// --help lists these first (tools/common/HelpOptions.h).
static cl::OptionCategory toolOptions("Command-line options of qf-eval");

static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.mlir>"),
                                      cl::cat(toolOptions));
static cl::opt<std::string>
    weightsPath("weights",
                cl::desc("the model's weights file (default: "
                         "beside it, extension .safetensors)"),
                cl::cat(toolOptions));
static cl::opt<std::string>
    textPath("text", cl::desc("next-byte prediction over this file's bytes"),
             cl::cat(toolOptions));
static cl::opt<int64_t>
    windowSize("window", cl::init(0),
               cl::desc("bytes per window (default: the model's)"),
               cl::cat(toolOptions));
static cl::opt<std::string>
    dataPath("data", cl::desc("classification: an .npz of inputs and labels"),
             cl::cat(toolOptions));
static cl::opt<std::string> inputName("input", cl::init("images"),
                                      cl::desc("--data's input array"),
                                      cl::cat(toolOptions));
static cl::opt<std::string> labelsName("labels", cl::init("labels"),
                                       cl::desc("--data's labels array"),
                                       cl::cat(toolOptions));
static cl::opt<int64_t> limit("limit", cl::init(0),
                              cl::desc("score only the first N units"),
                              cl::cat(toolOptions));
static cl::opt<int64_t>
    dynamicBatch("batch", cl::init(16),
                 cl::desc("rows per run where the batch is dynamic"),
                 cl::cat(toolOptions));
static cl::opt<std::string>
    referencePath("reference",
                  cl::desc("a model to measure KL divergence and top-1 "
                           "agreement against"),
                  cl::cat(toolOptions));
static cl::list<std::string> baselineScores(
    "baseline-scores",
    cl::desc("SCORES.npz of another model on the same data: the paired "
             "difference (repeatable)"),
    cl::cat(toolOptions));
static cl::opt<std::string>
    saveScoresPath("save-scores",
                   cl::desc("write this model's per-unit scores here"),
                   cl::cat(toolOptions));
static cl::opt<unsigned> timedRuns(
    "time", cl::init(0),
    cl::desc("also measure: time N runs of one batch (after the scoring), "
             "and the peak memory"),
    cl::cat(toolOptions));
static cl::opt<unsigned> resamples("bootstrap", cl::init(1000),
                                   cl::desc("bootstrap resamples (0: none)"),
                                   cl::cat(toolOptions));
static cl::opt<uint64_t> seed("seed", cl::init(0),
                              cl::desc("the bootstrap's seed"),
                              cl::cat(toolOptions));
enum class Format { Markdown, Json };
static cl::opt<Format>
    format("format", cl::init(Format::Markdown),
           cl::values(clEnumValN(Format::Markdown, "markdown", "a table"),
                      clEnumValN(Format::Json, "json", "one JSON object")),
           cl::cat(toolOptions));
static cl::opt<std::string> outputPath("o", cl::init("-"),
                                       cl::desc("where the report goes"),
                                       cl::cat(toolOptions));
enum class Progress { Auto, Always, Never };
static cl::opt<Progress>
    progress("progress", cl::init(Progress::Auto),
             cl::values(clEnumValN(Progress::Auto, "auto", "on a terminal"),
                        clEnumValN(Progress::Always, "always", "always"),
                        clEnumValN(Progress::Never, "never", "never")),
             cl::cat(toolOptions));
static cl::opt<std::string> backendName("backend", cl::init("cpu"),
                                        cl::desc("The backend to run on"),
                                        cl::cat(toolOptions));
static cl::list<std::string>
    pluginPaths("load-backend-plugin",
                cl::desc("Load a backend plugin library (repeatable)"),
                cl::cat(toolOptions));

static cl::opt<std::string> maxMemory(
    "max-memory",
    cl::desc("refuse models that need more memory than this (512M, 8G; "
             "default: the memory available)"),
    cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "qf-eval: error: " << message << "\n";
  return 1;
}

/// Reads `path` (with a source manager of its own: the context's
/// diagnostic handler opens files as locations name them) and loads its
/// weights (parameters/ReadModel.h).
static OwningOpRef<ModuleOp>
loadModel(MLIRContext &context, llvm::StringRef path, llvm::StringRef weights) {
  llvm::SourceMgr sourceMgr;
  tools::ReadDeadline deadline("qf-eval", path);
  return parameters::readModelFile(context, sourceMgr, path,
                                   parameters::weightsToRead(path, weights));
}

/// "qf-eval: 1200/3640 windows [#####.......]", redrawn in place.
static void drawProgress(int64_t done, int64_t total, llvm::StringRef unit) {
  constexpr int width = 30;
  int filled = int(width * done / std::max<int64_t>(total, 1));
  llvm::errs() << llvm::formatv("\rqf-eval: {0}/{1} {2} [{3}{4}]", done, total,
                                unit, std::string(filled, '#'),
                                std::string(width - filled, '.'));
  if (done == total)
    llvm::errs() << "\n";
  llvm::errs().flush();
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  tools::exitOnFatalError("qf-eval");
  mlir::qf::tools::hideLibraryOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv, "QuantForge evaluation\n");

  if (textPath.empty() == dataPath.empty())
    return fail("give the data: --text FILE (next byte) or --data FILE.npz "
                "(classification), one of them");
  if (limit < 0 || windowSize < 0)
    return fail("--limit and --window take a count (0: all, or the model's)");
  Task task = textPath.empty() ? Task::Classify : Task::NextByte;
  // Outputs never replace an input.
  std::vector<std::string> inputs = {
      modelPath, referencePath, task == Task::NextByte ? textPath : dataPath};
  llvm::append_range(inputs, baselineScores);
  for (const std::string &output :
       {outputPath.getValue(), saveScoresPath.getValue()})
    for (const std::string &input : inputs) {
      bool same = false;
      if (!output.empty() && !input.empty() &&
          !llvm::sys::fs::equivalent(output, input, same) && same)
        return fail("refusing to write '" + output + "' over the input '" +
                    input + "'");
    }
  // Baselines are read first: a bad one fails before any compiling.
  std::vector<SavedScores> baselines;
  for (const std::string &path : baselineScores) {
    llvm::Expected<SavedScores> scores = loadScores(path);
    if (!scores)
      return fail(llvm::toString(scores.takeError()));
    scores->name = llvm::sys::path::filename(path).str();
    baselines.push_back(std::move(*scores));
  }

  plugin::registerBuiltinBackends();
  for (const std::string &path : pluginPaths)
    if (llvm::Error error = plugin::BackendRegistry::global().load(path))
      return fail(llvm::toString(std::move(error)));
  llvm::Expected<std::unique_ptr<runtime::Executor>> executor =
      runtime::ExecutorRegistry::global().create(backendName);
  if (!executor)
    return fail(llvm::toString(executor.takeError()));

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerQFDialect(registry);
  runtime::registerExecutorDependencies(backendName, registry);
  plugin::registerBuiltinBackendDependencies(registry);
  MLIRContext context(registry);
  // Errors name the op and its location, without a dump of the IR.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> model = loadModel(context, modelPath, weightsPath);
  if (!model)
    return 1;
  auto entry = model->lookupSymbol<func::FuncOp>("main");
  if (!entry)
    return fail("'" + modelPath + "' has no function @main");
  FailureOr<runtime::Signature> sig = runtime::getSignature(entry);
  if (failed(sig))
    return 1;

  // The data, before anything is compiled; the window defaults to the
  // model's sequence length.
  int64_t window = windowSize;
  if (task == Task::NextByte && window == 0) {
    if (sig->inputs.size() != 1 || sig->inputs[0].shape.size() != 2 ||
        ShapedType::isDynamic(sig->inputs[0].shape[1]))
      return fail("the model does not fix a window length: give --window");
    window = sig->inputs[0].shape[1];
  }
  llvm::Expected<std::unique_ptr<Dataset>> data =
      task == Task::NextByte
          ? openTextWindows(textPath, window, limit)
          : openLabeledArrays(dataPath, inputName, labelsName, limit);
  if (!data)
    return fail(llvm::toString(data.takeError()));
  llvm::Expected<int64_t> rows = batchRowsOf(*sig, **data, dynamicBatch);
  if (!rows)
    return fail(llvm::toString(rows.takeError()));
  OwningOpRef<ModuleOp> reference;
  if (!referencePath.empty()) {
    reference = loadModel(context, referencePath, "");
    if (!reference)
      return 1;
  }

  // Both models' weights, and the larger of their activations on a batch,
  // must fit before anything is compiled.
  llvm::Expected<tools::MemoryLimit> limit = tools::memoryLimit(maxMemory);
  if (!limit)
    return fail(llvm::toString(limit.takeError()));
  std::vector<llvm::SmallVector<int64_t, 4>> batchShapes;
  for (const runtime::TensorPort &input : sig->inputs) {
    batchShapes.push_back(input.shape);
    batchShapes.back()[0] = *rows; // batchRowsOf checked the rank
    if (task == Task::NextByte)
      batchShapes.back()[1] = window;
  }
  runtime::MemoryEstimate need = runtime::estimateMemory(entry, batchShapes);
  if (reference)
    if (auto referenceEntry = reference->lookupSymbol<func::FuncOp>("main")) {
      runtime::MemoryEstimate other =
          runtime::estimateMemory(referenceEntry, batchShapes);
      need.weightBytes += other.weightBytes;
      need.activationBytes =
          std::max(need.activationBytes, other.activationBytes);
    }
  if (llvm::Error error = limit->check(need, "main"))
    return fail(llvm::toString(std::move(error)));

  FailureOr<std::shared_ptr<runtime::Executable>> modelExe =
      (*executor)->compile(*model, "main");
  if (failed(modelExe))
    return 1;
  std::shared_ptr<runtime::Executable> referenceExe;
  if (reference) {
    auto compiled = (*executor)->compile(*reference, "main");
    if (failed(compiled))
      return 1;
    referenceExe = *compiled;
  }

  ScoringOptions options;
  options.dynamicBatch = dynamicBatch;
  if (progress == Progress::Always ||
      (progress == Progress::Auto && llvm::errs().is_displayed()))
    options.progress = [&](int64_t done, int64_t total) {
      drawProgress(done, total, (*data)->unitName());
    };
  llvm::Expected<UnitScores> scores =
      scoreUnits(**data, **modelExe, referenceExe.get(), options);
  if (!scores)
    return fail(llvm::toString(scores.takeError()));

  llvm::Expected<Summary> summary = summarize(
      task, *scores, (*data)->fingerprint(), baselines, resamples, seed);
  if (!summary)
    return fail(llvm::toString(summary.takeError()));
  summary->model = llvm::sys::path::filename(modelPath).str();
  summary->data =
      llvm::sys::path::filename(task == Task::NextByte ? textPath : dataPath)
          .str();
  summary->unitName = (*data)->unitName().str();
  if (timedRuns) {
    llvm::Expected<Timing> timing =
        timeRuns(**data, **modelExe, timedRuns, dynamicBatch);
    if (!timing)
      return fail(llvm::toString(timing.takeError()));
    summary->timing = *timing;
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) == 0)
      summary->peakRssBytes = int64_t(usage.ru_maxrss) * 1024;
  }

  if (!saveScoresPath.empty())
    if (llvm::Error error = saveScores(
            saveScoresPath, {saveScoresPath, task, primaryScores(task, *scores),
                             (*data)->fingerprint()}))
      return fail(llvm::toString(std::move(error)));
  if (llvm::Error error =
          runtime::writeFileAtomically(outputPath, [&](llvm::raw_ostream &os) {
            if (format == Format::Json)
              os << llvm::formatv("{0:2}", toJson(*summary)) << "\n";
            else
              printMarkdown(os, *summary);
          }))
    return fail(llvm::toString(std::move(error)));
  return 0;
}
