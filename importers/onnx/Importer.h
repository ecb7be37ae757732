//===- Importer.h - ONNX models to MLIR -------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// An ONNX model (opsets 9 to 17) becomes one function on tensors: linalg,
// tensor, arith and math ops, weights as constants, the graph's input and
// output names kept as `qf.name` attributes, and ONNX's quantized operators
// as qf ops. Problems are diagnostics located at the node (its name, type
// and the opset); the importer never aborts on bad input.
//
//===----------------------------------------------------------------------===//

#ifndef QF_IMPORTERS_ONNX_IMPORTER_H
#define QF_IMPORTERS_ONNX_IMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::qf::onnx_import {

struct ImportOptions {
  /// Shapes for graph inputs by name; they bind the inputs' dynamic (and
  /// must agree with their static) dimensions.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// The name of the function the graph becomes.
  std::string functionName = "main";
  /// Where the files of external data (initializers stored outside the
  /// protobuf) are: importOnnxFile uses the model's directory when empty.
  std::string externalDataDir;
  /// External data files by location, read instead of files (tests and
  /// fuzzers).
  std::map<std::string, std::string> externalDataFiles;
};

/// Adds one `NAME=D0,D1,...` binding (the tools' --input-shape) to
/// `options`; on failure `error` says what is wrong with `spec`.
LogicalResult addInputShape(llvm::StringRef spec, ImportOptions &options,
                            std::string &error);

/// Reads and imports an ONNX file. Returns null after reporting errors
/// through the context's diagnostic handler.
OwningOpRef<ModuleOp> importOnnxFile(llvm::StringRef path, MLIRContext *ctx,
                                     const ImportOptions &options);

/// Imports a serialized ModelProto; `sourceName` names it in diagnostics.
OwningOpRef<ModuleOp> importOnnxBytes(llvm::StringRef bytes,
                                      llvm::StringRef sourceName,
                                      MLIRContext *ctx,
                                      const ImportOptions &options);

/// The dialects imported modules use.
void registerOnnxImportDialects(DialectRegistry &registry);

} // namespace mlir::qf::onnx_import

#endif // QF_IMPORTERS_ONNX_IMPORTER_H
