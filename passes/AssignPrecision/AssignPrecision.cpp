//===- AssignPrecision.cpp - The quant-assign-precision pass --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Finds the layers, groups those that share an input, asks the target which
// candidates it runs and what each costs, measures every layer's sensitivity
// to every candidate (Sensitivity.h, EndToEnd.h), solves the budgeted choice
// exactly (Knapsack.h) and writes the winners as qf.scheme. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFTarget.h"
#include "numerics/Rounding.h"
#include "passes/AssignPrecision/EndToEnd.h"
#include "passes/AssignPrecision/Knapsack.h"
#include "passes/AssignPrecision/PrecisionReport.h"
#include "passes/AssignPrecision/Sensitivity.h"
#include "passes/Passes.h"
#include "passes/Reports/JsonReport.h"
#include "passes/Schemes/SchemeName.h"
#include "runtime/Executor.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTASSIGNPRECISIONPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::precision;

namespace {

/// Layers that must share a scheme, and what each candidate costs them.
struct Group {
  SmallVector<unsigned> layers;
  /// Per candidate: offered to every member, and their summed costs.
  std::vector<bool> offered;
  std::vector<CostEstimate> cost;
  std::vector<double> sensitivity;
};

enum class Budget { Bits, Bytes, Latency };

class AssignPrecisionPass final
    : public qf::impl::QuantAssignPrecisionPassBase<AssignPrecisionPass> {
public:
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // e2e and the measured frontier run quant-quantize and the JIT.
    registry.insert<quant::QuantDialect, arith::ArithDialect>();
    runtime::registerExecutorDependencies("cpu", registry);
  }

  LogicalResult initialize(MLIRContext *ctx) override;
  void runOnOperation() override;

private:
  LogicalResult findLayers();
  LogicalResult costGroups(const TargetDescription &target);
  LogicalResult measure();
  /// Scales a group's sensitivities by the model's output error over the
  /// group's own (the `gain` option).
  LogicalResult scaleByGain(Group &group);
  /// The cost the budget counts, in the budget's own unit.
  double costOf(const CostEstimate &c) const {
    return budgetKind == Budget::Latency ? c.seconds * 1e6 : c.weightBytes;
  }
  /// A cost in the unit the user wrote the budget in.
  double display(double cost) const {
    return budgetKind == Budget::Bits ? cost * 8 / totalElements : cost;
  }
  std::string mixOf(ArrayRef<unsigned> choice) const;
  SmallVector<SchemeAttr> schemesOf(ArrayRef<unsigned> choice) const;
  LogicalResult writeReport(ArrayRef<knapsack::Point> frontier,
                            const knapsack::Point &chosen,
                            std::optional<double> chosenMeasured);

  // From the options.
  SmallVector<SchemeAttr> allSchemes;
  std::vector<std::string> allNames;
  Budget budgetKind = Budget::Bits;
  SensitivityOptions sensitivityOptions;
  std::string quantizeOptions;

  // Per run.
  /// The candidates the target runs.
  SmallVector<SchemeAttr> schemes;
  std::vector<std::string> names;
  std::vector<Layer> layers;
  std::vector<Group> groups;
  /// Per layer and candidate, for the report.
  std::vector<std::vector<double>> layerSensitivity;
  std::vector<std::vector<CostEstimate>> layerCost;
  double totalElements = 0;
  /// Per run; shared only so that the pass stays copyable.
  std::shared_ptr<EndToEnd> e2e;
};

