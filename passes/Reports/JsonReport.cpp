//===- JsonReport.cpp - The report=FILE option of passes ------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Reports/JsonReport.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

std::string qf::layerName(Location loc) {
  if (auto name = loc->findInstanceOf<NameLoc>())
    return name.getName().str();
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

LogicalResult qf::writeJsonReport(StringRef path, StringRef key,
                                  llvm::json::Array entries, Location loc,
                                  StringRef pass) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec);
  if (ec)
    return emitError(loc) << pass << ": cannot write the report '" << path
                          << "': " << ec.message();
  out << llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{
                                    {key, std::move(entries)}}))
      << "\n";
  return success();
}
