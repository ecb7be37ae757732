//===- ScaleGroups.cpp - Per-channel scales moved across matmuls ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Layers/ScaleGroups.h"
#include "parameters/ConstantData.h"

#include "passes/Reports/JsonReport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::scaling;

namespace {

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
chainStarts(Value producer, ArrayRef<Consumer> consumers,
            const llvm::SmallPtrSetImpl<Operation *> &matmuls) {
  llvm::SetVector<OpOperand *> starts;
  for (const Consumer &c : consumers) {
    OpOperand *use = &c.op->getOpOperand(0);
    while (use->get() != producer)
      use = &use->get().getDefiningOp()->getOpOperand(0);
    Operation *head = use->getOwner();
    if (head != c.op && !onlyFeeds(head->getResult(0), matmuls))
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
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, v),
                                       type.getElementType());
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
      map.getResult(0) !=
          getAffineDimExpr(op.getNumLoops() - 1, op.getContext()))
    return std::nullopt;
  ConstantData c;
  Value input = op.getDpsInputOperand(i)->get();
  if (!matchConstantData(input, c) || !c.getElementType().isF32() ||
      c.size() != k)
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
    ConstantData w;
    if (!mm || mm.hasUserDefinedMaps() ||
        !matchConstantData(mm.getInputs()[1], w) ||
        !w.getElementType().isF32() || w.getType().getDimSize(1) != k)
      return std::nullopt;
    auto fill = mm.getOutputs()[0].getDefiningOp<linalg::FillOp>();
    if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return std::nullopt;
    return Target{mm, 1};
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
        targets.push_back({op, *b});
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
      if (auto linear =
              linearBehind(op.getDpsInputOperand(ba.getArgNumber())->get(), k,
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
      targets.push_back({op, *g});
      return targets;
    }
  return std::nullopt;
}

} // namespace

std::vector<float> scaling::weightOf(const Consumer &c, int64_t &n) {
  ConstantData w;
  matchConstantData(c.op->getOperand(1), w);
  n = w.getType().getDimSize(1);
  return w.floats();
}

SmallVector<Group> scaling::findGroups(Operation *root) {
  llvm::MapVector<Value, SmallVector<Consumer>> byProducer;
  root->walk([&](linalg::MatmulOp op) {
    if (!op.hasPureTensorSemantics() || op.hasUserDefinedMaps())
      return;
    ConstantData w;
    if (!matchConstantData(op.getInputs()[1], w) || !w.getElementType().isF32())
      return;
    int64_t k = w.getType().getDimSize(0);
    ObserveOp observer;
    Value producer = producerOf(op.getInputs()[0], observer);
    auto type = cast<RankedTensorType>(producer.getType());
    if (type.getRank() == 0 || type.getShape().back() != k)
      return; // channels do not survive the reshapes
    byProducer[producer].push_back({op, observer});
  });
  SmallVector<Group> groups;
  for (auto &[producer, consumers] : byProducer) {
    Group g;
    g.producer = producer;
    g.consumers = std::move(consumers);
    g.channels = cast<ShapedType>(g.consumers[0].op.getInputs()[1].getType())
                     .getDimSize(0);
    groups.push_back(std::move(g));
  }
  return groups;
}

std::string Group::producerName() const {
  return producer.getDefiningOp() ? layerName(producer.getLoc()) : "argument";
}

llvm::json::Array Group::consumerNames() const {
  llvm::json::Array names;
  for (const Consumer &c : consumers)
    names.push_back(layerName(c.op->getLoc()));
  return names;
}

std::vector<float> Group::joinedWeights(int64_t &total) const {
  std::vector<std::vector<float>> ws;
  total = 0;
  for (const Consumer &c : consumers) {
    int64_t n;
    ws.push_back(weightOf(c, n));
    total += n;
  }
  std::vector<float> joined(channels * total);
  int64_t offset = 0;
  for (auto &w : ws) {
    int64_t n = w.size() / channels;
    for (int64_t j = 0; j < channels; ++j)
      for (int64_t i = 0; i < n; ++i)
        joined[j * total + offset + i] = w[j * n + i];
    offset += n;
  }
  return joined;
}

std::optional<Placement> scaling::place(const Group &group, bool explicitScale,
                                        std::string &why) {
  llvm::SmallPtrSet<Operation *, 4> matmuls;
  for (const Consumer &c : group.consumers)
    matmuls.insert(c.op);
  Placement placement;
  std::optional<SmallVector<Target>> absorber =
      absorberOf(group.producer, group.channels);
  if (!absorber)
    why = "the producer cannot absorb a per-channel scale";
  else if (!onlyFeeds(group.producer, matmuls))
    why = "the producer's output has other users";
  else
    why.clear();
  if (why.empty()) {
    placement.targets = std::move(*absorber);
    return placement;
  }
  if (!explicitScale)
    return std::nullopt;
  placement.starts = chainStarts(group.producer, group.consumers, matmuls);
  if (!placement.starts)
    return std::nullopt;
  // An input nobody observes will not be quantized statically: no need (and
  // no statistics) to put a scale in.
  if (llvm::any_of(group.consumers,
                   [](const Consumer &c) { return !c.observer; })) {
    why += " and its input is not observed";
    return std::nullopt;
  }
  return placement;
}

void scaling::replaceConstant(OpOperand &operand, ArrayRef<float> values) {
  Operation *old = operand.get().getDefiningOp();
  OpBuilder b(operand.getOwner());
  operand.set(arith::ConstantOp::create(
      b, operand.getOwner()->getLoc(),
      DenseElementsAttr::get(cast<ShapedType>(operand.get().getType()),
                             values)));
  if (old && old->use_empty())
    old->erase();
}

void scaling::applyScales(Group &group, const Placement &placement,
                          ArrayRef<double> s) {
  const int64_t k = group.channels;
  if (placement.starts) {
    Value scaled = scaleLastDim(group.producer, s);
    for (OpOperand *use : *placement.starts)
      use->set(scaled);
  }
  for (const Target &t : placement.targets) {
    ConstantData c;
    matchConstantData(t.op->getOperand(t.operand), c);
    std::vector<float> v = c.floats();
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = float(double(v[i]) / s[i % k]); // row-major: column i % k
    replaceConstant(t.op->getOpOperand(t.operand), ArrayRef<float>(v));
  }
  for (Consumer &c : group.consumers) {
    int64_t n;
    std::vector<float> wv = weightOf(c, n);
    for (int64_t j = 0; j < k; ++j)
      for (int64_t i = 0; i < n; ++i)
        wv[j * n + i] = float(double(wv[j * n + i]) * s[j]);
    replaceConstant(c.op->getOpOperand(1), ArrayRef<float>(wv));
    // The observed activation changed: its statistics are stale.
    if (c.observer)
      c.observer.removeStatsAttr();
  }
}
