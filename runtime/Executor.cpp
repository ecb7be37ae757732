//===- Executor.cpp - Signatures and the executor registry ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/Executor.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::qf::runtime;

ObserverSink::~ObserverSink() = default;
Executable::~Executable() = default;
Executor::~Executor() = default;

static std::string shapeString(DType dtype, ArrayRef<int64_t> shape) {
  std::string dims;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      dims += 'x';
    dims += ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
  }
  return (dtypeName(dtype) + "[" + dims + "]").str();
}

std::string TensorPort::describe(unsigned index) const {
  std::string where =
      llvm::formatv("#{0}, {1}", index, shapeString(dtype, shape));
  if (name.empty())
    return "(" + where + ")";
  return "'" + name + "' (" + where + ")";
}

bool TensorPort::accepts(const HostTensor &tensor) const {
  if (tensor.dtype() != dtype || tensor.rank() != (int64_t)shape.size())
    return false;
  for (auto [want, got] : llvm::zip(shape, tensor.shape()))
    if (!ShapedType::isDynamic(want) && want != got)
      return false;
  return true;
}

std::optional<DType> mlir::qf::runtime::getDType(Type type) {
  if (type.isF16())
    return DType::F16;
  if (type.isBF16())
    return DType::BF16;
  if (type.isF32())
    return DType::F32;
  if (type.isF64())
    return DType::F64;
  if (type.isInteger(1))
    return DType::Bool;
  if (type.isUnsignedInteger(8))
    return DType::U8;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer || integer.isUnsigned())
    return std::nullopt;
  switch (integer.getWidth()) {
  case 8:
    return DType::I8;
  case 16:
    return DType::I16;
  case 32:
    return DType::I32;
  case 64:
    return DType::I64;
  default:
    return std::nullopt;
  }
}

static FailureOr<TensorPort> getPort(func::FuncOp func, Type type,
                                     DictionaryAttr attrs, StringRef kind,
                                     unsigned index) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::optional<DType> dtype =
      tensor ? getDType(tensor.getElementType()) : std::nullopt;
  if (!dtype)
    return func.emitError() << kind << " #" << index << " has type " << type
                            << "; executors take ranked tensors of f16, bf16, "
                               "f32, f64, i1, i8, ui8, i16, i32 or i64";
  TensorPort port;
  port.dtype = *dtype;
  port.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("qf.name"))
      port.name = name.str();
  if (auto names = attrs ? attrs.getAs<ArrayAttr>("qf.dim_names") : nullptr) {
    if (names.size() != port.shape.size() ||
        !llvm::all_of(names, [](Attribute a) { return isa<StringAttr>(a); }))
      return func.emitError()
             << kind << " #" << index
             << ": qf.dim_names must be one string per dimension, got "
             << names;
    for (Attribute name : names)
      port.dimNames.push_back(cast<StringAttr>(name).str());
  }
  return port;
}

FailureOr<Signature> mlir::qf::runtime::getSignature(func::FuncOp func) {
  Signature sig;
  sig.entry = func.getSymName().str();
  FunctionType type = func.getFunctionType();
  for (auto [i, input] : llvm::enumerate(type.getInputs())) {
    FailureOr<TensorPort> port =
        getPort(func, input, func.getArgAttrDict(i), "argument", i);
    if (failed(port))
      return failure();
    sig.inputs.push_back(std::move(*port));
  }
  for (auto [i, result] : llvm::enumerate(type.getResults())) {
    FailureOr<TensorPort> port =
        getPort(func, result, func.getResultAttrDict(i), "result", i);
    if (failed(port))
      return failure();
    sig.outputs.push_back(std::move(*port));
  }
  return sig;
}

llvm::Error Executable::checkInputs(ArrayRef<const HostTensor *> inputs) const {
  if (inputs.size() != sig.inputs.size())
    return llvm::createStringError(
        llvm::formatv("@{0} takes {1} inputs, {2} given", sig.entry,
                      sig.inputs.size(), inputs.size()));
  for (auto [i, port, tensor] : llvm::enumerate(sig.inputs, inputs))
    if (!port.accepts(*tensor))
      return llvm::createStringError(
          llvm::formatv("input {0} of @{1} cannot take {2}", port.describe(i),
                        sig.entry, tensor->describe()));
  // A named dynamic dimension has one size in every input that has it: the
  // compiled code takes them to be equal.
  llvm::StringMap<std::pair<int64_t, unsigned>> sizes;
  for (auto [i, port, tensor] : llvm::enumerate(sig.inputs, inputs))
    for (auto [d, name] : llvm::enumerate(port.dimNames)) {
      if (name.empty())
        continue;
      auto [it, inserted] =
          sizes.try_emplace(name, tensor->shape()[d], unsigned(i));
      if (!inserted && it->second.first != tensor->shape()[d])
        return llvm::createStringError(llvm::formatv(
            "dimension '{0}' of @{1} is {2} in input {3} but {4} in input {5}",
            name, sig.entry, it->second.first,
            sig.inputs[it->second.second].describe(it->second.second),
            tensor->shape()[d], port.describe(i)));
    }
  return llvm::Error::success();
}

ExecutorRegistry &ExecutorRegistry::global() {
  // Never destroyed: factories may come from plugin libraries that are
  // unloaded at exit before static destructors run.
  static ExecutorRegistry *registry = new ExecutorRegistry;
  return *registry;
}

void ExecutorRegistry::add(StringRef name, Factory factory) {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto &entry : factories)
    if (entry.first == name) {
      entry.second = std::move(factory);
      return;
    }
  factories.emplace_back(name.str(), std::move(factory));
}

llvm::Expected<std::unique_ptr<Executor>>
ExecutorRegistry::create(StringRef name) const {
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto &entry : factories)
      if (entry.first == name)
        return entry.second();
  }
  std::vector<std::string> known = names();
  return llvm::createStringError(llvm::formatv(
      "no backend named '{0}' (registered: {1})", name,
      known.empty() ? std::string("none") : llvm::join(known, ", ")));
}

std::vector<std::string> ExecutorRegistry::names() const {
  std::lock_guard<std::mutex> lock(mutex);
  std::vector<std::string> known;
  for (const auto &entry : factories)
    known.push_back(entry.first);
  return known;
}

void mlir::qf::runtime::registerExecutorDependencies(
    llvm::StringRef backend, DialectRegistry &registry) {
  llvm::Expected<std::unique_ptr<Executor>> executor =
      ExecutorRegistry::global().create(backend);
  if (!executor) {
    // Reported where the pass asks for the executor to run on.
    llvm::consumeError(executor.takeError());
    return;
  }
  (*executor)->getDependentDialects(registry);
}
