//===- ModelReport.cpp - What a quantization did to a model
//--------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "pipelines/ModelReport.h"

#include "passes/Samples/CalibrationData.h"

#include "runtime/Bindings.h"
#include "runtime/Executor.h"
#include "runtime/IO/NumpyIO.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::recipes;

FailureOr<std::vector<WeightEntry>>
recipes::readWeightReport(StringRef path, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read the weight report '" + path.str() + "'";
    return failure();
  }
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json) {
    error = "bad weight report: " + llvm::toString(json.takeError());
    return failure();
  }
  std::vector<WeightEntry> entries;
  const llvm::json::Object *root = json->getAsObject();
  const llvm::json::Array *weights = root ? root->getArray("weights") : nullptr;
  if (!weights) {
    error = "bad weight report: no 'weights' array";
    return failure();
  }
  for (const llvm::json::Value &v : *weights) {
    const llvm::json::Object *o = v.getAsObject();
    if (!o) {
      error = "bad weight report entry";
      return failure();
    }
    WeightEntry e;
    e.layer = o->getString("layer").value_or("").str();
    e.op = o->getString("op").value_or("").str();
    e.scheme = o->getString("scheme").value_or("").str();
    e.params = o->getInteger("params").value_or(0);
    e.floatBytes = o->getInteger("float_bytes").value_or(0);
    e.bytes = o->getInteger("bytes").value_or(0);
    e.weightError = o->getNumber("weight_error").value_or(0);
    e.outputError = o->getNumber("output_error");
    if (const llvm::json::Array *shape = o->getArray("shape"))
      for (const llvm::json::Value &d : *shape)
        e.shape.push_back(d.getAsInteger().value_or(0));
    entries.push_back(std::move(e));
  }
  return entries;
}

int64_t recipes::constantBytes(ModuleOp module) {
  int64_t bytes = 0;
  module.walk([&](arith::ConstantOp c) {
    if (auto type = dyn_cast<ShapedType>(c.getType()))
      if (type.hasStaticShape() && type.getElementType().isIntOrFloat())
        bytes += (type.getNumElements() *
                      type.getElementType().getIntOrFloatBitWidth() +
                  7) /
                 8;
  });
  return bytes;
}

FailureOr<std::vector<OutputError>>
recipes::compareOutputs(ModuleOp floatModule, ModuleOp quantizedModule,
                        StringRef entry, const std::vector<Sample> &samples,
                        std::string &error) {
  auto executor = runtime::ExecutorRegistry::global().create("cpu");
  if (!executor) {
    error = llvm::toString(executor.takeError());
    return failure();
  }
  // Each model runs on a few samples only.
  (*executor)->setOptimizeFor(runtime::OptimizeFor::CompileTime);
  std::shared_ptr<runtime::Executable> executables[2];
  for (auto [module, executable] :
       llvm::zip(std::array<ModuleOp, 2>{floatModule, quantizedModule},
                 executables)) {
    auto compiled = (*executor)->compile(module, entry);
    if (failed(compiled)) {
      error = "cannot compile @" + entry.str() + " for the comparison";
      return failure();
    }
    executable = *compiled;
  }
  const runtime::Signature &sig = executables[0]->signature();
  struct Sums {
    double diff2 = 0, ref2 = 0, maxAbs = 0;
    bool compared = false;
  };
  std::vector<Sums> sums(sig.outputs.size());
  for (const Sample &sample : samples) {
    std::vector<runtime::SourcedTensor> sourced;
    for (const auto &[name, tensor] : sample)
      sourced.push_back({name, "calibration data", &tensor});
    std::vector<runtime::HostTensor> results[2];
    for (auto [executable, out] : llvm::zip(executables, results)) {
      auto bound = runtime::bindInputs(executable->signature(), sourced);
      if (!bound) {
        error = llvm::toString(bound.takeError());
        return failure();
      }
      auto ran = executable->run(*bound);
      if (!ran) {
        error = llvm::toString(ran.takeError());
        return failure();
      }
      out = std::move(*ran);
    }
    for (size_t i = 0; i < results[0].size() && i < sums.size(); ++i) {
      const runtime::HostTensor &f = results[0][i], &q = results[1][i];
      if (f.dtype() != runtime::DType::F32 ||
          q.dtype() != runtime::DType::F32 ||
          f.numElements() != q.numElements())
        continue;
      Sums &o = sums[i];
      o.compared = true;
      for (int64_t k = 0; k < f.numElements(); ++k) {
        double d = double(q.dataAs<float>()[k]) - f.dataAs<float>()[k];
        o.diff2 += d * d;
        o.ref2 += double(f.dataAs<float>()[k]) * f.dataAs<float>()[k];
        o.maxAbs = std::max(o.maxAbs, std::fabs(d));
      }
    }
  }
  std::vector<OutputError> errors;
  for (auto [i, o] : llvm::enumerate(sums))
    if (o.compared)
      errors.push_back(
          {runtime::outputKey(sig, i),
           o.ref2 > 0 ? std::sqrt(o.diff2 / o.ref2) : std::sqrt(o.diff2),
           o.maxAbs, int64_t(samples.size())});
  return errors;
}

