//===- Executor.h - Compile and run entry functions on a backend -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// An Executor compiles one `func.func` on tensors into an Executable that runs
// on host tensors. Executors are found by name in a registry, so tools never
// name a backend in code: each backend plugin registers its executor under
// its name ("cpu", "gpu-nvvm", ...) when it is registered.
//
// Calibration runs a module whose `qf.observe` ops became calls into the
// observer ABI (ObserverABI.h); the values reach the ObserverSink given to
// Executable::run on the calling thread.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_EXECUTOR_H
#define QF_RUNTIME_EXECUTOR_H

#include "runtime/IO/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <mutex>

namespace mlir::qf::runtime {

/// An argument or result of an entry function.
struct TensorPort {
  std::string name; ///< The `qf.name` attribute, or empty.
  DType dtype;
  llvm::SmallVector<int64_t, 4> shape; ///< ShapedType::kDynamic where unknown.
  /// The `qf.dim_names` attribute: a name per dimension ("batch", "seq"),
  /// empty for a dimension without one. Dynamic dimensions of one name
  /// must have one size across the inputs of a run.
  llvm::SmallVector<std::string, 4> dimNames;

  /// "'x' (#0, f32[?x16])".
  std::string describe(unsigned index) const;
  bool accepts(const HostTensor &tensor) const;
};

struct Signature {
  std::string entry;
  std::vector<TensorPort> inputs;
  std::vector<TensorPort> outputs;
};

/// The signature of `func`, with a diagnostic at the function for arguments
/// or results that are not ranked tensors of a supported element type.
FailureOr<Signature> getSignature(func::FuncOp func);

/// Maps an element type to a dtype (f16, bf16, f32, f64, i1, i8, ui8, i16,
/// i32, i64); std::nullopt for anything else.
std::optional<DType> getDType(Type elementType);

/// Receives the values of the observed tensors of an instrumented run.
class ObserverSink {
public:
  virtual ~ObserverSink();
  /// `data` is a contiguous C-order f32 array of `shape`, valid during the
  /// call only. `slot` is the number the instrumentation gave the observer.
  virtual void observe(int64_t slot, const float *data,
                       llvm::ArrayRef<int64_t> shape) = 0;
};

class Executable {
public:
  explicit Executable(Signature signature) : sig(std::move(signature)) {}
  virtual ~Executable();
  const Signature &signature() const { return sig; }

  /// Runs the entry on `inputs` (one per argument, in order, already checked
  /// against the signature by the caller or by this call) and returns the
  /// results. Observed values, if the module was instrumented, go to `sink`.
  virtual llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<const HostTensor *> inputs,
      ObserverSink *sink = nullptr) = 0;

protected:
  /// Checks count, dtypes and shapes of `inputs` against the signature.
  llvm::Error checkInputs(llvm::ArrayRef<const HostTensor *> inputs) const;

private:
  Signature sig;
};

/// What a compilation spends its time on.
enum class OptimizeFor {
  RunTime,     ///< code that runs long: evaluation, serving, benchmarks
  CompileTime, ///< code that runs a few times: calibration, reports
};

class Executor {
public:
  virtual ~Executor();
  virtual llvm::StringRef name() const = 0;
  /// The dialects and interface models compile() loads into the module's
  /// context. A pass that compiles from inside a pass manager registers them
  /// in its own getDependentDialects (registerExecutorDependencies).
  virtual void getDependentDialects(DialectRegistry &registry) const {}
  /// Compiles `entry` of `module`, which is left unchanged. Problems are
  /// reported as diagnostics in the module's context.
  virtual FailureOr<std::shared_ptr<Executable>>
  compile(ModuleOp module, llvm::StringRef entry) = 0;
  /// Later compile() calls optimize for `goal` (default: RunTime). An
  /// executor without the choice ignores it.
  virtual void setOptimizeFor(OptimizeFor goal) {}
};

/// Executors by backend name.
class ExecutorRegistry {
public:
  using Factory = std::function<std::unique_ptr<Executor>()>;
  static ExecutorRegistry &global();

  /// Later registrations of a name replace earlier ones.
  void add(llvm::StringRef name, Factory factory);
  /// The executor of `name`, or an error listing the registered backends.
  llvm::Expected<std::unique_ptr<Executor>> create(llvm::StringRef name) const;
  std::vector<std::string> names() const;

private:
  mutable std::mutex mutex;
  std::vector<std::pair<std::string, Factory>> factories;
};

/// Adds the dependent dialects of the executor registered as `backend`, if
/// any, to `registry`.
void registerExecutorDependencies(llvm::StringRef backend,
                                  DialectRegistry &registry);

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_EXECUTOR_H
