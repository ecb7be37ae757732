//===- EndToEnd.cpp - A model's output error under an assignment ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/AssignPrecision/EndToEnd.h"

#include "passes/Samples/CalibrationData.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/DenseMap.h"

#include <cstring>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::precision;

/// Position of each op of `module` in walk order: how a clone's ops are
/// found again.
static llvm::DenseMap<Operation *, unsigned> walkOrder(ModuleOp module) {
  llvm::DenseMap<Operation *, unsigned> order;
  unsigned next = 0;
  module.walk([&](Operation *op) { order[op] = next++; });
  return order;
}

/// The ops of `clone` at the positions of `layers` in `module`.
static std::vector<Operation *> findInClone(ModuleOp module, ModuleOp clone,
                                            ArrayRef<Layer> layers) {
  llvm::DenseMap<Operation *, unsigned> order = walkOrder(module);
  llvm::DenseMap<unsigned, unsigned> layerAt;
  for (auto [i, layer] : llvm::enumerate(layers))
    layerAt[order.lookup(layer.op)] = i;
  std::vector<Operation *> found(layers.size());
  unsigned next = 0;
  clone.walk([&](Operation *op) {
    auto it = layerAt.find(next++);
    if (it != layerAt.end())
      found[it->second] = op;
  });
  return found;
}

static void stripObservers(ModuleOp module) {
  module.walk([](ObserveOp o) {
    o.getOutput().replaceAllUsesWith(o.getInput());
    o.erase();
  });
}

/// `entry` of `clone` compiled for the host; diagnostics at `module`.
static FailureOr<std::shared_ptr<runtime::Executable>>
compileOnCpu(ModuleOp module, ModuleOp clone, StringRef entry) {
  llvm::Expected<std::unique_ptr<runtime::Executor>> executor =
      runtime::ExecutorRegistry::global().create("cpu");
  if (!executor)
    return emitError(module.getLoc()) << "quant-assign-precision: "
                                      << llvm::toString(executor.takeError());
  // Each candidate runs once on a sample.
  (*executor)->setOptimizeFor(runtime::OptimizeFor::CompileTime);
  return (*executor)->compile(clone, entry);
}

FailureOr<std::unique_ptr<EndToEnd>> EndToEnd::create(ModuleOp module,
                                                      ArrayRef<Layer> layers,
                                                      EndToEndOptions options) {
  std::unique_ptr<EndToEnd> e2e(new EndToEnd(module, layers, options));
  // The parametric model: each layer's weight operand becomes an argument
  // appended to the entry function.
  OwningOpRef<ModuleOp> clone = module.clone();
  std::vector<Operation *> ops = findInClone(module, *clone, layers);
  auto func = clone->lookupSymbol<func::FuncOp>(options.entry);
  if (!func || func.isExternal())
    return emitError(module.getLoc())
           << "quant-assign-precision: no function @" << options.entry
           << " to run (set entry=NAME)";
  e2e->dataInputs = func.getNumArguments();
  for (auto [op, layer] : llvm::zip(ops, layers)) {
    if (!op || op->getParentOfType<func::FuncOp>() != func)
      return layer.op->emitOpError("quant-assign-precision: objective=e2e and "
                                   "measured frontiers need "
                                   "every layer in @")
             << options.entry;
    unsigned index = func.getNumArguments();
    if (failed(func.insertArgument(index, layer.weightType, {}, op->getLoc())))
      return failure();
    op->setOperand(layer.contraction.weight, func.getArgument(index));
  }
  stripObservers(*clone);
  FailureOr<std::shared_ptr<runtime::Executable>> executable =
      compileOnCpu(module, *clone, options.entry);
  if (failed(executable))
    return failure();
  e2e->parametric = *executable;

  SmallVector<const runtime::HostTensor *> floats;
  for (unsigned i = 0; i < layers.size(); ++i) {
    FailureOr<const runtime::HostTensor *> w = e2e->weightFor(i, SchemeAttr());
    if (failed(w))
      return failure();
    floats.push_back(*w);
  }
  FailureOr<std::vector<runtime::HostTensor>> reference =
      e2e->runWithWeights(floats);
  if (failed(reference))
    return failure();
  e2e->reference = std::move(*reference);
  int64_t values = 0;
  for (const runtime::HostTensor &t : e2e->reference)
    if (t.dtype() == runtime::DType::F32)
      values += t.numElements();
  if (values == 0)
    return emitError(module.getLoc())
           << "quant-assign-precision: @" << options.entry
           << " returns no f32 values to measure the error of";
  return e2e;
}

