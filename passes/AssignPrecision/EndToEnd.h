//===- EndToEnd.h - A model's output error under an assignment --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Measures what quantizing some layers does to the model's outputs: a clone
// gets the schemes, goes through quant-quantize{only-assigned} (the layers
// without one stay float), is JIT-compiled and run on calibration samples,
// and its outputs are compared with the float model's.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_ASSIGNPRECISION_ENDTOEND_H
#define QF_PASSES_ASSIGNPRECISION_ENDTOEND_H

#include "dialects/QF/QFAttrs.h"
#include "runtime/Executor.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::qf::precision {

struct EndToEndOptions {
  std::string data;
  std::string entry;
  int64_t maxSamples;
  /// quant-quantize's options besides the schemes (symmetric, rounding...).
  std::string quantizeOptions;
};

class EndToEnd {
public:
  /// Runs the float model once for the reference outputs. `layers` are the
  /// ops schemes may be given to, found again in clones by walk order.
  static FailureOr<EndToEnd> create(ModuleOp module,
                                    ArrayRef<Operation *> layers,
                                    EndToEndOptions options);

  /// The mean squared difference between the float model's outputs and
  /// those of the model with `schemes[i]` on layer i (null: float).
  FailureOr<double> error(ArrayRef<SchemeAttr> schemes);

private:
  EndToEnd(ModuleOp module, std::vector<unsigned> positions,
           EndToEndOptions options)
      : module(module), positions(std::move(positions)),
        options(std::move(options)) {}

  /// Quantizes a clone, runs it and returns every output of every sample.
  FailureOr<std::vector<runtime::HostTensor>> run(ArrayRef<SchemeAttr> schemes);

  ModuleOp module;
  /// Position of each layer among the module's ops in walk order.
  std::vector<unsigned> positions;
  EndToEndOptions options;
  std::vector<runtime::HostTensor> reference;
};

} // namespace mlir::qf::precision

#endif // QF_PASSES_ASSIGNPRECISION_ENDTOEND_H
