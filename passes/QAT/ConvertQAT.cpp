//===- ConvertQAT.cpp - The quant-convert-qat pass ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// qf.fake_quant becomes real quantization with the same type, rounding and
// seed: qf.dequantize(qf.quantize(x)), the quantization of a constant folded
// to integer storage (8-bit, per tensor or per axis) with numerics::quantize,
// so trained scales and zero points are kept exactly; then qf-fuse-qdq
// turns the Q/DQ around contractions into integer qf ops. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "numerics/QuantParams.h"
#include "parameters/ConstantData.h"
#include "passes/Passes.h"
#include "passes/QAT/SinkDequantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTCONVERTQATPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

numerics::RoundingMode toNumerics(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::half_even:
    return numerics::RoundingMode::HalfEven;
  case RoundingMode::half_away:
    return numerics::RoundingMode::HalfAway;
  case RoundingMode::floor:
    return numerics::RoundingMode::Floor;
  case RoundingMode::ceil:
    return numerics::RoundingMode::Ceil;
  case RoundingMode::toward_zero:
    return numerics::RoundingMode::TowardZero;
  case RoundingMode::stochastic:
    return numerics::RoundingMode::Stochastic;
  }
  llvm_unreachable("unknown rounding mode");
}

/// The 8-bit codes of constant `values` under `qtype` (per tensor or per
/// axis), or null where the type is another kind or width.
DenseElementsAttr foldQuantize(const ConstantData &values,
                               quant::QuantizedType qtype, RoundingMode mode,
                               std::optional<uint64_t> seed) {
  if (qtype.getStorageTypeIntegralWidth() != 8 ||
      !values.getElementType().isF32())
    return {};
  auto type = cast<RankedTensorType>(values.getType());
  SmallVector<double> scales;
  SmallVector<int64_t> zeros;
  int64_t inner = 1, channels = 1;
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(qtype)) {
    scales.push_back(perTensor.getScale());
    zeros.push_back(perTensor.getZeroPoint());
  } else if (auto perAxis =
                 dyn_cast<quant::UniformQuantizedPerAxisType>(qtype)) {
    int32_t axis = perAxis.getQuantizedDimension();
    channels = type.getDimSize(axis);
    for (int64_t d = axis + 1; d < type.getRank(); ++d)
      inner *= type.getDimSize(d);
    scales.assign(perAxis.getScales().begin(), perAxis.getScales().end());
    zeros.assign(perAxis.getZeroPoints().begin(),
                 perAxis.getZeroPoints().end());
  } else {
    return {};
  }
  numerics::IntRange range{qtype.getStorageTypeMin(),
                           qtype.getStorageTypeMax()};
  SmallVector<APInt> codes;
  uint64_t i = 0;
  for (float v : values.floats()) {
    int64_t c = (int64_t(i) / inner) % channels;
    int64_t q = numerics::quantize(v, float(scales[c]), zeros[c], range,
                                   toNumerics(mode), seed.value_or(0), i);
    codes.push_back(APInt(8, uint64_t(q), /*isSigned=*/true,
                          /*implicitTrunc=*/true));
    ++i;
  }
  return DenseElementsAttr::get(type.clone(qtype.getStorageType()), codes);
}

class ConvertQATPass final
    : public qf::impl::QuantConvertQATPassBase<ConvertQATPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](FakeQuantOp fq) {
      rewriter.setInsertionPoint(fq);
      auto qtype = cast<quant::QuantizedType>(fq.getQtype());
      auto floatType = cast<RankedTensorType>(fq.getType());
      auto quantType = floatType.clone(qtype);
      Location loc = fq.getLoc();
      std::optional<uint64_t> seed = fq.getSeed();
      Value quantized;
      ConstantData values;
      if (matchConstantData(fq.getInput(), values))
        if (DenseElementsAttr codes =
                foldQuantize(values, qtype, fq.getRounding(), seed)) {
          Value storage = arith::ConstantOp::create(rewriter, loc, codes);
          quantized =
              quant::StorageCastOp::create(rewriter, loc, quantType, storage);
        }
      if (!quantized)
        quantized = QuantizeOp::create(rewriter, loc, quantType, fq.getInput(),
                                       fq.getRoundingAttr(), fq.getSeedAttr());
      rewriter.replaceOpWithNewOp<DequantizeOp>(fq, floatType, quantized);
    });
    RewritePatternSet patterns(&getContext());
    populateSinkDequantizePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (!fuse)
      return;
    OpPassManager pm(getOperation()->getName().getStringRef());
    pm.addPass(createQFFuseQDQPass());
    if (failed(runPipeline(pm, getOperation())))
      signalPassFailure();
  }
};

} // namespace
