//===- ParameterFile.cpp - Weights in a safetensors file beside the IR ----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "parameters/ParameterFile.h"
#include "parameters/QuantParameters.h"
#include "runtime/Executor.h"
#include "runtime/IO/FileUtilities.h"
#include "runtime/IO/SafeTensors.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <deque>

using namespace mlir;
using namespace mlir::qf;
using runtime::DType;

std::string parameters::weightsPathFor(StringRef irPath) {
  SmallString<256> path(irPath);
  llvm::sys::path::replace_extension(path, "safetensors");
  return std::string(path);
}

/// "f32[64x128]".
static std::string describe(std::optional<DType> dtype,
                            ArrayRef<int64_t> shape) {
  std::string text = dtype ? runtime::dtypeName(*dtype).str() : "?";
  text += "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "x" : "") + std::to_string(shape[i]);
  return text + "]";
}

/// Every parameter of `root` with the first op that uses it, in walk order.
static llvm::MapVector<DenseResourceElementsAttr, Operation *>
collectParameters(Operation *root) {
  llvm::MapVector<DenseResourceElementsAttr, Operation *> found;
  root->walk([&](Operation *op) {
    op->getAttrDictionary().walk(
        [&](DenseResourceElementsAttr attr) { found.insert({attr, op}); });
  });
  return found;
}

/// True when some parameter of `root` has no data yet.
static bool hasUnloadedParameters(Operation *root) {
  for (const auto &entry : collectParameters(root))
    if (!entry.first.getRawHandle().getBlob())
      return true;
  return false;
}

LogicalResult parameters::loadParameters(Operation *root, StringRef path) {
  auto params = collectParameters(root);
  std::optional<runtime::MappedSafeTensors> file;
  auto map = [&]() -> llvm::Error {
    if (file)
      return llvm::Error::success();
    llvm::Expected<runtime::MappedSafeTensors> mapped =
        runtime::mapSafeTensors(path);
    if (!mapped)
      return mapped.takeError();
    file = std::move(*mapped);
    return llvm::Error::success();
  };
  for (auto [attr, user] : params) {
    DenseResourceElementsHandle handle = attr.getRawHandle();
    if (handle.getBlob())
      continue;
    ShapedType type = attr.getType();
    std::optional<DType> dtype = runtime::getDType(type.getElementType());
    std::string expected = describe(dtype, type.getShape());
    auto fail = [&, user = user]() {
      return user->emitError()
             << "parameter '" << handle.getKey() << "' (" << expected << "): ";
    };
    if (!dtype)
      return fail() << "its element type " << type.getElementType()
                    << " cannot be stored in a weights file";
    if (llvm::Error error = map())
      return fail() << "cannot read the weights file: "
                    << llvm::toString(std::move(error));
    const runtime::TensorView *tensor = file->lookup(handle.getKey());
    if (!tensor)
      return fail() << "no tensor of this name in '" << path << "'";
    if (tensor->dtype != *dtype || ArrayRef(tensor->shape) != type.getShape())
      return fail() << "'" << path << "' holds "
                    << describe(tensor->dtype, tensor->shape);
    size_t align = runtime::dtypeSize(*dtype);
    ArrayRef<char> bytes = tensor->bytes;
    if (reinterpret_cast<uintptr_t>(bytes.data()) % align) {
      // Misaligned data (files written by others) is copied.
      handle.getResource()->setBlob(
          HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align));
      continue;
    }
    // The blob keeps the mapping alive for as long as the context holds it.
    std::shared_ptr<llvm::MemoryBuffer> mapping = file->mapping;
    handle.getResource()->setBlob(AsmResourceBlob(
        bytes, align,
        [mapping](void *, size_t, size_t) mutable { mapping.reset(); },
        /*dataIsMutable=*/false));
  }
  if (!hasQuantReferences(root))
    return success();
  if (llvm::Error error = map())
    return root->emitError() << "cannot read the weights file: "
                             << llvm::toString(std::move(error));
  return resolveQuantReferences(root, *file, path);
}

/// A name for a parameter made from the constant `op`: the innermost name
/// of its location, or "param".
static std::string nameFor(Operation *op) {
  std::string name;
  op->getLoc()->walk([&](Location loc) {
    if (auto named = dyn_cast<NameLoc>(loc); named && name.empty())
      name = named.getName().str();
    return WalkResult::advance();
  });
  return name.empty() ? "param" : name;
}

