//===- SmoothQuant.cpp - Migrate activation outliers into weights ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// quant-smoothquant: groups (an absorbing producer, the matmuls it feeds)
// are found by walking each matmul's activation back through qf.observe and
// reshapes; the producer is a linalg.generic ending in x * gamma[j]
// (+ beta[j]) with constant gamma/beta indexed by the last dimension, or a
// linear layer (a matmul with a constant weight, + a bias generic). See
// Passes.td for the formulas.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "passes/Common/JsonReport.h"
#include "passes/Numerics/QuantParams.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/JSON.h"

#include <cmath>

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTSMOOTHQUANTPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

/// A matmul reading the group's activation, and the observer on its way.
struct Consumer {
  linalg::MatmulOp op;
  ObserveOp observer;
};

bool isReshape(Operation *op) {
  return isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ReshapeOp>(
      op);
}

/// Follows `v` back through observers and reshapes, and records the
/// observer met. Reshapes keep channels: in row-major order, element (r, j)
/// of any [.., k] view is element r * k + j, so a reshape chain between two
/// tensors whose last dimension is k maps channel j to channel j.
Value producerOf(Value v, ObserveOp &observer) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto o = dyn_cast<ObserveOp>(def)) {
      observer = o;
      v = o.getInput();
    } else if (isReshape(def)) {
      v = def->getOperand(0);
    } else {
      break;
    }
  }
  return v;
}

/// Whether every use of `v` (through observers and reshapes) is one of the
/// group's matmuls, as its activation operand.
bool onlyFeeds(Value v, const llvm::SmallPtrSetImpl<Operation *> &matmuls) {
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (matmuls.contains(user) && use.getOperandNumber() == 0)
      continue;
    if ((isa<ObserveOp>(user) || isReshape(user)) &&
        onlyFeeds(user->getResult(0), matmuls))
      continue;
    return false;
  }
  return true;
}

/// The operands through which the consumers' activation chains (observers
/// and reshapes) read `producer`, if every chain's first op leads only to
/// the group's matmuls: where an explicit scale can be put in.
std::optional<SmallVector<OpOperand *>>
chainStarts(Value producer, MutableArrayRef<Consumer> consumers,
            const llvm::SmallPtrSetImpl<Operation *> &matmuls) {
  llvm::SetVector<OpOperand *> starts;
  for (Consumer &c : consumers) {
    OpOperand *use = &c.op->getOpOperand(0);
    while (use->get() != producer)
      use = &use->get().getDefiningOp()->getOpOperand(0);
    Operation *head = use->getOwner();
    if (head != c.op.getOperation() && !onlyFeeds(head->getResult(0), matmuls))
      return std::nullopt;
    starts.insert(use);
  }
  return SmallVector<OpOperand *>(starts.begin(), starts.end());
}

/// `v * inv[j]` over the last dimension j of `v`, after `v`'s definition.
Value scaleLastDim(Value v, ArrayRef<double> s) {
  OpBuilder b(v.getContext());
  b.setInsertionPointAfterValue(v);
  Location loc = v.getLoc();
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank(), k = type.getShape().back();
  std::vector<float> inv(k);
  for (int64_t j = 0; j < k; ++j)
    inv[j] = float(1.0 / s[j]);
  auto vecType = RankedTensorType::get({k}, type.getElementType());
  Value vec = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vecType, ArrayRef<float>(inv)));
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, v), type.getElementType());
  MLIRContext *ctx = v.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap last =
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto op = linalg::GenericOp::create(
      b, loc, type, ValueRange{v, vec}, ValueRange{init},
      ArrayRef<AffineMap>{id, last, id}, iterators,
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        Value m = arith::MulFOp::create(nb, nloc, args[0], args[1]);
        linalg::YieldOp::create(nb, nloc, m);
      });
  return op.getResult(0);
}

/// Where an absorbing producer takes the division by s: a constant operand
/// that is a per-channel vector [K] (gamma, beta, a bias), or a weight
/// [K0, K] whose output columns are divided.
struct Target {
  Operation *op;
  unsigned operand;
  bool columns;
};