static std::string megabytes(int64_t bytes) {
  return llvm::formatv("{0:f3} MB", bytes / 1e6).str();
}

void recipes::printMarkdown(llvm::raw_ostream &os, const ModelReport &r) {
  os << "# Quantization report: " << r.model << "\n\n";
  os << "Recipe: `" << r.recipe << "`\n\n";
  os << "Weight error: ||W - dq(q(W))|| / ||W||. Weight-only output error: "
        "||X (dq(q(W)) - W)|| / ||X W|| over the layer's input rows X on the "
        "calibration data (`-` without --calib): it leaves out the "
        "quantization of activations, which the model's output error below "
        "includes.\n\n";
  os << "| layer | op | weight | scheme | params | bytes | bits/weight | "
        "weight error | weight-only output error |\n";
  os << "|---|---|---|---|---|---|---|---|---|\n";
  int64_t params = 0, floatBytes = 0, bytes = 0;
  for (const WeightEntry &w : r.weights) {
    std::string shape;
    for (size_t i = 0; i < w.shape.size(); ++i)
      shape += (i ? "x" : "") + std::to_string(w.shape[i]);
    std::string output =
        w.outputError ? llvm::formatv("{0:e3}", *w.outputError).str() : "-";
    os << llvm::formatv("| {0} | {1} | {2} | `{3}` | {4} | {5} | {6:f2} | "
                        "{7:e3} | {8} |\n",
                        w.layer, w.op, shape, w.scheme, w.params, w.bytes,
                        w.params ? 8.0 * w.bytes / w.params : 0.0,
                        w.weightError, output);
    params += w.params;
    floatBytes += w.floatBytes;
    bytes += w.bytes;
  }
  os << "\n## Totals\n\n";
  os << llvm::formatv("- quantized weights: {0} ({1} parameters), {2} -> {3}, "
                      "{4:f2} bits/weight\n",
                      r.weights.size(), params, megabytes(floatBytes),
                      megabytes(bytes), params ? 8.0 * bytes / params : 0.0);
  os << llvm::formatv(
      "- model size: {0} -> {1} ({2:f2}x smaller)\n",
      megabytes(r.floatModelBytes), megabytes(r.quantizedModelBytes),
      r.quantizedModelBytes ? double(r.floatModelBytes) / r.quantizedModelBytes
                            : 0.0);
  os << "\n## Output error on calibration data\n\n";
  if (r.outputs.empty()) {
    os << r.outputNote << "\n";
    return;
  }
  os << llvm::formatv(
      "The quantized model (weights and activations as the recipe quantizes "
      "them) against the float model, on the first {0} calibration "
      "sample(s).\n\n",
      r.outputs.front().samples);
  os << "| output | relative L2 error | max abs error |\n|---|---|---|\n";
  for (const OutputError &o : r.outputs)
    os << llvm::formatv("| {0} | {1:e3} | {2:e3} |\n", o.name, o.relative,
                        o.maxAbs);
}