/// Replaces each inline constant of at least `minBytes` that a weights file
/// can store with a parameter viewing the constant's own storage.
static void externalize(Operation *root, uint64_t minBytes) {
  llvm::StringSet<> used;
  for (auto &entry : collectParameters(root))
    used.insert(entry.first.getRawHandle().getKey());
  root->walk([&](Operation *op) {
    if (!op->hasTrait<OpTrait::ConstantLike>())
      return;
    auto dense = dyn_cast_or_null<DenseElementsAttr>(op->getAttr("value"));
    if (!dense || dense.isSplat() || dense.getElementType().isInteger(1))
      return;
    std::optional<DType> dtype = runtime::getDType(dense.getElementType());
    ArrayRef<char> raw = dense.getRawData();
    if (!dtype || raw.size() < minBytes ||
        raw.size() != runtime::dtypeSize(*dtype) * dense.getNumElements())
      return;
    std::string base = nameFor(op), name = base;
    for (int i = 1; used.contains(name); ++i)
      name = base + "." + std::to_string(i);
    // The context keeps `dense` (and so `raw`) alive as long as the blob.
    auto attr = DenseResourceElementsAttr::get(
        dense.getType(), name,
        UnmanagedAsmResourceBlob::allocateWithAlign(
            raw, runtime::dtypeSize(*dtype)));
    used.insert(attr.getRawHandle().getKey());
    op->setAttr("value", attr);
  });
}

LogicalResult parameters::saveModel(Operation *root, StringRef path,
                                    raw_ostream &os, uint64_t minBytes) {
  externalize(root, minBytes);
  std::vector<runtime::TensorView> tensors;
  for (auto [attr, user] : collectParameters(root)) {
    DenseResourceElementsHandle handle = attr.getRawHandle();
    ShapedType type = attr.getType();
    std::optional<DType> dtype = runtime::getDType(type.getElementType());
    const AsmResourceBlob *blob = handle.getBlob();
    if (!blob || !dtype)
      return user->emitError()
             << "parameter '" << handle.getKey() << "' ("
             << describe(dtype, type.getShape()) << ") "
             << (blob ? "cannot be stored in a weights file" : "has no data");
    tensors.push_back({handle.getKey().str(), *dtype,
                       SmallVector<int64_t, 4>(type.getShape()),
                       blob->getData()});
  }
  // The printed module refers to large quantized types' scales too.
  OwningOpRef<Operation *> printed = root->clone();
  std::deque<std::vector<char>> storage;
  referenceQuantTypes(*printed, tensors, storage);
  // Widest elements first: every tensor then starts aligned to its element
  // size, so loading can map instead of copy.
  std::vector<runtime::TensorView> ordered;
  for (size_t size : {8, 4, 2, 1})
    for (const runtime::TensorView &tensor : tensors)
      if (runtime::dtypeSize(tensor.dtype) == size)
        ordered.push_back(tensor);
  if (llvm::Error error = runtime::writeSafeTensors(path, ordered, {}))
    return root->emitError() << "cannot write the weights file: "
                             << llvm::toString(std::move(error));
  // The references do not verify: printed as they are, not generically.
  (*printed)->print(
      os, OpPrintingFlags().elideLargeResourceString(0).assumeVerified());
  os << "\n";
  return success();
}

std::string parameters::weightsToRead(StringRef irPath,
                                      StringRef explicitPath) {
  if (!explicitPath.empty())
    return explicitPath.str();
  return irPath == "-" ? "" : weightsPathFor(irPath);
}

std::string parameters::weightsToWrite(StringRef irPath,
                                       StringRef explicitPath) {
  if (!explicitPath.empty())
    return explicitPath.str();
  if (irPath == "-" || (llvm::sys::fs::exists(irPath) &&
                        !llvm::sys::fs::is_regular_file(irPath)))
    return "";
  return weightsPathFor(irPath);
}

LogicalResult parameters::loadMissingParameters(Operation *root,
                                                StringRef weightsPath) {
  // loadParameters maps the file only when something needs it.
  if (!weightsPath.empty())
    return loadParameters(root, weightsPath);
  if (hasUnloadedParameters(root) || hasQuantReferences(root))
    return root->emitError()
           << "the IR refers to parameters without data, and no weights "
              "file is given (--weights)";
  return success();
}

LogicalResult parameters::writeModel(Operation *root, StringRef irPath,
                                     StringRef weightsPath) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (weightsPath.empty()) {
    root->print(os);
    os << "\n";
  } else if (failed(saveModel(root, weightsPath, os))) {
    return failure();
  }
  if (llvm::Error error = runtime::writeFileAtomically(
          irPath, [&](llvm::raw_ostream &out) { out << text; }))
    return root->emitError() << llvm::toString(std::move(error));
  return success();
}
