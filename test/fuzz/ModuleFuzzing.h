//===- ModuleFuzzing.h - Reading and checking a model, in a fuzzer -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// What the `mlir` (text) and `mlir-bytecode` targets do with their input.
// It is read as the tools read a model (parameters/ReadModel.h: parsing
// under crash recovery, then the verifier), with the qf dialect and the
// upstream dialects its IR is written with, linalg included. Either it is
// refused with an error, or:
// - the module prints and parses again to the same text, and its bytecode
//   reads back to the same text too;
// - the passes a model meets first (batch-norm folding, quant-quantize,
//   raising quant casts, Q/DQ fusion, qf to linalg) either fail with an
//   error or leave a module that verifies.
//
// MLIR 22's parsers crash on some input (linalg.broadcast's on
// `dimensions =+ [0]`, test/tools/Inputs/upstream-linalg-broadcast-crash
// .mlir), and its bytecode reader aborts on hostile counts. The tools
// recover from both and refuse the input; so does this code. A context the
// parser crashed in holds half-built state, so it is never destroyed, and
// what the parser had allocated is out of LeakSanitizer's sight: reading
// runs with leak tracking off, the round trips and the passes with it on.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TEST_FUZZ_MODULEFUZZING_H
#define QF_TEST_FUZZ_MODULEFUZZING_H

#include "FuzzCheck.h"
#include "FuzzContext.h"

#include "dialects/QF/QFDialect.h"
#include "lowering/Passes.h"
#include "parameters/ReadModel.h"
#include "passes/Passes.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define QF_FUZZ_HAS_LSAN 1
#endif
#endif

namespace mlir::qf::fuzz {

/// The dialects; on first use, also the passes and the tools' crash
/// recovery (tools/common/FatalError.h).
inline const DialectRegistry &moduleRegistry() {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    r->insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
              math::MathDialect, quant::QuantDialect, tensor::TensorDialect>();
    registerQFDialect(*r);
    registerQFPasses();
    registerQFLoweringPasses();
    llvm::CrashRecoveryContext::Enable();
    return r;
  }();
  return *registry;
}

inline std::string print(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  return text;
}

/// The checks on a module that was read: round trips, then the passes.
inline void checkModule(FuzzContext &fuzz, ModuleOp module) {
  ParserConfig config(&fuzz.context);
  std::string text = print(module);
  OwningOpRef<ModuleOp> reparsed = parseSourceString<ModuleOp>(text, config);
  QF_FUZZ_CHECK(reparsed && succeeded(verify(*reparsed)),
                "printed IR does not parse again");
  QF_FUZZ_CHECK(print(*reparsed) == text, "printed IR changes on re-parsing");

  std::string bytecode;
  llvm::raw_string_ostream os(bytecode);
  QF_FUZZ_CHECK(succeeded(writeBytecodeToFile(module, os)),
                "a verified module has no bytecode");
  OwningOpRef<ModuleOp> decoded = parseSourceString<ModuleOp>(bytecode, config);
  QF_FUZZ_CHECK(decoded && print(*decoded) == text,
                "bytecode does not read back to the same IR");

  PassManager pm(&fuzz.context);
  QF_FUZZ_CHECK(succeeded(parsePassPipeline(
                    "builtin.module(qf-fold-batchnorm,quant-quantize,"
                    "qf-raise-quant-casts,qf-fuse-qdq,convert-qf-to-linalg)",
                    pm)),
                "the pipeline does not parse");
  bool errorsBefore = fuzz.reportedError;
  if (failed(pm.run(module)))
    QF_FUZZ_CHECK(fuzz.reportedError && !errorsBefore,
                  "a pass failed without an error");
}

/// Reads `data` (text or bytecode) as a tool would, without a weights file,
/// and checks what it reads.
inline void fuzzModule(const uint8_t *data, size_t size) {
  const DialectRegistry &registry = moduleRegistry();
  auto fuzz = std::make_unique<FuzzContext>(registry);
  // The lexer relies on a NUL after the text, as files read by the tools
  // (MemoryBuffer) have; libFuzzer's bytes do not.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "input"),
      llvm::SMLoc());
  bool crashed = false;
#ifdef QF_FUZZ_HAS_LSAN
  __lsan_disable();
#endif
  OwningOpRef<ModuleOp> module =
      parameters::readModel(fuzz->context, sourceMgr, "", &crashed);
#ifdef QF_FUZZ_HAS_LSAN
  __lsan_enable();
#endif
  QF_FUZZ_CHECK(module || fuzz->reportedError,
                "reading failed without an error");
  if (crashed) {
    (void)fuzz.release();
    return;
  }
  if (module)
    checkModule(*fuzz, *module);
}

} // namespace mlir::qf::fuzz

#endif // QF_TEST_FUZZ_MODULEFUZZING_H
