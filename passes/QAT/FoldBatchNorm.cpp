//===- FoldBatchNorm.cpp - Batch normalization into weights ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/QAT/FoldBatchNorm.h"
#include "dialects/QF/QFOps.h"
#include "passes/Layers/Contraction.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace mlir::qf {
#define GEN_PASS_DEF_QFFOLDBATCHNORMPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

/// A constant operand of an elementwise generic read per channel: its map
/// has one loop dimension (the channel) and zeros elsewhere, or no loop
/// dimension at all (one value for every channel).
struct ChannelParam {
  std::optional<unsigned> dim;
  std::vector<double> values;

  double at(int64_t channel) const {
    return values.size() == 1 ? values[0] : values[channel];
  }
};

std::optional<ChannelParam> channelParam(linalg::GenericOp op,
                                         OpOperand &operand) {
  ConstantData attr;
  if (!matchConstantData(operand.get(), attr) ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  ArrayRef<int64_t> shape = attr.getType().getShape();
  ChannelParam param;
  for (auto [i, expr] :
       llvm::enumerate(op.getMatchingIndexingMap(&operand).getResults())) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      if (param.dim)
        return std::nullopt;
      param.dim = dim.getPosition();
      continue;
    }
    auto zero = dyn_cast<AffineConstantExpr>(expr);
    if (!zero || zero.getValue() != 0 || shape[i] != 1)
      return std::nullopt;
  }
  param.values = attr.doubles();
  return param;
}

/// The block argument's operand, if `v` is one of `op`'s input arguments.
OpOperand *inputOf(linalg::GenericOp op, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != op.getBody() ||
      arg.getArgNumber() >= op.getNumDpsInputs())
    return nullptr;
  return op.getDpsInputOperand(arg.getArgNumber());
}

/// An all-parallel generic with one result whose body is `yield f(args)`
/// for a single binary op f of type OpT (either operand order); returns
/// that op.
template <typename OpT> OpT singleBinaryBody(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 0)
    return {};
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  auto binary = yield.getValues()[0].getDefiningOp<OpT>();
  return binary && binary->getBlock() == op.getBody() ? binary : OpT();
}

/// The activation operand (identity map) of an elementwise generic.
OpOperand *identityInput(linalg::GenericOp op, Value arg) {
  OpOperand *operand = inputOf(op, arg);
  if (!operand || !op.getMatchingIndexingMap(operand).isIdentity())
    return nullptr;
  return operand;
}

/// y = x * a + b with per-channel constants a and b.
struct Affine {
  OpOperand *input;
  OpOperand *shiftOperand;
  ChannelParam scale, shift;
  unsigned dim;
};

std::optional<Affine> matchAffine(linalg::GenericOp op) {
  auto add = singleBinaryBody<arith::AddFOp>(op);
  if (!add || op.getBody()->getOperations().size() != 3)
    return std::nullopt;
  for (auto [product, shiftArg] :
       {std::pair{add.getLhs(), add.getRhs()}, {add.getRhs(), add.getLhs()}}) {
    auto mul = product.getDefiningOp<arith::MulFOp>();
    OpOperand *shift = inputOf(op, shiftArg);
    if (!mul || !shift)
      continue;
    for (auto [x, a] : {std::pair{mul.getLhs(), mul.getRhs()},
                        {mul.getRhs(), mul.getLhs()}}) {
      OpOperand *input = identityInput(op, x);
      OpOperand *scale = inputOf(op, a);
      if (!input || !scale)
        continue;
      std::optional<ChannelParam> s = channelParam(op, *scale);
      std::optional<ChannelParam> t = channelParam(op, *shift);
      if (!s || !t || !(s->dim || t->dim) ||
          (s->dim && t->dim && *s->dim != *t->dim))
        continue;
      return Affine{input, shift, *s, *t, s->dim ? *s->dim : *t->dim};
    }
  }
  return std::nullopt;
}

/// y = x + bias with a per-channel constant bias on `dim`.
struct BiasAdd {
  linalg::GenericOp op;
  OpOperand *input;
  OpOperand *biasOperand;
  ChannelParam bias;
};

