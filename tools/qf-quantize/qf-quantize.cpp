//===- qf-quantize.cpp - One command from a model to a quantized one ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-quantize MODEL.(onnx|mlir) --recipe NAME|FILE.yaml [--calib DATA]
//               [--backend cpu] [--input-shape NAME=D0,...]... -o OUT.mlir
//               [--report REPORT.md] [--weights IN.safetensors]
//               [--weights-out OUT.safetensors]
//   qf-quantize --list-recipes
//
// Imports ONNX (or parses MLIR), runs the recipe's pipeline (pipelines/)
// and writes the quantized module. The report lists each quantized weight
// (scheme, size, relative error), the totals, the model size before and
// after, and the output error against the float model (activation
// quantization included) on the first 16 calibration samples.
//
// An MLIR input reads its parameters from MODEL.safetensors beside it (or
// --weights); the output's go to OUT.safetensors beside it (or
// --weights-out), with every constant of 4 KiB or more.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "importers/onnx/Importer.h"
#include "parameters/ParameterFile.h"
#include "parameters/ReadModel.h"
#include "passes/Passes.h"
#include "pipelines/ModelReport.h"
#include "pipelines/RecipePipelines.h"
#include "plugins/BuiltinBackends.h"
#include "runtime/Executor.h"
#include "runtime/IO/FileUtilities.h"
#include "tools/common/FatalError.h"
#include "tools/common/HelpOptions.h"
#include "tools/common/ReadDeadline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
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

using namespace mlir;
using namespace mlir::qf;
namespace cl = llvm::cl;

/// --help lists these first (tools/common/HelpOptions.h).
static cl::OptionCategory toolOptions("Command-line options of qf-quantize");

static cl::opt<std::string> inputPath(cl::Positional,
                                      cl::desc("<model.onnx|model.mlir>"),
                                      cl::cat(toolOptions));
static cl::opt<std::string> recipeName("recipe",
                                       cl::desc("recipe name or YAML file"),
                                       cl::cat(toolOptions));
static cl::opt<std::string>
    calibPath("calib", cl::desc("calibration data (.npz or a directory)"),
              cl::cat(toolOptions));
static cl::opt<std::string> backendName("backend", cl::init("cpu"),
                                        cl::desc("backend to calibrate on"),
                                        cl::cat(toolOptions));
static cl::opt<std::string> outputPath("o", cl::desc("output .mlir"),
                                       cl::cat(toolOptions));
static cl::opt<std::string>
    weightsIn("weights",
              cl::desc("an MLIR input's weights file (default: "
                       "beside it, extension .safetensors)"),
              cl::cat(toolOptions));
static cl::opt<std::string>
    weightsOut("weights-out",
               cl::desc("where to write the weights (default: "
                        "beside the output)"),
               cl::cat(toolOptions));
static cl::opt<std::string> reportPath("report",
                                       cl::desc("write a Markdown report"),
                                       cl::cat(toolOptions));
static cl::opt<std::string> entryName("entry", cl::init("main"),
                                      cl::desc("the model's function"),
                                      cl::cat(toolOptions));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("NAME=D0,D1,...: an ONNX input's shape"),
                cl::cat(toolOptions));
static cl::opt<bool> listRecipes("list-recipes",
                                 cl::desc("print the built-in recipes"),
                                 cl::cat(toolOptions));
static cl::opt<unsigned>
    threads("num-threads", cl::init(0),
            cl::desc("threads for the passes' parallel loops and MLIR "
                     "(0: one per core); the output does not depend on it"),
            cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "qf-quantize: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::qf::tools::exitOnFatalError("qf-quantize");
  registerAllPasses();
  registerQFPasses();
  plugin::registerBuiltinBackends();
  mlir::qf::tools::hideLibraryOptions(toolOptions);
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
  // Errors name the op and its location, with the line it is on, without a
  // dump of the IR.
  ctx.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &ctx);

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
    tools::ReadDeadline deadline("qf-quantize", inputPath);
    module = parameters::readModelFile(
        ctx, sourceMgr, inputPath,
        parameters::weightsToRead(inputPath, weightsIn));
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
    return failed(parameters::writeModel(
               *module, outputPath,
               parameters::weightsToWrite(outputPath, weightsOut)))
               ? 1
               : 0;
  };
  if (reportPath.empty())
    return writeModel();

  FailureOr<recipes::ModelReport> report = recipes::buildModelReport(
      *floatModule, *module,
      {llvm::sys::path::filename(inputPath).str(), recipe->name, weightReport,
       calibPath, entryName},
      error);
  if (failed(report))
    return fail(error);
  if (int status = writeModel())
    return status;
  if (llvm::Error e =
          runtime::writeFileAtomically(reportPath, [&](llvm::raw_ostream &os) {
            recipes::printMarkdown(os, *report);
          }))
    return fail(llvm::toString(std::move(e)));
  return 0;
}
