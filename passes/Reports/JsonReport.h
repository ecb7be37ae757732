//===- JsonReport.h - The report=FILE option of passes ----------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Passes that explain what they did (quant-quantize, quant-smoothquant)
// write one JSON object, {KEY: [entries]}, to their report=FILE, and name
// ops by their location: the NameLoc an imported model's node gives, else
// the printed location.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_REPORTS_JSONREPORT_H
#define QF_PASSES_REPORTS_JSONREPORT_H

#include "mlir/IR/Location.h"

#include "llvm/Support/JSON.h"

#include <string>

namespace mlir::qf {

/// The innermost NameLoc's name, or the printed location.
std::string layerName(Location loc);

/// Writes {key: entries} to `path`; on failure reports at `loc`, naming
/// `pass`.
LogicalResult writeJsonReport(llvm::StringRef path, llvm::StringRef key,
                              llvm::json::Array entries, Location loc,
                              llvm::StringRef pass);

} // namespace mlir::qf

#endif // QF_PASSES_REPORTS_JSONREPORT_H
