//===- Bindings.cpp - Match named host tensors to entry arguments ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/Bindings.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir::qf::runtime;
using llvm::StringRef;

static std::string listArguments(const Signature &sig) {
  std::vector<std::string> args;
  for (auto [i, port] : llvm::enumerate(sig.inputs))
    args.push_back(port.describe(i));
  return args.empty() ? "none" : llvm::join(args, ", ");
}

llvm::Expected<unsigned>
mlir::qf::runtime::resolveArgument(const Signature &sig, StringRef key) {
  for (auto [i, port] : llvm::enumerate(sig.inputs))
    if (!port.name.empty() && port.name == key)
      return i;
  StringRef digits = key;
  digits.consume_front("arr_");
  unsigned index;
  if (!digits.getAsInteger(10, index) && index < sig.inputs.size())
    return index;
  return llvm::createStringError(
      llvm::formatv("@{0} has no argument '{1}'; its arguments: {2}", sig.entry,
                    key, listArguments(sig)));
}

llvm::Expected<std::vector<const HostTensor *>>
mlir::qf::runtime::bindInputs(const Signature &sig,
                              llvm::ArrayRef<SourcedTensor> tensors) {
  std::vector<const HostTensor *> bound(sig.inputs.size(), nullptr);
  std::vector<std::string> origins(sig.inputs.size());
  for (const SourcedTensor &given : tensors) {
    llvm::Expected<unsigned> index = resolveArgument(sig, given.key);
    if (!index)
      return llvm::createStringError(llvm::formatv(
          "{0}: {1}", given.origin, llvm::toString(index.takeError())));
    const TensorPort &port = sig.inputs[*index];
    if (bound[*index])
      return llvm::createStringError(
          llvm::formatv("input {0} is given twice: by {1} and by {2}",
                        port.describe(*index), origins[*index], given.origin));
    if (!port.accepts(*given.tensor))
      return llvm::createStringError(llvm::formatv(
          "input {0} cannot take {1} from {2}", port.describe(*index),
          given.tensor->describe(), given.origin));
    bound[*index] = given.tensor;
    origins[*index] = given.origin;
  }
  for (auto [i, tensor] : llvm::enumerate(bound))
    if (!tensor)
      return llvm::createStringError(llvm::formatv(
          "missing input {0} of @{1}", sig.inputs[i].describe(i), sig.entry));
  return bound;
}

std::string mlir::qf::runtime::outputKey(const Signature &sig, unsigned index) {
  const std::string &name = sig.outputs[index].name;
  return name.empty() ? "out" + std::to_string(index) : name;
}
