//===- GPTQ.cpp - The quant-gptq pass -------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Finds the layers (matmuls and convolutions with constant weights and a
// calibrated Hessian on their activation), orders them for true-sequential
// quantization, hands each weight to the solver (Solver.h) and writes its
// codes back as quant-quantize would. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "passes/Layers/HessianLayers.h"
#include "passes/Passes.h"
#include "passes/Reports/JsonReport.h"
#include "passes/Reports/Progress.h"
#include "passes/Schemes/SchemeName.h"
#include "passes/Schemes/TableWeights.h"
#include "passes/Schemes/WeightOptions.h"
#include "passes/Schemes/WeightQuantizer.h"
#include "passes/Solvers/GptqSolver.h"
#include "runtime/Executor.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/JSON.h"

#include <cmath>

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTGPTQPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

/// `x[..., order[j]]` as `x'[..., j]`: the activation's last dimension in
/// the order the permuted weight's rows are stored in.
Value gatherLastDim(OpBuilder &b, Location loc, Value x,
                    ArrayRef<int64_t> order) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank(), k = order.size();
  MLIRContext *ctx = b.getContext();
  auto orderType = RankedTensorType::get({k}, b.getI64Type());
  Value indices = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(orderType, order));
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, x),
                                       type.getElementType());
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap last =
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto gather = linalg::GenericOp::create(
      b, loc, type, ValueRange{indices}, ValueRange{init},
      ArrayRef<AffineMap>{last, id}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> at;
        for (int64_t d = 0; d + 1 < rank; ++d)
          at.push_back(linalg::IndexOp::create(nb, nloc, d));
        at.push_back(
            arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), args[0]));
        Value v = tensor::ExtractOp::create(nb, nloc, x, at);
        linalg::YieldOp::create(nb, nloc, v);
      });
  return gather.getResult(0);
}

/// A float-code format's grid for the solver: a block's parameter from the
/// block's largest magnitude, values rounded as quant-quantize rounds them.
class FormatGrid final : public gptq::Grid {
public:
  FormatGrid(SchemeAttr scheme, float weightAmax)
      : format(scheme, weightAmax) {}
  double fit(const double *x, int64_t n) const override {
    return format.blockParamOf(x, n);
  }
  double round(double w, double param) const override {
    return format.round(w, param);
  }

private:
  TableFormat format;
};

class GPTQPass final : public qf::impl::QuantGPTQPassBase<GPTQPass> {
public:
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // true-sequential runs qf-calibrate, which JIT-compiles the model.
    runtime::registerExecutorDependencies("cpu", registry);
  }

  LogicalResult initialize(MLIRContext *ctx) override {
    auto fail = [&](const Twine &message) {
      return emitError(UnknownLoc::get(ctx)) << "quant-gptq: " << message;
    };
    if (std::string error = checkWeightOptions(bits, groupSize); !error.empty())
      return fail(error);
    std::string error;
    FailureOr<SchemeAttr> scheme = formatOption(ctx, format, groupSize, error);
    if (failed(scheme))
      return fail(error);
    formatScheme = *scheme;
    if (!(damp > 0) || blockSize <= 0)
      return fail("damp and block-size must be positive (damping is raised "
                  "x10 until H is positive definite)");
    if (trueSequential && data.empty())
      return fail("true-sequential re-collects the inputs of later layers "
                  "from the model: give data=CALIBRATION (as qf-calibrate's), "
                  "or true-sequential=false");
    return success();
  }

  void runOnOperation() override;

private:
  LogicalResult quantize(HessianLayer &layer);
  /// Fresh statistics for the stage's observers, from the model as it is.
  LogicalResult recalibrate(ArrayRef<HessianLayer> stage);

  llvm::json::Array entries;
  /// The `format` option's scheme, if given.
  SchemeAttr formatScheme;
};

