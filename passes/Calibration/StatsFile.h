//===- StatsFile.h - Export and import calibration statistics ---*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The `stats` dictionaries of a module's qf.observe ops, written to a
// safetensors file (every tensor entry, as "obs<ID>.<key>") and a JSON index
// beside it (FILE.json) that lists each observer's entries with their kind:
//
//   {"format": "quantforge-calibration-stats", "version": 1,
//    "observers": [{"id": 0, "entries": {
//        "method": {"string": "minmax"}, "samples": {"i64": 16},
//        "min": {"f32": -1.5}, "in_abs_max": {"tensor": "obs0.in_abs_max"},
//        "hessian": {"tensor": "obs0.hessian", "resource": true}}}]}
//
// The mapping is generic over f32, i64, string, dense and dense_resource f32
// attributes, so export then import reproduces the dictionaries exactly.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_CALIBRATION_STATSFILE_H
#define QF_PASSES_CALIBRATION_STATSFILE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"

#include <map>

namespace mlir::qf::calibration {

/// Statistics by observer id.
using StatsById = std::map<int64_t, DictionaryAttr>;

/// The resource blob name of a large statistic: "qf_<key>_<id>".
std::string resourceName(llvm::StringRef key, int64_t id);

llvm::Error exportStats(llvm::StringRef path, const StatsById &stats);
llvm::Expected<StatsById> importStats(llvm::StringRef path,
                                      MLIRContext *context);

} // namespace mlir::qf::calibration

#endif // QF_PASSES_CALIBRATION_STATSFILE_H
