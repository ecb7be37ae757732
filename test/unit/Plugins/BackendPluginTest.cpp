//===- BackendPluginTest.cpp - Capabilities, costs and the registry -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "plugins/BuiltinBackends.h"
#include "plugins/api/Registry.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {

class BackendPluginTest : public ::testing::Test {
protected:
  BackendPluginTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerQFDialect(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    registerBuiltinBackends();
  }

  SchemeAttr scheme(Type weight, Type act, Granularity g, int64_t group,
                    bool symmetric) {
    return SchemeAttr::get(&context, weight, act, g, group, symmetric,
                           RoundingMode::half_even, std::nullopt);
  }

  MLIRContext context;
};

TEST_F(BackendPluginTest, RegistryFindsCpuAndNamesTheKnownOnes) {
  auto &registry = BackendRegistry::global();
  ASSERT_NE(registry.lookup("cpu"), nullptr);
  auto missing = registry.get("tpu");
  ASSERT_FALSE(bool(missing));
  // The list depends on the backends this build enables.
  std::string message = llvm::toString(missing.takeError());
  EXPECT_TRUE(StringRef(message).starts_with("unknown backend 'tpu' (known: "
                                             "cpu"))
      << message;
  EXPECT_TRUE(StringRef(message).ends_with(
      "; load others with --load-backend-plugin=PATH)"))
      << message;
}

TEST_F(BackendPluginTest, CapabilitiesSayWhyNot) {
  Builder b(&context);
  TargetCapabilities caps;
  caps.weightBits = {8};
  caps.actBits = {8};
  caps.weightOnly = false;
  caps.perGroup = false;
  caps.asymmetric = false;
  EXPECT_EQ(caps.whyNot(scheme(b.getI8Type(), b.getI8Type(),
                               Granularity::per_channel, 0, true)),
            std::nullopt);
  EXPECT_EQ(caps.whyNot(scheme(b.getIntegerType(4), Type(),
                               Granularity::per_channel, 0, true)),
            "4-bit weights (supported: i8)");
  EXPECT_EQ(caps.whyNot(scheme(b.getI8Type(), Type(), Granularity::per_channel,
                               0, true)),
            "weight-only schemes (float activations)");
  EXPECT_EQ(caps.whyNot(scheme(b.getI8Type(), b.getI8Type(),
                               Granularity::per_group, 64, true)),
            "per-group weights");
  EXPECT_EQ(caps.whyNot(scheme(b.getI8Type(), b.getI8Type(),
                               Granularity::per_tensor, 0, false)),
            "asymmetric weights");
  EXPECT_EQ(caps.whyNot(scheme(b.getF16Type(), Type(), Granularity::per_tensor,
                               0, true)),
            std::nullopt);
  caps.f16 = false;
  EXPECT_EQ(caps.whyNot(scheme(b.getF16Type(), Type(), Granularity::per_tensor,
                               0, true)),
            "no f16 weights");
}

TEST_F(BackendPluginTest, CapabilitiesListFloatFormats) {
  Builder b(&context);
  auto format = [&](WeightFormat f, Type act = Type()) {
    return SchemeAttr::get(&context, b.getIntegerType(codeBitsOf(f)), act,
                           Granularity::per_group, 32, true,
                           RoundingMode::half_even, std::nullopt, f);
  };
  TargetCapabilities caps;
  caps.weightBits = {4, 8};
  EXPECT_EQ(caps.whyNot(format(WeightFormat::mxfp4)),
            "weights of format mxfp4 (supported: none)");
  EXPECT_EQ(caps.whyNotTableWeight(),
            "weights in a float-code format (qf.dequantize_table: fp8, MX, "
            "NVFP4, NF4)");
  caps.weightFormats = {WeightFormat::fp8, WeightFormat::nf4};
  EXPECT_EQ(caps.whyNot(format(WeightFormat::nf4)), std::nullopt);
  EXPECT_EQ(caps.whyNot(format(WeightFormat::nvfp4)),
            "weights of format nvfp4 (supported: fp8/nf4)");
  EXPECT_EQ(caps.whyNotTableWeight(), std::nullopt);
  auto fp8a8 =
      SchemeAttr::get(&context, b.getI8Type(), b.getType<Float8E4M3FNType>(),
                      Granularity::per_channel, 0, true,
                      RoundingMode::half_even, std::nullopt, WeightFormat::fp8);
  EXPECT_EQ(caps.whyNot(fp8a8), "FP8 activations");
  caps.fp8Activations = true;
  EXPECT_EQ(caps.whyNot(fp8a8), std::nullopt);
  EXPECT_EQ(caps.whyNotFloatActivation(), std::nullopt);
  // The cpu backend runs them all.
  const TargetCapabilities &cpu =
      BackendRegistry::global().lookup("cpu")->capabilities();
  for (WeightFormat f :
       {WeightFormat::fp8, WeightFormat::mxfp4, WeightFormat::mxfp6,
        WeightFormat::mxfp8, WeightFormat::mxint8, WeightFormat::nvfp4,
        WeightFormat::nf4})
    EXPECT_EQ(cpu.whyNot(format(f)), std::nullopt)
        << stringifyWeightFormat(f).str();
}

