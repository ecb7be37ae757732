//===- MlirFuzzer.cpp - Fuzz parsing and verifying qf IR
//-------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as MLIR text, with the qf dialect and the upstream dialects its
// IR is written with (linalg excepted, see below):
// the parser and the verifiers either report an error, or the module prints
// and parses again to the same text, and its bytecode reads back to the
// same text too.
//
// Hostile bytecode is not fed to the reader: MLIR 22's bytecode reader is
// not hardened (a count of 9e18 entries ends in report_fatal_error within
// seconds of fuzzing), and it is upstream code. The tools turn such fatal
// errors into an error exit (tools/common/FatalError.h); bytecode is
// fuzzed here through the writer and reader of every module that verifies.
//
// linalg is left out for the same reason: MLIR 22's linalg.broadcast parser
// dereferences a null attribute on `dimensions =+ [0]` (found in minutes;
// test/tools/qf-opt/Inputs/upstream-linalg-broadcast-crash.mlir).
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"
#include "FuzzContext.h"

#include "dialects/QF/QFDialect.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;

static std::string print(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  return text;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    r->insert<arith::ArithDialect, func::FuncDialect, math::MathDialect,
              quant::QuantDialect, tensor::TensorDialect>();
    qf::registerQFDialect(*r);
    return r;
  }();
  // The lexer relies on a NUL after the text, as files read by the tools
  // (MemoryBuffer) and std::string have; libFuzzer's bytes do not.
  std::string source(reinterpret_cast<const char *>(data), size);
  if (llvm::StringRef(source).starts_with("ML\xefR"))
    return -1; // bytecode: see above; -1 keeps it out of the corpus
  qf::fuzz::FuzzContext fuzz(*registry);
  ParserConfig config(&fuzz.context);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, config);
  if (!module) {
    QF_FUZZ_CHECK(fuzz.reportedError, "parsing failed without an error");
    return 0;
  }
  if (failed(verify(*module))) {
    QF_FUZZ_CHECK(fuzz.reportedError, "verification failed without an error");
    return 0;
  }
  std::string text = print(*module);
  OwningOpRef<ModuleOp> reparsed = parseSourceString<ModuleOp>(text, config);
  QF_FUZZ_CHECK(reparsed && succeeded(verify(*reparsed)),
                "printed IR does not parse again");
  QF_FUZZ_CHECK(print(*reparsed) == text, "printed IR changes on re-parsing");

  std::string bytecode;
  llvm::raw_string_ostream os(bytecode);
  QF_FUZZ_CHECK(succeeded(writeBytecodeToFile(*module, os)),
                "a verified module has no bytecode");
  OwningOpRef<ModuleOp> decoded = parseSourceString<ModuleOp>(bytecode, config);
  QF_FUZZ_CHECK(decoded && print(*decoded) == text,
                "bytecode does not read back to the same IR");
  return 0;
}
