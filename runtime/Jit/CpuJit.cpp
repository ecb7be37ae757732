//===- CpuJit.cpp - JIT-compile tensor functions for the host CPU ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/Jit/CpuJit.h"
#include "runtime/ObserverABI.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/xxhash.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>
#include <tuple>

using namespace mlir;
using namespace mlir::qf::runtime;

void mlir::qf::runtime::prepareEntryFunction(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                UnitAttr::get(ctx));
  // The caller's input buffers are read-only to the compiled code. Our own
  // argument and result attributes (qf.name) mean nothing to LLVM.
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    func.removeArgAttr(i, "qf.name");
    func.removeArgAttr(i, "qf.dim_names");
    func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                    BoolAttr::get(ctx, false));
  }
  for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
    func.removeResultAttr(i, StringAttr::get(ctx, "qf.name"));
}

namespace {

/// A memref descriptor for a contiguous host tensor: {allocated, aligned,
/// offset, sizes..., strides...} as 8-byte words.
struct Descriptor {
  llvm::SmallVector<int64_t, 11> words;

  Descriptor(const void *data, ArrayRef<int64_t> shape) {
    intptr_t pointer = reinterpret_cast<intptr_t>(data);
    words = {pointer, pointer, 0};
    words.append(shape.begin(), shape.end());
    llvm::SmallVector<int64_t, 4> strides(shape.size(), 1);
    for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * shape[d + 1];
    words.append(strides.begin(), strides.end());
  }
};

/// Copies the result a compiled function returned through `words` (a memref
/// descriptor of `rank`) into a host tensor.
HostTensor takeResult(const TensorPort &port, const int64_t *words) {
  int64_t rank = port.shape.size();
  ArrayRef<int64_t> sizes(words + 3, rank), strides(words + 3 + rank, rank);
  HostTensor tensor(port.dtype, sizes);
  size_t elementSize = dtypeSize(port.dtype);
  const char *base = reinterpret_cast<const char *>(words[1]) +
                     words[2] * int64_t(elementSize);
  char *out = static_cast<char *>(tensor.data());
  int64_t contiguous = 1;
  bool rowMajor = true;
  for (int64_t d = rank - 1; d >= 0; contiguous *= sizes[d--])
    rowMajor &= sizes[d] == 1 || strides[d] == contiguous;
  if (rowMajor) {
    std::memcpy(out, base, tensor.byteSize());
    return tensor;
  }
  for (auto [i, offset] : llvm::enumerate(rowMajorOffsets(sizes, strides)))
    std::memcpy(out + i * elementSize, base + offset * elementSize,
                elementSize);
  return tensor;
}

class CpuExecutable final : public Executable {
public:
  CpuExecutable(Signature sig, std::unique_ptr<ExecutionEngine> engine,
                void (*entry)(void **))
      : Executable(std::move(sig)), engine(std::move(engine)), entry(entry) {
    returnsResults = llvm::any_of(signature().outputs, [](const TensorPort &p) {
      return llvm::any_of(p.shape, ShapedType::isDynamic);
    });
  }

  llvm::Expected<std::vector<HostTensor>>
  run(ArrayRef<const HostTensor *> inputs, ObserverSink *sink) override {
    if (llvm::Error error = checkInputs(inputs))
      return std::move(error);
    std::vector<HostTensor> outputs;
    if (!returnsResults)
      for (const TensorPort &port : signature().outputs)
        outputs.emplace_back(port.dtype, port.shape);

    std::vector<Descriptor> descriptors;
    descriptors.reserve(inputs.size() + outputs.size());
    for (const HostTensor *input : inputs)
      descriptors.emplace_back(input->data(), input->shape());
    for (HostTensor &output : outputs)
      descriptors.emplace_back(output.data(), output.shape());
    // The C interface takes a pointer to each descriptor; the packed wrapper
    // takes a pointer to each of those arguments. Returned results (any
    // dynamically shaped one) come first, as one struct of descriptors.
    std::vector<int64_t> returned;
    for (const TensorPort &port : signature().outputs)
      if (returnsResults)
        returned.resize(returned.size() + 3 + 2 * port.shape.size());
    std::vector<void *> pointers, packed;
    if (returnsResults)
      pointers.push_back(returned.data());
    for (Descriptor &d : descriptors)
      pointers.push_back(d.words.data());
    for (void *&p : pointers)
      packed.push_back(&p);

    ScopedObserverSink scope(sink);
    entry(packed.data());
    if (!returnsResults)
      return outputs;
    // The compiled code allocated each returned buffer (malloc) and gave it
    // to us: copy it out and free it once, however many results share it.
    llvm::SmallPtrSet<void *, 4> allocations;
    const int64_t *words = returned.data();
    for (const TensorPort &port : signature().outputs) {
      outputs.push_back(takeResult(port, words));
      allocations.insert(reinterpret_cast<void *>(words[0]));
      words += 3 + 2 * port.shape.size();
    }
    for (void *allocation : allocations)
      std::free(allocation);
    return outputs;
  }

private:
  std::unique_ptr<ExecutionEngine> engine;
  void (*entry)(void **);
  bool returnsResults = false;
};

/// Compiled modules of this process, by a hash of the module text and entry.
class CompileCache {
public:
  // Never destroyed: an ExecutionEngine torn down by exit handlers would run
  // after LLVM's own static state is gone.
  static CompileCache &get() {
    static CompileCache *cache = new CompileCache;
    return *cache;
  }
  std::shared_ptr<Executable> find(uint64_t key) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = entries.find(key);
    return it == entries.end() ? nullptr : it->second;
  }
  void insert(uint64_t key, std::shared_ptr<Executable> executable) {
    std::lock_guard<std::mutex> lock(mutex);
    entries.emplace(key, std::move(executable));
  }

private:
  std::mutex mutex;
  std::map<uint64_t, std::shared_ptr<Executable>> entries;
};

