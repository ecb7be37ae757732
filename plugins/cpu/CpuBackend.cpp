//===- CpuBackend.cpp - The host CPU backend ------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/cpu/CpuBackend.h"
#include "runtime/Kernels/KernelABI.h"

#include "lowering/Passes.h"
#include "lowering/Pipelines/HostPipelines.h"
#include "plugins/api/Registry.h"
#include "plugins/cpu/Passes.h"
#include "runtime/Jit/CpuJit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"

#include <mutex>

namespace mlir::qf::cpu {
#define GEN_PASS_DEF_CPUPREPAREENTRIESPASS
#include "plugins/cpu/Passes.h.inc"
} // namespace mlir::qf::cpu

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

unsigned mlir::qf::cpu::hostVectorBits() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 512;
  if (features.lookup("avx2"))
    return 256;
  return 128; // SSE2 on x86-64, NEON on AArch64
}

namespace {

/// Costs as a roofline with this machine kind's measured peaks
/// (MLIR22-NOTES.md): fp32 FMA 101 GFLOP/s, int8 through pmaddubsw about
/// 204 GOP/s, and about 18 GB/s of DRAM read on one core. Weight-only
/// schemes compute in fp32 and pay the unpacking: half the fp32 rate below
/// 8 bits.
class CpuCostModel final : public CostModel {
public:
  FailureOr<CostEstimate> estimate(Operation *op,
                                   SchemeAttr scheme) const override {
    double opsPerSecond = 101e9;
    if (!scheme.isWeightOnly())
      opsPerSecond = 204e9;
    else if (scheme.getWeightBits() < 8)
      opsPerSecond = 50e9;
    return rooflineEstimate(op, scheme, opsPerSecond, 18e9);
  }
};

class PrepareEntriesPass final
    : public cpu::impl::CpuPrepareEntriesPassBase<PrepareEntriesPass> {
public:
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        runtime::prepareEntryFunction(func);
  }
};

class CpuBackend final : public BackendPlugin {
public:
  CpuBackend() {
    caps.weightBits = {2, 3, 4, 8};
    caps.actBits = {8};
    // Float-code weights decode through their tables, FP8 activations round
    // in f32 arithmetic (lowering/QFToLinalg/Table.cpp, RoundToFloat.cpp).
    caps.weightFormats = {WeightFormat::fp8,    WeightFormat::mxfp4,
                          WeightFormat::mxfp6,  WeightFormat::mxfp8,
                          WeightFormat::mxint8, WeightFormat::nvfp4,
                          WeightFormat::nf4};
    caps.fp8Activations = true;
  }

  StringRef name() const override { return "cpu"; }
  StringRef description() const override { return description_; }
  const TargetCapabilities &capabilities() const override { return caps; }
  const CostModel &costModel() const override { return cost; }

  void buildLoweringPipeline(OpPassManager &pm,
                             const BackendOptions &options) const override {
    addPrelude(pm, options);
    pm.addPass(cpu::createCpuPrepareEntriesPass());
    buildHostToLLVMPipeline(pm);
  }

  LogicalResult validate(const BackendOptions &options,
                         std::string &error) const override {
    for (const auto &[key, value] : options.values) {
      unsigned bits = 0;
      if (key == "vector-bits" && !StringRef(value).getAsInteger(10, bits) &&
          (bits == 128 || bits == 256 || bits == 512))
        continue;
      error = key == "vector-bits"
                  ? "vector-bits must be 128, 256 or 512, not '" + value + "'"
                  : "unknown option '" + key + "' (known: vector-bits)";
      return failure();
    }
    return success();
  }

  FailureOr<Artifact> emit(ModuleOp module,
                           const BackendOptions &) const override {
    return cpu::emitHostObject(module);
  }

  std::string whyNoExecutor() const override { return ""; }

  /// The JIT links runtime/Kernels, so its pipeline calls them for
  /// matmuls with constant weights (object files do not: their users would
  /// have to link the kernels).
  std::unique_ptr<runtime::Executor> createExecutor() const override {
    std::vector<runtime::HostSymbol> symbols;
    for (auto &[name, address] : kernels::kernelSymbols())
      symbols.push_back({name, address});
    runtime::JitLowering lowering{
        [this](OpPassManager &pm) {
          addPrelude(pm, BackendOptions(), /*useKernels=*/true);
          pm.addPass(cpu::createCpuPrepareEntriesPass());
          buildHostToLLVMPipeline(pm);
        },
        registerHostPipelineDependencies};
    return runtime::createCpuExecutor("cpu", std::move(lowering),
                                      std::move(symbols));
  }

private:
  /// Capability check, quantized ops to linalg, tiling and vectorization.
  void addPrelude(OpPassManager &pm, const BackendOptions &options,
                  bool useKernels = false) const {
    cpu::CpuVectorizePassOptions vectorize;
    (void)StringRef(options.get("vector-bits", ""))
        .getAsInteger(10, vectorize.vectorBits);
    pm.addPass(createCheckCapabilitiesPass(*this));
    // Kernel calls for qf.matmul before it is lowered, and for f32 matmuls
    // with constant weights the lowering and folding leave.
    if (useKernels)
      pm.addPass(cpu::createCpuUseKernelsPass());
    pm.addPass(createConvertQFToLinalgPass());
    pm.addPass(createCanonicalizerPass());
    if (useKernels)
      pm.addPass(cpu::createCpuUseKernelsPass());
    pm.addNestedPass<func::FuncOp>(cpu::createCpuVectorizePass(vectorize));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }

  TargetCapabilities caps;
  CpuCostModel cost;
  std::string description_ = "host CPU, " +
                             std::to_string(cpu::hostVectorBits()) +
                             "-bit vectors; JIT execution and object files";
};

} // namespace

void mlir::qf::cpu::registerCpuBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    cpu::registerQFBackendCPUPasses();
    BackendRegistry::global().add(std::make_unique<CpuBackend>());
  });
}