LogicalResult AssignPrecisionPass::initialize(MLIRContext *ctx) {
  auto fail = [&](const Twine &message) {
    return emitError(UnknownLoc::get(ctx))
           << "quant-assign-precision: " << message;
  };
  int budgets = (budgetBits != 0) + (budgetBytes != 0) + (budgetLatency != 0);
  if (budgets != 1)
    return fail("give exactly one budget: budget-bits, budget-bytes or "
                "budget-latency");
  if (budgetBits < 0 || budgetBytes < 0 || budgetLatency < 0 ||
      !std::isfinite(budgetBits) || !std::isfinite(budgetLatency))
    return fail("the budget must be positive and finite");
  budgetKind = budgetBits != 0    ? Budget::Bits
               : budgetBytes != 0 ? Budget::Bytes
                                  : Budget::Latency;
  bool runsModel = objective == SensitivityObjective::EndToEnd || gain;
  if (runsModel && data.empty())
    return fail("objective=e2e and gain run the model: give "
                "data=CALIBRATION");
  if (gain && (objective == SensitivityObjective::EndToEnd ||
               objective == SensitivityObjective::Position))
    return fail("gain scales output-mse and hessian sensitivities only");
  if (maxSamples <= 0)
    return fail("max-samples must be positive");
  if (rounding == RoundingMode::stochastic)
    return fail("rounding must be half_even, half_away, floor, ceil or "
                "toward_zero, not 'stochastic'");
  sensitivityOptions.actQuant = dynamicActivations;
  sensitivityOptions.actSymmetric = actSymmetric;
  quantizeOptions = llvm::formatv(
      "symmetric={0} act-symmetric={1} rounding={2} dynamic-activations={3}",
      symmetric ? "true" : "false", actSymmetric ? "true" : "false",
      stringifyRoundingMode(rounding), stringify(dynamicActivations));

  std::vector<std::string> list(candidates.begin(), candidates.end());
  if (list.empty())
    list = {"w8a8", "w8a16", "w4a16g128", "w3a16g128", "f16"};
  allSchemes.clear();
  allNames.clear();
  for (const std::string &name : list) {
    std::string error;
    FailureOr<SchemeAttr> scheme =
        parseSchemeName(ctx, name, symmetric, rounding, std::nullopt, error);
    if (failed(scheme))
      return fail("candidate " + error);
    if (llvm::is_contained(allSchemes, *scheme))
      return fail("candidate '" + name + "' is listed twice");
    allSchemes.push_back(*scheme);
    allNames.push_back(name);
  }
  return success();
}

LogicalResult AssignPrecisionPass::findLayers() {
  layers.clear();
  totalElements = 0;
  getOperation()->walk([&](Operation *op) {
    std::optional<Contraction> c = contractionOf(op);
    // Batched weights have no calibration rows to measure against.
    if (!c || isa<linalg::BatchMatmulOp>(op))
      return;
    Value weight = op->getOperand(c->weight);
    auto type = dyn_cast<RankedTensorType>(weight.getType());
    std::optional<std::vector<float>> data = constantWeight(weight);
    if (!type || !type.getElementType().isF32() || !data)
      return;
    Layer layer{op,
                *c,
                type,
                std::move(*data),
                0,
                type.getShape().back(),
                op->getOperand(c->activation).getDefiningOp<ObserveOp>(),
                layerName(op->getLoc())};
    layer.k = type.getNumElements() / std::max<int64_t>(layer.n, 1);
    totalElements += type.getNumElements();
    layers.push_back(std::move(layer));
  });
  for (const Layer &layer : layers)
    for (float v : layer.weight)
      if (!std::isfinite(v))
        return layer.op->emitOpError(
            "quant-assign-precision: the weight contains NaN or infinite "
            "values");
  return success();
}

