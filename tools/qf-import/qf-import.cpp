//===- qf-import.cpp - ONNX to MLIR ---------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-import MODEL.onnx -o OUT.mlir [--input-shape NAME=D0,D1,...]...
//             [--weights-out OUT.safetensors]
//
// Constants of 4 KiB or more go to OUT.safetensors beside OUT.mlir (or
// --weights-out) and the IR refers to them by name; on standard output the
// IR holds everything.
//
// Errors name the file and the node; the exit status is 1 and nothing is
// written. The output never replaces the input.
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/Importer.h"
#include "parameters/ParameterFile.h"
#include "runtime/IO/FileUtilities.h"
#include "tools/common/FatalError.h"
#include "tools/common/HelpOptions.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

/// --help lists these first (tools/common/HelpOptions.h).
static cl::OptionCategory toolOptions("Command-line options of qf-import");

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx>"),
                                      cl::cat(toolOptions));
static cl::opt<std::string> outputPath("o", cl::init("-"),
                                       cl::desc("output .mlir (- for stdout)"),
                                       cl::cat(toolOptions));
static cl::opt<std::string>
    weightsOut("weights-out",
               cl::desc("where to write the weights (default: beside the "
                        "output, with the extension .safetensors)"),
               cl::cat(toolOptions));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("NAME=D0,D1,...: the shape of a graph input "
                         "(repeatable)"),
                cl::cat(toolOptions));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "qf-import: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::qf::tools::exitOnFatalError("qf-import");
  mlir::qf::tools::hideLibraryOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv, "QuantForge ONNX importer\n");

  qf::onnx_import::ImportOptions options;
  std::string error;
  for (const std::string &spec : inputShapes)
    if (failed(qf::onnx_import::addInputShape(spec, options, error)))
      return fail(error);
  if (outputPath != "-") {
    llvm::sys::fs::UniqueID in, out;
    if (!llvm::sys::fs::getUniqueID(inputPath, in) &&
        !llvm::sys::fs::getUniqueID(outputPath, out) && in == out)
      return fail("the output '" + outputPath + "' is the input");
  }

  DialectRegistry registry;
  qf::onnx_import::registerOnnxImportDialects(registry);
  MLIRContext ctx(registry);
  // Errors name the op and its location, without a dump of the IR.
  ctx.printOpOnDiagnostic(false);
  // "FILE: error: message", the message naming the node.
  ScopedDiagnosticHandler handler(&ctx, [](Diagnostic &diag) {
    llvm::errs() << "qf-import: ";
    if (auto file = diag.getLocation()->findInstanceOf<FileLineColLoc>())
      llvm::errs() << file.getFilename().getValue() << ": ";
    llvm::errs() << (diag.getSeverity() == DiagnosticSeverity::Error ? "error: "
                                                                     : "note: ")
                 << diag << "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module =
      qf::onnx_import::importOnnxFile(inputPath, &ctx, options);
  if (!module)
    return 1;
  // Each file written whole (temporary + rename), or not at all.
  return failed(qf::parameters::writeModel(
             *module, outputPath,
             qf::parameters::weightsToWrite(outputPath, weightsOut)))
             ? 1
             : 0;
}
