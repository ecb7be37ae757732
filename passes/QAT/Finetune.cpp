//===- Finetune.cpp - The quant-qat-finetune pass -------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Finds the layers with a calibrated Hessian, fine-tunes each weight with
// the reconstruction of Reconstruct.h and writes its codes back as
// quant-gptq does. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/Common/HessianLayers.h"
#include "passes/Common/JsonReport.h"
#include "passes/Passes.h"
#include "passes/QAT/Reconstruct.h"
#include "passes/Quantize/SchemeName.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"

#include "llvm/Support/JSON.h"

#include <cmath>

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTQATFINETUNEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

class FinetunePass final
    : public qf::impl::QuantQATFinetunePassBase<FinetunePass> {
public:
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    auto fail = [&](const Twine &message) {
      return emitError(UnknownLoc::get(ctx))
             << "quant-qat-finetune: " << message;
    };
    if (bits < 2 || bits > 8)
      return fail("bits must be in [2, 8], got " + Twine(bits.getValue()));
    if (groupSize < 0)
      return fail("group-size must be 0 (per channel) or positive");
    if (steps < 0)
      return fail("steps must not be negative");
    if (!(lr > 0) || !std::isfinite(lr))
      return fail("lr must be positive and finite");
    if (groupFallback != "error" && groupFallback != "channel")
      return fail("group-fallback must be error or channel, not '" +
                  groupFallback + "'");
    return success();
  }

  void runOnOperation() override {
    entries = llvm::json::Array();
    SmallVector<HessianLayer> layers;
    getOperation()->walk([&](Operation *op) {
      if (std::optional<HessianLayer> layer = hessianLayerOf(op))
        layers.push_back(*layer);
    });
    for (HessianLayer &layer : layers) {
      if (!layer.observer) {
        layer.op->emitRemark(
            "QAT fine-tuning: skipped, its input is not observed");
        continue;
      }
      if (failed(finetune(layer)))
        return signalPassFailure();
    }
    if (!report.empty() &&
        failed(writeJsonReport(report, "layers", std::move(entries),
                               getOperation()->getLoc(), "quant-qat-finetune")))
      signalPassFailure();
  }

private:
  LogicalResult finetune(HessianLayer &layer);

  llvm::json::Array entries;
};

LogicalResult FinetunePass::finetune(HessianLayer &layer) {
  Operation *op = layer.op;
  auto type = cast<RankedTensorType>(op->getOperand(1).getType());
  ArrayRef<int64_t> shape = type.getShape();
  const int64_t rows = shape.back(), cols = type.getNumElements() / rows;
  std::optional<std::vector<double>> h = hessianOf(layer.observer, cols);
  if (!h)
    return op->emitOpError("QAT fine-tuning needs the calibrated Hessian of "
                           "its input (a qf.observe with hessian [")
           << cols << ", " << cols
           << "]): run qf-insert-observers and qf-calibrate hessian=true first";

  qat::Options options;
  options.bits = bits;
  options.groupSize = groupSize;
  options.symmetric = symmetric;
  options.steps = steps;
  options.lr = lr;
  if (auto scheme = op->getAttrOfType<SchemeAttr>("qf.scheme")) {
    std::optional<WeightRounding> assigned = weightRoundingOf(scheme);
    if (!assigned) {
      op->emitRemark("QAT fine-tuning: skipped, its assigned scheme ")
          << schemeName(scheme) << " is quant-quantize's";
      return success();
    }
    options.bits = assigned->bits;
    options.groupSize = assigned->groupSize;
    options.symmetric = assigned->symmetric;
  }
  // Groups run along the reduction; a convolution's, along its input
  // channels within each window position.
  int64_t along = layer.isConv ? shape[2] : cols;
  if (options.groupSize > 0 && along % options.groupSize) {
    if (groupFallback != "channel")
      return op->emitOpError("group size ")
             << options.groupSize << " does not divide the reduction (" << along
             << "); use group-fallback=channel for per-channel "
             << "parameters";
    options.groupSize = 0;
  }

  std::vector<double> w = layer.solverWeight();
  llvm::Expected<qat::Result> result =
      qat::reconstruct(w, rows, cols, *h, options);
  if (!result)
    return op->emitOpError("QAT fine-tuning: ")
           << llvm::toString(result.takeError());

  std::string scheme =
      "qat-finetune w" + std::to_string(options.bits) +
      (options.groupSize > 0 ? " g" + std::to_string(options.groupSize)
                             : std::string(" per channel")) +
      (options.symmetric ? " symmetric" : "");
  replaceWeight(layer, w, *h, result->quantized,
                {scheme, options.bits, options.groupSize, options.symmetric});
  if (!report.empty())
    entries.push_back(llvm::json::Object{{"layer", layerName(op->getLoc())},
                                         {"rtn_loss", result->initialLoss},
                                         {"finetuned_loss", result->finalLoss},
                                         {"best_step", result->bestStep}});
  return success();
}

} // namespace