LogicalResult AssignPrecisionPass::costGroups(const TargetDescription &target) {
  // Group by the activation read, looking through its observer.
  llvm::MapVector<Value, SmallVector<unsigned>> byInput;
  for (auto [i, layer] : llvm::enumerate(layers)) {
    Value input = layer.op->getOperand(layer.contraction.activation);
    if (auto observe = input.getDefiningOp<ObserveOp>())
      input = observe.getInput();
    if (shareInputs)
      byInput[input].push_back(i);
    else
      groups.push_back({{unsigned(i)}, {}, {}, {}});
  }
  for (auto &entry : byInput)
    groups.push_back({entry.second, {}, {}, {}});

  layerCost.assign(layers.size(), std::vector<CostEstimate>(schemes.size()));
  for (Group &group : groups) {
    group.offered.assign(schemes.size(), true);
    group.cost.assign(schemes.size(), CostEstimate());
    for (auto [c, scheme] : llvm::enumerate(schemes)) {
      for (unsigned i : group.layers) {
        const Layer &layer = layers[i];
        int64_t reduction =
            layer.weightType.getDimSize(layer.contraction.axes.reduction);
        if (scheme.getGranularity() == Granularity::per_group &&
            reduction % scheme.getGroupSize() != 0) {
          group.offered[c] = false;
          continue;
        }
        FailureOr<CostEstimate> cost =
            target.costModel->estimate(layer.op, scheme);
        if (failed(cost))
          return failure();
        layerCost[i][c] = *cost;
        group.cost[c].weightBytes += cost->weightBytes;
        group.cost[c].seconds += cost->seconds;
      }
    }
    if (llvm::none_of(group.offered, [](bool b) { return b; }))
      return layers[group.layers.front()].op->emitOpError(
                 "quant-assign-precision: no candidate fits this layer (its "
                 "reduction of ")
             << layers[group.layers.front()].weightType.getDimSize(
                    layers[group.layers.front()].contraction.axes.reduction)
             << " is not a multiple of any candidate's group size)";
  }
  return success();
}

LogicalResult AssignPrecisionPass::measure() {
  layerSensitivity.assign(layers.size(), std::vector<double>(schemes.size()));
  for (Group &group : groups) {
    group.sensitivity.assign(schemes.size(), 0.0);
    for (auto [c, scheme] : llvm::enumerate(schemes)) {
      if (!group.offered[c])
        continue;
      if (objective == SensitivityObjective::EndToEnd) {
        SmallVector<SchemeAttr> assignment(layers.size());
        for (unsigned i : group.layers)
          assignment[i] = scheme;
        FailureOr<double> error = e2e->error(assignment);
        if (failed(error))
          return failure();
        group.sensitivity[c] = *error;
        for (unsigned i : group.layers)
          layerSensitivity[i][c] = *error / group.layers.size();
        continue;
      }
      for (unsigned i : group.layers) {
        const Layer &layer = layers[i];
        double error;
        if (objective == SensitivityObjective::Position) {
          error =
              positionPrior(layer, scheme, i == 0 || i + 1 == layers.size());
        } else {
          FailureOr<std::vector<float>> quantized =
              simulateWeight(layer, scheme);
          if (failed(quantized))
            return failure();
          FailureOr<double> measured =
              objective == SensitivityObjective::Hessian
                  ? hessianError(layer, scheme, *quantized, sensitivityOptions)
                  : outputMse(layer, scheme, *quantized, sensitivityOptions);
          if (failed(measured))
            return failure();
          error = *measured;
        }
        layerSensitivity[i][c] = error;
        group.sensitivity[c] += error;
      }
    }
    if (gain && failed(scaleByGain(group)))
      return failure();
  }
  return success();
}

LogicalResult AssignPrecisionPass::scaleByGain(Group &group) {
  // At the group's cheapest candidate (the largest error, the most robust
  // ratio): how much of the layers' own output error reaches the model's
  // outputs. Errors this small propagate linearly, so one ratio serves
  // every candidate.
  std::optional<size_t> cheapest;
  for (size_t c = 0; c < schemes.size(); ++c)
    if (group.offered[c] &&
        (!cheapest || costOf(group.cost[c]) < costOf(group.cost[*cheapest])))
      cheapest = c;
  if (group.sensitivity[*cheapest] <= 0)
    return success();
  SmallVector<SchemeAttr> assignment(layers.size());
  for (unsigned i : group.layers)
    assignment[i] = schemes[*cheapest];
  FailureOr<double> error = e2e->error(assignment);
  if (failed(error))
    return failure();
  double ratio = *error / group.sensitivity[*cheapest];
  for (double &v : group.sensitivity)
    v *= ratio;
  for (unsigned i : group.layers)
    for (double &v : layerSensitivity[i])
      v *= ratio;
  return success();
}

