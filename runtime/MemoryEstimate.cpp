//===- MemoryEstimate.cpp - What running an entry needs in memory ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/MemoryEstimate.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <unistd.h>

using namespace mlir;
using namespace mlir::qf;

/// Bytes of one element: quantized types by their storage.
static uint64_t elementBytes(Type type) {
  if (auto quantized = dyn_cast<quant::QuantizedType>(type))
    type = quantized.getStorageType();
  if (type.isIntOrFloat())
    return (type.getIntOrFloatBitWidth() + 7) / 8;
  return 8; // index, and anything else a pointer wide
}

/// Bytes of a tensor of `type` with `shape`, dynamic dimensions as 1.
static uint64_t tensorBytes(RankedTensorType type, ArrayRef<int64_t> shape) {
  // Saturating: a claim beyond 2^64 bytes is as refused as any too large.
  uint64_t bytes = elementBytes(type.getElementType());
  for (int64_t dim : shape) {
    uint64_t size = ShapedType::isDynamic(dim) ? 1 : uint64_t(dim);
    if (size && bytes > UINT64_MAX / size)
      return UINT64_MAX;
    bytes *= size;
  }
  return bytes;
}

static uint64_t add(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t valueBytes(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type ? tensorBytes(type, type.getShape()) : 0;
}

runtime::MemoryEstimate runtime::estimateMemory(
    func::FuncOp entry,
    ArrayRef<llvm::SmallVector<int64_t, 4>> argumentShapes) {
  MemoryEstimate estimate;
  Operation *module = entry->getParentOp() ? entry->getParentOp() : entry;
  module->walk([&](Operation *op) {
    for (NamedAttribute attr : op->getAttrs()) {
      auto elements = dyn_cast<ElementsAttr>(attr.getValue());
      auto type = elements ? dyn_cast<RankedTensorType>(elements.getType())
                           : RankedTensorType();
      if (!type)
        continue;
      uint64_t bytes = tensorBytes(type, type.getShape());
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements))
        if (const AsmResourceBlob *blob = resource.getRawHandle().getBlob())
          bytes = blob->getData().size();
      estimate.weightBytes = add(estimate.weightBytes, bytes);
    }
  });
  if (entry.isExternal())
    return estimate;

  // Each top-level op's position, and where each tensor is last used.
  Block &body = entry.getBody().front();
  llvm::DenseMap<Operation *, unsigned> position;
  for (auto [i, op] : llvm::enumerate(body))
    position[&op] = i;
  auto lastUse = [&](Value value, unsigned defined) {
    unsigned last = defined;
    for (Operation *user : value.getUsers())
      if (Operation *top = body.findAncestorOpInBlock(*user))
        last = std::max(last, position[top]);
    return last;
  };
  // The bytes that become alive at each position, and that die after it.
  std::vector<uint64_t> born(body.getOperations().size() + 1),
      dies(body.getOperations().size() + 1);
  auto track = [&](uint64_t bytes, unsigned from, unsigned to) {
    born[from] = add(born[from], bytes);
    dies[to] = add(dies[to], bytes);
  };
  for (BlockArgument argument : body.getArguments()) {
    uint64_t bytes = valueBytes(argument);
    if (argument.getArgNumber() < argumentShapes.size())
      if (auto type = dyn_cast<RankedTensorType>(argument.getType()))
        bytes = tensorBytes(type, argumentShapes[argument.getArgNumber()]);
    track(bytes, 0, lastUse(argument, 0));
  }
  for (Operation &op : body)
    for (Value result : op.getResults())
      if (!op.hasTrait<OpTrait::ConstantLike>()) // its memory is a weight
        track(valueBytes(result), position[&op],
              lastUse(result, position[&op]));
  uint64_t alive = 0;
  for (size_t i = 0; i < born.size(); ++i) {
    alive = add(alive, born[i]);
    estimate.activationBytes = std::max(estimate.activationBytes, alive);
    alive -= std::min(alive, dies[i]);
  }
  return estimate;
}

uint64_t runtime::availableMemory() {
  if (auto meminfo = llvm::MemoryBuffer::getFileAsStream("/proc/meminfo")) {
    for (StringRef line :
         llvm::split((*meminfo)->getBuffer(), '\n')) { // "MemAvailable: N kB"
      if (!line.consume_front("MemAvailable:"))
        continue;
      uint64_t kib = 0;
      if (!line.trim().split(' ').first.getAsInteger(10, kib))
        return kib * 1024;
    }
  }
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  return pages > 0 && pageSize > 0 ? uint64_t(pages) * uint64_t(pageSize)
                                   : UINT64_MAX;
}

llvm::Expected<uint64_t> runtime::parseByteSize(StringRef text) {
  StringRef number = text.trim();
  double scale = 1;
  StringRef rest =
      number.drop_while([](char c) { return llvm::isDigit(c) || c == '.'; });
  number = number.drop_back(rest.size());
  StringRef unit = rest.trim();
  unit.consume_back("iB") || unit.consume_back("B");
  if (unit.size() == 1) {
    size_t power = StringRef("KMGT").find(llvm::toUpper(unit[0]));
    if (power == StringRef::npos)
      unit = "?";
    else
      scale = double(uint64_t(1) << (10 * (power + 1)));
  }
  double value = 0;
  if (number.empty() || number.getAsDouble(value) || unit.size() > 1 ||
      unit == "?" || value * scale < 1 || value * scale >= 1.8e19)
    return llvm::createStringError(
        "'" + text + "' is not a memory size (as 512M, 8G, 1.5GiB or bytes)");
  return uint64_t(value * scale);
}

std::string runtime::formatBytes(uint64_t bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = double(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  return unit ? llvm::formatv("{0:f1} {1}", value, units[unit]).str()
              : llvm::formatv("{0} B", bytes).str();
}

llvm::Error runtime::checkMemory(const MemoryEstimate &estimate, uint64_t limit,
                                 StringRef entry, StringRef limitSource) {
  if (estimate.total() <= limit)
    return llvm::Error::success();
  return llvm::createStringError(llvm::formatv(
      "running @{0} needs at least {1} (weights {2}, activations {3} at "
      "their peak), more than the {4} {5}",
      entry, formatBytes(estimate.total()), formatBytes(estimate.weightBytes),
      formatBytes(estimate.activationBytes), formatBytes(limit), limitSource));
}
