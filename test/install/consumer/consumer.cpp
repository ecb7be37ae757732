//===- consumer.cpp - Embeds QuantForge through find_package --------------===//
//
// Part of QuantForge's tests: registers the qf dialect and passes in a host
// compiler's context, runs qf-raise-quant-casts from a pipeline string and
// calls the numerics core directly.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "numerics/QuantParams.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

static const char *kModule = R"mlir(
func.func @layer(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:1>>
  %y = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5:1>> to tensor<4xf32>
  return %y : tensor<4xf32>
}
)mlir";

int main() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::func::FuncDialect>();
  mlir::qf::registerQFDialect(registry);
  mlir::qf::registerQFPasses();
  mlir::registerCanonicalizerPass();
  mlir::MLIRContext context(registry);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kModule, &context);
  if (!module)
    return 1;
  auto pm = mlir::PassManager::on<mlir::ModuleOp>(&context);
  if (mlir::failed(mlir::parsePassPipeline(
          "qf-raise-quant-casts{rounding=half_away},canonicalize", pm,
          llvm::errs())) ||
      mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());

  using namespace mlir::qf::numerics;
  int64_t q = quantize(1.25f, 0.5f, 1, IntRange::forBits(8, true),
                       RoundingMode::HalfAway);
  llvm::outs() << "\nquantize(1.25, scale 0.5, zp 1, half_away) = " << q
               << "\n";
  return 0;
}