SmallVector<SchemeAttr>
AssignPrecisionPass::schemesOf(ArrayRef<unsigned> choice) const {
  SmallVector<SchemeAttr> assignment(layers.size());
  for (auto [group, c] : llvm::zip(groups, choice))
    for (unsigned i : group.layers)
      assignment[i] = schemes[c];
  return assignment;
}

std::string AssignPrecisionPass::mixOf(ArrayRef<unsigned> choice) const {
  std::map<unsigned, unsigned> count;
  for (auto [group, c] : llvm::zip(groups, choice))
    count[c] += group.layers.size();
  std::string mix;
  for (auto [c, n] : count)
    mix += (mix.empty() ? "" : ", ") + names[c] + " x" + std::to_string(n);
  return mix;
}

void AssignPrecisionPass::runOnOperation() {
  ModuleOp module = getOperation();
  groups.clear();
  e2e.reset();
  llvm::Expected<TargetDescription> target =
      TargetRegistry::global().get(backend);
  if (!target) {
    emitError(module.getLoc())
        << "quant-assign-precision: " << llvm::toString(target.takeError());
    return signalPassFailure();
  }
  // Never offer what the target cannot run.
  std::string dropped;
  schemes.clear();
  names.clear();
  for (auto [name, scheme] : llvm::zip(allNames, allSchemes)) {
    if (std::optional<std::string> why = target->capabilities->whyNot(scheme)) {
      dropped += (dropped.empty() ? "" : "; ") + name + ": " + *why;
      continue;
    }
    schemes.push_back(scheme);
    names.push_back(name);
  }
  if (schemes.empty()) {
    emitError(module.getLoc())
        << "quant-assign-precision: backend '" << backend
        << "' can run none of the candidates (" << dropped << "); it supports "
        << target->capabilities->describe();
    return signalPassFailure();
  }
  if (!dropped.empty())
    emitRemark(module.getLoc())
        << "quant-assign-precision: backend '" << backend
        << "' cannot run candidates " << dropped;

  if (failed(findLayers()))
    return signalPassFailure();
  if (layers.empty()) {
    emitWarning(module.getLoc()) << "quant-assign-precision: no matmul or "
                                    "convolution with a constant f32 weight";
    return;
  }
  if (failed(costGroups(*target)))
    return signalPassFailure();
  if (!data.empty() && (objective == SensitivityObjective::EndToEnd || gain ||
                        measurePoints > 0)) {
    FailureOr<std::unique_ptr<EndToEnd>> runner = EndToEnd::create(
        module, layers, {data, entry, maxSamples, quantizeOptions});
    if (failed(runner))
      return signalPassFailure();
    e2e = std::move(*runner);
  }
  if (failed(measure()))
    return signalPassFailure();

  // Offered candidates only, mapped back to candidate indices after.
  std::vector<SmallVector<knapsack::Option>> options;
  std::vector<SmallVector<unsigned>> indices;
  for (const Group &group : groups) {
    options.emplace_back();
    indices.emplace_back();
    for (size_t c = 0; c < schemes.size(); ++c)
      if (group.offered[c]) {
        options.back().push_back({costOf(group.cost[c]), group.sensitivity[c]});
        indices.back().push_back(c);
      }
  }
  std::optional<std::vector<knapsack::Point>> frontier =
      knapsack::paretoFrontier(options);
  if (!frontier) {
    emitError(module.getLoc())
        << "quant-assign-precision: " << groups.size() << " groups with "
        << schemes.size()
        << " candidates have too many Pareto-optimal partial "
           "choices to solve exactly; offer fewer candidates";
    return signalPassFailure();
  }
  for (knapsack::Point &p : *frontier)
    for (auto [g, choice] : llvm::enumerate(p.choice))
      choice = indices[g][choice];

  double budget = budgetKind == Budget::Bits    ? budgetBits * totalElements / 8
                  : budgetKind == Budget::Bytes ? double(budgetBytes)
                                                : double(budgetLatency);
  std::string budgetText =
      budgetKind == Budget::Bits
          ? llvm::formatv("budget-bits={0}", budgetBits.getValue()).str()
      : budgetKind == Budget::Bytes
          ? llvm::formatv("budget-bytes={0}", budgetBytes.getValue()).str()
          : llvm::formatv("budget-latency={0}", budgetLatency.getValue()).str();
  std::optional<knapsack::Point> best = knapsack::bestWithin(*frontier, budget);
  if (!best) {
    StringRef unit = budgetKind == Budget::Bits    ? " bits per weight"
                     : budgetKind == Budget::Bytes ? " bytes"
                                                   : " us";
    emitError(module.getLoc())
        << "quant-assign-precision: " << budgetText
        << " cannot be met: the cheapest assignment of these "
           "candidates needs "
        << llvm::formatv("{0:f4}", display(frontier->front().cost)) << unit
        << " (" << mixOf(frontier->front().choice) << ")";
    return signalPassFailure();
  }

  SmallVector<SchemeAttr> assignment = schemesOf(best->choice);
  for (auto [layer, scheme] : llvm::zip(layers, assignment))
    layer.op->setAttr("qf.scheme", scheme);

  std::optional<double> measured;
  if (e2e && measurePoints > 0) {
    FailureOr<double> error = e2e->error(assignment);
    if (failed(error))
      return signalPassFailure();
    measured = *error;
  }
  emitRemark(module.getLoc())
      << "quant-assign-precision: " << budgetText << ": " << mixOf(best->choice)
      << "; cost " << llvm::formatv("{0:f4}", display(best->cost))
      << ", predicted error " << llvm::formatv("{0:e4}", best->error);
  if (!report.empty() && failed(writeReport(*frontier, *best, measured)))
    return signalPassFailure();
}

