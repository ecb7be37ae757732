//===- qf-opt.cpp - The QuantForge optimizer driver -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// MlirOptMain with every upstream dialect, extension and pass, plus ours.
// MLIR's own options work as in mlir-opt, pass and dialect plugins included
// (--load-pass-plugin, --load-dialect-plugin).
//
// Unlike mlir-opt, the output is written only on success, through a
// temporary file renamed into place, and never over the input: mlir-opt
// opens `-o` before it runs and deletes it on failure, which loses the input
// file when both are the same path. Input on which MLIR's parser crashes
// (an upstream bug, parameters/ReadModel.h) is refused with the parser's
// last error and exit status 1.
//
// Parameters (parameters/ParameterFile.h): an input whose constants are
// `dense_resource<NAME>` without data reads them from MODEL.safetensors
// beside it (or --weights); an output file gets its parameters, and every
// constant of 4 KiB or more, in OUT.safetensors beside it (or
// --weights-out), the IR printed without their data and with its large
// quantized types by reference (parameters/QuantParameters.h). Standard
// output, --split-input-file and --emit-bytecode get the IR whole.
// --skip-weights reads no weights file, to inspect a model's IR alone.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "lowering/Passes.h"
#include "parameters/ParameterFile.h"
#include "parameters/ReadModel.h"
#include "passes/Passes.h"
#include "pipelines/RecipePipelines.h"
#include "plugins/BuiltinBackends.h"
#include "plugins/api/Registry.h"
#include "tools/common/FatalError.h"
#include "tools/common/ReadDeadline.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#ifndef QF_VERSION
#define QF_VERSION "unknown"
#endif

using namespace mlir;

namespace {
/// Gives the parameters without data their tensors in a weights file, then
/// runs the user's pipeline. One pass around the pipeline, because a
/// --pass-pipeline replaces whatever the pass manager held before it.
struct LoadParametersThenRun
    : PassWrapper<LoadParametersThenRun, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LoadParametersThenRun)
  LoadParametersThenRun(std::string path, OpPassManager pipeline,
                        bool verifyAfterLoading)
      : path(std::move(path)), pipeline(std::move(pipeline)),
        verifyAfterLoading(verifyAfterLoading) {}
  StringRef getArgument() const override { return "qf-opt-load-parameters"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    pipeline.getDependentDialects(registry);
  }
  void runOnOperation() override {
    if (failed(qf::parameters::loadMissingParameters(getOperation(), path)) ||
        (verifyAfterLoading && failed(verify(getOperation()))) ||
        failed(runPipeline(pipeline, getOperation())))
      signalPassFailure();
  }
  std::string path;
  OpPassManager pipeline;
  /// The input has quantized type references (QFTypes.td), so it was parsed
  /// unverified: verified once they are resolved.
  bool verifyAfterLoading;
};

/// Writes the parameters (and large constants, made parameters) to a
/// weights file and prints the module, without their data and with its
/// large quantized types by reference, to `os`: MlirOptMain's own printing
/// (which cannot do the latter) goes nowhere.
struct SaveModelPass : PassWrapper<SaveModelPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SaveModelPass)
  SaveModelPass(std::string path, raw_ostream *&os)
      : path(std::move(path)), os(os) {}
  StringRef getArgument() const override { return "qf-opt-save-model"; }
  void runOnOperation() override {
    if (failed(qf::parameters::saveModel(getOperation(), path, *os)))
      signalPassFailure();
  }
  std::string path;
  raw_ostream *&os;
};
} // namespace

/// Parses each part of `input` once, in a context of its own, under crash
/// recovery (parameters/ReadModel.h). A part on which MLIR's parser crashes
/// is refused: its diagnostics are printed, then the crash at the last of
/// them, and the result is true. So is, unless --verify-diagnostics is to
/// match them, a part that does not parse: MLIR's bytecode reader fails on
/// some files without a word, which parseGuarded turns into an error.
static bool refuseUnparsable(const llvm::MemoryBuffer &input,
                             const DialectRegistry &registry,
                             const MlirOptMainConfig &config) {
  bool refused = false;
  auto parsePart = [&](std::unique_ptr<llvm::MemoryBuffer> part,
                       raw_ostream &) {
    // A context the parser crashed in is never destroyed.
    auto context = std::make_unique<MLIRContext>(
        registry, MLIRContext::Threading::DISABLED);
    context->allowUnregisteredDialects(
        config.shouldAllowUnregisteredDialects());
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(part), llvm::SMLoc());
    std::string messages;
    llvm::raw_string_ostream os(messages);
    bool partCrashed = false;
    bool parsed = false;
    {
      SourceMgrDiagnosticHandler handler(sourceMgr, context.get(), os);
      parsed =
          bool(qf::parameters::parseGuarded(*context, sourceMgr, &partCrashed));
    }
    if (partCrashed || (!parsed && !config.shouldVerifyDiagnostics())) {
      llvm::errs() << messages;
      refused = true;
    }
    if (partCrashed)
      (void)context.release();
    return success();
  };
  (void)splitAndProcessBuffer(
      llvm::MemoryBuffer::getMemBuffer(input.getMemBufferRef(),
                                       /*RequiresNullTerminator=*/true),
      parsePart, llvm::nulls(), config.inputSplitMarker());
  return refused;
}

