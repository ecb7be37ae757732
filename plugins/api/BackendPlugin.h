//===- BackendPlugin.h - The interface every backend implements -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A backend says what it can run (TargetCapabilities), what running an op
// under a scheme costs (CostModel), how quantized IR becomes its code (a
// lowering pipeline), how that code is written out (an Artifact) and, where
// the machine allows, how it is executed (a runtime Executor). Built-in
// backends register statically; others are shared libraries loaded through
// PluginABI.h.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_API_BACKENDPLUGIN_H
#define QF_PLUGINS_API_BACKENDPLUGIN_H

#include "dialects/QF/QFTarget.h"
#include "runtime/Executor.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlir::qf::plugin {

using qf::CostEstimate;
using qf::CostModel;
using qf::TargetCapabilities;

/// Options of a lowering or emission, as `key=value` strings (e.g.
/// `vector-bits=256`), interpreted by each backend.
struct BackendOptions {
  std::map<std::string, std::string> values;
  std::string get(const std::string &key, const std::string &def) const {
    auto it = values.find(key);
    return it == values.end() ? def : it->second;
  }
};

/// A compiled module: an object file, PTX, a SPIR-V binary.
struct Artifact {
  std::string kind;      ///< "object", "ptx", "cubin", "spirv"
  std::string extension; ///< ".o", ".ptx", ...
  std::vector<char> bytes;
};

class BackendPlugin {
public:
  virtual ~BackendPlugin();
  /// The name tools use (`--backend cpu`).
  virtual StringRef name() const = 0;
  virtual StringRef description() const = 0;
  virtual const TargetCapabilities &capabilities() const = 0;
  virtual const CostModel &costModel() const = 0;
  /// Checks `options` before a pipeline is built from them.
  virtual LogicalResult validate(const BackendOptions &options,
                                 std::string &error) const;
  /// From quantized IR (qf ops, tensors) to what emit() and the executor
  /// take. Starts by checking the module against capabilities().
  virtual void buildLoweringPipeline(OpPassManager &pm,
                                     const BackendOptions &options) const = 0;
  /// Writes a module that went through buildLoweringPipeline.
  virtual FailureOr<Artifact> emit(ModuleOp module,
                                   const BackendOptions &options) const = 0;
  /// An executor for quantized IR, or nullptr where this machine cannot run
  /// the backend.
  virtual std::unique_ptr<runtime::Executor> createExecutor() const;
  /// Why createExecutor() gives nullptr here ("no Vulkan device ..."); empty
  /// when it does not.
  virtual std::string whyNoExecutor() const;
};

/// The cost of `op` as a roofline: the larger of compute time at
/// `opsPerSecond` and weight streaming at `bytesPerSecond`. Shared by
/// backends whose cost models are rooflines with their own peaks.
FailureOr<CostEstimate> rooflineEstimate(Operation *op, SchemeAttr scheme,
                                         double opsPerSecond,
                                         double bytesPerSecond);

/// Checks every qf op of a module against a backend's capabilities.
std::unique_ptr<Pass> createCheckCapabilitiesPass(const BackendPlugin &plugin);

} // namespace mlir::qf::plugin

#endif // QF_PLUGINS_API_BACKENDPLUGIN_H