LogicalResult
AssignPrecisionPass::writeReport(ArrayRef<knapsack::Point> frontier,
                                 const knapsack::Point &chosen,
                                 std::optional<double> chosenMeasured) {
  PrecisionReport r;
  r.backend = backend;
  r.objective = stringify(objective).str();
  r.budget =
      budgetKind == Budget::Bits
          ? llvm::formatv("{0} average weight bits", budgetBits.getValue())
                .str()
      : budgetKind == Budget::Bytes
          ? llvm::formatv("{0} weight bytes", budgetBytes.getValue()).str()
          : llvm::formatv("{0} us", budgetLatency.getValue()).str();
  r.unit = budgetKind == Budget::Bits    ? "avg bits"
           : budgetKind == Budget::Bytes ? "bytes"
                                         : "us";
  r.candidates = names;
  for (auto [g, group] : llvm::enumerate(groups)) {
    for (unsigned i : group.layers) {
      ReportLayer row;
      row.name = layers[i].name;
      llvm::raw_string_ostream os(row.shape);
      llvm::interleave(layers[i].weightType.getShape(), os, "x");
      row.group = g;
      row.chosen = chosen.choice[g];
      for (size_t c = 0; c < schemes.size(); ++c)
        row.cells.push_back({bool(group.offered[c]), layerSensitivity[i][c],
                             layerCost[i][c].weightBytes,
                             layerCost[i][c].seconds});
      r.layers.push_back(std::move(row));
    }
  }
  // Measure evenly spaced frontier points, the ends included.
  size_t n = frontier.size();
  unsigned points = e2e ? std::min<size_t>(measurePoints, n) : 0;
  std::vector<bool> measureAt(n, false);
  for (unsigned p = 0; p < points; ++p)
    measureAt[points == 1 ? n - 1 : p * (n - 1) / (points - 1)] = true;
  for (size_t i = 0; i < n; ++i) {
    const knapsack::Point &p = frontier[i];
    ReportPoint point{display(p.cost), p.error, std::nullopt, mixOf(p.choice)};
    if (measureAt[i]) {
      FailureOr<double> error = e2e->error(schemesOf(p.choice));
      if (failed(error))
        return failure();
      point.measured = *error;
    }
    r.frontier.push_back(std::move(point));
  }
  r.chosen = {display(chosen.cost), chosen.error, chosenMeasured,
              mixOf(chosen.choice)};
  return writePrecisionReport(report, r, getOperation().getLoc());
}

} // namespace
