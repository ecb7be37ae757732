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

#include "passes/Layers/HessianLayers.h"
#include "passes/Passes.h"
#include "passes/QAT/Reconstruct.h"
#include "passes/Reports/JsonReport.h"
#include "passes/Schemes/SchemeName.h"
#include "passes/Schemes/WeightOptions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseSet.h"

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
    if (std::string error = checkWeightOptions(bits, groupSize); !error.empty())
      return fail(error);
    if (steps < 0)
      return fail("steps must not be negative");
    if (!(lr > 0) || !std::isfinite(lr))
      return fail("lr must be positive and finite");
    return success();
  }

  void runOnOperation() override {
    entries = llvm::json::Array();
    SmallVector<HessianLayer> layers;
    getOperation()->walk([&](Operation *op) {
      if (std::optional<HessianLayer> layer = hessianLayerOf(op))
        layers.push_back(*layer);
    });
    llvm::DenseSet<Operation *> done;
    if (per == ReconstructionUnit::Block) {
      for (HessianLayer &second : layers) {
        std::optional<LayerBlock> block = blockEndingAt(second, layers, done);
        if (!block)
          continue;
        if (failed(finetuneBlock(*block)))
          return signalPassFailure();
        done.insert(block->first.op);
        done.insert(block->second.op);
      }
    }
    for (HessianLayer &layer : layers) {
      if (done.contains(layer.op))
        continue;
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
  /// Two matmuls with only elementwise ops between them.
  struct LayerBlock {
    HessianLayer first, second;
    qat::ElementwiseTape between;
  };
  std::optional<LayerBlock>
  blockEndingAt(const HessianLayer &second, ArrayRef<HessianLayer> layers,
                const llvm::DenseSet<Operation *> &done);
  /// The layer's options; none where its scheme is quant-quantize's.
  FailureOr<std::optional<qat::Options>> optionsFor(const HessianLayer &layer);
  LogicalResult finetune(HessianLayer &layer);
  LogicalResult finetuneBlock(LayerBlock &block);
  std::string schemeOf(const qat::Options &options) const;

  llvm::json::Array entries;
};

FailureOr<std::optional<qat::Options>>
FinetunePass::optionsFor(const HessianLayer &layer) {
  Operation *op = layer.op;
  auto type = cast<RankedTensorType>(op->getOperand(1).getType());
  ArrayRef<int64_t> shape = type.getShape();
  const int64_t rows = shape.back(), cols = type.getNumElements() / rows;
  qat::Options options;
  options.bits = bits;
  options.groupSize = groupSize;
  options.symmetric = symmetric;
  options.steps = steps;
  options.lr = lr;
  if (auto scheme = op->getAttrOfType<SchemeAttr>("qf.scheme")) {
    std::optional<WeightRounding> assigned = weightRoundingOf(scheme);
    if (!assigned || assigned->grid) {
      op->emitRemark("QAT fine-tuning: skipped, its assigned scheme ")
          << schemeName(scheme) << " is quant-quantize's";
      return std::optional<qat::Options>();
    }
    options.bits = assigned->bits;
    options.groupSize = assigned->groupSize;
    options.symmetric = assigned->symmetric;
  }
  // Groups run along the reduction; a convolution's, along its input
  // channels within each window position.
  int64_t along = layer.isConv ? shape[2] : cols;
  if (options.groupSize > 0 && along % options.groupSize) {
    if (groupFallback != GroupFallback::Channel)
      return op->emitOpError("group size ")
             << options.groupSize << " does not divide the reduction (" << along
             << "); use group-fallback=channel for per-channel "
             << "parameters";
    options.groupSize = 0;
  }
  return std::optional(options);
}

std::string FinetunePass::schemeOf(const qat::Options &options) const {
  return "qat-finetune w" + std::to_string(options.bits) +
         (options.groupSize > 0 ? " g" + std::to_string(options.groupSize)
                                : std::string(" per channel")) +
         (options.symmetric ? " symmetric" : "") +
         (per == ReconstructionUnit::Block ? " per block" : "");
}

LogicalResult FinetunePass::finetune(HessianLayer &layer) {
  Operation *op = layer.op;
  auto type = cast<RankedTensorType>(op->getOperand(1).getType());
  const int64_t rows = type.getShape().back(),
                cols = type.getNumElements() / rows;
  std::optional<std::vector<double>> h = hessianOf(layer.observer, cols);
  if (!h)
    return op->emitOpError("QAT fine-tuning needs the calibrated Hessian of "
                           "its input (a qf.observe with hessian [")
           << cols << ", " << cols
           << "]): run qf-insert-observers and qf-calibrate hessian=true first";
  FailureOr<std::optional<qat::Options>> found = optionsFor(layer);
  if (failed(found))
    return failure();
  if (!*found)
    return success();
  const qat::Options *options = &**found;

  std::vector<double> w = layer.solverWeight();
  llvm::Expected<qat::Result> result =
      qat::reconstruct(w, rows, cols, *h, *options);
  if (!result)
    return op->emitOpError("QAT fine-tuning: ")
           << llvm::toString(result.takeError());
  replaceWeight(layer, w, *h, result->quantized,
                {schemeOf(*options), options->bits, options->groupSize,
                 options->symmetric});
  if (!report.empty())
    entries.push_back(llvm::json::Object{{"layer", layerName(op->getLoc())},
                                         {"rtn_loss", result->initialLoss},
                                         {"finetuned_loss", result->finalLoss},
                                         {"best_step", result->bestStep}});
  return success();
}

/// The matmul whose result reaches `value` through elementwise ops,
/// reshapes, transposes and observers only, if there is exactly one.
static Operation *blockStart(Value value) {
  SmallVector<Value> work = {value};
  llvm::DenseSet<Value> seen;
  Operation *start = nullptr;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    Operation *def = v.getDefiningOp();
    if (!def || matchPattern(v, m_Constant()))
      continue;
    if (isa<linalg::MatmulOp>(def)) {
      if (start && start != def)
        return nullptr;
      start = def;
    } else if (isa<ObserveOp, tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                   linalg::TransposeOp>(def)) {
      // (A transpose is no part of a block; walking through it lets the
      // tape say so.)
      work.push_back(def->getOperand(0));
    } else if (auto generic = dyn_cast<linalg::GenericOp>(def)) {
      for (Value input : generic.getDpsInputs())
        work.push_back(input);
    } else {
      return nullptr;
    }
  }
  return start;
}