LogicalResult GPTQPass::recalibrate(ArrayRef<HessianLayer> stage) {
  // The model up to the stage's observers: a clone without the other
  // observers, whose outputs are zeros, so that what only computes them is
  // dead and the JIT's lowering drops it (after qf-calibrate has seen which
  // layer each observer feeds).
  ModuleOp module = getOperation();
  llvm::DenseSet<int64_t> ids;
  for (const HessianLayer &l : stage)
    if (auto observer = l.op->getOperand(0).getDefiningOp<ObserveOp>())
      ids.insert(observer.getId());
  OwningOpRef<ModuleOp> prefix = module.clone();
  prefix->walk([&](ObserveOp o) {
    if (ids.contains(o.getId()))
      return;
    o.getOutput().replaceAllUsesWith(o.getInput());
    o.erase();
  });
  prefix->walk([&](func::ReturnOp ret) {
    OpBuilder b(ret);
    for (OpOperand &result : ret->getOpOperands())
      if (auto type = dyn_cast<RankedTensorType>(result.get().getType());
          type && type.hasStaticShape() && type.getElementType().isIntOrFloat())
        result.set(arith::ConstantOp::create(
            b, ret.getLoc(), cast<TypedAttr>(b.getZeroAttr(type))));
  });
  PassManager pm(&getContext(), ModuleOp::getOperationName());
  std::string pipeline = "qf-calibrate{data=" + data +
                         " progress=false hessian=true export=false}";
  if (failed(parsePassPipeline(pipeline, pm)))
    return emitError(module.getLoc())
           << "quant-gptq: cannot build '" << pipeline << "'";
  if (failed(pm.run(*prefix)))
    return emitError(module.getLoc())
           << "quant-gptq: re-collecting the inputs of the next layers failed";
  // Only the Hessians: the other statistics keep the options of the
  // calibration the user ran.
  llvm::DenseMap<int64_t, Attribute> fresh;
  prefix->walk([&](ObserveOp o) {
    if (DictionaryAttr stats = o.getStatsAttr())
      if (Attribute h = stats.get("hessian"))
        fresh[o.getId()] = h;
  });
  module.walk([&](ObserveOp o) {
    Attribute h = fresh.lookup(o.getId());
    if (!h)
      return;
    NamedAttrList stats(o.getStatsAttr() ? o.getStatsAttr()
                                         : DictionaryAttr::get(o.getContext()));
    stats.set("hessian", h);
    o.setStatsAttr(stats.getDictionary(o.getContext()));
  });
  return success();
}

void GPTQPass::runOnOperation() {
  entries = llvm::json::Array();
  SmallVector<HessianLayer> remaining;
  getOperation()->walk([&](Operation *op) {
    if (std::optional<HessianLayer> layer = hessianLayerOf(op))
      remaining.push_back(*layer);
  });
  Progress progress("quant-gptq", remaining.size(), this->progress, "layers",
                    "columns");
  size_t layersDone = 0;
  uint64_t columnsDone = 0;
  // Stages: the layers no other remaining layer feeds (all of them at once
  // without true-sequential).
  bool first = true;
  while (!remaining.empty()) {
    SmallVector<HessianLayer> stage, later;
    if (!trueSequential) {
      stage.swap(remaining);
    } else {
      llvm::SmallPtrSet<Operation *, 16> pending;
      for (HessianLayer &l : remaining)
        pending.insert(l.op);
      for (HessianLayer &l : remaining) {
        SetVector<Operation *> slice;
        BackwardSliceOptions options;
        options.omitUsesFromAbove = false;
        // A slice that cannot be followed counts as fed: wait.
        bool fed =
            failed(getBackwardSlice(l.op->getOperand(0), &slice, options)) ||
            llvm::any_of(slice,
                         [&](Operation *op) { return pending.contains(op); });
        (fed ? later : stage).push_back(l);
      }
      if (stage.empty()) {
        emitError(getOperation().getLoc())
            << "quant-gptq: no layer's input can be computed before the "
               "others are quantized (a cycle?)";
        return signalPassFailure();
      }
      remaining.swap(later);
      if (!first && failed(recalibrate(stage)))
        return signalPassFailure();
    }
    first = false;
    for (HessianLayer &layer : stage) {
      if (!layer.observer) {
        // Not watched by calibration (qf-insert-observers' selection):
        // quant-quantize rounds it to nearest.
        layer.op->emitRemark("GPTQ: skipped, its input is not observed");
        continue;
      }
      if (failed(quantize(layer)))
        return signalPassFailure();
      auto weight = cast<ShapedType>(layer.op->getOperand(1).getType());
      columnsDone += weight.getNumElements() / weight.getShape().back();
      progress.update(++layersDone, columnsDone);
    }
  }
  progress.finish();
  if (!report.empty() &&
      failed(writeJsonReport(report, "layers", std::move(entries),
                             getOperation()->getLoc(), "quant-gptq")))
    return signalPassFailure();
}