/// The constant f32 input of `op` behind block argument `arg`, if it is a
/// [K] vector read at the last loop dimension.
std::optional<unsigned> lastDimConstant(linalg::GenericOp op, Value arg,
                                        int64_t k) {
  Block &body = op.getRegion().front();
  auto ba = dyn_cast<BlockArgument>(arg);
  if (!ba || ba.getOwner() != &body ||
      ba.getArgNumber() >= op.getNumDpsInputs())
    return std::nullopt;
  unsigned i = ba.getArgNumber();
  AffineMap map = op.getIndexingMapsArray()[i];
  if (map.getNumResults() != 1 ||
      map.getResult(0) != getAffineDimExpr(op.getNumLoops() - 1,
                                           op.getContext()))
    return std::nullopt;
  DenseElementsAttr c;
  Value input = op.getDpsInputOperand(i)->get();
  if (!matchPattern(input, m_Constant(&c)) || !c.getElementType().isF32() ||
      c.getNumElements() != k)
    return std::nullopt;
  return i;
}

/// A linalg.matmul with a constant f32 [K0, K] weight and a zero init
/// behind `v` (through reshapes, each used once; `v` itself used once when
/// `singleUse`): a linear layer.
std::optional<Target> linearBehind(Value v, int64_t k, bool singleUse) {
  while (Operation *def = v.getDefiningOp()) {
    if (singleUse && !v.hasOneUse())
      return std::nullopt;
    singleUse = true;
    if (isReshape(def)) {
      v = def->getOperand(0);
      continue;
    }
    auto mm = dyn_cast<linalg::MatmulOp>(def);
    DenseElementsAttr w;
    if (!mm || mm.hasUserDefinedMaps() ||
        !matchPattern(mm.getInputs()[1], m_Constant(&w)) ||
        !w.getElementType().isF32() ||
        cast<ShapedType>(w.getType()).getDimSize(1) != k)
      return std::nullopt;
    auto fill = mm.getOutputs()[0].getDefiningOp<linalg::FillOp>();
    if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return std::nullopt;
    return Target{mm, 1, true};
  }
  return std::nullopt;
}

/// The targets of an absorbing producer of `v`:
///  - an elementwise generic yielding x * gamma (+ beta): gamma and beta;
///  - a linear layer (+ a generic adding a bias): its weight's output
///    columns and the bias.
std::optional<SmallVector<Target>> absorberOf(Value v, int64_t k) {
  if (auto linear = linearBehind(v, k, /*singleUse=*/false))
    return SmallVector<Target>{*linear};
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op || op->getNumResults() != 1 || op.getNumReductionLoops() != 0 ||
      !op.getIndexingMapsArray().back().isIdentity())
    return std::nullopt;
  Block &body = op.getRegion().front();
  Value yielded = cast<linalg::YieldOp>(body.getTerminator()).getValues()[0];
  SmallVector<Target> targets;
  Value scaled = yielded;
  if (auto add = yielded.getDefiningOp<arith::AddFOp>()) {
    for (auto [x, y] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())})
      if (auto b = lastDimConstant(op, y, k)) {
        targets.push_back({op, *b, false});
        scaled = x;
        break;
      }
    if (targets.empty())
      return std::nullopt;
    // x + bias with x a linear layer's output.
    if (auto ba = dyn_cast<BlockArgument>(scaled);
        ba && ba.getOwner() == &body &&
        ba.getArgNumber() < op.getNumDpsInputs() &&
        op.getIndexingMapsArray()[ba.getArgNumber()].isIdentity())
      if (auto linear = linearBehind(
              op.getDpsInputOperand(ba.getArgNumber())->get(), k,
              /*singleUse=*/true)) {
        targets.push_back(*linear);
        return targets;
      }
  }
  auto mul = scaled.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return std::nullopt;
  for (Value operand : {mul.getLhs(), mul.getRhs()})
    if (auto g = lastDimConstant(op, operand, k)) {
      if (!targets.empty() && targets[0].operand == *g)
        continue;
      targets.push_back({op, *g, false});
      return targets;
    }
  return std::nullopt;
}

std::vector<float> floats(DenseElementsAttr c) {
  return std::vector<float>(c.getValues<float>().begin(),
                            c.getValues<float>().end());
}

/// A consumer's constant weight, row-major [k, n].
std::vector<float> weightOf(Consumer &c, int64_t &n) {
  DenseElementsAttr w;
  matchPattern(c.op.getInputs()[1], m_Constant(&w));
  n = cast<ShapedType>(w.getType()).getDimSize(1);
  return floats(w);
}


