//===- Scoring.cpp - A model's scores on every unit of a dataset ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "evaluation/Scoring.h"

#include "evaluation/Metrics.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <cmath>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::evaluation;
using runtime::DType;
using runtime::HostTensor;

llvm::Expected<int64_t> evaluation::batchRowsOf(const runtime::Signature &model,
                                                const Dataset &data,
                                                int64_t dynamicBatch) {
  if (model.inputs.size() != 1 || model.outputs.empty())
    return llvm::createStringError(
        llvm::formatv("@{0} takes {1} inputs and gives {2} results: "
                      "qf-eval scores a model of one input whose "
                      "first result is its logits",
                      model.entry, model.inputs.size(), model.outputs.size()));
  const runtime::TensorPort &input = model.inputs[0];
  if (input.shape.empty())
    return llvm::createStringError("@" + model.entry + "'s input " +
                                   input.describe(0) +
                                   " has no batch dimension");
  int64_t rows = input.shape[0];
  if (ShapedType::isDynamic(rows))
    rows = dynamicBatch;
  if (rows < 1)
    return llvm::createStringError(llvm::formatv("a batch of {0} rows", rows));
  // A window's length where the model fixes it.
  if (data.positions() > 1 &&
      (input.shape.size() != 2 || (!ShapedType::isDynamic(input.shape[1]) &&
                                   input.shape[1] != data.positions())))
    return llvm::createStringError(
        llvm::formatv("@{0}'s input {1} does not take windows of {2} "
                      "tokens ([batch, {2}])",
                      model.entry, input.describe(0), data.positions()));
  if (model.outputs[0].dtype != DType::F32)
    return llvm::createStringError("@" + model.entry + "'s first result " +
                                   model.outputs[0].describe(0) +
                                   " is not f32 logits");
  return rows;
}

namespace {
/// Logits of one run viewed as [rows, positions, classes].
struct LogitRows {
  const float *data;
  int64_t positions, classes;
  llvm::ArrayRef<float> at(int64_t row, int64_t position) const {
    return {data + (row * positions + position) * classes, size_t(classes)};
  }
};
} // namespace

/// Checks that `logits` holds [rows, positions..., classes] finite values.
static llvm::Expected<LogitRows> viewLogits(const HostTensor &logits,
                                            int64_t rows, int64_t positions,
                                            llvm::StringRef model,
                                            int64_t firstUnit) {
  int64_t elements = logits.numElements();
  if (logits.dtype() != DType::F32 || logits.rank() < 2 ||
      logits.shape()[0] != rows || elements % (rows * positions) != 0 ||
      elements / (rows * positions) != logits.shape().back())
    return llvm::createStringError(llvm::formatv(
        "{0} gave logits {1}, not [{2}, {3}, classes] "
        "f32",
        model, logits.describe(), rows,
        positions > 1 ? std::to_string(positions) : std::string("...")));
  const float *data = logits.dataAs<float>();
  for (int64_t i = 0; i < elements; ++i)
    if (!std::isfinite(data[i]))
      return llvm::createStringError(
          llvm::formatv("{0} gave a non-finite logit ({1}) in the "
                        "batch starting at unit {2}",
                        model, data[i], firstUnit));
  return LogitRows{data, positions, logits.shape().back()};
}