LogicalResult GPTQPass::quantize(HessianLayer &layer) {
  Operation *op = layer.op;
  Value weight = op->getOperand(1);
  auto type = cast<RankedTensorType>(weight.getType());
  ArrayRef<int64_t> shape = type.getShape();
  const int64_t rows = shape.back(), cols = type.getNumElements() / rows;
  std::optional<std::vector<double>> h = hessianOf(layer.observer, cols);
  if (!h)
    return op->emitOpError("GPTQ needs the calibrated Hessian of its input "
                           "(a qf.observe with hessian [")
           << cols << ", " << cols
           << "]): run qf-insert-observers and qf-calibrate hessian=true first";

  // A scheme mixed-precision assignment chose for the layer wins over the
  // options.
  unsigned bits = this->bits;
  int64_t groupSize = this->groupSize;
  bool symmetric = this->symmetric;
  SchemeAttr gridScheme = formatScheme;
  if (auto scheme = op->getAttrOfType<SchemeAttr>("qf.scheme")) {
    std::optional<WeightRounding> assigned = weightRoundingOf(scheme);
    if (!assigned) {
      op->emitRemark("GPTQ: skipped, its assigned scheme ")
          << schemeName(scheme) << " is quant-quantize's";
      return success();
    }
    bits = assigned->bits;
    groupSize = assigned->groupSize;
    symmetric = assigned->symmetric;
    gridScheme = assigned->grid;
  }
  gptq::Options options;
  options.bits = bits;
  options.groupSize = groupSize;
  options.symmetric = symmetric;
  options.actOrder = actOrder;
  options.staticGroups = staticGroups;
  options.damp = damp;
  options.blockSize = blockSize;
  options.mseGrid = mseGrid;
  // Groups run along the reduction; a convolution's, along its input
  // channels within each window position.
  int64_t along = layer.isConv ? shape[2] : cols;
  if (groupSize > 0 && along % groupSize) {
    if (groupFallback != GroupFallback::Channel)
      return op->emitOpError("group size ")
             << groupSize << " does not divide the reduction (" << along
             << "); use group-fallback=channel for per-channel parameters";
    options.groupSize = 0;
  }
  if (layer.isConv && options.groupSize > 0 && actOrder && !staticGroups) {
    // A convolution's input cannot follow a reordered reduction: its groups
    // keep their places.
    op->emitRemark("GPTQ: act-order with groups on a convolution uses static "
                   "groups");
    options.staticGroups = true;
  }

  std::vector<double> w = layer.solverWeight();
  std::optional<FormatGrid> grid;
  float weightAmax = 0;
  if (gridScheme) {
    if (gridScheme.getRounding() != RoundingMode::half_even)
      return op->emitOpError("GPTQ rounds float-code formats half_even only");
    for (double v : w)
      weightAmax = std::max(weightAmax, std::fabs(float(v)));
    // The blocks GPTQ uses (per channel where the group did not divide).
    int64_t group = std::max<int64_t>(options.groupSize, 0);
    gridScheme = SchemeAttr::get(
        op->getContext(), gridScheme.getWeightType(), Type(),
        group > 0 ? Granularity::per_group : Granularity::per_channel, group,
        true, RoundingMode::half_even, std::nullopt, gridScheme.getFormat());
    grid.emplace(gridScheme, weightAmax);
    options.grid = &*grid;
  }
  llvm::Expected<gptq::Result> result = gptq::run(w, rows, cols, *h, options);
  if (!result)
    return op->emitOpError("GPTQ: ") << llvm::toString(result.takeError());
  if (result->raised)
    op->emitRemark("GPTQ: the Hessian needed damping ")
        << result->damping << " (raised x10 " << result->raised
        << " times) to be positive definite";

  const int64_t groups = result->scales.size() / rows;
  std::string blocks = groups > 1 ? " g" + std::to_string(options.groupSize)
                                  : std::string(" per channel");
  std::string order = actOrder ? " act-order" : "";
  if (grid) {
    std::string scheme = "gptq " +
                         stringifyWeightFormat(gridScheme.getFormat()).str() +
                         blocks + order;
    if (!replaceTableWeight(layer, w, *h, *result, gridScheme, weightAmax,
                            scheme))
      return failure();
  } else {
    std::string scheme = "gptq w" + std::to_string(bits) + blocks +
                         (symmetric ? " symmetric" : "") + order +
                         (mseGrid ? " mse" : "");
    replaceWeight(layer, w, *h, *result,
                  {scheme, bits, options.groupSize, symmetric});
  }
  if (result->permuted()) {
    OpBuilder b(op);
    op->setOperand(0, gatherLastDim(b, op->getLoc(), op->getOperand(0),
                                    result->columnOrder));
  }

  if (!report.empty()) {
    double outputError =
        gptq::outputError(w, result->dequantized(), rows, cols, *h);
    std::vector<double> rtnValues =
        gptq::roundToNearest(w, rows, cols, options).dequantized();
    double rtnError = gptq::outputError(w, rtnValues, rows, cols, *h);
    llvm::json::Array dims;
    for (int64_t d : shape)
      dims.push_back(d);
    entries.push_back(llvm::json::Object{
        {"layer", layerName(op->getLoc())},
        {"shape", std::move(dims)},
        {"groups", groups},
        {"act_order_storage", result->permuted()},
        {"damping", result->damping},
        {"damping_raised", result->raised},
        {"gptq_error", outputError},
        {"rtn_error", rtnError},
        {"rtn_over_gptq", outputError > 0 ? rtnError / outputError : 0.0}});
  }
  return success();
}

} // namespace