class CpuExecutor final : public Executor {
public:
  CpuExecutor(std::string name, JitLowering lowering,
              std::vector<HostSymbol> symbols)
      : executorName(std::move(name)), lowering(std::move(lowering)),
        hostSymbols(std::move(symbols)) {}
  StringRef name() const override { return executorName; }
  void getDependentDialects(DialectRegistry &registry) const override {
    // Every translation to LLVM IR comes with the JIT: host code of GPU
    // backends carries gpu.binary and gpu.launch_func, which translate to
    // runtime calls.
    registerAllToLLVMIRTranslations(registry);
    lowering.registerDependencies(registry);
  }
  FailureOr<std::shared_ptr<Executable>> compile(ModuleOp module,
                                                 StringRef entry) override;
  void setOptimizeFor(OptimizeFor goal) override { this->goal = goal; }

private:
  std::string executorName;
  OptimizeFor goal = OptimizeFor::RunTime;
  JitLowering lowering;
  std::vector<HostSymbol> hostSymbols;
};

} // namespace

/// The runtime function the memref lowering calls for copies between
/// non-contiguous memrefs (e.g. the result of tensor.pad): MLIR ships it in
/// libmlir_c_runner_utils, which we do not load, so we provide it.
extern "C" void qfMemrefCopy(int64_t elementSize, UnrankedMemRef *source,
                             UnrankedMemRef *target) {
  StridedView from = viewOf(*source, elementSize);
  StridedView to = viewOf(*target, elementSize);
  std::vector<int64_t> fromOffsets = rowMajorOffsets(from.sizes, from.strides);
  std::vector<int64_t> toOffsets = rowMajorOffsets(from.sizes, to.strides);
  for (auto [f, t] : llvm::zip(fromOffsets, toOffsets))
    std::memcpy(to.data + t * elementSize, from.data + f * elementSize,
                elementSize);
}

/// The compile cache's key: the module without its resource data, the entry
/// and the executor, then the name and a hash of each resource's bytes (a
/// model's parameters are gigabytes: never printed as hex).
static uint64_t compileKey(ModuleOp module, StringRef entryName,
                           StringRef executorName) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(
      os, OpPrintingFlags().enableDebugInfo(false).elideLargeResourceString(0));
  os << '\0' << entryName << '\0' << executorName;
  llvm::SmallPtrSet<const void *, 16> seen;
  module->walk([&](Operation *op) {
    op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
      const AsmResourceBlob *blob = attr.getRawHandle().getBlob();
      if (!blob || !seen.insert(blob).second)
        return;
      ArrayRef<uint8_t> bytes(
          reinterpret_cast<const uint8_t *>(blob->getData().data()),
          blob->getData().size());
      os << '\0' << attr.getRawHandle().getKey() << '\0'
         << llvm::xxh3_64bits(bytes);
    });
  });
  return llvm::xxh3_64bits(text);
}

/// Constant globals of at least this many bytes whose initializer is a
/// resource blob are bound to the blob in place rather than copied into the
/// compiled code.
constexpr size_t kBindInPlaceBytes = 4096;

/// True when `module` holds a resource blob bindResourceGlobals would bind.
static bool hasBindableResources(ModuleOp module) {
  bool found = false;
  module->walk([&](Operation *op) {
    op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
      const AsmResourceBlob *blob = attr.getRawHandle().getBlob();
      found |= blob && blob->getData().size() >= kBindInPlaceBytes;
    });
  });
  return found;
}

/// Turns each large constant global of `module` (lowered to the LLVM
/// dialect) that a resource blob initializes into an external declaration,
/// and returns the symbols that bind them to the blobs: a model's weights
/// stay where they are (a mapped weights file) instead of being copied
/// twice into the JIT's memory. The alignment the code may assume becomes
/// the blob's own.
static std::vector<HostSymbol> bindResourceGlobals(ModuleOp module) {
  std::vector<HostSymbol> bound;
  module.walk([&](LLVM::GlobalOp global) {
    auto attr =
        dyn_cast_or_null<DenseResourceElementsAttr>(global.getValueOrNull());
    const AsmResourceBlob *blob =
        attr ? attr.getRawHandle().getBlob() : nullptr;
    if (!global.getConstant() || !blob ||
        blob->getData().size() < kBindInPlaceBytes ||
        !global.getInitializerRegion().empty())
      return;
    global.removeValueAttr();
    global.setLinkage(LLVM::Linkage::External);
    global.setAlignment(blob->getDataAlignment());
    global.setVisibility_(LLVM::Visibility::Default);
    // The mapping may lie anywhere: never addressed as if near the code.
    global.setDsoLocal(false);
    bound.push_back({global.getSymName().str(),
                     const_cast<char *>(blob->getData().data())});
  });
  return bound;
}