llvm::Expected<UnitScores>
evaluation::scoreUnits(const Dataset &data, runtime::Executable &model,
                       runtime::Executable *reference,
                       const ScoringOptions &options) {
  const runtime::Signature &sig = model.signature();
  llvm::Expected<int64_t> rows = batchRowsOf(sig, data, options.dynamicBatch);
  if (!rows)
    return rows.takeError();
  if (reference) {
    llvm::Expected<int64_t> referenceRows =
        batchRowsOf(reference->signature(), data, *rows);
    if (!referenceRows)
      return referenceRows.takeError();
    if (*referenceRows != *rows)
      return llvm::createStringError(
          llvm::formatv("the model runs batches of {0}, the "
                        "reference of {1}",
                        *rows, *referenceRows));
  }
  const int64_t positions = data.positions(), total = data.size();
  UnitScores scores;
  llvm::SmallVector<int64_t> targets;
  for (int64_t begin = 0; begin < total; begin += *rows) {
    int64_t count = std::min(*rows, total - begin);
    llvm::Expected<HostTensor> batch =
        data.batch(begin, count, *rows, sig.inputs[0].dtype);
    if (!batch)
      return batch.takeError();
    llvm::Expected<std::vector<HostTensor>> out = model.run({&*batch});
    if (!out)
      return out.takeError();
    llvm::Expected<LogitRows> logits =
        viewLogits(out->front(), *rows, positions, "the model", begin);
    if (!logits)
      return logits.takeError();
    std::optional<std::vector<HostTensor>> referenceOut;
    std::optional<LogitRows> referenceLogits;
    if (reference) {
      llvm::Expected<std::vector<HostTensor>> ran = reference->run({&*batch});
      if (!ran)
        return ran.takeError();
      referenceOut = std::move(*ran);
      llvm::Expected<LogitRows> view = viewLogits(
          referenceOut->front(), *rows, positions, "the reference", begin);
      if (!view)
        return view.takeError();
      if (view->classes != logits->classes)
        return llvm::createStringError(
            llvm::formatv("the model has {0} classes, the reference "
                          "{1}",
                          logits->classes, view->classes));
      referenceLogits = *view;
    }
    for (int64_t r = 0; r < count; ++r) {
      data.targets(begin + r, targets);
      double nll = 0, correct = 0, kl = 0, agree = 0;
      for (int64_t p = 0; p < positions; ++p) {
        llvm::ArrayRef<float> row = logits->at(r, p);
        if (targets[p] < 0 || targets[p] >= logits->classes)
          return llvm::createStringError(
              llvm::formatv("unit {0} has target {1}, outside the "
                            "model's {2} classes",
                            begin + r, targets[p], logits->classes));
        nll += negativeLogLikelihood(row, targets[p]);
        int64_t top = argmax(row);
        correct += top == targets[p];
        if (referenceLogits) {
          llvm::ArrayRef<float> ref = referenceLogits->at(r, p);
          kl += klDivergence(ref, row);
          agree += top == argmax(ref);
        }
      }
      scores.nll.push_back(nll / positions);
      scores.correct.push_back(correct / positions);
      if (referenceLogits) {
        scores.kl.push_back(kl / positions);
        scores.agree.push_back(agree / positions);
      }
    }
    if (options.progress)
      options.progress(begin + count, total);
  }
  return scores;
}

llvm::Expected<Timing> evaluation::timeRuns(const Dataset &data,
                                            runtime::Executable &model,
                                            unsigned runs,
                                            int64_t dynamicBatch) {
  const runtime::Signature &sig = model.signature();
  llvm::Expected<int64_t> rows = batchRowsOf(sig, data, dynamicBatch);
  if (!rows)
    return rows.takeError();
  llvm::Expected<HostTensor> batch =
      data.batch(0, std::min(*rows, data.size()), *rows, sig.inputs[0].dtype);
  if (!batch)
    return batch.takeError();
  std::vector<double> times;
  for (unsigned i = 0; i <= runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    llvm::Expected<std::vector<HostTensor>> out = model.run({&*batch});
    auto end = std::chrono::steady_clock::now();
    if (!out)
      return out.takeError();
    if (i > 0)
      times.push_back(
          std::chrono::duration<double, std::milli>(end - start).count());
  }
  Timing timing;
  timing.rows = *rows;
  timing.runs = runs;
  if (runs) {
    std::sort(times.begin(), times.end());
    timing.minMs = times.front();
    timing.medianMs = times[times.size() / 2];
    timing.maxMs = times.back();
  }
  return timing;
}
