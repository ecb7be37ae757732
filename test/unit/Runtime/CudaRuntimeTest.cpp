//===- CudaRuntimeTest.cpp - The gpu-nvvm host runtime's symbols ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Every buffer the gpu-nvvm host code allocates must be managed memory, or a
// kernel reads host memory (an illegal address on the device). The host code
// is optimized at O3, which turns malloc plus a zero fill into calloc
// (test/plugins/gpu-nvvm/lower.test shows it on a W8A8 layer), so the runtime
// must stand in for each allocator that code can call. Runs without a GPU:
// it checks the symbol table, not the driver.
//
//===----------------------------------------------------------------------===//

#include "runtime/Cuda/CudaRuntime.h"
#include "gtest/gtest.h"

#include <set>
#include <string>

using namespace mlir::qf::runtime;

TEST(CudaRuntime, StandsInForEveryAllocatorOptimizedHostCodeCalls) {
  std::set<std::string> names;
  for (const HostSymbol &symbol : cuda::hostSymbols()) {
    EXPECT_NE(symbol.address, nullptr) << symbol.name;
    names.insert(symbol.name);
  }
  for (const char *allocator : {"malloc", "calloc", "free"})
    EXPECT_TRUE(names.count(allocator)) << allocator << " is not managed";
}