std::optional<BiasAdd> matchBiasAdd(linalg::GenericOp op, unsigned dim) {
  auto add = singleBinaryBody<arith::AddFOp>(op);
  if (!add || op.getBody()->getOperations().size() != 2)
    return std::nullopt;
  for (auto [x, b] :
       {std::pair{add.getLhs(), add.getRhs()}, {add.getRhs(), add.getLhs()}}) {
    OpOperand *input = identityInput(op, x);
    OpOperand *biasOperand = inputOf(op, b);
    if (!input || !biasOperand)
      continue;
    std::optional<ChannelParam> bias = channelParam(op, *biasOperand);
    if (bias && bias->dim == dim)
      return BiasAdd{op, input, biasOperand, *bias};
  }
  return std::nullopt;
}

bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// The layer an affine map folds into: a convolution or matmul with a
/// constant weight whose output channel is `dim` of its result.
struct Layer {
  Operation *op;
  ConstantData weight;
};

/// The layer `op` is, or failure with `why` it cannot take a per-channel
/// scale on result dimension `dim` (empty `why`: `op` is no layer at all).
FailureOr<Layer> layerOf(Operation *op, unsigned dim, std::string &why) {
  unsigned channelDim;
  if (isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp>(op)) {
    channelDim = 3;
  } else if (auto matmul = dyn_cast<linalg::MatmulOp>(op);
             matmul && !matmul.hasUserDefinedMaps()) {
    channelDim = 1;
  } else {
    return failure(); // not a layer: nothing to say (LayerNorm's affine)
  }
  if (dim != channelDim) {
    why = "it is not per output channel of the layer";
    return failure();
  }
  auto dps = cast<DestinationStyleOpInterface>(op);
  if (!isZeroFill(dps.getDpsInits()[0])) {
    why = "the layer accumulates into a non-zero initial value";
    return failure();
  }
  ConstantData weight;
  if (!matchConstantData(op->getOperand(1), weight) ||
      !isa<FloatType>(weight.getElementType())) {
    why = "the layer's weight is not a constant";
    return failure();
  }
  return Layer{op, weight};
}

