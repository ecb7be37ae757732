//===- Model.cpp - Reading, writing and transforming models (C API) -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "capi/Handles.h"

#include "importers/onnx/Importer.h"
#include "parameters/ParameterFile.h"
#include "parameters/ReadModel.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Utils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::capi;

static QfModel adopt(Session &session, OwningOpRef<ModuleOp> module) {
  if (!module)
    return {nullptr};
  return wrap(new Model{&session, std::move(module), std::nullopt});
}

QfModel qfModelImportOnnx(QfSession s, MlirStringRef path,
                          const QfInputShape *inputShapes,
                          intptr_t numInputShapes) {
  Session &session = *unwrap(s);
  if (session.refuseIfCrashed())
    return {nullptr};
  onnx_import::ImportOptions options;
  for (intptr_t i = 0; i < numInputShapes; ++i) {
    const QfInputShape &given = inputShapes[i];
    if (given.rank < 0 || (given.rank && !given.shape)) {
      session.error("input shape #" + Twine(i) + " has no dimensions");
      return {nullptr};
    }
    options.inputShapes[unwrap(given.name).str()] =
        std::vector<int64_t>(given.shape, given.shape + given.rank);
  }
  return adopt(session, onnx_import::importOnnxFile(
                            unwrap(path), session.context.get(), options));
}

/// readModel of `buffer`, noting a crash of MLIR's parser or verifier.
static QfModel read(Session &session,
                    std::unique_ptr<llvm::MemoryBuffer> buffer,
                    StringRef weightsPath) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  bool crashed = false;
  OwningOpRef<ModuleOp> module =
      parameters::readModel(*session.context, sourceMgr, weightsPath, &crashed);
  session.crashed |= crashed;
  return adopt(session, std::move(module));
}

QfModel qfModelParse(QfSession s, MlirStringRef text, MlirStringRef name) {
  Session &session = *unwrap(s);
  if (session.refuseIfCrashed())
    return {nullptr};
  StringRef bufferName = name.length ? unwrap(name) : "<string>";
  return read(session,
              llvm::MemoryBuffer::getMemBufferCopy(unwrap(text), bufferName),
              "");
}

QfModel qfModelReadFile(QfSession s, MlirStringRef path,
                        MlirStringRef weightsPath) {
  Session &session = *unwrap(s);
  if (session.refuseIfCrashed())
    return {nullptr};
  std::string file = unwrap(path).str();
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/true);
  if (!buffer) {
    session.error("cannot read '" + file + "': " + buffer.getError().message());
    return {nullptr};
  }
  return read(session, std::move(*buffer),
              parameters::weightsToRead(file, unwrap(weightsPath)));
}

QfModel qfModelClone(QfModel m) {
  Model &model = *unwrap(m);
  return wrap(new Model{model.session, model.module->clone(), model.report});
}

void qfModelDestroy(QfModel model) { delete unwrap(model); }

MlirModule qfModelGetModule(QfModel model) {
  return wrap(*unwrap(model)->module);
}

void qfModelPrint(QfModel model, MlirStringCallback callback, void *userData) {
  detail::CallbackOstream stream(callback, userData);
  unwrap(model)->module->print(stream);
  stream.flush();
}

MlirLogicalResult qfModelWrite(QfModel m, MlirStringRef path,
                               MlirStringRef weightsPath) {
  Model &model = *unwrap(m);
  if (model.session->refuseIfCrashed())
    return mlirLogicalResultFailure();
  StringRef file = unwrap(path);
  return wrap(parameters::writeModel(
      *model.module, file,
      parameters::weightsToWrite(file, unwrap(weightsPath))));
}

MlirLogicalResult qfModelRunPipeline(QfModel m, MlirStringRef pipeline) {
  Model &model = *unwrap(m);
  Session &session = *model.session;
  if (session.refuseIfCrashed())
    return mlirLogicalResultFailure();
  StringRef text = unwrap(pipeline).trim();
  std::string parseErrors;
  llvm::raw_string_ostream errors(parseErrors);
  PassManager pm(session.context.get());
  // "builtin.module(a,b)" names its anchor; "a,b" runs on the module.
  std::string anchor = ModuleOp::getOperationName().str() + "(";
  if (text.starts_with(anchor) && text.ends_with(")"))
    text = text.drop_front(anchor.size()).drop_back();
  if (failed(parsePassPipeline(text, pm, errors))) {
    session.error("cannot parse the pipeline '" + unwrap(pipeline) +
                  "': " + parseErrors);
    return mlirLogicalResultFailure();
  }
  return wrap(pm.run(*model.module));
}
