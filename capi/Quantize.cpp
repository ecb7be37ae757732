//===- Quantize.cpp - Calibration data, recipes and reports (C API) -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "capi/Handles.h"

#include "pipelines/RecipePipelines.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Utils.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::capi;

QfDataset qfDatasetCreate(QfSession session) {
  return wrap(new Dataset{unwrap(session)});
}

void qfDatasetDestroy(QfDataset dataset) { delete unwrap(dataset); }

intptr_t qfDatasetGetNumParts(QfDataset dataset) {
  return unwrap(dataset)->parts->size();
}

MlirLogicalResult qfDatasetAddSample(QfDataset d, const MlirStringRef *names,
                                     const QfTensor *tensors,
                                     intptr_t numTensors) {
  Dataset &dataset = *unwrap(d);
  if (numTensors < 0 || (numTensors > 0 && (!names || !tensors))) {
    dataset.session->error("calibration sample " +
                           Twine(dataset.parts->size()) +
                           ": no names or tensors");
    return mlirLogicalResultFailure();
  }
  runtime::NamedTensors part;
  for (intptr_t i = 0; i < numTensors; ++i) {
    std::string name = unwrap(names[i]).str();
    if (runtime::lookup(part, name)) {
      dataset.session->error("calibration sample " +
                             Twine(dataset.parts->size()) + " gives '" + name +
                             "' twice");
      return mlirLogicalResultFailure();
    }
    FailureOr<runtime::HostTensor> tensor =
        toHostTensor(*dataset.session, tensors[i],
                     "calibration sample " + Twine(dataset.parts->size()) +
                         ", '" + name + "'");
    if (failed(tensor))
      return mlirLogicalResultFailure();
    part.emplace_back(std::move(name), std::move(*tensor));
  }
  dataset.parts->push_back(std::move(part));
  return mlirLogicalResultSuccess();
}

QfQuantizeOptions qfQuantizeOptionsGetDefault(void) {
  return {mlirStringRefCreateFromCString("cpu"), false,
          mlirStringRefCreateFromCString("main")};
}

void qfListRecipes(MlirStringCallback callback, void *userData) {
  for (const recipes::Recipe &recipe : recipes::builtinRecipes())
    callback(wrap(StringRef(recipe.name)), userData);
}

/// The name of the model in its report: the file it came from, if known.
static std::string modelName(ModuleOp module) {
  if (auto file = dyn_cast<FileLineColLoc>(module.getLoc()))
    return llvm::sys::path::filename(file.getFilename().getValue()).str();
  return "model";
}

MlirLogicalResult qfModelQuantize(QfModel m, MlirStringRef recipeName,
                                  QfDataset calibration,
                                  QfQuantizeOptions options) {
  Model &model = *unwrap(m);
  Session &session = *model.session;
  if (session.refuseIfCrashed())
    return mlirLogicalResultFailure();
  std::string error;
  FailureOr<recipes::Recipe> recipe =
      recipes::loadRecipe(unwrap(recipeName), error);
  if (failed(recipe)) {
    session.error(error);
    return mlirLogicalResultFailure();
  }

  // The samples are registered for this call only; the passes find them by
  // name through their `data` option.
  std::optional<calibration::RegisteredSamples> samples;
  if (!qfDatasetIsNull(calibration))
    samples.emplace(unwrap(calibration)->parts);
  std::string data = samples ? samples->name() : "";

  // quant-quantize writes the per-weight report to a file the report reads.
  SmallString<128> weightReport;
  if (options.report) {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "qf-weights", "json", weightReport)) {
      session.error("cannot create a temporary file: " + ec.message());
      return mlirLogicalResultFailure();
    }
  }
  llvm::FileRemover removeWeightReport(weightReport, options.report);

  recipes::PipelineOptions pipeline;
  pipeline.calibData = data;
  pipeline.backend = options.backend.length ? unwrap(options.backend) : "cpu";
  pipeline.reportPath = weightReport.str().str();
  pipeline.layerErrors = options.report && samples;
  pipeline.progress = session.progress;
  PassManager pm(session.context.get());
  if (failed(recipes::buildRecipePipeline(pm, *recipe, pipeline, error))) {
    session.error(error);
    return mlirLogicalResultFailure();
  }
  // The model changes only when the whole recipe succeeds. A clone shares
  // the weights' attributes, so it costs little.
  OwningOpRef<ModuleOp> quantized = model.module->clone();
  if (failed(pm.run(*quantized))) {
    session.error("recipe '" + recipe->name + "' failed");
    return mlirLogicalResultFailure();
  }
  std::optional<recipes::ModelReport> report;
  if (options.report) {
    recipes::ReportInputs inputs{modelName(*model.module), recipe->name,
                                 weightReport.str().str(), data};
    if (options.entry.length)
      inputs.entry = unwrap(options.entry).str();
    FailureOr<recipes::ModelReport> built =
        recipes::buildModelReport(*model.module, *quantized, inputs, error);
    if (failed(built)) {
      session.error(error);
      return mlirLogicalResultFailure();
    }
    report = std::move(*built);
  }
  model.module = std::move(quantized);
  model.report = std::move(report);
  return mlirLogicalResultSuccess();
}

MlirLogicalResult qfModelGetReport(QfModel m, QfReportFormat format,
                                   MlirStringCallback callback,
                                   void *userData) {
  Model &model = *unwrap(m);
  if (!model.report) {
    model.session->error("the model has no report: quantize it with the "
                         "report option");
    return mlirLogicalResultFailure();
  }
  detail::CallbackOstream stream(callback, userData);
  if (format == QF_REPORT_MARKDOWN)
    recipes::printMarkdown(stream, *model.report);
  else
    recipes::printJson(stream, *model.report);
  stream.flush();
  return mlirLogicalResultSuccess();
}
