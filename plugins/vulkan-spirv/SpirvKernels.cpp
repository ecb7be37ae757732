//===- SpirvKernels.cpp - GPU kernels to SPIR-V and host launches ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Two module passes around upstream's convert-gpu-to-spirv:
// - vulkan-spirv-prepare-kernels: each kernel gets its workgroup size (from its
//   launches' constant block sizes) as spirv.entry_point_abi, the kernel
//   module the device's spirv.target_env, and each launch the list of
//   arguments the kernel writes (so the runtime copies back only those:
//   constant weights live in read-only memory);
// - vulkan-spirv-launch-calls: the converted spirv.module is serialized into a
//   global of the host module, and every gpu.launch_func becomes a call of
//   qfVulkanLaunch(spirv, entry, grid, [address, bytes, written]...).
//
//===----------------------------------------------------------------------===//

#include "plugins/vulkan-spirv/Passes.h"
#include "plugins/vulkan-spirv/VulkanBackend.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Target/SPIRV/Serialization.h"

namespace mlir::qf::vulkan_spirv {
#define GEN_PASS_DEF_VULKANSPIRVPREPAREKERNELSPASS
#define GEN_PASS_DEF_VULKANSPIRVLAUNCHCALLSPASS
#include "plugins/vulkan-spirv/Passes.h.inc"
} // namespace mlir::qf::vulkan_spirv

using namespace mlir;
using namespace mlir::qf;

namespace {

constexpr StringLiteral kWrittenAttr = "qf.written";
constexpr StringLiteral kLaunchFunction = "qfVulkanLaunch";
constexpr StringLiteral kSpirvGlobal = "__qf_vk_spirv";

/// True when an op of `func` may write through argument `arg`: a write
/// effect on it, or a use by an op whose effects are unknown.
bool writes(gpu::GPUFuncOp func, Value arg) {
  bool written = false;
  func.walk([&](Operation *op) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      // Ops with recursive effects are judged by the ops they hold.
      written |= llvm::is_contained(op->getOperands(), arg) &&
                 !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
      return;
    }
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (auto &instance : instances)
      written |= isa<MemoryEffects::Write>(instance.getEffect()) &&
                 instance.getValue() == arg;
  });
  return written;
}

class PrepareKernelsPass final
    : public vulkan_spirv::impl::VulkanSpirvPrepareKernelsPassBase<
          PrepareKernelsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      // SPIR-V 1.6 only for kernels that use OpSDot: spirv-update-vce
      // settles a module on the lowest version its ops need, and upstream
      // conversions already chose 1.4+ forms (entry point interfaces,
      // NoSignedWrap decorations) under a 1.6 environment.
      vulkan_spirv::TargetFeatures moduleFeatures{int16, integerDotProduct};
      moduleFeatures.integerDotProduct &=
          gpuModule.walk([](spirv::SDotOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
      gpuModule->setAttr(spirv::getTargetEnvAttrName(),
                         vulkan_spirv::targetEnv(ctx, moduleFeatures));
    }
    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      auto func = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
          launch, launch.getKernel());
      SmallVector<int32_t> size;
      for (Value dim : {launch.getBlockSizeX(), launch.getBlockSizeY(),
                        launch.getBlockSizeZ()}) {
        APInt v;
        if (!matchPattern(dim, m_ConstantInt(&v))) {
          launch.emitError("vulkan-spirv needs constant block sizes");
          return WalkResult::interrupt();
        }
        size.push_back(static_cast<int32_t>(v.getSExtValue()));
      }
      auto abi = spirv::getEntryPointABIAttr(ctx, size);
      if (auto old = func->getAttrOfType<spirv::EntryPointABIAttr>(
              spirv::getEntryPointABIAttrName());
          old && old != abi) {
        launch.emitError("kernel @")
            << func.getName() << " is launched with two block sizes";
        return WalkResult::interrupt();
      }
      func->setAttr(spirv::getEntryPointABIAttrName(), abi);
      SmallVector<bool> written;
      for (BlockArgument arg : func.getArguments())
        written.push_back(writes(func, arg));
      launch->setAttr(kWrittenAttr, DenseBoolArrayAttr::get(ctx, written));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

class LaunchCallsPass final
    : public vulkan_spirv::impl::VulkanSpirvLaunchCallsPassBase<
          LaunchCallsPass> {
public:
  using Base::Base;

  void runOnOperation() override;

private:
  /// A constant i8 global holding `bytes`, 64-byte aligned.
  memref::GlobalOp byteGlobal(OpBuilder &b, StringRef name,
                              ArrayRef<char> bytes);
};

memref::GlobalOp LaunchCallsPass::byteGlobal(OpBuilder &b, StringRef name,
                                             ArrayRef<char> bytes) {
  auto type = MemRefType::get({(int64_t)bytes.size()}, b.getI8Type());
  auto tensorType =
      RankedTensorType::get({(int64_t)bytes.size()}, b.getI8Type());
  SmallVector<int8_t> values(bytes.begin(), bytes.end());
  return memref::GlobalOp::create(
      b, b.getUnknownLoc(), name, b.getStringAttr("private"), type,
      DenseElementsAttr::get(tensorType, ArrayRef(values)), /*constant=*/true,
      b.getI64IntegerAttr(64));
}

