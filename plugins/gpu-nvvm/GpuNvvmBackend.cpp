//===- GpuNvvmBackend.cpp - NVIDIA GPUs through NVVM ----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// "gpu-nvvm": quantized IR to PTX (or cubin through ptxas) for an sm_XX
// chip. The integer ops are lowered to linalg on storage integers, mapped
// to GPU blocks and threads (lowering/GPU), and compiled by MLIR's NVVM
// pipeline with PTX ISA 8.0 (the pipeline's default, PTX 6.0, aborts for
// sm_80 and later; see MLIR22-NOTES.md). Options: chip=sm_80|sm_86|sm_89|
// sm_90 (default: sm_80, or the device's), format=ptx|cubin (default ptx; cubin
// needs ptxas from CUDA on PATH or CUDA_HOME).
//
//===----------------------------------------------------------------------===//

#include "plugins/gpu-nvvm/GpuNvvmBackend.h"

#include "lowering/Passes.h"
#include "lowering/Pipelines/GpuPipelines.h"
#include "lowering/Pipelines/HostPipelines.h"
#include "plugins/api/Registry.h"
#include "plugins/gpu-nvvm/Passes.h"
#include "runtime/Cuda/CudaRuntime.h"
#include "runtime/Jit/CpuJit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/FileSystem.h"

#include <cstdlib>
#include <mutex>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {

constexpr const char *kChips[] = {"sm_80", "sm_86", "sm_89", "sm_90"};

/// A roofline with A100 datasheet peaks (not measured here): 600 TOP/s int8
/// (dense tensor cores), 19.5 TFLOP/s fp32, 1.5 TB/s of HBM.
class NvvmCostModel final : public CostModel {
public:
  FailureOr<CostEstimate> estimate(Operation *op,
                                   SchemeAttr scheme) const override {
    double opsPerSecond = scheme.isWeightOnly() ? 19.5e12 : 600e12;
    return rooflineEstimate(op, scheme, opsPerSecond, 1.5e12);
  }
};

class GpuNvvmBackend final : public BackendPlugin {
public:
  GpuNvvmBackend() {
    caps.weightBits = {2, 3, 4, 8};
    caps.actBits = {8};
    // No float-code weights or FP8 activations: they lower to PTX, but have
    // never run on a GPU.
    caps.dynamicShapes = false; // kernels are sized at compile time
    // Rounding and other math ops become libdevice calls, which MLIR's NVVM
    // serializer links from the CUDA toolkit it finds through CUDA_HOME
    // (or CUDA_ROOT, CUDA_PATH). Point it at the standard install when none
    // is set, or the PTX would call __nv_* functions nobody defines.
    if (!getenv("CUDA_HOME") && !getenv("CUDA_ROOT") && !getenv("CUDA_PATH") &&
        llvm::sys::fs::exists("/usr/local/cuda/nvvm/libdevice"))
      setenv("CUDA_HOME", "/usr/local/cuda", /*overwrite=*/0);
    // With a device, its compute capability picks the default chip (the
    // nearest supported one not above it).
    std::string why;
    if (const runtime::cuda::DeviceInfo *info = runtime::cuda::device(&why)) {
      int cc = info->major * 10 + info->minor;
      for (const char *chip : kChips)
        if (std::atoi(chip + 3) <= cc)
          defaultChip = chip;
      if (cc < 80)
        unavailable = info->name + " is sm_" + std::to_string(cc) +
                      "; the gpu-nvvm backend needs sm_80 or later";
    } else {
      unavailable = why;
    }
  }

  StringRef name() const override { return "gpu-nvvm"; }
  StringRef description() const override {
    return "NVIDIA GPU (sm_80 and later) through NVVM: PTX, or cubin with "
           "ptxas";
  }
  const TargetCapabilities &capabilities() const override { return caps; }
  const CostModel &costModel() const override { return cost; }

  LogicalResult validate(const BackendOptions &options,
                         std::string &error) const override {
    for (const auto &[key, value] : options.values) {
      if (key == "chip" && llvm::is_contained(kChips, StringRef(value)))
        continue;
      if (key == "format" && (value == "ptx" || value == "cubin"))
        continue;
      if (key == "chip")
        error =
            "chip must be sm_80, sm_86, sm_89 or sm_90, not '" + value + "'";
      else if (key == "format")
        error = "format must be ptx or cubin, not '" + value + "'";
      else
        error = "unknown option '" + key + "' (known: chip, format)";
      return failure();
    }
    return success();
  }

  void buildLoweringPipeline(OpPassManager &pm,
                             const BackendOptions &options) const override {
    pm.addPass(createCheckCapabilitiesPass(*this));
    pm.addPass(createConvertQFToLinalgPass());
    // int8 matmuls with K % 32 == 0 on tensor cores (mma.sync); the other
    // int8 contractions through dp4a, four products per step.
    buildLinalgToGpuPipeline(pm, {4, 32}, [](OpPassManager &pm) {
      pm.addNestedPass<func::FuncOp>(gpu_nvvm::createGpuNvvmMmaSyncPass());
    });
    pm.addPass(gpu_nvvm::createGpuNvvmInt8Dot4Pass());
    pm.addPass(gpu_nvvm::createGpuNvvmStageBuffersPass());
    gpu::GPUToNVVMPipelineOptions nvvm;
    nvvm.cubinChip = options.get("chip", defaultChip);
    nvvm.cubinFeatures = "+ptx80";
    nvvm.cubinFormat = options.get("format", "ptx") == "cubin" ? "bin" : "isa";
    gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  }

  std::string whyNoExecutor() const override { return unavailable; }

  std::unique_ptr<runtime::Executor> createExecutor() const override {
    if (!unavailable.empty())
      return nullptr;
    runtime::JitLowering lowering{
        [this](OpPassManager &pm) { buildLoweringPipeline(pm, {}); },
        [](DialectRegistry &registry) {
          registerHostPipelineDependencies(registry);
          gpu_nvvm::registerGpuNvvmDependencies(registry);
        }};
    return runtime::createCpuExecutor("gpu-nvvm", std::move(lowering),
                                      runtime::cuda::hostSymbols());
  }

  FailureOr<Artifact> emit(ModuleOp module,
                           const BackendOptions &options) const override {
    bool cubin = options.get("format", "ptx") == "cubin";
    Artifact artifact{cubin ? "cubin" : "ptx", cubin ? ".cubin" : ".ptx", {}};
    auto binary = module.lookupSymbol<gpu::BinaryOp>("qf_kernels");
    if (!binary) {
      // A module with no parallel work has no kernels: an empty artifact.
      bool launches = false;
      module.walk([&](gpu::LaunchFuncOp) { launches = true; });
      if (!launches)
        return artifact;
      return module.emitError("no gpu.binary @qf_kernels; was the module "
                              "lowered by the gpu-nvvm pipeline?");
    }
    auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
    StringRef bytes = object.getObject().getValue();
    artifact.bytes.assign(bytes.begin(), bytes.end());
    return artifact;
  }

private:
  TargetCapabilities caps;
  NvvmCostModel cost;
  std::string defaultChip = "sm_80";
  std::string unavailable;
};

} // namespace

void mlir::qf::gpu_nvvm::registerGpuNvvmDependencies(
    DialectRegistry &registry) {
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerAllToLLVMIRTranslations(registry);
}

void mlir::qf::gpu_nvvm::registerGpuNvvmBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    gpu_nvvm::registerQFBackendGPUNVVMPasses();
    BackendRegistry::global().add(std::make_unique<GpuNvvmBackend>());
  });
}
