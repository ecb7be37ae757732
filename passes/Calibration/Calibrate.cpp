//===- Calibrate.cpp - Run the model and attach statistics to observers ---===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "passes/Calibration/Instrument.h"
#include "passes/Calibration/Statistics.h"
#include "passes/Calibration/StatsFile.h"
#include "passes/Passes.h"
#include "passes/Reports/Progress.h"
#include "passes/Samples/CalibrationData.h"
#include "runtime/Executor.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::qf {
#define GEN_PASS_DEF_QFCALIBRATEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::calibration;

/// The export path as a tool-wide flag, for drivers that prefer it to the
/// pass option; `stats-out=` wins when both are given.
static llvm::cl::opt<std::string>
    clStatsOut("qf-stats-out",
               llvm::cl::desc("Export qf-calibrate's statistics to this "
                              "safetensors file (+ FILE.json)"),
               llvm::cl::init(""));

namespace {

class CalibratePass final
    : public qf::impl::QFCalibratePassBase<CalibratePass> {
public:
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    runtime::registerExecutorDependencies(backend, registry);
  }

  LogicalResult initialize(MLIRContext *ctx) override;
  void runOnOperation() override;

private:
  DictionaryAttr summarize(ObserveOp op, const ObserverStatistics &s);

  StatisticsOptions common;
};

} // namespace

LogicalResult CalibratePass::initialize(MLIRContext *ctx) {
  auto fail = [&](const Twine &message) {
    return emitError(UnknownLoc::get(ctx)) << "qf-calibrate: " << message;
  };
  if (bins < 2 || bins % 2)
    return fail("bins must be even and at least 2, got " +
                Twine(bins.getValue()));
  if (!(percentile > 0 && percentile <= 100))
    return fail("percentile must be in (0, 100], got " +
                std::to_string(percentile));
  if (!(emaDecay >= 0 && emaDecay < 1))
    return fail("ema-decay must be in [0, 1), got " + std::to_string(emaDecay));
  if (bits < 2 || bits > 16)
    return fail("bits must be in [2, 16], got " + Twine(bits.getValue()));
  if (sampleRows < 0)
    return fail("sample-rows must not be negative");
  if (data.empty() == stats.empty())
    return fail("give exactly one of data=PATH (run the model) and stats=FILE "
                "(attach an export)");
  common.method = method;
  common.perChannel = perChannel;
  common.bins = bins;
  common.percentile = percentile;
  common.emaDecay = emaDecay;
  common.bits = bits;
  common.hessian = hessian;
  common.sampleRows = sampleRows;
  common.seed = seed;
  return success();
}

static DenseElementsAttr denseVector(Builder &b, ArrayRef<float> values,
                                     ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return DenseElementsAttr::get(type, values);
}

DictionaryAttr CalibratePass::summarize(ObserveOp op,
                                        const ObserverStatistics &s) {
  Builder b(&getContext());
  NamedAttrList attrs;
  const StatisticsOptions &options = s.getOptions();
  attrs.append("method", b.getStringAttr(methodName(options.method)));
  attrs.append("samples", b.getI64IntegerAttr(s.batches()));
  if (!s.batches())
    return attrs.getDictionary(&getContext());
  auto [lo, hi] = s.tensorRange().range();
  attrs.append("min", b.getF32FloatAttr(lo));
  attrs.append("max", b.getF32FloatAttr(hi));
  attrs.append("data_min", b.getF32FloatAttr(s.tensorRange().dataMin()));
  attrs.append("data_max", b.getF32FloatAttr(s.tensorRange().dataMax()));
  if (!s.channelRanges().empty()) {
    std::vector<float> mins, maxs;
    for (const RangeTracker &channel : s.channelRanges()) {
      auto [cmin, cmax] = channel.range();
      mins.push_back(cmin);
      maxs.push_back(cmax);
    }
    int64_t c = mins.size();
    attrs.append("channel_min", denseVector(b, mins, {c}));
    attrs.append("channel_max", denseVector(b, maxs, {c}));
  }
  if (options.inputStats && s.rowLength() > 0) {
    int64_t c = s.inputChannels(), k = s.rowLength();
    attrs.append("in_abs_max", denseVector(b, s.absMax(), {c}));
    attrs.append("in_abs_mean", denseVector(b, s.absMean(), {c}));
    attrs.append("rows", b.getI64IntegerAttr(s.rows()));
    int64_t id = op.getIdAttr().getInt();
    // Large statistics live in resource blobs, not in the printed attribute.
    auto blob = [&](StringRef key, ArrayRef<int64_t> shape,
                    ArrayRef<float> data) {
      attrs.append(key,
                   DenseF32ResourceElementsAttr::get(
                       RankedTensorType::get(shape, b.getF32Type()),
                       resourceName(key, id),
                       HeapAsmResourceBlob::allocateAndCopyInferAlign(data)));
    };
    if (options.hessian)
      blob("hessian", {k, k}, s.hessian());
    if (options.sampleRows > 0) {
      std::vector<float> rows = s.sampledRows();
      blob("row_sample", {(int64_t)rows.size() / k, k}, rows);
    }
  }
  return attrs.getDictionary(&getContext());
}

