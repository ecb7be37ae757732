//===- ReadModel.cpp - A model file read, verified and given its weights -===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "parameters/ReadModel.h"
#include "parameters/ParameterFile.h"
#include "parameters/QuantParameters.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::qf;

/// The start of `sourceMgr`'s file, where errors about all of it go.
static Location fileStart(MLIRContext &context, llvm::SourceMgr &sourceMgr) {
  return FileLineColLoc::get(
      &context,
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())
          ->getBufferIdentifier(),
      1, 1);
}

/// Runs `step` under crash recovery. On a crash, an error at the last
/// location reported meanwhile (else at the start of `sourceMgr`'s file)
/// saying which `stage` crashed, and false. `reportedError`, when given,
/// tells whether `step` reported an error.
static bool runGuarded(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                       StringRef stage, llvm::function_ref<void()> step,
                       bool *reportedError = nullptr) {
  Location last = fileStart(context, sourceMgr);
  bool sawError = false;
  {
    ScopedDiagnosticHandler lastLocation(&context, [&](Diagnostic &d) {
      last = d.getLocation();
      sawError |= d.getSeverity() == DiagnosticSeverity::Error;
      return failure(); // on to the caller's handler
    });
    llvm::CrashRecoveryContext recovery;
    bool completed = recovery.RunSafely(step);
    if (reportedError)
      *reportedError = sawError;
    if (completed)
      return true;
  }
  emitError(last) << "MLIR's " << stage
                  << " crashed on this input (an upstream bug reached by "
                     "malformed IR); the model is refused";
  return false;
}

OwningOpRef<ModuleOp> parameters::parseGuarded(MLIRContext &context,
                                               llvm::SourceMgr &sourceMgr,
                                               bool *crashed) {
  OwningOpRef<ModuleOp> module;
  bool reportedError = false;
  bool completed = runGuarded(
      context, sourceMgr, "parser",
      [&] {
        module = parseSourceFile<ModuleOp>(
            sourceMgr, ParserConfig(&context, /*verifyAfterParse=*/false));
      },
      &reportedError);
  if (crashed)
    *crashed = !completed;
  // MLIR 22's bytecode reader reports some errors and still returns the
  // module, with the offending attribute null (an arith.constant without a
  // value, which verifies and prints as IR that does not parse): an error
  // is a failed read. It fails on other files without a word. (Both found
  // by the mlir-bytecode fuzz target.)
  if (completed && module && reportedError)
    module = nullptr;
  if (completed && !module && !reportedError)
    emitError(fileStart(context, sourceMgr))
        << "cannot read this file as MLIR, and MLIR's reader gave no reason "
           "(malformed bytecode?)";
  if (completed)
    return module;
  // Whatever the parser had built is in an unknown state: never touched.
  (void)module.release();
  return nullptr;
}

OwningOpRef<ModuleOp> parameters::readModel(MLIRContext &context,
                                            llvm::SourceMgr &sourceMgr,
                                            StringRef weightsPath,
                                            bool *crashed) {
  bool parserCrashed = false;
  if (!crashed)
    crashed = &parserCrashed;
  OwningOpRef<ModuleOp> module = parseGuarded(context, sourceMgr, crashed);
  if (!module)
    return nullptr;
  // Verified before anything reads it, unless its quantized types wait for
  // the weights file: then right after they are resolved.
  bool resolveFirst = hasQuantReferences(*module);
  bool valid = false;
  *crashed = !runGuarded(context, sourceMgr, "verifier", [&] {
    valid = resolveFirst || succeeded(verify(*module));
  });
  if (*crashed)
    (void)module.release(); // never touched again
  if (!valid)
    return nullptr;
  if (failed(loadMissingParameters(*module, weightsPath)))
    return nullptr;
  if (resolveFirst && failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> parameters::readModelFile(MLIRContext &context,
                                                llvm::SourceMgr &sourceMgr,
                                                StringRef path,
                                                StringRef weightsPath,
                                                bool *crashed) {
  if (crashed)
    *crashed = false;
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &message);
  if (!file) {
    emitError(UnknownLoc::get(&context)) << message;
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return readModel(context, sourceMgr, weightsPath, crashed);
}
