//===- ExecutorTest.cpp - Executor registry, compile cache, bindings ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/Executor.h"
#include "dialects/QF/QFDialect.h"
#include "plugins/BuiltinBackends.h"
#include "runtime/Bindings.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mlir;
using namespace mlir::qf::runtime;

namespace {

class ExecutorTest : public ::testing::Test {
protected:
  ExecutorTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    qf::registerQFDialect(registry);
    qf::plugin::registerBuiltinBackends();
    registerExecutorDependencies("cpu", registry);
    context.appendDialectRegistry(registry);
  }

  std::shared_ptr<Executable> compile(const char *source,
                                      OptimizeFor goal = OptimizeFor::RunTime) {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module);
    auto executor = ExecutorRegistry::global().create("cpu");
    EXPECT_TRUE(bool(executor));
    (*executor)->setOptimizeFor(goal);
    auto executable = (*executor)->compile(*module, "main");
    EXPECT_TRUE(succeeded(executable));
    return *executable;
  }

  MLIRContext context;
};

const char *kDouble = R"(
func.func @main(%x: tensor<4xf32> {qf.name = "x"}) -> (tensor<4xf32> {qf.name = "y"}) {
  %y = arith.addf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
})";

const char *kSquare = R"(
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = arith.mulf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
})";

} // namespace

TEST_F(ExecutorTest, CompiledModulesAreCachedPerProcess) {
  std::shared_ptr<Executable> first = compile(kDouble);
  std::shared_ptr<Executable> again = compile(kDouble);
  std::shared_ptr<Executable> other = compile(kSquare);
  EXPECT_EQ(first.get(), again.get());
  EXPECT_NE(first.get(), other.get());

  HostTensor x(DType::F32, {4});
  for (int i = 0; i < 4; ++i)
    x.dataAs<float>()[i] = i + 0.5f;
  auto doubled = first->run({&x});
  auto squared = other->run({&x});
  ASSERT_TRUE(bool(doubled) && bool(squared));
  EXPECT_EQ((*doubled)[0].dataAs<float>()[3], 7.0f);
  EXPECT_EQ((*squared)[0].dataAs<float>()[3], 12.25f);
  // The caller's input is read-only to the compiled code.
  EXPECT_EQ(x.dataAs<float>()[3], 3.5f);
}

// Code compiled for compile time (calibration, reports) is cached apart
// from code compiled for run time, and computes the same values.
TEST_F(ExecutorTest, CompileTimeCodeComputesTheSame) {
  const char *source = R"(
func.func @main(%a: tensor<3x5xf32>, %b: tensor<5x4xf32>) -> tensor<3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<3x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x4xf32>) -> tensor<3x4xf32>
  %c = linalg.matmul ins(%a, %b : tensor<3x5xf32>, tensor<5x4xf32>)
                     outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  %e = math.exp %c : tensor<3x4xf32>
  return %e : tensor<3x4xf32>
})";
  std::shared_ptr<Executable> fast = compile(source, OptimizeFor::RunTime);
  std::shared_ptr<Executable> quick = compile(source, OptimizeFor::CompileTime);
  EXPECT_NE(fast.get(), quick.get());
  HostTensor a(DType::F32, {3, 5}), b(DType::F32, {5, 4});
  for (int i = 0; i < 15; ++i)
    a.dataAs<float>()[i] = 0.1f * i - 0.7f;
  for (int i = 0; i < 20; ++i)
    b.dataAs<float>()[i] = 0.05f * (i % 7) - 0.1f;
  auto x = fast->run({&a, &b});
  auto y = quick->run({&a, &b});
  ASSERT_TRUE(bool(x) && bool(y));
  EXPECT_EQ(std::memcmp((*x)[0].data(), (*y)[0].data(), (*x)[0].byteSize()), 0);
}

TEST_F(ExecutorTest, RegistryNamesWhatItHas) {
  auto missing = ExecutorRegistry::global().create("tpu");
  ASSERT_FALSE(bool(missing));
  std::string message = llvm::toString(missing.takeError());
  EXPECT_NE(message.find("no backend named 'tpu'"), std::string::npos);
  EXPECT_NE(message.find("cpu"), std::string::npos);
}

TEST_F(ExecutorTest, BindingsByNameAndPosition) {
  std::shared_ptr<Executable> exe = compile(kDouble);
  const Signature &sig = exe->signature();
  ASSERT_EQ(sig.inputs.size(), 1u);
  EXPECT_EQ(sig.inputs[0].name, "x");
  EXPECT_EQ(outputKey(sig, 0), "y");

  HostTensor good(DType::F32, {4}), wrong(DType::F32, {5});
  for (const char *key : {"x", "0", "arr_0"}) {
    auto bound = bindInputs(sig, {{key, "test", &good}});
    ASSERT_TRUE(bool(bound)) << key;
    EXPECT_EQ((*bound)[0], &good);
  }
  auto shape = bindInputs(sig, {{"x", "wrong.npy", &wrong}});
  ASSERT_FALSE(bool(shape));
  EXPECT_EQ(llvm::toString(shape.takeError()),
            "input 'x' (#0, f32[4]) cannot take f32[5] from wrong.npy");
  auto missing = bindInputs(sig, {});
  ASSERT_FALSE(bool(missing));
  EXPECT_EQ(llvm::toString(missing.takeError()),
            "missing input 'x' (#0, f32[4]) of @main");
  auto run = exe->run({&wrong});
  ASSERT_FALSE(bool(run));
  EXPECT_EQ(llvm::toString(run.takeError()),
            "input 'x' (#0, f32[4]) of @main cannot take f32[5]");
}
