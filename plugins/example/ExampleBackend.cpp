//===- ExampleBackend.cpp - An out-of-tree backend plugin -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// "example-int8": a backend for a hypothetical int8 accelerator, built as a
// separate shared library and loaded with --load-backend-plugin. The device
// runs only per-tensor symmetric int8 weights with static int8 activations,
// and its requantizer rounds ties away from zero. So the backend declares
// those capabilities, adds its own pass (every qf.quantize and
// qf.requantize rounds half away from zero), and reuses the cpu backend's
// pipeline, artifact and JIT to emulate the device on the host.
//
// It links only MLIR: QuantForge's symbols (the registry, the cpu JIT)
// resolve against the host tool, see plugins/api/PluginABI.h. Building with
// QF_EXAMPLE_STALE_API reports another API version, which the host refuses.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "lowering/Pipelines/HostPipelines.h"
#include "plugins/api/PluginABI.h"
#include "plugins/api/Registry.h"
#include "runtime/Jit/CpuJit.h"

#include "mlir/Pass/Pass.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {

/// The device's requantizer and activation quantizer round half away.
class RoundHalfAwayPass
    : public PassWrapper<RoundHalfAwayPass, OperationPass<ModuleOp>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RoundHalfAwayPass)
  StringRef getArgument() const override { return "example-round-half-away"; }
  void runOnOperation() override {
    auto halfAway =
        RoundingModeAttr::get(&getContext(), RoundingMode::half_away);
    getOperation()->walk([&](Operation *op) {
      if (auto q = dyn_cast<QuantizeOp>(op))
        q.setRoundingAttr(halfAway);
      else if (auto r = dyn_cast<RequantizeOp>(op))
        r.setRoundingAttr(halfAway);
    });
  }
};

/// A made-up device: 4 TOP/s int8, 50 GB/s.
class ExampleCostModel final : public CostModel {
public:
  FailureOr<CostEstimate> estimate(Operation *op,
                                   SchemeAttr scheme) const override {
    return rooflineEstimate(op, scheme, 4e12, 50e9);
  }
};

class ExampleBackend final : public BackendPlugin {
public:
  explicit ExampleBackend(const BackendPlugin &cpu) : cpu(cpu) {
    caps.weightBits = {8};
    caps.actBits = {8};
    caps.weightOnly = false;
    caps.perChannel = caps.perGroup = false;
    caps.asymmetric = false;
    caps.dynamicActivations = false;
    caps.f16 = caps.bf16 = false;
  }

  StringRef name() const override { return "example-int8"; }
  StringRef description() const override {
    return "example plugin: a per-tensor int8 device rounding half away "
           "from zero, emulated on the cpu backend";
  }
  const TargetCapabilities &capabilities() const override { return caps; }
  const CostModel &costModel() const override { return cost; }

  void buildLoweringPipeline(OpPassManager &pm,
                             const BackendOptions &options) const override {
    pm.addPass(createCheckCapabilitiesPass(*this));
    pm.addPass(std::make_unique<RoundHalfAwayPass>());
    cpu.buildLoweringPipeline(pm, options);
  }

  FailureOr<Artifact> emit(ModuleOp module,
                           const BackendOptions &options) const override {
    return cpu.emit(module, options);
  }

  std::string whyNoExecutor() const override { return ""; }

  std::unique_ptr<runtime::Executor> createExecutor() const override {
    return runtime::createCpuExecutor(
        "example-int8",
        {[this](OpPassManager &pm) { buildLoweringPipeline(pm, {}); },
         registerHostPipelineDependencies});
  }

private:
  const BackendPlugin &cpu;
  TargetCapabilities caps;
  ExampleCostModel cost;
};

void registerBackends(BackendRegistry &registry) {
  if (const BackendPlugin *cpu = registry.lookup("cpu"))
    registry.add(std::make_unique<ExampleBackend>(*cpu));
}

} // namespace

extern "C" QF_PLUGIN_EXPORT QFBackendPluginInfo qfGetBackendPluginInfo() {
#ifdef QF_EXAMPLE_STALE_API
  uint32_t version = QF_BACKEND_PLUGIN_API_VERSION + 1;
#else
  uint32_t version = QF_BACKEND_PLUGIN_API_VERSION;
#endif
  return {version, "example-int8", "1.0", registerBackends};
}