DenseElementsAttr scaledChannels(const ConstantData &values,
                                 const ChannelParam &scale,
                                 const ChannelParam *shift) {
  auto type = values.getType();
  int64_t channels = type.getShape().back();
  auto fType = cast<FloatType>(type.getElementType());
  SmallVector<APFloat> out;
  int64_t i = 0;
  for (double v : values.doubles()) {
    int64_t c = i++ % channels;
    APFloat f(v * scale.at(c) + (shift ? shift->at(c) : 0));
    bool lost;
    f.convert(fType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    out.push_back(f);
  }
  return DenseElementsAttr::get(type, out);
}

LogicalResult checkFinite(Operation *op, const ChannelParam &p,
                          StringRef what) {
  for (auto [c, v] : llvm::enumerate(p.values))
    if (!std::isfinite(v))
      return op->emitError("cannot fold batch normalization: the ")
             << what << " of channel " << c << " is " << v
             << " (a negative or zero variance + epsilon?)";
  return success();
}

/// Folds one affine generic; false (with `why`) where it does not apply.
FailureOr<bool> foldAffine(linalg::GenericOp op, const Affine &affine,
                           std::string &why) {
  if (failed(checkFinite(op, affine.scale, "scale")) ||
      failed(checkFinite(op, affine.shift, "shift")))
    return failure();
  // Back through layout transposes and at most one bias add.
  Value v = affine.input->get();
  unsigned dim = affine.dim;
  std::optional<BiasAdd> bias;
  bool shared = false;
  while (true) {
    Operation *def = v.getDefiningOp();
    if (!def)
      break;
    shared |= !v.hasOneUse();
    if (auto transpose = dyn_cast<linalg::TransposeOp>(def)) {
      dim = transpose.getPermutation()[dim];
      v = transpose.getInput();
      continue;
    }
    if (auto generic = dyn_cast<linalg::GenericOp>(def); generic && !bias)
      if ((bias = matchBiasAdd(generic, dim))) {
        v = bias->input->get();
        continue;
      }
    break;
  }
  Operation *producer = v.getDefiningOp();
  if (!producer)
    return false;
  FailureOr<Layer> layer = layerOf(producer, dim, why);
  if (failed(layer))
    return false;
  if (shared) {
    why = "the layer's output has other users";
    return false;
  }
  int64_t channels = layer->weight.getType().getShape().back();
  for (const ChannelParam *p :
       {&affine.scale, &affine.shift, bias ? &bias->bias : &affine.scale})
    if (p->values.size() != 1 && int64_t(p->values.size()) != channels) {
      why = "its parameters do not have one value per output channel";
      return false;
    }
  for (const APFloat &w : layer->weight.apFloats())
    if (!w.isFinite())
      return layer->op->emitOpError(
          "cannot fold batch normalization: the weight is not finite");

  OpBuilder b(layer->op);
  auto constant = [&](DenseElementsAttr values) {
    return arith::ConstantOp::create(b, layer->op->getLoc(), values);
  };
  layer->op->setOperand(
      1, constant(scaledChannels(layer->weight, affine.scale, nullptr)));
  if (bias) {
    // (conv + bias) * a + b = conv(w * a) + (bias * a + b).
    ConstantData values;
    matchConstantData(bias->biasOperand->get(), values);
    b.setInsertionPoint(bias->op);
    bias->biasOperand->set(
        constant(scaledChannels(values, affine.scale, &affine.shift)));
    op.getResult(0).replaceAllUsesWith(affine.input->get());
    op.erase();
    return true;
  }
  // No bias to absorb the shift: what is left is a bias add.
  b.setInsertionPoint(op);
  OpOperand *shift = affine.shiftOperand;
  auto add = linalg::GenericOp::create(
      b, op.getLoc(), op.getResultTypes(),
      ValueRange{affine.input->get(), shift->get()}, op.getDpsInits(),
      SmallVector<AffineMap>{op.getMatchingIndexingMap(affine.input),
                             op.getMatchingIndexingMap(shift),
                             op.getIndexingMapsArray().back()},
      op.getIteratorTypesArray(),
      [](OpBuilder &nb, Location loc, ValueRange args) {
        linalg::YieldOp::create(
            nb, loc,
            ValueRange{
                arith::AddFOp::create(nb, loc, args[0], args[1]).getResult()});
      });
  op.getResult(0).replaceAllUsesWith(add.getResult(0));
  op.erase();
  return true;
}

} // namespace

Value mlir::qf::constantBiasOf(Operation *layer) {
  Value result = layer->getResult(0);
  auto type = cast<RankedTensorType>(result.getType());
  // An observer passes the value through unchanged.
  while (result.hasOneUse())
    if (auto observe = dyn_cast<ObserveOp>(*result.getUsers().begin()))
      result = observe.getOutput();
    else
      break;
  if (!result.hasOneUse() || type.getRank() == 0)
    return {};
  auto add = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  std::optional<BiasAdd> bias =
      add ? matchBiasAdd(add, type.getRank() - 1) : std::nullopt;
  if (!bias || bias->input->get() != result)
    return {};
  return bias->biasOperand->get();
}

FailureOr<int64_t> mlir::qf::foldBatchNorms(ModuleOp module, bool remarks) {
  SmallVector<std::pair<linalg::GenericOp, Affine>> candidates;
  module.walk([&](linalg::GenericOp op) {
    if (std::optional<Affine> affine = matchAffine(op))
      candidates.push_back({op, *affine});
  });
  int64_t folded = 0;
  for (auto &[op, affine] : candidates) {
    std::string why;
    FailureOr<bool> done = foldAffine(op, affine, why);
    if (failed(done))
      return failure();
    if (*done)
      ++folded;
    else if (remarks && !why.empty())
      op.emitRemark("per-channel affine (batch normalization) not folded: ")
          << why;
  }
  return folded;
}

namespace {

class FoldBatchNormPass final
    : public qf::impl::QFFoldBatchNormPassBase<FoldBatchNormPass> {
public:
  void runOnOperation() override {
    if (failed(foldBatchNorms(getOperation(), /*remarks=*/true)))
      signalPassFailure();
  }
};

} // namespace
