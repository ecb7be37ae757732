//===- ReadModel.h - A model file read, verified and given its weights ---===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// How every tool (and an embedding host) reads a model: the IR (text or
// bytecode) is parsed and verified before anything reads it; its parameters
// and quantized type references then come from the weights file, and the
// whole is verified again. Invalid IR is an error at its location.
//
// MLIR 22's parsers have crashing bugs on malformed text (linalg.broadcast's
// `dimensions =+ [0]` dereferences a null attribute) and its bytecode
// reader aborts on hostile counts. Parsing and the first verification run
// under an llvm::CrashRecoveryContext: where a process has enabled crash
// recovery (CrashRecoveryContext::Enable(), as the tools do), such a crash
// is an error at the last location the parser reported, and the read
// fails. The context may then hold half-built state: report, and exit.
// The bytecode reader also fails on some files without a word; that is an
// error at the file. (It loops on others: tools/common/ReadDeadline.h.)
//
//===----------------------------------------------------------------------===//

#ifndef QF_PARAMETERS_READMODEL_H
#define QF_PARAMETERS_READMODEL_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::qf::parameters {

/// Parses and verifies the model in `sourceMgr`'s main buffer, then loads
/// its missing parameters and quantized type references from `weightsPath`
/// (see loadMissingParameters). Null, after an error at a location, when
/// any step fails. A model with !qf.quant_ref types is verified once, after
/// they are resolved: before that, its quantized ops cannot verify.
/// `crashed`, when given, tells whether the parser or the verifier crashed:
/// then `context` must not be used again.
OwningOpRef<ModuleOp> readModel(MLIRContext &context,
                                llvm::SourceMgr &sourceMgr,
                                StringRef weightsPath, bool *crashed = nullptr);

/// readModel of the file `path` ("-": standard input); an unreadable file is
/// an error naming it.
OwningOpRef<ModuleOp> readModelFile(MLIRContext &context,
                                    llvm::SourceMgr &sourceMgr, StringRef path,
                                    StringRef weightsPath,
                                    bool *crashed = nullptr);

/// Parses `sourceMgr`'s main buffer without verifying it, under crash
/// recovery (see above). Null after an error; `crashed`, when given, tells
/// whether that error is a crash of the parser.
OwningOpRef<ModuleOp> parseGuarded(MLIRContext &context,
                                   llvm::SourceMgr &sourceMgr,
                                   bool *crashed = nullptr);

} // namespace mlir::qf::parameters

#endif // QF_PARAMETERS_READMODEL_H