static void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

FailureOr<std::shared_ptr<Executable>>
CpuExecutor::compile(ModuleOp module, StringRef entryName) {
  auto func = module.lookupSymbol<func::FuncOp>(entryName);
  if (!func || func.isExternal())
    return module.emitError()
           << "no function @" << entryName << " with a body to run";
  FailureOr<Signature> sig = getSignature(func);
  if (failed(sig))
    return failure();

  // Code bound to resource blobs in place is not cached (see below), so a
  // module with such blobs, a model whose key alone would cost a printing
  // of its quantized types, skips the cache.
  std::optional<uint64_t> key;
  if (!hasBindableResources(module)) {
    key = compileKey(module, entryName,
                     goal == OptimizeFor::RunTime
                         ? executorName
                         : executorName + " (for compile time)");
    if (std::shared_ptr<Executable> cached = CompileCache::get().find(*key))
      return cached;
  }

  MLIRContext *ctx = module.getContext();
  DialectRegistry registry;
  getDependentDialects(registry);
  ctx->appendDialectRegistry(registry);

  OwningOpRef<ModuleOp> clone = module.clone();
  auto clonedEntry = clone->lookupSymbol<func::FuncOp>(entryName);
  prepareEntryFunction(clonedEntry);

  PassManager pm(ctx, ModuleOp::getOperationName());
  lowering.build(pm);
  if (failed(pm.run(*clone)))
    return module.emitError() << "cannot lower @" << entryName << " for the "
                              << executorName << " executor";
  std::vector<HostSymbol> boundParameters = bindResourceGlobals(*clone);

  initializeNativeTarget();
  // ExecutionEngineOptions holds a function_ref: the transformer must outlive
  // create(). Code for a few runs skips LLVM's IR optimizations and most of
  // its code generator's: on the demo GPT, that halves the compile time and
  // slows a run by up to 17% (the loops are already vectorized, the
  // matmuls are kernels; docs/PERFORMANCE.md).
  bool forRunTime = goal == OptimizeFor::RunTime;
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(/*optLevel=*/forRunTime ? 3 : 0,
                                /*sizeLevel=*/0, nullptr);
  ExecutionEngineOptions options;
  options.transformer = optimize;
  // The perf and GDB JIT listeners leave a dump directory per compilation
  // ($JITDUMPDIR or $HOME/.debug/jit): only when profiling is asked for.
  const char *profile = std::getenv("QF_JIT_PROFILE");
  bool profiling = profile && std::string_view(profile) == "1";
  options.enablePerfNotificationListener = profiling;
  options.enableGDBNotificationListener = profiling;
  options.jitCodeGenOptLevel = forRunTime ? llvm::CodeGenOptLevel::Aggressive
                                          : llvm::CodeGenOptLevel::Less;
  auto engine = ExecutionEngine::create(*clone, options);
  if (!engine)
    return module.emitError() << "cannot JIT-compile @" << entryName << ": "
                              << llvm::toString(engine.takeError());
  (*engine)->registerSymbols([&](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    for (const std::vector<HostSymbol> *list : {&hostSymbols, &boundParameters})
      for (const HostSymbol &symbol : *list)
        symbols[interner(symbol.name)] = {
            llvm::orc::ExecutorAddr::fromPtr(symbol.address),
            llvm::JITSymbolFlags::Exported};
    symbols[interner(("_mlir_ciface_" + kObserveFunction).str())] = {
        llvm::orc::ExecutorAddr::fromPtr(&qfObserveF32),
        llvm::JITSymbolFlags::Exported};
    symbols[interner("memrefCopy")] = {
        llvm::orc::ExecutorAddr::fromPtr(&qfMemrefCopy),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  (*engine)->initialize();
  auto packed = (*engine)->lookupPacked(("_mlir_ciface_" + entryName).str());
  if (!packed)
    return module.emitError() << "cannot find the compiled @" << entryName
                              << ": " << llvm::toString(packed.takeError());

  auto executable = std::make_shared<CpuExecutable>(
      std::move(*sig), std::move(*engine), *packed);
  // Code bound to resource blobs must not outlive their context: only the
  // caller's reference keeps it.
  if (key && boundParameters.empty())
    CompileCache::get().insert(*key, executable);
  return std::shared_ptr<Executable>(executable);
}

std::unique_ptr<Executor>
mlir::qf::runtime::createCpuExecutor(std::string name, JitLowering lowering,
                                     std::vector<HostSymbol> symbols) {
  assert(lowering.build && lowering.registerDependencies &&
         "a JIT executor needs a lowering pipeline and its dialects");
  return std::make_unique<CpuExecutor>(std::move(name), std::move(lowering),
                                       std::move(symbols));
}