/// The squared error ||Q(X/s) Q(s W) - X W||^2 and ||X W||^2 over the rows
/// X [r, k] and the consumers' weights W [k, n] side by side: activations
/// int8 per tensor (asymmetric, over the range of `fit` / s, the rows the
/// range was calibrated on), weights int8 per output channel (symmetric,
/// narrow), round half to even.
std::pair<double, double> w8a8Error(ArrayRef<float> fit, ArrayRef<float> rows,
                                    int64_t k, ArrayRef<float> weight,
                                    int64_t n, ArrayRef<double> s) {
  int64_t r = rows.size() / k;
  using numerics::IntRange;
  IntRange act = IntRange::forBits(8, true), wgt = IntRange::forBits(8, true, true);
  float lo = 0, hi = 0;
  for (size_t i = 0; i < fit.size(); ++i) {
    float v = float(fit[i] / s[i % k]);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Activations.
  std::vector<float> xs(rows.size());
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < k; ++j)
      xs[i * k + j] = float(rows[i * k + j] / s[j]);
  auto ap = numerics::chooseQuantParams(lo, hi, act, /*symmetric=*/false);
  std::vector<double> xq(xs.size());
  for (size_t i = 0; i < xs.size(); ++i)
    xq[i] = numerics::dequantize(
        numerics::quantize(xs[i], ap->scale, ap->zeroPoint, act,
                           numerics::RoundingMode::HalfEven),
        ap->scale, ap->zeroPoint);
  // Weights, per output channel.
  std::vector<double> wq(k * n);
  for (int64_t c = 0; c < n; ++c) {
    float m = 0;
    for (int64_t j = 0; j < k; ++j)
      m = std::max(m, std::fabs(float(weight[j * n + c] * s[j])));
    auto wp = numerics::chooseQuantParams(-m, m, wgt, /*symmetric=*/true);
    for (int64_t j = 0; j < k; ++j)
      wq[j * n + c] = numerics::dequantize(
          numerics::quantize(float(weight[j * n + c] * s[j]), wp->scale,
                             wp->zeroPoint, wgt,
                             numerics::RoundingMode::HalfEven),
          wp->scale, wp->zeroPoint);
  }
  double err = 0, norm = 0;
  for (int64_t i = 0; i < r; ++i)
    for (int64_t c = 0; c < n; ++c) {
      double ref = 0, got = 0;
      for (int64_t j = 0; j < k; ++j) {
        ref += double(rows[i * k + j]) * weight[j * n + c];
        got += xq[i * k + j] * wq[j * n + c];
      }
      err += (got - ref) * (got - ref);
      norm += ref * ref;
    }
  return {err, norm};
}

/// Folds of alpha-search's cross-validation.
constexpr int64_t kFolds = 4;

class SmoothQuantPass final
    : public qf::impl::QuantSmoothQuantPassBase<SmoothQuantPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (alpha < 0 || alpha > 1 || !(minScale > 0)) {
      emitError(getOperation()->getLoc())
          << "quant-smoothquant: alpha must be in [0, 1] and min-scale "
             "positive";
      return signalPassFailure();
    }
    grid.clear();
    if (alphaSearch) {
      SmallVector<StringRef> parts;
      StringRef(alphaGrid).split(parts, ':');
      double first, last, step;
      if (parts.size() != 3 || parts[0].getAsDouble(first) ||
          parts[1].getAsDouble(last) || parts[2].getAsDouble(step) ||
          first < 0 || last > 1 || first > last || !(step > 0)) {
        emitError(getOperation()->getLoc())
            << "quant-smoothquant: alpha-grid must be first:last:step with "
               "0 <= first <= last <= 1 and step > 0, not '"
            << alphaGrid << "'";
        return signalPassFailure();
      }
      for (int i = 0; first + i * step <= last + 1e-9; ++i)
        grid.push_back(first + i * step);
    }
    // Matmuls with constant [K, N] f32 weights, grouped by producer.
    llvm::MapVector<Value, SmallVector<Consumer>> groups;
    getOperation()->walk([&](linalg::MatmulOp op) {
      if (!op.hasPureTensorSemantics() || op.hasUserDefinedMaps())
        return;
      DenseElementsAttr w;
      if (!matchPattern(op.getInputs()[1], m_Constant(&w)) ||
          !w.getElementType().isF32())
        return;
      int64_t k = cast<ShapedType>(w.getType()).getDimSize(0);
      ObserveOp observer;
      Value producer = producerOf(op.getInputs()[0], observer);
      auto type = cast<RankedTensorType>(producer.getType());
      if (type.getRank() == 0 || type.getShape().back() != k)
        return; // channels do not survive the reshapes
      groups[producer].push_back({op, observer});
    });
    llvm::json::Array entries;
    bool failedAny = false;
    for (auto &[producer, consumers] : groups)
      failedAny |= failed(smooth(producer, consumers, entries));
    if (failedAny)
      return signalPassFailure();
    if (!report.empty() &&
        failed(writeJsonReport(report, "groups", std::move(entries),
                               getOperation()->getLoc(), "quant-smoothquant")))
      return signalPassFailure();
  }

