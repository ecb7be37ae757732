//===- ElementwiseTape.cpp - Evaluate the ops between two layers ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/QAT/ElementwiseTape.h"

#include "dialects/QF/QFOps.h"
#include "passes/Layers/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::qat;

namespace mlir::qf::qat {

/// Records the region between `from` and `to` in dataflow order.
class TapeBuilder {
public:
  TapeBuilder(ElementwiseTape &tape, Value from, std::string &why)
      : tape(tape), from(from), why(why) {}

  /// The register holding `value`, recording what computes it first.
  FailureOr<int> registerOf(Value value);

private:
  int emit(ElementwiseTape::Kind kind, int a = 0, int b = 0, int c = 0,
           std::vector<double> values = {}) {
    tape.tape.push_back({kind, a, b, c, std::move(values)});
    return int(tape.tape.size()) - 1;
  }
  LogicalResult fail(const Twine &message) {
    why = message.str();
    return failure();
  }
  FailureOr<int> generic(linalg::GenericOp op, unsigned result);
  FailureOr<int> constantInput(linalg::GenericOp op, OpOperand &operand);
  FailureOr<int> bodyOp(Operation &op, llvm::DenseMap<Value, int> &regs);

  ElementwiseTape &tape;
  Value from;
  std::string &why;
  llvm::DenseMap<Value, int> registers;
};

} // namespace mlir::qf::qat

FailureOr<int> TapeBuilder::registerOf(Value value) {
  if (auto it = registers.find(value); it != registers.end())
    return it->second;
  // Reshapes keep the row-major order, so an element's channel stays its
  // flat index modulo the channels; generics must have them last.
  auto type = dyn_cast<RankedTensorType>(value.getType());
  Operation *def = value.getDefiningOp();
  bool reshape =
      isa_and_present<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def);
  if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
      (reshape ? type.getNumElements() % tape.numChannels != 0
               : type.getShape().back() != tape.numChannels))
    return fail("a value between the layers does not keep the channels "
                "last");
  FailureOr<int> reg = failure();
  if (value == from)
    reg = emit(ElementwiseTape::Kind::Input);
  else if (!def)
    return fail("a block argument feeds the ops between the layers");
  else if (auto observe = dyn_cast<ObserveOp>(def))
    reg = registerOf(observe.getInput());
  else if (reshape)
    reg = registerOf(def->getOperand(0));
  else if (auto op = dyn_cast<linalg::GenericOp>(def))
    reg = generic(op, cast<OpResult>(value).getResultNumber());
  else
    return fail("'" + def->getName().getStringRef() +
                "' between the layers is not elementwise");
  if (succeeded(reg))
    registers[value] = *reg;
  return reg;
}

FailureOr<int> TapeBuilder::constantInput(linalg::GenericOp op,
                                          OpOperand &operand) {
  ConstantData attr;
  if (!matchConstantData(operand.get(), attr) ||
      !isa<FloatType>(attr.getElementType()))
    return fail("an input of the ops between the layers is neither the "
                "first layer's output nor a constant");
  AffineMap map = op.getMatchingIndexingMap(&operand);
  unsigned last = op.getNumLoops() - 1;
  ArrayRef<int64_t> shape = attr.getType().getShape();
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    auto zero = dyn_cast<AffineConstantExpr>(expr);
    if ((dim && dim.getPosition() == last) || (zero && zero.getValue() == 0) ||
        shape[i] == 1)
      continue;
    return fail("a constant between the layers varies along rows");
  }
  std::vector<double> values = attr.doubles();
  if (values.size() != 1 && int64_t(values.size()) != tape.numChannels)
    return fail("a constant between the layers is neither per channel nor "
                "a scalar");
  return emit(ElementwiseTape::Kind::ChannelConstant, 0, 0, 0,
              std::move(values));
}

FailureOr<int> TapeBuilder::generic(linalg::GenericOp op, unsigned result) {
  if (op.getNumReductionLoops() != 0 ||
      !llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &init) {
        return op.getMatchingIndexingMap(&init).isIdentity();
      }))
    return fail("a linalg.generic between the layers is not elementwise");
  llvm::DenseMap<Value, int> regs;
  Block *body = op.getBody();
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value arg = body->getArgument(input->getOperandNumber());
    FailureOr<int> reg = op.getMatchingIndexingMap(input).isIdentity() &&
                                 !matchPattern(input->get(), m_Constant())
                             ? registerOf(input->get())
                             : constantInput(op, *input);
    if (failed(reg))
      return failure();
    regs[arg] = *reg;
  }
  for (Operation &inner : body->without_terminator()) {
    FailureOr<int> reg = bodyOp(inner, regs);
    if (failed(reg))
      return failure();
    regs[inner.getResult(0)] = *reg;
  }
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto it = regs.find(yield.getValues()[result]);
  if (it == regs.end())
    return fail("a linalg.generic between the layers yields its output "
                "argument");
  return it->second;
}

