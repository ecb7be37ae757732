//===- Common.h - Shared by the qf-to-linalg patterns --------- -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Internal to lowering/QFToLinalg: which quantized types the patterns take,
// and the pattern sets of each file.
//
//===----------------------------------------------------------------------===//

#ifndef QF_LOWERING_QFTOLINALG_COMMON_H
#define QF_LOWERING_QFTOLINALG_COMMON_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <string>

namespace mlir::qf::lowering {

/// The quantized element type of a tensor value.
quant::QuantizedType elementOf(Value value);

/// The signless storage integers of a quantized tensor (a quant.scast).
Value toStorage(OpBuilder &b, Location loc, Value quantized);

/// Sign- or zero-extends a storage integer to the integer type `to`.
Value widen(OpBuilder &b, Location loc, Value v, Type to, bool isSigned);

/// Weight-only matmuls: a float `linalg.matmul` (default maps, [M, K] x
/// [K, N]) whose weight [K, N] the body decodes becomes one contraction over
/// loops (m, n, k) over the lhs and `weightInputs` (read through
/// `weightMaps`, over those loops), accumulating x * decode(...) into the
/// matmul's init in k order. `decode` gets the block arguments of
/// `weightInputs` and the k and n indices, and returns w[k, n].
using DecodeWeight = function_ref<Value(
    OpBuilder &, Location, ValueRange weightArgs, Value k, Value n)>;
void replaceWithDecodingMatmul(PatternRewriter &rewriter, linalg::MatmulOp op,
                               ValueRange weightInputs,
                               ArrayRef<AffineMap> weightMaps,
                               DecodeWeight decode);

/// Why `op` (a qf quantization or compute op) cannot be lowered yet, if so.
std::optional<std::string> unsupported(Operation *op);

/// quantize, dequantize, requantize.
void populateElementwisePatterns(RewritePatternSet &patterns);
/// matmul.
void populateMatmulPatterns(RewritePatternSet &patterns);
/// conv2d.
void populateConvPatterns(RewritePatternSet &patterns);
/// dynamic_quantize, dynamic_dequantize.
void populateDynamicPatterns(RewritePatternSet &patterns);
/// dequantize of unpacked (sub-byte) tensors.
void populateSubBytePatterns(RewritePatternSet &patterns);
/// qf.dequantize_table on its own (Table.cpp).
void populateTablePatterns(RewritePatternSet &patterns);
/// f32 linalg.matmul of a qf.dequantize_table weight (Table.cpp).
void populateTableMatmulPatterns(RewritePatternSet &patterns);
/// qf.round_to_float and qf.round_to_mx (RoundToFloat.cpp).
void populateRoundToFloatPatterns(RewritePatternSet &patterns);
/// qf.fake_quant_grad (FakeQuantGrad.cpp).
void populateFakeQuantGradPatterns(RewritePatternSet &patterns);

} // namespace mlir::qf::lowering

#endif // QF_LOWERING_QFTOLINALG_COMMON_H
