//===- qf-quantize.cpp - One command from a model to a quantized one ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-quantize MODEL.(onnx|mlir) --recipe NAME|FILE.yaml [--calib DATA]
//               [--backend cpu] [--input-shape NAME=D0,...]... -o OUT.mlir
//               [--report REPORT.md]
//   qf-quantize --list-recipes
//
// Imports ONNX (or parses MLIR), runs the recipe's pipeline (passes/Recipes)
// and writes the quantized module. The report lists each quantized weight
// (scheme, size, relative error), the totals, the model size before and
// after, and the output error against the float model on the first
// calibration sample.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "importers/onnx/Importer.h"
#include "passes/Passes.h"
#include "pipelines/ModelReport.h"
#include "pipelines/RecipePipelines.h"
#include "plugins/BuiltinBackends.h"
#include "runtime/Executor.h"
#include "runtime/IO/FileUtilities.h"
#include "runtime/IO/NumpyIO.h"
#include "tools/common/FatalError.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Threading.h"

#include <cstring>

using namespace mlir;
using namespace mlir::qf;
namespace cl = llvm::cl;

static cl::opt<std::string> inputPath(cl::Positional,
                                      cl::desc("<model.onnx|model.mlir>"));
static cl::opt<std::string> recipeName("recipe",
                                       cl::desc("recipe name or YAML file"));
static cl::opt<std::string>
    calibPath("calib", cl::desc("calibration data (.npz or a directory)"));
static cl::opt<std::string> backendName("backend", cl::init("cpu"),
                                        cl::desc("backend to calibrate on"));
static cl::opt<std::string> outputPath("o", cl::desc("output .mlir"));
static cl::opt<std::string> reportPath("report",
                                       cl::desc("write a Markdown report"));
static cl::opt<std::string> entryName("entry", cl::init("main"),
                                      cl::desc("the model's function"));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("NAME=D0,D1,...: an ONNX input's shape"));
static cl::opt<bool> listRecipes("list-recipes",
                                 cl::desc("print the built-in recipes"));
static cl::opt<unsigned>
    threads("num-threads", cl::init(0),
            cl::desc("threads for the passes' parallel loops and MLIR "
                     "(0: one per core); the output does not depend on it"));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "qf-quantize: " << message << "\n";
  return 1;
}