void CalibratePass::runOnOperation() {
  ModuleOp module = getOperation();
  SmallVector<ObserveOp> observers;
  llvm::DenseMap<int64_t, ObserveOp> byId;
  WalkResult walk = module.walk([&](ObserveOp op) {
    auto [it, inserted] = byId.try_emplace(op.getIdAttr().getInt(), op);
    if (!inserted) {
      op.emitError() << "observer id " << op.getIdAttr().getInt()
                     << " is used twice";
      return WalkResult::interrupt();
    }
    observers.push_back(op);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return signalPassFailure();
  if (observers.empty()) {
    emitWarning(module.getLoc())
        << "qf-calibrate: no qf.observe ops to calibrate; "
           "run qf-insert-observers first";
    return;
  }

  StatsById results;
  if (!stats.empty()) {
    llvm::Expected<StatsById> imported = importStats(stats, &getContext());
    if (!imported) {
      emitError(module.getLoc())
          << "qf-calibrate: " << llvm::toString(imported.takeError());
      return signalPassFailure();
    }
    for (const auto &[id, dict] : *imported)
      if (!byId.count(id)) {
        emitError(module.getLoc())
            << "qf-calibrate: " << stats << " has statistics for observer id "
            << id << ", which this module does not have";
        return signalPassFailure();
      }
    for (ObserveOp op : observers) {
      auto it = imported->find(op.getIdAttr().getInt());
      if (it == imported->end()) {
        op.emitError() << "no statistics for observer id "
                       << op.getIdAttr().getInt() << " in " << stats;
        return signalPassFailure();
      }
      results[it->first] = it->second;
    }
  } else {
    auto entryFunc = module.lookupSymbol<func::FuncOp>(entry);
    if (!entryFunc) {
      emitError(module.getLoc()) << "qf-calibrate: no function @" << entry
                                 << " to run (set entry=NAME)";
      return signalPassFailure();
    }
    std::vector<std::unique_ptr<ObserverStatistics>> gathered;
    for (ObserveOp op : observers)
      gathered.push_back(std::make_unique<ObserverStatistics>(
          statisticsOptionsFor(op, common)));

    llvm::Expected<std::unique_ptr<runtime::Executor>> executor =
        runtime::ExecutorRegistry::global().create(backend);
    if (!executor) {
      emitError(module.getLoc())
          << "qf-calibrate: " << llvm::toString(executor.takeError());
      return signalPassFailure();
    }
    // The instrumented model runs over the calibration data once (GPTQ
    // re-collects stage by stage): compiling dominates.
    (*executor)->setOptimizeFor(runtime::OptimizeFor::CompileTime);
    OwningOpRef<ModuleOp> instrumented = instrumentObservers(module);
    FailureOr<std::shared_ptr<runtime::Executable>> executable =
        (*executor)->compile(*instrumented, entry);
    if (failed(executable))
      return signalPassFailure();

    llvm::Expected<CalibrationData> dataset = CalibrationData::open(data);
    if (!dataset) {
      emitError(module.getLoc())
          << "qf-calibrate: " << llvm::toString(dataset.takeError());
      return signalPassFailure();
    }
    StatisticsSink sink(gathered);
    Progress progress("qf-calibrate", dataset->numParts(), this->progress);
    llvm::Expected<uint64_t> samples = dataset->forEachSample(
        (*executable)->signature(), maxSamples,
        [&](ArrayRef<const runtime::HostTensor *> inputs) -> llvm::Error {
          auto outputs = (*executable)->run(inputs, &sink);
          if (!outputs)
            return outputs.takeError();
          if (sink.problem)
            return llvm::createStringError(
                "observer id " +
                std::to_string(
                    observers[sink.problem->first].getIdAttr().getInt()) +
                " saw " + sink.problem->second);
          return llvm::Error::success();
        },
        [&](size_t files, uint64_t n) { progress.update(files, n); });
    progress.finish();
    if (!samples) {
      emitError(module.getLoc())
          << "qf-calibrate: " << llvm::toString(samples.takeError());
      return signalPassFailure();
    }
    if (*samples == 0) {
      emitError(module.getLoc())
          << "qf-calibrate: " << data << " has no samples";
      return signalPassFailure();
    }
    for (auto [op, s] : llvm::zip(observers, gathered)) {
      if (!s->batches())
        op.emitWarning() << "observer id " << op.getIdAttr().getInt()
                         << " never ran on the calibration data";
      results[op.getIdAttr().getInt()] = summarize(op, *s);
    }
  }

  for (ObserveOp op : observers)
    op.setStatsAttr(results[op.getIdAttr().getInt()]);
  std::string exportPath = statsOut.empty() ? clStatsOut : statsOut;
  if (exportEnabled && !exportPath.empty())
    if (llvm::Error e = exportStats(exportPath, results)) {
      emitError(module.getLoc()) << "qf-calibrate: cannot export statistics: "
                                 << llvm::toString(std::move(e));
      return signalPassFailure();
    }
}