private:
  std::vector<double> grid;

  /// s_j = max(A_j^a / max(W_j, min-scale)^(1-a), min-scale).
  std::vector<double> factors(ArrayRef<float> actMax,
                              ArrayRef<double> weightMax, double a) {
    std::vector<double> s(actMax.size());
    for (size_t j = 0; j < s.size(); ++j)
      s[j] = std::max(std::pow(double(actMax[j]), a) /
                          std::pow(std::max(weightMax[j], minScale.getValue()),
                                   1.0 - a),
                      minScale.getValue());
    return s;
  }

  LogicalResult smooth(Value producer, SmallVectorImpl<Consumer> &consumers,
                       llvm::json::Array &entries) {
    int64_t k = cast<ShapedType>(consumers[0].op.getInputs()[1].getType())
                    .getDimSize(0);
    llvm::json::Array names;
    llvm::SmallPtrSet<Operation *, 4> matmuls;
    for (Consumer &c : consumers) {
      names.push_back(layerName(c.op.getLoc()));
      matmuls.insert(c.op);
    }
    auto record = [&](std::string status, std::string producerName) {
      entries.push_back(
          llvm::json::Object{{"producer", std::move(producerName)},
                             {"consumers", llvm::json::Array(names)},
                             {"status", std::move(status)}});
    };
    std::string producerName = producer.getDefiningOp()
                                   ? layerName(producer.getLoc())
                                   : "argument";
    std::optional<SmallVector<Target>> absorber = absorberOf(producer, k);
    StringRef why;
    if (!absorber)
      why = "the producer cannot absorb a per-channel scale";
    else if (!onlyFeeds(producer, matmuls))
      why = "the producer's output has other users";
    // Where nothing absorbs the scale, an explicit one goes where the
    // consumers' chains read the producer.
    std::optional<SmallVector<OpOperand *>> starts;
    if (!why.empty()) {
      if (insertScale)
        starts = chainStarts(producer, consumers, matmuls);
      if (!starts) {
        record(("left alone: " + why).str(), producerName);
        return success();
      }
      // An input nobody observes will not be quantized statically: no need
      // (and no maxima) to put a scale in.
      if (llvm::any_of(consumers, [](Consumer &c) { return !c.observer; })) {
        record(("left alone: " + why + " and its input is not observed").str(),
               producerName);
        return success();
      }
    }
    // Activation maxima from the (shared) observer.
    std::vector<float> actMax;
    for (Consumer &c : consumers) {
      DictionaryAttr stats = c.observer ? c.observer.getStatsAttr() : nullptr;
      auto inMax = stats ? dyn_cast_or_null<DenseElementsAttr>(
                               stats.get("in_abs_max"))
                         : DenseElementsAttr();
      if (!inMax || inMax.getNumElements() != k)
        return c.op.emitOpError(
            "smoothing needs the calibrated per-channel maxima of its input "
            "(in_abs_max of a qf.observe): run qf-insert-observers and "
            "qf-calibrate first");
      actMax = floats(inMax);
    }
    // Weight maxima per input channel over every consumer.
    std::vector<double> weightMax(k, 0.0);
    for (Consumer &c : consumers) {
      int64_t n;
      std::vector<float> wv = weightOf(c, n);
      for (int64_t j = 0; j < k; ++j)
        for (int64_t i = 0; i < n; ++i)
          weightMax[j] = std::max(weightMax[j], double(std::fabs(wv[j * n + i])));
    }
    double chosen = alpha;
    llvm::json::Array tried;
    if (alphaSearch) {
      // The sampled calibration rows, and the consumers' weights side by
      // side ([k, sum of n]).
      DictionaryAttr stats = consumers[0].observer.getStatsAttr();
      auto sample = dyn_cast_or_null<DenseF32ResourceElementsAttr>(
          stats.get("row_sample"));
      std::optional<ArrayRef<float>> rows =
          sample ? sample.tryGetAsArrayRef() : std::nullopt;
      if (!rows || rows->size() % k || rows->size() < size_t(2 * k))
        return consumers[0].op.emitOpError(
            "alpha-search needs sampled calibration rows (row_sample): "
            "calibrate with sample-rows=N (N >= 2)");
      std::vector<std::vector<float>> ws;
      int64_t total = 0;
      for (Consumer &c : consumers) {
        int64_t n;
        ws.push_back(weightOf(c, n));
        total += n;
      }
      std::vector<float> joined(k * total);
      int64_t offset = 0;
      for (auto &w : ws) {
        int64_t n = w.size() / k;
        for (int64_t j = 0; j < k; ++j)
          for (int64_t i = 0; i < n; ++i)
            joined[j * total + offset + i] = w[j * n + i];
        offset += n;
      }
      // Cross-validated: the rows are cut into folds, and each fold's
      // error is measured with the maxima and the range fitted on the other
      // folds, as the model will meet data its calibration did not see (a
      // large alpha fits the calibration maxima too closely and saturates
      // on new data). Every row is scored once, so the choice does not
      // hang on which half happened to hold the largest values.
      int64_t r = rows->size() / k;
      int64_t folds = std::min<int64_t>(kFolds, r);
      std::vector<double> err(grid.size(), 0.0), norm(grid.size(), 0.0);
      for (int64_t f = 0; f < folds; ++f) {
        int64_t begin = r * f / folds * k, end = r * (f + 1) / folds * k;
        std::vector<float> fit(rows->begin(), rows->begin() + begin);
        fit.insert(fit.end(), rows->begin() + end, rows->end());
        ArrayRef<float> held = rows->slice(begin, end - begin);
        std::vector<float> fitMax(k, 0.0f);
        for (size_t i = 0; i < fit.size(); ++i)
          fitMax[i % k] = std::max(fitMax[i % k], std::fabs(fit[i]));
        for (size_t g = 0; g < grid.size(); ++g) {
          auto [e, n] = w8a8Error(fit, held, k, joined, total,
                                  factors(fitMax, weightMax, grid[g]));
          err[g] += e;
          norm[g] += n;
        }
      }
      double best = INFINITY;
      for (size_t g = 0; g < grid.size(); ++g) {
        double e = norm[g] > 0 ? std::sqrt(err[g] / norm[g]) : 0.0;
        tried.push_back(llvm::json::Object{{"alpha", grid[g]}, {"error", e}});
        if (e < best) {
          best = e;
          chosen = grid[g];
        }
      }
    }
    std::vector<double> scales = factors(actMax, weightMax, chosen);

    // Divide the producer's vectors and weight columns (or put in an
    // explicit division), multiply the consumers' weight rows.
    if (starts) {
      Value scaled = scaleLastDim(producer, scales);
      for (OpOperand *use : *starts)
        use->set(scaled);
    }
    for (const Target &t : starts ? ArrayRef<Target>() : ArrayRef(*absorber)) {
      DenseElementsAttr c;
      matchPattern(t.op->getOperand(t.operand), m_Constant(&c));
      std::vector<float> v = floats(c);
      for (size_t i = 0; i < v.size(); ++i)
        v[i] = float(double(v[i]) / scales[i % k]); // row-major: column i % k
      OpBuilder b(t.op);
      t.op->setOperand(t.operand,
                       arith::ConstantOp::create(
                           b, t.op->getLoc(),
                           DenseElementsAttr::get(cast<ShapedType>(c.getType()),
                                                  ArrayRef<float>(v))));
    }
    for (Consumer &c : consumers) {
      int64_t n;
      std::vector<float> wv = weightOf(c, n);
      auto type = cast<ShapedType>(c.op.getInputs()[1].getType());
      for (int64_t j = 0; j < k; ++j)
        for (int64_t i = 0; i < n; ++i)
          wv[j * n + i] = float(double(wv[j * n + i]) * scales[j]);
      OpBuilder wb(c.op);
      c.op->setOperand(1, arith::ConstantOp::create(
                              wb, c.op.getLoc(),
                              DenseElementsAttr::get(type, ArrayRef<float>(wv))));
      // The observed activation changed: its statistics are stale.
      if (c.observer)
        c.observer.removeStatsAttr();
    }
    double smallest = *std::min_element(scales.begin(), scales.end());
    double largest = *std::max_element(scales.begin(), scales.end());
    entries.push_back(llvm::json::Object{
        {"producer", producerName},
        {"consumers", std::move(names)},
        {"status", starts ? ("smoothed by an inserted scale: " + why).str()
                          : "smoothed"},
        {"alpha", chosen},
        {"alpha_search", std::move(tried)},
        {"scale_min", smallest},
        {"scale_max", largest}});
    return success();
  }
};

} // namespace
