//===- Lower.cpp - qf-lower: a backend's pipeline as one pass -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/api/Passes.h"
#include "plugins/api/Registry.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::qf::plugin {
#define GEN_PASS_DEF_QFLOWERPASS
#include "plugins/api/Passes.h.inc"
} // namespace mlir::qf::plugin

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {

class LowerPass final : public plugin::impl::QFLowerPassBase<LowerPass> {
public:
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    auto plugin = BackendRegistry::global().get(backend);
    if (!plugin)
      return emitError(UnknownLoc::get(ctx))
             << "qf-lower: " << llvm::toString(plugin.takeError());
    selected = *plugin;
    for (const std::string &entry : optionList) {
      auto [key, value] = StringRef(entry).split('=');
      backendOptions.values[key.str()] = value.str();
    }
    std::string error;
    if (failed(selected->validate(backendOptions, error)))
      return emitError(UnknownLoc::get(ctx)) << "qf-lower: " << error;
    return success();
  }

  void getDependentDialects(DialectRegistry &registry) const override {
    if (const BackendPlugin *plugin =
            BackendRegistry::global().lookup(backend)) {
      OpPassManager pm(ModuleOp::getOperationName());
      plugin->buildLoweringPipeline(pm, BackendOptions());
      pm.getDependentDialects(registry);
    }
  }

  void runOnOperation() override {
    OpPassManager pm(ModuleOp::getOperationName());
    selected->buildLoweringPipeline(pm, backendOptions);
    if (failed(runPipeline(pm, getOperation())))
      return signalPassFailure();
    if (emit.empty())
      return;
    FailureOr<Artifact> artifact =
        selected->emit(getOperation(), backendOptions);
    if (failed(artifact))
      return signalPassFailure();
    // Atomically: a temporary file renamed over the target.
    llvm::Error error = llvm::writeToOutput(emit, [&](llvm::raw_ostream &os) {
      os.write(artifact->bytes.data(), artifact->bytes.size());
      return llvm::Error::success();
    });
    if (error) {
      emitError(getOperation().getLoc())
          << "qf-lower: cannot write '" << emit
          << "': " << llvm::toString(std::move(error));
      signalPassFailure();
    }
  }

private:
  const BackendPlugin *selected = nullptr;
  BackendOptions backendOptions;
};

} // namespace