TEST_F(BackendPluginTest, CpuCostModelIsARoofline) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(R"(
func.func @f(%x: tensor<1024x1024xf32>, %w: tensor<1024x1024xf32>, %i: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<1024x1024xf32>, tensor<1024x1024xf32>) outs(%i : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %y : tensor<1024x1024xf32>
}
)",
                                                             &context);
  ASSERT_TRUE(module);
  Operation *matmul = nullptr;
  module->walk([&](linalg::MatmulOp op) { matmul = op; });
  const CostModel &cost = BackendRegistry::global().lookup("cpu")->costModel();
  Builder b(&context);
  double macs = 1024.0 * 1024 * 1024;

  // W8A8 per channel: codes and one f32 scale per channel; compute-bound at
  // the int8 rate.
  auto w8a8 = cost.estimate(matmul, scheme(b.getI8Type(), b.getI8Type(),
                                           Granularity::per_channel, 0, true));
  ASSERT_TRUE(succeeded(w8a8));
  EXPECT_DOUBLE_EQ(w8a8->weightBytes, 1024.0 * 1024 + 1024 * 4);
  EXPECT_DOUBLE_EQ(w8a8->seconds, 2 * macs / 204e9);

  // W4A16 in asymmetric groups of 128: half a byte per weight, a scale and a
  // zero point per group.
  auto w4 = cost.estimate(matmul, scheme(b.getIntegerType(4), Type(),
                                         Granularity::per_group, 128, false));
  ASSERT_TRUE(succeeded(w4));
  EXPECT_DOUBLE_EQ(w4->weightBytes, 1024.0 * 1024 / 2 + 8 * 1024 * 5);
  EXPECT_GT(w4->seconds, w8a8->seconds);

  // The float formats count their scales as stored: MXFP4 one E8M0 byte per
  // 32 weights (4.25 bits per weight), NVFP4 one E4M3 byte per 16 and an f32
  // for the tensor, NF4 an f32 per 64, MXFP6 6 bits per code.
  auto bytesOf = [&](WeightFormat f, int64_t group) {
    auto s = SchemeAttr::get(&context, b.getIntegerType(codeBitsOf(f)), Type(),
                             Granularity::per_group, group, true,
                             RoundingMode::half_even, std::nullopt, f);
    return cost.estimate(matmul, s)->weightBytes;
  };
  double weights = 1024.0 * 1024;
  EXPECT_DOUBLE_EQ(bytesOf(WeightFormat::mxfp4, 32), weights * 4.25 / 8);
  EXPECT_DOUBLE_EQ(bytesOf(WeightFormat::nvfp4, 16), weights * 4.5 / 8 + 4);
  EXPECT_DOUBLE_EQ(bytesOf(WeightFormat::nf4, 64), weights * 4.5 / 8);
  EXPECT_DOUBLE_EQ(bytesOf(WeightFormat::mxfp6, 32), weights * 6.25 / 8);
}

} // namespace
