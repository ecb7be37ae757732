//===- Summary.cpp - Means with intervals, paired differences, output -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "evaluation/Summary.h"

#include "runtime/IO/NumpyIO.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

using namespace mlir::qf;
using namespace mlir::qf::evaluation;
using runtime::DType;
using runtime::HostTensor;

std::vector<double> evaluation::primaryScores(Task task,
                                              const UnitScores &scores) {
  if (task == Task::Classify)
    return scores.correct;
  std::vector<double> bits;
  for (double nats : scores.nll)
    bits.push_back(nats / std::log(2.0));
  return bits;
}

static llvm::StringRef taskName(Task task) {
  return task == Task::NextByte ? "next-byte" : "classify";
}

llvm::Error evaluation::saveScores(llvm::StringRef path,
                                   const SavedScores &scores) {
  int64_t n = scores.primary.size();
  HostTensor primary(DType::F64, {n});
  std::memcpy(primary.data(), scores.primary.data(), n * sizeof(double));
  HostTensor meta(DType::I64, {2});
  meta.dataAs<int64_t>()[0] = int64_t(scores.task);
  std::memcpy(&meta.dataAs<int64_t>()[1], &scores.fingerprint,
              sizeof(uint64_t));
  runtime::NamedTensors members;
  members.emplace_back("primary", std::move(primary));
  members.emplace_back("task_and_fingerprint", std::move(meta));
  return runtime::writeNpz(path, members);
}

llvm::Expected<SavedScores> evaluation::loadScores(llvm::StringRef path) {
  llvm::Expected<runtime::NamedTensors> members = runtime::readNpz(path);
  if (!members)
    return members.takeError();
  const HostTensor *primary = nullptr, *meta = nullptr;
  for (const auto &[name, tensor] : *members) {
    if (name == "primary" && tensor.dtype() == DType::F64 && tensor.rank() == 1)
      primary = &tensor;
    if (name == "task_and_fingerprint" && tensor.dtype() == DType::I64 &&
        tensor.rank() == 1 && tensor.shape()[0] == 2)
      meta = &tensor;
  }
  if (!primary || !meta || meta->dataAs<int64_t>()[0] < 0 ||
      meta->dataAs<int64_t>()[0] > int64_t(Task::Classify))
    return llvm::createStringError("'" + path +
                                   "' is not a scores file of qf-eval "
                                   "(--save-scores)");
  SavedScores scores;
  scores.name = path.str();
  scores.task = Task(meta->dataAs<int64_t>()[0]);
  std::memcpy(&scores.fingerprint, &meta->dataAs<int64_t>()[1],
              sizeof(uint64_t));
  const double *values = primary->dataAs<double>();
  scores.primary.assign(values, values + primary->numElements());
  return scores;
}

llvm::Expected<Summary>
evaluation::summarize(Task task, const UnitScores &scores, uint64_t fingerprint,
                      llvm::ArrayRef<SavedScores> baselines, unsigned resamples,
                      uint64_t seed) {
  std::vector<double> primary = primaryScores(task, scores);
  // Columns resampled together, with their keys and labels.
  std::vector<std::vector<double>> columns;
  std::vector<std::pair<std::string, std::string>> names;
  auto add = [&](std::vector<double> column, std::string key,
                 std::string label) {
    columns.push_back(std::move(column));
    names.emplace_back(std::move(key), std::move(label));
  };
  if (task == Task::NextByte) {
    add(primary, "bits_per_byte", "bits/byte");
    add(scores.correct, "next_byte_top1", "next-byte top-1");
  } else {
    add(primary, "top1", "top-1");
    add(scores.nll, "nll", "cross-entropy (nats)");
  }
  if (!scores.kl.empty()) {
    add(scores.kl, "kl_vs_reference",
        task == Task::NextByte ? "KL vs reference (nats/byte)"
                               : "KL vs reference (nats)");
    add(scores.agree, "top1_agreement", "top-1 agreement with reference");
  }
  for (const SavedScores &baseline : baselines) {
    if (baseline.task != task || baseline.fingerprint != fingerprint ||
        baseline.primary.size() != primary.size())
      return llvm::createStringError(llvm::formatv(
          "'{0}' holds {1} scores of {2} units of other "
          "data: a paired difference needs the same "
          "task on the same data",
          baseline.name, taskName(baseline.task), baseline.primary.size()));
    std::vector<double> delta(primary.size());
    for (size_t i = 0; i < primary.size(); ++i)
      delta[i] = primary[i] - baseline.primary[i];
    add(std::move(delta), "delta_vs:" + baseline.name,
        names.front().second + " - " + baseline.name + " (paired)");
  }
  std::vector<Interval> intervals = bootstrapMeans(columns, resamples, seed);
  Summary summary;
  summary.units = primary.size();
  summary.resamples = resamples;
  summary.seed = seed;
  for (size_t i = 0; i < columns.size(); ++i) {
    summary.metrics.push_back({names[i].first, names[i].second, intervals[i]});
    // Perplexity per byte is 2^bpb; its interval maps through.
    if (i == 0 && task == Task::NextByte)
      summary.metrics.push_back(
          {"perplexity_per_byte",
           "perplexity/byte",
           {std::exp2(intervals[0].value), std::exp2(intervals[0].low),
            std::exp2(intervals[0].high)}});
  }
  return summary;
}

void evaluation::printMarkdown(llvm::raw_ostream &os, const Summary &s) {
  os << "# Evaluation: " << s.model << "\n\n";
  os << llvm::formatv("{0}: {1} {2}. Intervals: 95%, percentile bootstrap "
                      "over {2} ({3} resamples, seed {4}).\n\n",
                      s.data, s.units, s.unitName, s.resamples, s.seed);
  os << "| metric | value | 95% interval |\n|---|---|---|\n";
  for (const Metric &m : s.metrics)
    os << llvm::formatv("| {0} | {1:f5} | [{2:f5}, {3:f5}] |\n", m.label,
                        m.interval.value, m.interval.low, m.interval.high);
  if (const std::optional<Timing> &t = s.timing)
    os << llvm::formatv("\nA run of a batch of {0}: median {1:f3} ms "
                        "(min {2:f3}, max {3:f3}, {4} runs).\n",
                        t->rows, t->medianMs, t->minMs, t->maxMs, t->runs);
  if (s.peakRssBytes)
    os << llvm::formatv("\nPeak resident memory (compilation included): "
                        "{0:f1} MB.\n",
                        *s.peakRssBytes / 1e6);
}

llvm::json::Value evaluation::toJson(const Summary &s) {
  llvm::json::Object metrics;
  for (const Metric &m : s.metrics)
    metrics[m.key] = llvm::json::Object{{"value", m.interval.value},
                                        {"low", m.interval.low},
                                        {"high", m.interval.high}};
  llvm::json::Object json{
      {"model", s.model},
      {"data", s.data},
      {"units", s.units},
      {"unit", s.unitName},
      {"bootstrap", llvm::json::Object{{"resamples", s.resamples},
                                       {"seed", int64_t(s.seed)},
                                       {"confidence", 0.95}}},
      {"metrics", std::move(metrics)}};
  if (const std::optional<Timing> &t = s.timing)
    json["timing"] = llvm::json::Object{{"rows", t->rows},
                                        {"runs", t->runs},
                                        {"min_ms", t->minMs},
                                        {"median_ms", t->medianMs},
                                        {"max_ms", t->maxMs}};
  if (s.peakRssBytes)
    json["peak_rss_bytes"] = *s.peakRssBytes;
  return json;
}