/// True when `output` names the file `input` (also through links).
static bool isSameFile(llvm::StringRef input, llvm::StringRef output) {
  if (input == "-" || output == "-")
    return false;
  bool same = false;
  return !llvm::sys::fs::equivalent(input, output, same) && same;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::qf::tools::exitOnFatalError("qf-opt");
  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "QuantForge qf-opt " << QF_VERSION << "\n";
  });

  registerAllPasses();
  qf::registerQFPasses();
  qf::registerQFLoweringPasses();
  qf::recipes::registerRecipePipelines();
  qf::plugin::registerBuiltinBackends();

  static llvm::cl::list<std::string> pluginPaths(
      "load-backend-plugin",
      llvm::cl::desc("Load a backend plugin library (repeatable)"));
  static llvm::cl::opt<std::string> weightsIn(
      "weights",
      llvm::cl::desc("the input's weights file (default: beside the input, "
                     "with the extension .safetensors)"));
  static llvm::cl::opt<std::string> weightsOut(
      "weights-out",
      llvm::cl::desc("where to write the output's weights (default: beside "
                     "an output file, with the extension .safetensors)"));
  static llvm::cl::opt<bool> skipWeights(
      "skip-weights",
      llvm::cl::desc("read no weights file: parameters stay without data and "
                     "quantized type references unresolved (to inspect IR; "
                     "passes that read weights see no constants)"));
  static llvm::cl::opt<bool> listBackends(
      "qf-list-backends",
      llvm::cl::desc("Print the registered backends and their capabilities, "
                     "then exit"));

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  qf::plugin::registerBuiltinBackendDependencies(registry);
  qf::registerQFDialect(registry);

  auto [inputFilename, outputFilename] = registerAndParseCLIOptions(
      argc, argv, "QuantForge optimizer driver\n", registry);
  for (const std::string &path : pluginPaths)
    if (llvm::Error error = qf::plugin::BackendRegistry::global().load(path)) {
      llvm::errs() << "qf-opt: " << llvm::toString(std::move(error)) << "\n";
      return 1;
    }
  if (listBackends) {
    qf::plugin::BackendRegistry::global().print(llvm::outs());
    return 0;
  }
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return asMainReturnCode(
        MlirOptMain(argc, argv, inputFilename, outputFilename, registry));

  if (isSameFile(inputFilename, outputFilename)) {
    llvm::errs() << "qf-opt: refusing to write the output over the input '"
                 << inputFilename << "'\n";
    return 1;
  }
  std::string readWeights =
      qf::parameters::weightsToRead(inputFilename, weightsIn);
  bool loadWeights = !skipWeights;
  // Split inputs and bytecode keep everything in the output (bytecode
  // stores resource blobs natively).
  std::string writeWeights =
      loadWeights && config.inputSplitMarker().empty() &&
              !config.shouldEmitBytecode()
          ? qf::parameters::weightsToWrite(outputFilename, weightsOut)
          : "";
  if (!writeWeights.empty() && isSameFile(readWeights, writeWeights)) {
    llvm::errs() << "qf-opt: refusing to write the weights over the input's '"
                 << readWeights << "'\n";
    return 1;
  }
  MlirOptMainConfig pipeline = config;
  bool hasQuantReferences = false; // set from the input below
  raw_ostream *modelOutput = nullptr;
  config.setPassPipelineSetupFn([&](PassManager &pm) -> LogicalResult {
    if (failed(pipeline.setupPassPipeline(pm)))
      return failure();
    if (loadWeights) {
      OpPassManager user = pm;
      pm.clear();
      pm.addPass(std::make_unique<LoadParametersThenRun>(readWeights, user,
                                                         hasQuantReferences));
    }
    if (!writeWeights.empty())
      pm.addPass(std::make_unique<SaveModelPass>(writeWeights, modelOutput));
    return success();
  });

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &errorMessage);
  if (!input) {
    llvm::errs() << "qf-opt: " << errorMessage << "\n";
    return 1;
  }
  {
    qf::tools::ReadDeadline deadline("qf-opt", inputFilename);
    if (refuseUnparsable(*input, registry, config))
      return 1;
  }
  hasQuantReferences =
      loadWeights && input->getBuffer().contains("!qf.quant_ref");
  if (hasQuantReferences)
    config.verifyOnParsing(false);

  // The pipeline prints straight into the temporary file; a failure discards
  // it and leaves any existing output untouched.
  bool pipelineFailed = false;
  llvm::Error error = llvm::writeToOutput(
      outputFilename, [&](llvm::raw_ostream &os) -> llvm::Error {
        modelOutput = &os;
        if (succeeded(MlirOptMain(writeWeights.empty() ? os : llvm::nulls(),
                                  std::move(input), registry, config)))
          return llvm::Error::success();
        pipelineFailed = true;
        return llvm::createStringError("pipeline failed");
      });
  if (!error)
    return 0;
  if (pipelineFailed)
    llvm::consumeError(std::move(error));
  else
    llvm::errs() << "qf-opt: cannot write '" << outputFilename
                 << "': " << llvm::toString(std::move(error)) << "\n";
  return 1;
}