std::optional<FinetunePass::LayerBlock>
FinetunePass::blockEndingAt(const HessianLayer &second,
                            ArrayRef<HessianLayer> layers,
                            const llvm::DenseSet<Operation *> &done) {
  if (second.isConv || done.contains(second.op))
    return std::nullopt;
  Operation *start = blockStart(second.op->getOperand(0));
  const HessianLayer *first = nullptr;
  for (const HessianLayer &layer : layers)
    if (layer.op == start && !layer.isConv && !done.contains(layer.op))
      first = &layer;
  if (!first)
    return std::nullopt;
  std::string why;
  Value input = second.op->getOperand(0);
  if (auto observe = input.getDefiningOp<ObserveOp>())
    input = observe.getInput();
  FailureOr<qat::ElementwiseTape> tape =
      qat::ElementwiseTape::build(first->op->getResult(0), input, why);
  if (failed(tape)) {
    second.op->emitRemark("QAT fine-tuning: not a block with the layer "
                          "before, ")
        << why << "; fine-tuned alone";
    return std::nullopt;
  }
  return LayerBlock{*first, second, std::move(*tape)};
}

LogicalResult FinetunePass::finetuneBlock(LayerBlock &block) {
  Operation *op1 = block.first.op, *op2 = block.second.op;
  auto type1 = cast<RankedTensorType>(op1->getOperand(1).getType());
  auto type2 = cast<RankedTensorType>(op2->getOperand(1).getType());
  const int64_t inputs = type1.getDimSize(0), hidden = type1.getDimSize(1),
                outputs = type2.getDimSize(1);
  std::optional<std::vector<double>> x =
      rowSampleOf(block.first.observer, inputs);
  if (!x)
    return op1->emitOpError("QAT fine-tuning per block needs sampled "
                            "calibration rows of the block's input: run "
                            "qf-calibrate with sample-rows=N");
  std::optional<std::vector<double>> h1 =
      hessianOf(block.first.observer, inputs);
  std::optional<std::vector<double>> h2 =
      hessianOf(block.second.observer, hidden);
  if (!h1 || !h2)
    return (h1 ? op2 : op1)
        ->emitOpError(
            "QAT fine-tuning needs the calibrated Hessian of its input: run "
            "qf-insert-observers and qf-calibrate hessian=true first");
  FailureOr<std::optional<qat::Options>> found1 = optionsFor(block.first);
  FailureOr<std::optional<qat::Options>> found2 = optionsFor(block.second);
  if (failed(found1) || failed(found2))
    return failure();
  if (!*found1 || !*found2)
    return success();
  const qat::Options *o1 = &**found1, *o2 = &**found2;
  std::vector<double> w1 = block.first.solverWeight();
  std::vector<double> w2 = block.second.solverWeight();
  llvm::Expected<qat::BlockResult> result =
      qat::reconstructBlock(*x, int64_t(x->size()) / inputs, w1, hidden, inputs,
                            block.between, w2, outputs, *o1, *o2);
  if (!result)
    return op1->emitOpError("QAT fine-tuning of the block: ")
           << llvm::toString(result.takeError());
  replaceWeight(block.first, w1, *h1, result->first,
                {schemeOf(*o1), o1->bits, o1->groupSize, o1->symmetric});
  replaceWeight(block.second, w2, *h2, result->second,
                {schemeOf(*o2), o2->bits, o2->groupSize, o2->symmetric});
  if (!report.empty())
    entries.push_back(llvm::json::Object{
        {"block",
         llvm::json::Array{layerName(op1->getLoc()), layerName(op2->getLoc())}},
        {"rtn_loss", result->initialLoss},
        {"finetuned_loss", result->finalLoss},
        {"best_step", result->bestStep}});
  return success();
}

} // namespace
