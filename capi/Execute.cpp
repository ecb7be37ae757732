//===- Execute.cpp - Compiling and running models (C API) -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "capi/Handles.h"

#include "runtime/ObserverABI.h"

#include "mlir/CAPI/Support.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::capi;

QfExecutable qfModelCompile(QfModel m, MlirStringRef backend,
                            MlirStringRef entry) {
  Model &model = *unwrap(m);
  Session &session = *model.session;
  if (session.refuseIfCrashed())
    return {nullptr};
  StringRef backendName = backend.length ? unwrap(backend) : "cpu";
  StringRef entryName = entry.length ? unwrap(entry) : "main";
  llvm::Expected<std::unique_ptr<runtime::Executor>> executor =
      runtime::ExecutorRegistry::global().create(backendName);
  if (!executor) {
    session.fail(executor.takeError());
    return {nullptr};
  }
  // The executor's dialects are registered in every session's context.
  FailureOr<std::shared_ptr<runtime::Executable>> executable =
      (*executor)->compile(*model.module, entryName);
  if (failed(executable))
    return {nullptr};
  return wrap(new Executable{&session, std::move(*executable)});
}

void qfExecutableDestroy(QfExecutable executable) { delete unwrap(executable); }

intptr_t qfExecutableGetNumInputs(QfExecutable e) {
  return unwrap(e)->executable->signature().inputs.size();
}

intptr_t qfExecutableGetNumOutputs(QfExecutable e) {
  return unwrap(e)->executable->signature().outputs.size();
}

static QfTensorInfo infoOf(const runtime::TensorPort &port) {
  return {wrap(StringRef(port.name)), toQfDType(port.dtype),
          intptr_t(port.shape.size()), port.shape.data()};
}

/// Port `index` of `ports`, or an error and rank -1.
static QfTensorInfo portInfo(Executable &executable,
                             const std::vector<runtime::TensorPort> &ports,
                             intptr_t index, StringRef kind) {
  if (index < 0 || index >= intptr_t(ports.size())) {
    executable.session->error("@" + executable.executable->signature().entry +
                              " has " + Twine(ports.size()) + " " + kind +
                              "s; there is no " + kind + " #" + Twine(index));
    return {::wrap(StringRef()), QF_DTYPE_F32, -1, nullptr};
  }
  return infoOf(ports[index]);
}

QfTensorInfo qfExecutableGetInput(QfExecutable e, intptr_t index) {
  Executable &executable = *unwrap(e);
  return portInfo(executable, executable.executable->signature().inputs, index,
                  "input");
}

QfTensorInfo qfExecutableGetOutput(QfExecutable e, intptr_t index) {
  Executable &executable = *unwrap(e);
  return portInfo(executable, executable.executable->signature().outputs, index,
                  "output");
}

/// Copies `result` into the caller's `out`, or gives `out` a copy of its
/// own when it has no data.
static LogicalResult deliver(Session &session, const runtime::TensorPort &port,
                             unsigned index, runtime::HostTensor &result,
                             QfTensor &out) {
  std::string what = port.describe(index);
  ArrayRef<int64_t> shape = result.shape();
  if (shape.size() > QF_MAX_RANK) {
    session.error("output " + what + " has rank " + Twine(shape.size()) +
                  ", more than QF_MAX_RANK");
    return failure();
  }
  size_t size = runtime::dtypeSize(result.dtype());
  if (!out.data) {
    size_t bytes = llvm::alignTo(std::max<size_t>(result.byteSize(), 1), 64);
    out.data = std::aligned_alloc(64, bytes);
    if (!out.data) {
      session.error("out of memory for output " + what);
      return failure();
    }
    std::memcpy(out.data, result.data(), result.byteSize());
    out.dtype = toQfDType(result.dtype());
    out.rank = shape.size();
    int64_t stride = size;
    for (int64_t d = out.rank - 1; d >= 0; stride *= shape[d--]) {
      out.shape[d] = shape[d];
      out.strides[d] = stride;
    }
    return success();
  }
  if (out.dtype != toQfDType(result.dtype()) ||
      out.rank != int64_t(shape.size()) ||
      ArrayRef<int64_t>(out.shape, out.rank) != shape) {
    std::string given = "?";
    if (qfDTypeSize(out.dtype) && out.rank >= 0 && out.rank <= QF_MAX_RANK) {
      given = runtime::dtypeName(toDType(out.dtype)).str() + "[";
      for (intptr_t d = 0; d < out.rank; ++d)
        given += (d ? "x" : "") + std::to_string(out.shape[d]);
      given += "]";
    }
    session.error(llvm::formatv("output {0} is {1}, but its buffer is {2}",
                                what, result.describe(), given)
                      .str());
    return failure();
  }
  if (isContiguous(out)) {
    std::memcpy(out.data, result.data(), result.byteSize());
    return success();
  }
  const char *in = static_cast<const char *>(result.data());
  // Byte strides give byte offsets.
  ArrayRef<int64_t> strides(out.strides, out.rank);
  for (auto [i, offset] :
       llvm::enumerate(runtime::rowMajorOffsets(shape, strides)))
    std::memcpy(static_cast<char *>(out.data) + offset, in + i * size, size);
  return success();
}

MlirLogicalResult qfExecutableRun(QfExecutable e, const QfTensor *inputs,
                                  intptr_t numInputs, QfTensor *outputs,
                                  intptr_t numOutputs) {
  Executable &executable = *unwrap(e);
  Session &session = *executable.session;
  const runtime::Signature &sig = executable.executable->signature();
  if (numInputs != intptr_t(sig.inputs.size()) ||
      numOutputs != intptr_t(sig.outputs.size())) {
    session.error(llvm::formatv("@{0} takes {1} inputs and gives {2} outputs; "
                                "the call has {3} and {4}",
                                sig.entry, sig.inputs.size(),
                                sig.outputs.size(), numInputs, numOutputs)
                      .str());
    return mlirLogicalResultFailure();
  }
  std::vector<runtime::HostTensor> held;
  held.reserve(numInputs);
  for (intptr_t i = 0; i < numInputs; ++i) {
    FailureOr<runtime::HostTensor> tensor =
        toHostTensor(session, inputs[i], "input " + sig.inputs[i].describe(i));
    if (failed(tensor))
      return mlirLogicalResultFailure();
    held.push_back(std::move(*tensor));
  }
  std::vector<const runtime::HostTensor *> pointers;
  for (const runtime::HostTensor &tensor : held)
    pointers.push_back(&tensor);
  llvm::Expected<std::vector<runtime::HostTensor>> results =
      executable.executable->run(pointers);
  if (!results)
    return session.fail(results.takeError());
  // Library-allocated outputs are freed again if a later one fails: the
  // call gives all its outputs or none.
  std::vector<bool> allocated;
  for (intptr_t i = 0; i < numOutputs; ++i) {
    allocated.push_back(!outputs[i].data);
    if (failed(
            deliver(session, sig.outputs[i], i, (*results)[i], outputs[i]))) {
      for (intptr_t j = 0; j < i; ++j)
        if (allocated[j])
          qfTensorFree(&outputs[j]);
      return mlirLogicalResultFailure();
    }
  }
  return mlirLogicalResultSuccess();
}

void qfTensorFree(QfTensor *tensor) {
  std::free(tensor->data);
  tensor->data = nullptr;
}
