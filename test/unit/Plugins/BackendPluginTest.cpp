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
}

} // namespace
