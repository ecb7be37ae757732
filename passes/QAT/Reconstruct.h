//===- Reconstruct.h - Layer-wise QAT reconstruction ------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The numerical core of quant-qat-finetune on plain arrays: fine-tunes one
// fake-quantized weight so that the layer's output matches the float
// layer's on the calibration activations (AdaRound/BRECQ-style, by gradient
// descent through the straight-through estimator), or two consecutive
// layers' weights so that the block's output does (reconstructBlock).
//
// With W [rows = output channels, cols = inputs], the calibrated Hessian
// H = 2/N X^T X and Q = fake_quant(V; s, z) of a latent weight V, the loss
//
//   L(V, s) = tr((Q - W) H (Q - W)^T) / tr(W H W^T)
//
// is ||X Q^T - X W^T||^2 / ||X W^T||^2: the relative squared output error
// over the calibration rows, computed from H alone (one BLAS dgemm per
// step). Gradients reach V and s through numerics::fakeQuantGrad (STE and
// LSQ); Adam updates both with steps of `lr` times the initial scale of
// their group, decaying along a cosine. V starts at W and (s, z) at round
// to nearest's; zero points stay where RTN put them. The best iterate is
// kept, so the result is never worse than round to nearest on this loss.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_QAT_RECONSTRUCT_H
#define QF_PASSES_QAT_RECONSTRUCT_H

#include "passes/QAT/ElementwiseTape.h"
#include "passes/Solvers/GptqSolver.h"

namespace mlir::qf::qat {

struct Options {
  unsigned bits = 4;
  /// Inputs per group of parameters; 0: one group per output channel.
  int64_t groupSize = 0;
  bool symmetric = false;
  int64_t steps = 200;
  /// Adam's step, in units of each group's initial scale.
  double lr = 0.01;
};

struct Result {
  /// Codes and parameters in GPTQ's convention (value = scale * (code -
  /// zero), codes 0 .. 2^bits - 1, columns in their original order).
  gptq::Result quantized;
  /// The loss at round to nearest and at the result.
  double initialLoss = 0, finalLoss = 0;
  /// The step the result comes from (0: round to nearest was best).
  int64_t bestStep = 0;
};

/// Fine-tunes `weight` [rows, cols] (row-major) against `hessian`
/// [cols, cols]. Errors: non-finite weight or Hessian, a zero Hessian, bits
/// outside [2, 8], a group size that does not divide cols, negative steps
/// or a learning rate that is not positive and finite.
llvm::Expected<Result> reconstruct(const std::vector<double> &weight,
                                   int64_t rows, int64_t cols,
                                   const std::vector<double> &hessian,
                                   const Options &options);

struct BlockResult {
  gptq::Result first, second;
  double initialLoss = 0, finalLoss = 0;
  int64_t bestStep = 0;
};

/// Fine-tunes two consecutive layers together (BRECQ's block
/// reconstruction): with rows X [samples, inputs], weights W1 [hidden,
/// inputs] and W2 [outputs, hidden] and the elementwise function f between
/// them, minimizes
///
///   L = ||f(X Q1^T) Q2^T - f(X W1^T) W2^T||^2 / ||f(X W1^T) W2^T||^2
///
/// over both latent weights and their LSQ scales at once, through f's
/// derivative, with the schedule and keep-the-best rule of reconstruct().
/// The steps are the larger of the two options'. Errors: mismatched
/// shapes, non-finite rows or weights, a zero float output, bad options.
llvm::Expected<BlockResult>
reconstructBlock(const std::vector<double> &x, int64_t samples,
                 const std::vector<double> &first, int64_t hidden,
                 int64_t inputs, const ElementwiseTape &between,
                 const std::vector<double> &second, int64_t outputs,
                 const Options &firstOptions, const Options &secondOptions);

} // namespace mlir::qf::qat

#endif // QF_PASSES_QAT_RECONSTRUCT_H
