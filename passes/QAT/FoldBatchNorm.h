//===- FoldBatchNorm.h - Batch normalization into weights -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Inference batch normalization is a per-channel affine map y = x * a + b
// (the ONNX importer emits it as one elementwise linalg.generic with
// constant a and b). When x is a convolution's or matmul's output with a
// constant weight, reached through layout transposes and a constant bias
// add, the affine map folds into the layer: the weight's output channel f
// is multiplied by a[f], and the bias becomes a[f] * bias[f] + b[f]. The
// float function is unchanged; what is left to quantize is one layer with
// one weight, as it will run.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_QAT_FOLDBATCHNORM_H
#define QF_PASSES_QAT_FOLDBATCHNORM_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::qf {

/// Folds every per-channel affine generic that follows a foldable layer;
/// others stay, with a remark when `remarks`. Returns how many were folded;
/// fails after a located diagnostic where the affine parameters or the
/// weight are not finite.
FailureOr<int64_t> foldBatchNorms(ModuleOp module, bool remarks);

/// The constant bias added per output channel to `layer`'s result (a
/// convolution or matmul whose single user, through qf.observe, is that
/// add), or null.
Value constantBiasOf(Operation *layer);

} // namespace mlir::qf

#endif // QF_PASSES_QAT_FOLDBATCHNORM_H
