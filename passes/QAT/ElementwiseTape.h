//===- ElementwiseTape.h - Evaluate the ops between two layers --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Block reconstruction (quant-qat-finetune per=block) needs the function
// between two layers, e.g. a bias add and GELU between an MLP's two
// matmuls, with its derivative, on the calibration rows. This records that
// function once from the IR, as a tape of scalar instructions with one
// input (the first layer's output element) and per-channel constants, and
// evaluates it in double with forward-mode derivatives.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_QAT_ELEMENTWISETAPE_H
#define QF_PASSES_QAT_ELEMENTWISETAPE_H

#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <string>
#include <vector>

namespace mlir::qf::qat {

class ElementwiseTape {
public:
  /// The function from `from` to `to`, both [..., channels] tensors of
  /// static shape: every op between is an all-parallel linalg.generic
  /// whose other inputs are constants per channel (the last dimension) or
  /// scalars, a reshape keeping the last dimension, or qf.observe; bodies
  /// use arith's float ops, compare and select, and math's erf, tanh, exp,
  /// log, sqrt, rsqrt. Fails with `why` otherwise.
  static FailureOr<ElementwiseTape> build(Value from, Value to,
                                          std::string &why);

  int64_t channels() const { return numChannels; }

  /// y = f(x) and dy/dx elementwise on a row-major [rows, channels]
  /// matrix.
  void apply(const std::vector<double> &x, std::vector<double> &y,
             std::vector<double> &dy) const;

private:
  enum class Kind {
    Input,
    Constant,
    ChannelConstant,
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    Max,
    Min,
    Erf,
    Tanh,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Select
  };
  struct Instruction {
    Kind kind;
    int a = 0, b = 0, c = 0;
    /// Constant: the value; ChannelConstant: values per channel (or one).
    std::vector<double> values;
  };
  std::vector<Instruction> tape;
  int output = 0;
  int64_t numChannels = 0;

  friend class TapeBuilder;
};

} // namespace mlir::qf::qat

#endif // QF_PASSES_QAT_ELEMENTWISETAPE_H
