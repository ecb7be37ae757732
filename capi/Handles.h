//===- Handles.h - What the C API's handles point to ------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The objects behind QfSession, QfModel, QfDataset and QfExecutable, and the
// conversions between them and their handles. Internal to capi/.
//
//===----------------------------------------------------------------------===//

#ifndef QF_CAPI_HANDLES_H
#define QF_CAPI_HANDLES_H

#include "passes/Samples/CalibrationData.h"
#include "pipelines/ModelReport.h"
#include "runtime/Executor.h"

#include "quantforge-c/Session.h"

#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/Support/ThreadPool.h"

#include <memory>
#include <optional>

namespace mlir::qf::capi {

struct Session {
  explicit Session(unsigned numThreads);
  ~Session();

  /// Reports an error without a location (one of ours, not a diagnostic).
  void error(const llvm::Twine &message);
  /// Reports `error`'s message; returns a failed MlirLogicalResult.
  MlirLogicalResult fail(llvm::Error error);
  /// Whether MLIR crashed in this context: then nothing may use it again,
  /// and each call says so.
  bool refuseIfCrashed();

  /// The session's threads (numThreads > 1); outlives `context`.
  std::unique_ptr<llvm::ThreadPoolInterface> threads;
  std::unique_ptr<MLIRContext> context;
  QfDiagnosticCallback callback = nullptr;
  void *userData = nullptr;
  bool progress = false;
  bool crashed = false;

private:
  void emit(QfSeverity severity, llvm::StringRef location,
            llvm::StringRef message);
  DiagnosticEngine::HandlerID handler;
};

struct Model {
  Session *session;
  OwningOpRef<ModuleOp> module;
  /// The report of the last qfModelQuantize that asked for one.
  std::optional<recipes::ModelReport> report;
};

struct Dataset {
  Session *session;
  /// Shared with the registration of each qfModelQuantize that uses it.
  std::shared_ptr<calibration::SampleParts> parts =
      std::make_shared<calibration::SampleParts>();
};

struct Executable {
  Session *session;
  std::shared_ptr<runtime::Executable> executable;
};

inline Session *unwrap(QfSession s) { return static_cast<Session *>(s.ptr); }
inline Model *unwrap(QfModel m) { return static_cast<Model *>(m.ptr); }
inline Dataset *unwrap(QfDataset d) { return static_cast<Dataset *>(d.ptr); }
inline Executable *unwrap(QfExecutable e) {
  return static_cast<Executable *>(e.ptr);
}
inline QfSession wrap(Session *s) { return {s}; }
inline QfModel wrap(Model *m) { return {m}; }
inline QfDataset wrap(Dataset *d) { return {d}; }
inline QfExecutable wrap(Executable *e) { return {e}; }

/// A caller's tensor as a HostTensor: a view when it is contiguous, a copy
/// otherwise. Fails (after reporting) on a bad description.
FailureOr<runtime::HostTensor>
toHostTensor(Session &session, const QfTensor &tensor, const llvm::Twine &what);
/// Registers, once per process, the passes, pipelines and backends every
/// session needs (globally, as the tools do).
void registerGlobals();

/// Whether `tensor`'s elements are in C order without gaps.
bool isContiguous(const QfTensor &tensor);
runtime::DType toDType(QfDType dtype);
QfDType toQfDType(runtime::DType dtype);

} // namespace mlir::qf::capi

#endif // QF_CAPI_HANDLES_H
