//===- EndToEnd.h - A model's output error under an assignment --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Measures what quantizing some layers does to the model's outputs on
// calibration samples, against the float model's:
// - weight-only and float-cast schemes change nothing but weights, so the
//   model is compiled once with every layer's weight as an extra argument
//   and each assignment is one run with other weights (the values
//   quant-quantize's weight quantizer gives);
// - int8-activation schemes go through quant-quantize{only-assigned} on a
//   clone (the layers without a scheme stay float), compiled per assignment.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_ASSIGNPRECISION_ENDTOEND_H
#define QF_PASSES_ASSIGNPRECISION_ENDTOEND_H

#include "passes/AssignPrecision/Sensitivity.h"
#include "runtime/Executor.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <memory>
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
  /// Compiles the model with its layers' weights as arguments and runs it
  /// once with the float weights for the reference outputs. `layers` must
  /// outlive this object.
  static FailureOr<std::unique_ptr<EndToEnd>>
  create(ModuleOp module, ArrayRef<Layer> layers, EndToEndOptions options);

  /// The mean squared difference between the float model's outputs and
  /// those of the model with `schemes[i]` on layer i (null: float).
  FailureOr<double> error(ArrayRef<SchemeAttr> schemes);

private:
  EndToEnd(ModuleOp module, ArrayRef<Layer> layers, EndToEndOptions options)
      : module(module), layers(layers), options(std::move(options)) {}

  /// Every output of every sample of the parametric model with `weights`.
  FailureOr<std::vector<runtime::HostTensor>>
  runWithWeights(ArrayRef<const runtime::HostTensor *> weights);
  /// Every output of every sample of a quantized clone.
  FailureOr<std::vector<runtime::HostTensor>>
  runQuantized(ArrayRef<SchemeAttr> schemes);
  /// Runs `executable` on the samples, `extra` appended to each's inputs.
  FailureOr<std::vector<runtime::HostTensor>>
  runSamples(runtime::Executable &executable, unsigned dataInputs,
             ArrayRef<const runtime::HostTensor *> extra);
  /// Layer i's weight under `scheme`, computed once.
  FailureOr<const runtime::HostTensor *> weightFor(unsigned i,
                                                   SchemeAttr scheme);

  ModuleOp module;
  ArrayRef<Layer> layers;
  EndToEndOptions options;
  std::shared_ptr<runtime::Executable> parametric;
  unsigned dataInputs = 0;
  std::map<std::pair<unsigned, const void *>, runtime::HostTensor> weights;
  std::vector<runtime::HostTensor> reference;
};

} // namespace mlir::qf::precision

#endif // QF_PASSES_ASSIGNPRECISION_ENDTOEND_H
