//===- Session.cpp - Sessions, diagnostics and tensors of the C API -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "capi/Handles.h"

#include "runtime/ObserverABI.h"

#include "dialects/QF/QFDialect.h"
#include "plugins/BuiltinBackends.h"

#include "mlir/CAPI/IR.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::capi;

uint32_t qfGetAPIVersion(void) {
  return QF_API_VERSION_MAJOR << 16 | QF_API_VERSION_MINOR;
}

/// "file:line:col" of the first file location in `loc`, or "".
static std::string describe(Location loc) {
  std::string text;
  loc->walk([&](Location inner) {
    if (auto file = dyn_cast<FileLineColLoc>(inner)) {
      text = (file.getFilename().getValue() + ":" + Twine(file.getLine()) +
              ":" + Twine(file.getColumn()))
                 .str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return text;
}

static QfSeverity severityOf(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return QF_SEVERITY_ERROR;
  case DiagnosticSeverity::Warning:
    return QF_SEVERITY_WARNING;
  case DiagnosticSeverity::Note:
    return QF_SEVERITY_NOTE;
  case DiagnosticSeverity::Remark:
    return QF_SEVERITY_REMARK;
  }
  return QF_SEVERITY_ERROR;
}

Session::Session(unsigned numThreads) {
  capi::registerGlobals();
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerQFDialect(registry);
  plugin::registerBuiltinBackendDependencies(registry);
  context = std::make_unique<MLIRContext>(
      registry, numThreads == 0 ? MLIRContext::Threading::ENABLED
                                : MLIRContext::Threading::DISABLED);
  // A pool of the session's own bounds MLIR's threads in this context.
  if (numThreads > 1) {
    threads = std::make_unique<llvm::DefaultThreadPool>(
        llvm::hardware_concurrency(numThreads));
    context->setThreadPool(*threads);
  }
  context->printOpOnDiagnostic(false);
  handler = context->getDiagEngine().registerHandler([this](Diagnostic &d) {
    emit(severityOf(d.getSeverity()), describe(d.getLocation()), d.str());
    for (Diagnostic &note : d.getNotes())
      emit(QF_SEVERITY_NOTE, describe(note.getLocation()), note.str());
    return success();
  });
}

Session::~Session() { context->getDiagEngine().eraseHandler(handler); }

void Session::emit(QfSeverity severity, StringRef location, StringRef message) {
  if (callback) {
    callback(severity, ::wrap(location), ::wrap(message), userData);
    return;
  }
  static constexpr const char *kNames[] = {"error", "warning", "note",
                                           "remark"};
  llvm::errs() << (location.empty() ? "" : location.str() + ": ")
               << kNames[severity] << ": " << message << "\n";
}

void Session::error(const Twine &message) {
  emit(QF_SEVERITY_ERROR, "", message.str());
}

MlirLogicalResult Session::fail(llvm::Error err) {
  error(llvm::toString(std::move(err)));
  return mlirLogicalResultFailure();
}

bool Session::refuseIfCrashed() {
  if (crashed)
    error("MLIR crashed earlier in this session's context; destroy the "
          "session and create another");
  return crashed;
}

QfSession qfSessionCreate(intptr_t numThreads) {
  return wrap(new Session(numThreads < 0 ? 0 : unsigned(numThreads)));
}

void qfSessionDestroy(QfSession session) { delete unwrap(session); }

MlirContext qfSessionGetContext(QfSession session) {
  return ::wrap(unwrap(session)->context.get());
}

void qfSessionSetDiagnosticCallback(QfSession session,
                                    QfDiagnosticCallback callback,
                                    void *userData) {
  unwrap(session)->callback = callback;
  unwrap(session)->userData = userData;
}

void qfSessionSetProgress(QfSession session, bool enabled) {
  unwrap(session)->progress = enabled;
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

runtime::DType capi::toDType(QfDType dtype) {
  return static_cast<runtime::DType>(dtype);
}

QfDType capi::toQfDType(runtime::DType dtype) {
  return static_cast<QfDType>(dtype);
}

// The enums are one list in one order.
static_assert(QF_DTYPE_F16 == int(runtime::DType::F16) &&
              QF_DTYPE_BF16 == int(runtime::DType::BF16) &&
              QF_DTYPE_F32 == int(runtime::DType::F32) &&
              QF_DTYPE_F64 == int(runtime::DType::F64) &&
              QF_DTYPE_I8 == int(runtime::DType::I8) &&
              QF_DTYPE_U8 == int(runtime::DType::U8) &&
              QF_DTYPE_I16 == int(runtime::DType::I16) &&
              QF_DTYPE_I32 == int(runtime::DType::I32) &&
              QF_DTYPE_I64 == int(runtime::DType::I64) &&
              QF_DTYPE_BOOL == int(runtime::DType::Bool));

intptr_t qfDTypeSize(QfDType dtype) {
  if (dtype < QF_DTYPE_F16 || dtype > QF_DTYPE_BOOL)
    return 0;
  return runtime::dtypeSize(capi::toDType(dtype));
}

bool capi::isContiguous(const QfTensor &tensor) {
  // All strides zero: C order by convention. Otherwise each stride is the
  // size of what follows (a size-1 dimension may have any stride; a zero
  // stride elsewhere is a broadcast).
  ArrayRef<int64_t> strides(tensor.strides, tensor.rank);
  if (llvm::all_of(strides, [](int64_t s) { return s == 0; }))
    return true;
  int64_t expected = qfDTypeSize(tensor.dtype);
  for (int64_t d = tensor.rank - 1; d >= 0; expected *= tensor.shape[d--])
    if (tensor.shape[d] != 1 && strides[d] != expected)
      return false;
  return true;
}

FailureOr<runtime::HostTensor> capi::toHostTensor(Session &session,
                                                  const QfTensor &tensor,
                                                  const Twine &what) {
  auto bad = [&](const Twine &why) {
    session.error(what + ": " + why);
    return failure();
  };
  if (qfDTypeSize(tensor.dtype) == 0)
    return bad("unknown dtype " + Twine(int(tensor.dtype)));
  if (tensor.rank < 0 || tensor.rank > QF_MAX_RANK)
    return bad("rank " + Twine(tensor.rank) + " is not in [0, " +
               Twine(QF_MAX_RANK) + "]");
  ArrayRef<int64_t> shape(tensor.shape, tensor.rank);
  ArrayRef<int64_t> strides(tensor.strides, tensor.rank);
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return bad("a negative dimension");
  if (!tensor.data)
    return bad("no data");
  runtime::DType dtype = toDType(tensor.dtype);
  int64_t size = runtime::dtypeSize(dtype);
  if (reinterpret_cast<uintptr_t>(tensor.data) % size)
    return bad("data not aligned to its " + Twine(size) + "-byte elements");
  if (isContiguous(tensor))
    return runtime::HostTensor::view(dtype, shape, tensor.data);
  uint64_t bytes = size;
  for (int64_t d : shape) {
    bool overflow = false;
    bytes = llvm::SaturatingMultiply<uint64_t>(bytes, d, &overflow);
    if (overflow || bytes > uint64_t(INT64_MAX))
      return bad("its size overflows");
  }
  runtime::HostTensor copy(dtype, shape);
  char *out = static_cast<char *>(copy.data());
  const char *base = static_cast<const char *>(tensor.data);
  // Byte strides give byte offsets.
  for (auto [i, offset] :
       llvm::enumerate(runtime::rowMajorOffsets(shape, strides)))
    std::memcpy(out + i * size, base + offset, size);
  return copy;
}
