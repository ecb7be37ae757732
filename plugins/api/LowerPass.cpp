//===- LowerPass.cpp - qf-lower: a backend's pipeline as one pass ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/api/LowerPass.h"

#include "plugins/api/Registry.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {

class LowerPass : public PassWrapper<LowerPass, OperationPass<ModuleOp>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerPass)

  LowerPass() = default;
  LowerPass(const LowerPass &other) : PassWrapper(other) {}

  StringRef getArgument() const override { return "qf-lower"; }
  StringRef getDescription() const override {
    return "Lower quantized IR with a backend's pipeline and optionally "
           "write its artifact";
  }

  LogicalResult initialize(MLIRContext *ctx) override {
    auto plugin = BackendRegistry::global().get(backend);
    if (!plugin)
      return emitError(UnknownLoc::get(ctx))
             << "qf-lower: " << llvm::toString(plugin.takeError());
    selected = *plugin;
    for (const std::string &entry : options) {
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

  Option<std::string> backend{*this, "backend",
                              llvm::cl::desc("the backend (see "
                                             "qf-opt --qf-list-backends)"),
                              llvm::cl::init("cpu")};
  Option<std::string> emit{
      *this, "emit",
      llvm::cl::desc("write the backend's artifact (object file, PTX, "
                     "SPIR-V) to this file")};
  ListOption<std::string> options{
      *this, "options",
      llvm::cl::desc("backend options, key=value (e.g. vector-bits=256)")};

private:
  const BackendPlugin *selected = nullptr;
  BackendOptions backendOptions;
};

} // namespace

void mlir::qf::plugin::registerLowerPass() { PassRegistration<LowerPass>(); }