void recipes::printJson(llvm::raw_ostream &os, const ModelReport &r) {
  llvm::json::Array weights;
  for (const WeightEntry &w : r.weights) {
    llvm::json::Object entry{
        {"layer", w.layer},   {"op", w.op},
        {"scheme", w.scheme}, {"shape", llvm::json::Array(w.shape)},
        {"params", w.params}, {"float_bytes", w.floatBytes},
        {"bytes", w.bytes},   {"weight_error", w.weightError}};
    if (w.outputError)
      entry["output_error"] = *w.outputError;
    weights.push_back(std::move(entry));
  }
  llvm::json::Array outputs;
  for (const OutputError &o : r.outputs)
    outputs.push_back(llvm::json::Object{{"name", o.name},
                                         {"relative_error", o.relative},
                                         {"max_abs_error", o.maxAbs},
                                         {"samples", o.samples}});
  llvm::json::Object root{{"model", r.model},
                          {"recipe", r.recipe},
                          {"weights", std::move(weights)},
                          {"float_model_bytes", r.floatModelBytes},
                          {"quantized_model_bytes", r.quantizedModelBytes},
                          {"outputs", std::move(outputs)}};
  if (!r.outputNote.empty())
    root["output_note"] = r.outputNote;
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}

/// Up to `limit` samples of the calibration data, read as calibration reads
/// them (passes/Samples/CalibrationData.h), each input keyed by its name (or
/// its position where it has none).
static FailureOr<std::vector<recipes::Sample>>
samplesOf(StringRef data, const runtime::Signature &sig, size_t limit,
          std::string &error) {
  std::vector<recipes::Sample> samples;
  llvm::Expected<calibration::CalibrationData> dataset =
      calibration::CalibrationData::open(data);
  llvm::Expected<uint64_t> count =
      dataset
          ? dataset->forEachSample(
                sig, limit,
                [&](ArrayRef<const runtime::HostTensor *> inputs) {
                  recipes::Sample sample;
                  for (auto [i, input] : llvm::enumerate(inputs)) {
                    runtime::HostTensor copy(input->dtype(), input->shape());
                    std::memcpy(copy.data(), input->data(), input->byteSize());
                    const std::string &name = sig.inputs[i].name;
                    sample.emplace_back(name.empty() ? std::to_string(i) : name,
                                        std::move(copy));
                  }
                  samples.push_back(std::move(sample));
                  return llvm::Error::success();
                },
                nullptr)
          : dataset.takeError();
  if (!count) {
    error = llvm::toString(count.takeError());
    return failure();
  }
  return samples;
}

FailureOr<ModelReport> recipes::buildModelReport(ModuleOp floatModule,
                                                 ModuleOp quantizedModule,
                                                 const ReportInputs &inputs,
                                                 std::string &error) {
  ModelReport report;
  report.model = inputs.model;
  report.recipe = inputs.recipe;
  FailureOr<std::vector<WeightEntry>> weights =
      readWeightReport(inputs.weightReport, error);
  if (failed(weights))
    return failure();
  report.weights = *weights;
  report.floatModelBytes = constantBytes(floatModule);
  report.quantizedModelBytes = report.floatModelBytes;
  for (const WeightEntry &w : report.weights)
    report.quantizedModelBytes += w.bytes - w.floatBytes;
  if (inputs.calibData.empty()) {
    report.outputNote = "No calibration data (--calib): not measured.";
    return report;
  }
  auto func = floatModule.lookupSymbol<func::FuncOp>(inputs.entry);
  FailureOr<runtime::Signature> sig =
      func ? runtime::getSignature(func) : FailureOr<runtime::Signature>();
  if (failed(sig)) {
    error = "no function @" + inputs.entry + " to compare";
    return failure();
  }
  auto samples =
      samplesOf(inputs.calibData, *sig, inputs.comparedSamples, error);
  if (failed(samples))
    return failure();
  FailureOr<std::vector<OutputError>> outputs = compareOutputs(
      floatModule, quantizedModule, inputs.entry, *samples, error);
  if (failed(outputs))
    return failure();
  report.outputs = *outputs;
  return report;
}