FailureOr<const runtime::HostTensor *> EndToEnd::weightFor(unsigned i,
                                                           SchemeAttr scheme) {
  auto key = std::make_pair(i, scheme.getAsOpaquePointer());
  auto it = weights.find(key);
  if (it != weights.end())
    return &it->second;
  const Layer &layer = layers[i];
  std::vector<float> values = layer.weight;
  if (scheme) {
    FailureOr<std::vector<float>> simulated = simulateWeight(layer, scheme);
    if (failed(simulated))
      return failure();
    values = std::move(*simulated);
  }
  runtime::HostTensor tensor(runtime::DType::F32, layer.weightType.getShape());
  std::memcpy(tensor.data(), values.data(), values.size() * sizeof(float));
  return &weights.emplace(key, std::move(tensor)).first->second;
}

FailureOr<std::vector<runtime::HostTensor>>
EndToEnd::runSamples(runtime::Executable &executable, unsigned numData,
                     ArrayRef<const runtime::HostTensor *> extra) {
  llvm::Expected<calibration::CalibrationData> dataset =
      calibration::CalibrationData::open(options.data);
  if (!dataset)
    return emitError(module.getLoc())
           << "quant-assign-precision: " << llvm::toString(dataset.takeError());
  // The samples bind to the model's own arguments only.
  runtime::Signature sig = executable.signature();
  sig.inputs.resize(numData);
  std::vector<runtime::HostTensor> outputs;
  llvm::Expected<uint64_t> samples = dataset->forEachSample(
      sig, options.maxSamples,
      [&](ArrayRef<const runtime::HostTensor *> inputs) -> llvm::Error {
        SmallVector<const runtime::HostTensor *> all(inputs);
        all.append(extra.begin(), extra.end());
        auto results = executable.run(all);
        if (!results)
          return results.takeError();
        for (runtime::HostTensor &t : *results)
          outputs.push_back(std::move(t));
        return llvm::Error::success();
      },
      [](size_t, uint64_t) {});
  if (!samples)
    return emitError(module.getLoc())
           << "quant-assign-precision: " << llvm::toString(samples.takeError());
  if (*samples == 0)
    return emitError(module.getLoc())
           << "quant-assign-precision: " << options.data << " has no samples";
  return outputs;
}

FailureOr<std::vector<runtime::HostTensor>>
EndToEnd::runWithWeights(ArrayRef<const runtime::HostTensor *> weights) {
  return runSamples(*parametric, dataInputs, weights);
}

FailureOr<std::vector<runtime::HostTensor>>
EndToEnd::runQuantized(ArrayRef<SchemeAttr> schemes) {
  OwningOpRef<ModuleOp> clone = module.clone();
  std::vector<Operation *> ops = findInClone(module, *clone, layers);
  clone->walk([](Operation *op) { op->removeAttr("qf.scheme"); });
  for (auto [op, scheme] : llvm::zip(ops, schemes))
    if (scheme)
      op->setAttr("qf.scheme", scheme);
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  std::string pipeline =
      "quant-quantize{only-assigned=true " + options.quantizeOptions + "}";
  if (failed(parsePassPipeline(pipeline, pm)))
    return emitError(module.getLoc())
           << "quant-assign-precision: cannot build '" << pipeline << "'";
  if (failed(pm.run(*clone)))
    return emitError(module.getLoc())
           << "quant-assign-precision: quantizing a clone to measure it failed";
  FailureOr<std::shared_ptr<runtime::Executable>> executable =
      compileOnCpu(module, *clone, options.entry);
  if (failed(executable))
    return failure();
  return runSamples(**executable, (*executable)->signature().inputs.size(), {});
}

FailureOr<double> EndToEnd::error(ArrayRef<SchemeAttr> schemes) {
  bool weightsOnly = llvm::all_of(
      schemes, [](SchemeAttr s) { return !s || s.isWeightOnly(); });
  FailureOr<std::vector<runtime::HostTensor>> outputs;
  if (weightsOnly) {
    SmallVector<const runtime::HostTensor *> w;
    for (auto [i, scheme] : llvm::enumerate(schemes)) {
      FailureOr<const runtime::HostTensor *> t = weightFor(i, scheme);
      if (failed(t))
        return failure();
      w.push_back(*t);
    }
    outputs = runWithWeights(w);
  } else {
    outputs = runQuantized(schemes);
  }
  if (failed(outputs))
    return failure();
  double sum = 0;
  int64_t count = 0;
  for (auto [got, want] : llvm::zip(*outputs, reference)) {
    if (want.dtype() != runtime::DType::F32)
      continue;
    const float *a = got.dataAs<float>(), *b = want.dataAs<float>();
    for (int64_t i = 0, e = want.numElements(); i < e; ++i)
      sum += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    count += want.numElements();
  }
  return sum / double(count);
}
