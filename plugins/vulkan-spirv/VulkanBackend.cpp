//===- VulkanBackend.cpp - Vulkan compute through SPIR-V ------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// "vulkan-spirv": quantized IR to SPIR-V compute shaders and host code that
// launches them through our Vulkan runtime (runtime/Vulkan). The target
// environment comes from the device when there is one (8-bit storage and
// arithmetic, 64-bit integers and floats, the integer dot product), else it
// is the Vulkan 1.2 baseline those kernels need. Option integer-dot=on|off
// overrides the device on the integer dot product (on: SPIR-V 1.6 with
// OpSDot, for a Vulkan 1.3 device; off: 4-lane vector arithmetic). The
// artifact is the SPIR-V module; the executor JIT-compiles the host code on
// the CPU.
//
//===----------------------------------------------------------------------===//

#include "plugins/vulkan-spirv/VulkanBackend.h"

#include "lowering/Passes.h"
#include "lowering/Pipelines/GpuPipelines.h"
#include "lowering/Pipelines/HostPipelines.h"
#include "plugins/api/Registry.h"
#include "plugins/vulkan-spirv/Passes.h"
#include "runtime/Jit/CpuJit.h"
#include "runtime/Vulkan/VulkanRuntime.h"

#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRVPass.h"
#include "mlir/Conversion/MathToSPIRV/MathToSPIRVPass.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <mutex>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {

/// Assumed peaks, not measured: 100 GOP/s (a CPU running the shaders, as
/// lavapipe does) and 20 GB/s. A device-specific model is future work.
class VulkanCostModel final : public CostModel {
public:
  FailureOr<CostEstimate> estimate(Operation *op,
                                   SchemeAttr scheme) const override {
    return rooflineEstimate(op, scheme, 100e9, 20e9);
  }
};

class VulkanBackend final : public BackendPlugin {
public:
  VulkanBackend() {
    caps.weightBits = {2, 3, 4, 8};
    caps.actBits = {8};
    // Float-code weights decode through their tables, FP8 activations round
    // in f32 arithmetic (lowering/QFToLinalg/Table.cpp, RoundToFloat.cpp).
    caps.weightFormats = {WeightFormat::fp8,    WeightFormat::mxfp4,
                          WeightFormat::mxfp6,  WeightFormat::mxfp8,
                          WeightFormat::mxint8, WeightFormat::nvfp4,
                          WeightFormat::nf4};
    caps.fp8Activations = true;
    caps.dynamicShapes = false; // kernels are sized at compile time
    caps.bf16 = false;          // no bf16 arithmetic in Vulkan 1.2 shaders
    std::string why;
    if (const runtime::vulkan::DeviceInfo *info =
            runtime::vulkan::device(&why)) {
      features.int16 = info->int16;
      features.integerDotProduct = info->integerDotProduct;
      description_ += "device " + info->name;
      if (features.integerDotProduct)
        description_ += ", integer dot product";
    } else {
      unavailable = why;
      description_ += "no device: " + why;
    }
  }

  StringRef name() const override { return "vulkan-spirv"; }
  StringRef description() const override { return description_; }
  const TargetCapabilities &capabilities() const override { return caps; }
  const CostModel &costModel() const override { return cost; }

  LogicalResult validate(const BackendOptions &options,
                         std::string &error) const override {
    for (const auto &[key, value] : options.values) {
      if (key != "integer-dot") {
        error = "unknown option '" + key + "' (known: integer-dot)";
        return failure();
      }
      if (value != "on" && value != "off") {
        error = "integer-dot must be on or off, not '" + value + "'";
        return failure();
      }
    }
    return success();
  }

  void buildLoweringPipeline(OpPassManager &pm,
                             const BackendOptions &options) const override {
    vulkan_spirv::TargetFeatures features = this->features;
    if (options.values.count("integer-dot"))
      features.integerDotProduct = options.get("integer-dot", "") == "on";
    pm.addPass(createCheckCapabilitiesPass(*this));
    pm.addPass(createConvertQFToLinalgPass());
    buildLinalgToGpuPipeline(pm, {4, 32});
    // int8 contractions four products at a time: OpSDot where the device
    // has the integer dot product, else 4-lane vector arithmetic.
    vulkan_spirv::VulkanSpirvInt8Dot4PassOptions dot4;
    dot4.integerDotProduct = features.integerDotProduct;
    pm.addPass(vulkan_spirv::createVulkanSpirvInt8Dot4Pass(dot4));
    vulkan_spirv::VulkanSpirvPrepareKernelsPassOptions prepare;
    prepare.int16 = features.int16;
    prepare.integerDotProduct = features.integerDotProduct;
    pm.addPass(vulkan_spirv::createVulkanSpirvPrepareKernelsPass(prepare));
    // Math first (convert-gpu-to-spirv does not convert it): GL.RoundEven,
    // GL.Floor, ... under the gpu.module's target environment.
    pm.addNestedPass<gpu::GPUModuleOp>(createConvertMathToSPIRVPass());
    pm.addPass(createConvertGPUToSPIRVPass(/*mapMemorySpace=*/true));
    OpPassManager &spirvModule = pm.nest<spirv::ModuleOp>();
    spirvModule.addPass(spirv::createSPIRVLowerABIAttributesPass());
    spirvModule.addPass(spirv::createSPIRVUpdateVCEPass());
    pm.addPass(vulkan_spirv::createVulkanSpirvLaunchCallsPass());
    buildBuffersToLLVMPipeline(pm);
  }

  FailureOr<Artifact> emit(ModuleOp module,
                           const BackendOptions &) const override {
    Artifact artifact{"spirv", ".spv", {}};
    // The lowered host module is in the LLVM dialect: the kernels are the
    // initializer of the SPIR-V global.
    auto global =
        module.lookupSymbol<LLVM::GlobalOp>(vulkan_spirv::spirvGlobalName());
    if (!global)
      return artifact; // no kernels
    auto value =
        dyn_cast_if_present<DenseElementsAttr>(global.getValueOrNull());
    if (!value)
      return module.emitError("the SPIR-V global has no initializer");
    for (APInt byte : value.getValues<APInt>())
      artifact.bytes.push_back(static_cast<char>(byte.getZExtValue()));
    return artifact;
  }

  std::string whyNoExecutor() const override { return unavailable; }

  std::unique_ptr<runtime::Executor> createExecutor() const override {
    if (!unavailable.empty())
      return nullptr;
    runtime::JitLowering lowering{
        [this](OpPassManager &pm) { buildLoweringPipeline(pm, {}); },
        registerHostPipelineDependencies};
    return runtime::createCpuExecutor(
        "vulkan-spirv", std::move(lowering),
        {{"qfVulkanLaunch", reinterpret_cast<void *>(&qfVulkanLaunch)}});
  }

private:
  TargetCapabilities caps;
  VulkanCostModel cost;
  vulkan_spirv::TargetFeatures features;
  std::string unavailable;
  std::string description_ = "Vulkan compute through SPIR-V; ";
};

} // namespace

void mlir::qf::vulkan_spirv::registerVulkanBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    vulkan_spirv::registerQFBackendVulkanPasses();
    BackendRegistry::global().add(std::make_unique<VulkanBackend>());
  });
}
