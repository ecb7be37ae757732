//===- ModelReport.h - What a quantization did to a model ------------*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Per quantized weight (from quant-quantize's report=FILE): layer, scheme,
// parameters, bytes, relative weight error and weight-only output error; per
// model output: the error of the quantized model (activation quantization
// included) against the float one on calibration samples;
// totals and the model's size before and after. Printed as Markdown.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PIPELINES_MODELREPORT_H
#define QF_PIPELINES_MODELREPORT_H

#include "runtime/IO/HostTensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::qf::recipes {

struct WeightEntry {
  std::string layer, op, scheme;
  std::vector<int64_t> shape;
  int64_t params = 0, floatBytes = 0, bytes = 0;
  double weightError = 0;
  /// ||X dW|| / ||X W|| on the calibration rows, where measured.
  std::optional<double> outputError;
};

struct OutputError {
  std::string name;
  double relative = 0; ///< ||q - f|| / ||f|| over every compared sample
  double maxAbs = 0;
  int64_t samples = 0; ///< calibration samples compared
};

struct ModelReport {
  std::string model, recipe;
  std::vector<WeightEntry> weights;
  int64_t floatModelBytes = 0;     ///< every constant of the float model
  int64_t quantizedModelBytes = 0; ///< the same with quantized weights
  std::vector<OutputError> outputs;
  std::string outputNote; ///< why there are no output errors, if so
};

/// Reads quant-quantize's JSON report.
FailureOr<std::vector<WeightEntry>> readWeightReport(llvm::StringRef path,
                                                     std::string &error);

/// Bytes of every dense constant in `module`.
int64_t constantBytes(ModuleOp module);

/// The inputs of one run, bound by qf.name or position.
using Sample = std::vector<std::pair<std::string, runtime::HostTensor>>;

/// Runs `entry` of both modules on the cpu executor on each sample and
/// compares their float outputs over all of them.
FailureOr<std::vector<OutputError>>
compareOutputs(ModuleOp floatModule, ModuleOp quantizedModule,
               llvm::StringRef entry, const std::vector<Sample> &samples,
               std::string &error);

void printMarkdown(llvm::raw_ostream &os, const ModelReport &report);
/// The same as one JSON object (keys in snake_case; the C API's report).
void printJson(llvm::raw_ostream &os, const ModelReport &report);

/// What buildModelReport reads besides the two modules.
struct ReportInputs {
  std::string model;        ///< the input file's name, for the title
  std::string recipe;       ///< the recipe's name
  std::string weightReport; ///< quant-quantize's report=FILE of this run
  /// Calibration data (.npz or a directory of them); the output errors are
  /// measured on its first `comparedSamples` samples. Empty: not measured.
  std::string calibData;
  std::string entry = "main"; ///< the function compared
  size_t comparedSamples = 16;
};

/// The report of one quantization: every quantized weight, the model sizes
/// and, given calibration data, the output errors of `quantizedModule`
/// against `floatModule` (both run on the registered "cpu" executor).
FailureOr<ModelReport> buildModelReport(ModuleOp floatModule,
                                        ModuleOp quantizedModule,
                                        const ReportInputs &inputs,
                                        std::string &error);

} // namespace mlir::qf::recipes

#endif // QF_PIPELINES_MODELREPORT_H
