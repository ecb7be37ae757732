//===- EndToEnd.cpp - A model's output error under an assignment ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/AssignPrecision/EndToEnd.h"

#include "passes/Calibration/CalibrationData.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::precision;

FailureOr<EndToEnd> EndToEnd::create(ModuleOp module,
                                     ArrayRef<Operation *> layers,
                                     EndToEndOptions options) {
  llvm::DenseMap<Operation *, unsigned> order;
  unsigned next = 0;
  module.walk([&](Operation *op) { order[op] = next++; });
  std::vector<unsigned> positions;
  for (Operation *op : layers)
    positions.push_back(order.lookup(op));
  EndToEnd e2e(module, std::move(positions), std::move(options));
  FailureOr<std::vector<runtime::HostTensor>> reference =
      e2e.run(SmallVector<SchemeAttr>(layers.size()));
  if (failed(reference))
    return failure();
  e2e.reference = std::move(*reference);
  int64_t values = 0;
  for (const runtime::HostTensor &t : e2e.reference)
    if (t.dtype() == runtime::DType::F32)
      values += t.numElements();
  if (values == 0)
    return emitError(module.getLoc())
           << "quant-assign-precision: @" << e2e.options.entry
           << " returns no f32 values to measure the error of";
  return std::move(e2e);
}

FailureOr<std::vector<runtime::HostTensor>>
EndToEnd::run(ArrayRef<SchemeAttr> schemes) {
  MLIRContext *ctx = module.getContext();
  OwningOpRef<ModuleOp> clone = module.clone();
  llvm::DenseMap<unsigned, SchemeAttr> byPosition;
  for (auto [position, scheme] : llvm::zip(positions, schemes))
    if (scheme)
      byPosition[position] = scheme;
  unsigned next = 0;
  clone->walk([&](Operation *op) {
    op->removeAttr("qf.scheme");
    if (SchemeAttr scheme = byPosition.lookup(next++))
      op->setAttr("qf.scheme", scheme);
  });
  PassManager pm(ctx, ModuleOp::getOperationName());
  std::string pipeline =
      "quant-quantize{only-assigned=true " + options.quantizeOptions + "}";
  if (failed(parsePassPipeline(pipeline, pm)))
    return emitError(module.getLoc())
           << "quant-assign-precision: cannot build '" << pipeline << "'";
  if (failed(pm.run(*clone)))
    return emitError(module.getLoc())
           << "quant-assign-precision: quantizing a clone to measure it failed";

  llvm::Expected<std::unique_ptr<runtime::Executor>> executor =
      runtime::ExecutorRegistry::global().create("cpu");
  if (!executor)
    return emitError(module.getLoc()) << "quant-assign-precision: "
                                      << llvm::toString(executor.takeError());
  FailureOr<std::shared_ptr<runtime::Executable>> executable =
      (*executor)->compile(*clone, options.entry);
  if (failed(executable))
    return failure();
  llvm::Expected<calibration::CalibrationData> dataset =
      calibration::CalibrationData::open(options.data);
  if (!dataset)
    return emitError(module.getLoc())
           << "quant-assign-precision: " << llvm::toString(dataset.takeError());
  std::vector<runtime::HostTensor> outputs;
  llvm::Expected<uint64_t> samples = dataset->forEachSample(
      (*executable)->signature(), options.maxSamples,
      [&](ArrayRef<const runtime::HostTensor *> inputs) -> llvm::Error {
        auto results = (*executable)->run(inputs);
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

FailureOr<double> EndToEnd::error(ArrayRef<SchemeAttr> schemes) {
  FailureOr<std::vector<runtime::HostTensor>> outputs = run(schemes);
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