FailureOr<int> TapeBuilder::bodyOp(Operation &op,
                                   llvm::DenseMap<Value, int> &regs) {
  using K = ElementwiseTape::Kind;
  SmallVector<int> in;
  for (Value v : op.getOperands()) {
    auto it = regs.find(v);
    if (it != regs.end()) {
      in.push_back(it->second);
      continue;
    }
    // A float constant captured from outside the generic.
    FloatAttr captured;
    if (!matchPattern(v, m_Constant(&captured)))
      return fail("an op between the layers reads a value from outside");
    in.push_back(emit(K::Constant, 0, 0, 0, {captured.getValueAsDouble()}));
    regs[v] = in.back();
  }
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    auto value = dyn_cast<FloatAttr>(constant.getValue());
    if (!value)
      return fail("a non-float constant between the layers");
    return emit(K::Constant, 0, 0, 0, {value.getValueAsDouble()});
  }
  auto binary = [&](K kind) { return emit(kind, in[0], in[1]); };
  auto unary = [&](K kind) { return emit(kind, in[0]); };
  if (isa<arith::AddFOp>(op))
    return binary(K::Add);
  if (isa<arith::SubFOp>(op))
    return binary(K::Sub);
  if (isa<arith::MulFOp>(op))
    return binary(K::Mul);
  if (isa<arith::DivFOp>(op))
    return binary(K::Div);
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op))
    return binary(K::Max);
  if (isa<arith::MinimumFOp, arith::MinNumFOp>(op))
    return binary(K::Min);
  if (isa<arith::NegFOp>(op))
    return unary(K::Neg);
  if (isa<math::ErfOp>(op))
    return unary(K::Erf);
  if (isa<math::TanhOp>(op))
    return unary(K::Tanh);
  if (isa<math::ExpOp>(op))
    return unary(K::Exp);
  if (isa<math::LogOp>(op))
    return unary(K::Log);
  if (isa<math::SqrtOp>(op))
    return unary(K::Sqrt);
  if (isa<math::RsqrtOp>(op))
    return unary(K::Rsqrt);
  if (isa<arith::SelectOp>(op))
    return emit(K::Select, in[0], in[1], in[2]);
  if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
    using P = arith::CmpFPredicate;
    switch (cmp.getPredicate()) {
    case P::OLT:
    case P::ULT:
      return binary(K::Less);
    case P::OLE:
    case P::ULE:
      return binary(K::LessEq);
    case P::OGT:
    case P::UGT:
      return binary(K::Greater);
    case P::OGE:
    case P::UGE:
      return binary(K::GreaterEq);
    default:
      break;
    }
  }
  return fail("'" + op.getName().getStringRef() +
              "' between the layers is not evaluated");
}

FailureOr<ElementwiseTape> ElementwiseTape::build(Value from, Value to,
                                                  std::string &why) {
  auto type = dyn_cast<RankedTensorType>(from.getType());
  if (!type || type.getRank() == 0) {
    why = "the first layer's output is not a ranked tensor";
    return failure();
  }
  ElementwiseTape tape;
  tape.numChannels = type.getShape().back();
  TapeBuilder builder(tape, from, why);
  FailureOr<int> out = builder.registerOf(to);
  if (failed(out))
    return failure();
  tape.output = *out;
  return tape;
}

void ElementwiseTape::apply(const std::vector<double> &x,
                            std::vector<double> &y,
                            std::vector<double> &dy) const {
  y.resize(x.size());
  dy.resize(x.size());
  std::vector<double> v(tape.size()), d(tape.size());
  for (size_t e = 0; e < x.size(); ++e) {
    int64_t channel = int64_t(e) % numChannels;
    for (size_t i = 0; i < tape.size(); ++i) {
      const Instruction &t = tape[i];
      double a = v[t.a], b = v[t.b], da = d[t.a], db = d[t.b];
      switch (t.kind) {
      case Kind::Input:
        v[i] = x[e], d[i] = 1;
        break;
      case Kind::Constant:
        v[i] = t.values[0], d[i] = 0;
        break;
      case Kind::ChannelConstant:
        v[i] = t.values.size() == 1 ? t.values[0] : t.values[channel];
        d[i] = 0;
        break;
      case Kind::Add:
        v[i] = a + b, d[i] = da + db;
        break;
      case Kind::Sub:
        v[i] = a - b, d[i] = da - db;
        break;
      case Kind::Mul:
        v[i] = a * b, d[i] = da * b + a * db;
        break;
      case Kind::Div:
        v[i] = a / b, d[i] = (da * b - a * db) / (b * b);
        break;
      case Kind::Neg:
        v[i] = -a, d[i] = -da;
        break;
      case Kind::Max:
        v[i] = a >= b ? a : b, d[i] = a >= b ? da : db;
        break;
      case Kind::Min:
        v[i] = a <= b ? a : b, d[i] = a <= b ? da : db;
        break;
      case Kind::Erf:
        v[i] = std::erf(a);
        d[i] = da * 2 * llvm::numbers::inv_sqrtpi * std::exp(-a * a);
        break;
      case Kind::Tanh:
        v[i] = std::tanh(a), d[i] = da * (1 - v[i] * v[i]);
        break;
      case Kind::Exp:
        v[i] = std::exp(a), d[i] = da * v[i];
        break;
      case Kind::Log:
        v[i] = std::log(a), d[i] = da / a;
        break;
      case Kind::Sqrt:
        v[i] = std::sqrt(a), d[i] = da / (2 * v[i]);
        break;
      case Kind::Rsqrt:
        v[i] = 1 / std::sqrt(a), d[i] = -0.5 * da * v[i] / a;
        break;
      case Kind::Less:
        v[i] = a < b, d[i] = 0;
        break;
      case Kind::LessEq:
        v[i] = a <= b, d[i] = 0;
        break;
      case Kind::Greater:
        v[i] = a > b, d[i] = 0;
        break;
      case Kind::GreaterEq:
        v[i] = a >= b, d[i] = 0;
        break;
      case Kind::Select:
        v[i] = a != 0 ? v[t.b] : v[t.c];
        d[i] = a != 0 ? d[t.b] : d[t.c];
        break;
      }
    }
    y[e] = v[output];
    dy[e] = d[output];
  }
}