/// The first sample of the calibration data: from the first .npz (in name
/// order) each member, without its leading sample dimension where it has
/// one more dimension than the argument it binds.
static FailureOr<std::vector<std::pair<std::string, runtime::HostTensor>>>
firstSample(StringRef path, const runtime::Signature &sig, std::string &error) {
  std::string file = path.str();
  if (llvm::sys::fs::is_directory(path)) {
    std::vector<std::string> files;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
         it.increment(ec))
      if (StringRef(it->path()).ends_with(".npz"))
        files.push_back(it->path());
    llvm::sort(files);
    if (files.empty()) {
      error = "no .npz file in '" + path.str() + "'";
      return failure();
    }
    file = files.front();
  }
  auto members = runtime::readNpz(file);
  if (!members) {
    error = llvm::toString(members.takeError());
    return failure();
  }
  std::vector<std::pair<std::string, runtime::HostTensor>> sample;
  for (auto &[name, tensor] : *members) {
    const runtime::TensorPort *port = nullptr;
    for (const runtime::TensorPort &p : sig.inputs)
      if (p.name == name)
        port = &p;
    if (port && tensor.rank() == int64_t(port->shape.size()) + 1 &&
        tensor.shape()[0] > 0) {
      runtime::HostTensor first(tensor.dtype(), tensor.shape().drop_front());
      std::memcpy(first.data(), tensor.data(), first.byteSize());
      sample.emplace_back(name, std::move(first));
    } else {
      sample.emplace_back(name, std::move(tensor));
    }
  }
  return sample;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::qf::tools::exitOnFatalError("qf-quantize");
  registerAllPasses();
  registerQFPasses();
  plugin::registerBuiltinBackends();
  cl::ParseCommandLineOptions(argc, argv, "QuantForge quantizer\n");

  if (listRecipes) {
    for (const recipes::Recipe &r : recipes::builtinRecipes())
      llvm::outs() << r.name << (r.calibrate ? " (needs --calib)" : "")
                   << "\n    " << r.description << "\n";
    return 0;
  }
  if (inputPath.empty() || recipeName.empty() || outputPath.empty())
    return fail("usage: qf-quantize MODEL --recipe NAME|FILE.yaml "
                "[--calib DATA] -o OUT.mlir [--report REPORT.md] "
                "(--list-recipes lists the recipes)");
  std::string error;
  FailureOr<recipes::Recipe> recipe = recipes::loadRecipe(recipeName, error);
  if (failed(recipe))
    return fail(error);
  for (const std::string &path :
       {outputPath.getValue(), reportPath.getValue()}) {
    llvm::sys::fs::UniqueID in, out;
    if (!path.empty() && !llvm::sys::fs::getUniqueID(inputPath, in) &&
        !llvm::sys::fs::getUniqueID(path, out) && in == out)
      return fail("'" + path + "' is the input model");
    // Checked now, so that the report cannot fail after the model is
    // written.
    StringRef dir = llvm::sys::path::parent_path(path);
    if (!path.empty() && !dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("cannot write '" + path + "': no directory '" + dir + "'");
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerQFDialect(registry);
  plugin::registerBuiltinBackendDependencies(registry);
  if (threads)
    llvm::parallel::strategy = llvm::hardware_concurrency(threads);
  MLIRContext ctx(registry, threads == 1 ? MLIRContext::Threading::DISABLED
                                         : MLIRContext::Threading::ENABLED);

  OwningOpRef<ModuleOp> module;
  if (StringRef(inputPath).ends_with(".onnx")) {
    onnx_import::ImportOptions options;
    for (const std::string &spec : inputShapes)
      if (failed(onnx_import::addInputShape(spec, options, error)))
        return fail(error);
    module = onnx_import::importOnnxFile(inputPath, &ctx, options);
  } else {
    if (!inputShapes.empty())
      return fail("--input-shape applies to ONNX models only");
    llvm::SourceMgr sourceMgr;
    std::string message;
    auto file = openInputFile(inputPath, &message);
    if (!file)
      return fail(message);
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  }
  if (!module)
    return 1;
  OwningOpRef<ModuleOp> floatModule = module->clone();

  // quant-quantize writes the per-weight report next to the output.
  std::string weightReport =
      reportPath.empty() ? "" : reportPath.getValue() + ".weights.json";
  // Read below, and never left behind, whether the run succeeds or not.
  llvm::FileRemover removeWeightReport(weightReport, !weightReport.empty());
  recipes::PipelineOptions options{calibPath, backendName, weightReport,
                                   !reportPath.empty() && !calibPath.empty()};
  PassManager pm(&ctx);
  if (failed(recipes::buildRecipePipeline(pm, *recipe, options, error)))
    return fail(error);
  if (failed(pm.run(*module)))
    return fail("recipe '" + recipe->name + "' failed on '" + inputPath + "'");

  // Everything is computed before anything is written, and each file is
  // written whole (temporary + rename): a failed run leaves no output.
  auto writeModel = [&]() -> int {
    if (llvm::Error e = runtime::writeFileAtomically(
            outputPath, [&](llvm::raw_ostream &os) { os << *module << "\n"; }))
      return fail(llvm::toString(std::move(e)));
    return 0;
  };
  if (reportPath.empty())
    return writeModel();

  recipes::ModelReport report;
  report.model = llvm::sys::path::filename(inputPath).str();
  report.recipe = recipe->name;
  FailureOr<std::vector<recipes::WeightEntry>> weights =
      recipes::readWeightReport(weightReport, error);
  if (failed(weights))
    return fail(error);
  report.weights = *weights;
  report.floatModelBytes = recipes::constantBytes(*floatModule);
  report.quantizedModelBytes = report.floatModelBytes;
  for (const recipes::WeightEntry &w : report.weights)
    report.quantizedModelBytes += w.bytes - w.floatBytes;
  if (calibPath.empty()) {
    report.outputNote = "No calibration data (--calib): not measured.";
  } else {
    auto func = floatModule->lookupSymbol<func::FuncOp>(entryName);
    FailureOr<runtime::Signature> sig =
        func ? runtime::getSignature(func) : FailureOr<runtime::Signature>();
    if (failed(sig))
      return fail("no function @" + entryName + " to compare");
    auto sample = firstSample(calibPath, *sig, error);
    if (failed(sample))
      return fail(error);
    auto outputs = recipes::compareOutputs(*floatModule, *module, entryName,
                                           *sample, error);
    if (failed(outputs))
      return fail(error);
    report.outputs = *outputs;
  }
  if (int status = writeModel())
    return status;
  if (llvm::Error e =
          runtime::writeFileAtomically(reportPath, [&](llvm::raw_ostream &os) {
            recipes::printMarkdown(os, report);
          }))
    return fail(llvm::toString(std::move(e)));
  return 0;
}