void LaunchCallsPass::runOnOperation() {
  ModuleOp module = getOperation();
  SmallVector<spirv::ModuleOp> spirvModules;
  module.walk([&](spirv::ModuleOp m) { spirvModules.push_back(m); });
  bool hasLaunches = false;
  module.walk([&](gpu::LaunchFuncOp) { hasLaunches = true; });
  if (!hasLaunches) {
    for (auto m : spirvModules)
      m.erase();
    for (auto g : llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
      g.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
    return;
  }
  if (spirvModules.size() != 1) {
    module.emitError("expected one SPIR-V module of kernels, found ")
        << spirvModules.size();
    return signalPassFailure();
  }
  SmallVector<uint32_t> words;
  if (failed(spirv::serialize(spirvModules.front(), words)))
    return signalPassFailure();

  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  ArrayRef<char> bytes(reinterpret_cast<const char *>(words.data()),
                       words.size() * sizeof(uint32_t));
  memref::GlobalOp spirvGlobal = byteGlobal(b, kSpirvGlobal, bytes);

  // void qfVulkanLaunch(memref<?xi8> spirv, memref<?xi8> entry, i64 x3,
  //                     memref<?xi64> args)
  Type i64 = b.getI64Type();
  auto bytesType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  auto argsType = MemRefType::get({ShapedType::kDynamic}, i64);
  auto launchType =
      b.getFunctionType({bytesType, bytesType, i64, i64, i64, argsType}, {});
  auto launchFunc =
      func::FuncOp::create(b, b.getUnknownLoc(), kLaunchFunction, launchType);
  launchFunc.setPrivate();

  llvm::StringMap<memref::GlobalOp> entryGlobals;
  SmallVector<gpu::LaunchFuncOp> launches;
  module.walk([&](gpu::LaunchFuncOp l) { launches.push_back(l); });
  for (gpu::LaunchFuncOp launch : launches) {
    StringRef kernel = launch.getKernelName().getValue();
    memref::GlobalOp &entry = entryGlobals[kernel];
    if (!entry) {
      OpBuilder gb = OpBuilder::atBlockBegin(module.getBody());
      SmallVector<char> name(kernel.begin(), kernel.end());
      name.push_back('\0');
      entry = byteGlobal(gb, ("__qf_vk_entry_" + kernel).str(), name);
    }
    OpBuilder lb(launch);
    Location loc = launch.getLoc();
    auto view = [&](memref::GlobalOp global) -> Value {
      Value whole = memref::GetGlobalOp::create(lb, loc, global.getType(),
                                                global.getSymName());
      return memref::CastOp::create(lb, loc, bytesType, whole);
    };
    auto toI64 = [&](Value index) -> Value {
      return arith::IndexCastOp::create(lb, loc, i64, index);
    };
    auto writtenAttr = launch->getAttrOfType<DenseBoolArrayAttr>(kWrittenAttr);
    ValueRange operands = launch.getKernelOperands();
    int64_t n = operands.size();
    Value args =
        memref::AllocaOp::create(lb, loc, MemRefType::get({3 * n}, i64));
    for (auto [i, operand] : llvm::enumerate(operands)) {
      auto type = dyn_cast<MemRefType>(operand.getType());
      if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity()) {
        launch.emitError("vulkan-spirv passes only statically shaped, "
                         "contiguous buffers to kernels; argument ")
            << i << " is " << operand.getType();
        return signalPassFailure();
      }
      int64_t elementBytes = (type.getElementTypeBitWidth() + 7) / 8;
      Value address = toI64(
          memref::ExtractAlignedPointerAsIndexOp::create(lb, loc, operand));
      Value size = arith::ConstantIntOp::create(
          lb, loc, type.getNumElements() * elementBytes, 64);
      Value written = arith::ConstantIntOp::create(
          lb, loc, writtenAttr && writtenAttr[i] ? 1 : 0, 64);
      SmallVector<Value, 3> fields = {address, size, written};
      for (auto [k, v] : llvm::enumerate(fields))
        memref::StoreOp::create(
            lb, loc, v, args,
            ValueRange{arith::ConstantIndexOp::create(lb, loc, 3 * i + k)});
    }
    func::CallOp::create(
        lb, loc, launchFunc,
        ValueRange{view(spirvGlobal), view(entry), toI64(launch.getGridSizeX()),
                   toI64(launch.getGridSizeY()), toI64(launch.getGridSizeZ()),
                   memref::CastOp::create(lb, loc, argsType, args)});
    launch.erase();
  }
  for (auto m : spirvModules)
    m.erase();
  for (auto g : llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
    g.erase();
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
}

} // namespace

spirv::TargetEnvAttr
mlir::qf::vulkan_spirv::targetEnv(MLIRContext *ctx, TargetFeatures features) {
  using spirv::Capability;
  using spirv::Extension;
  SmallVector<Capability> caps = {Capability::Shader, Capability::Int8,
                                  Capability::Int64, Capability::Float64,
                                  Capability::StorageBuffer8BitAccess};
  SmallVector<Extension> exts = {
      Extension::SPV_KHR_8bit_storage,
      Extension::SPV_KHR_storage_buffer_storage_class};
  if (features.int16)
    caps.push_back(Capability::Int16);
  if (features.integerDotProduct) {
    caps.append({Capability::DotProduct, Capability::DotProductInput4x8Bit,
                 Capability::DotProductInput4x8BitPacked,
                 Capability::DotProductInputAll});
    exts.push_back(Extension::SPV_KHR_integer_dot_product);
  }
  // SPIR-V 1.3 is Vulkan 1.1's; the integer dot product comes with Vulkan
  // 1.3, whose SPIR-V 1.6 MLIR requires for the DotProduct capabilities.
  spirv::Version version = features.integerDotProduct ? spirv::Version::V_1_6
                                                      : spirv::Version::V_1_3;
  auto triple = spirv::VerCapExtAttr::get(version, caps, exts, ctx);
  return spirv::TargetEnvAttr::get(triple, spirv::getDefaultResourceLimits(ctx),
                                   spirv::ClientAPI::Vulkan);
}

StringRef mlir::qf::vulkan_spirv::spirvGlobalName() { return kSpirvGlobal; }
