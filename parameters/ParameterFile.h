//===- ParameterFile.h - Weights in a safetensors file beside the IR -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A model on disk is MODEL.mlir plus MODEL.safetensors. In the IR a large
// constant is a parameter, `dense_resource<NAME> : tensor<...>`, printed
// without its data; the safetensors file holds NAME's bytes. Loading maps the
// file and points each parameter into the mapping (no copy); saving writes
// every parameter, and turns inline constants of at least a threshold size
// into parameters first, so the IR text stays small.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PARAMETERS_PARAMETERFILE_H
#define QF_PARAMETERS_PARAMETERFILE_H

#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::qf::parameters {

/// Inline constants of at least this many bytes become parameters on save.
constexpr uint64_t kDefaultMinParameterBytes = 4096;

/// The weights file that goes with the IR file `irPath`: the same path with
/// the extension ".safetensors".
std::string weightsPathFor(StringRef irPath);

/// Maps the safetensors file `path` and gives each parameter of `root` that
/// has no data its tensor there, and resolves its quantized type references
/// (QuantParameters.h). Fails, with an error at an op that uses the
/// parameter naming it, its expected dtype and shape and the file, when the
/// file cannot be read or is malformed, or a parameter is missing from it or
/// differs in dtype or shape.
LogicalResult loadParameters(Operation *root, StringRef path);

/// Turns each inline constant of `root` of at least `minBytes` into a
/// parameter, writes every parameter of `root`, and the scales and zero
/// points of its large quantized types (QuantParameters.h), to `path`
/// (atomically), then prints `root` to `os` without parameter data, those
/// types as references. Fails, with an error at the first op concerned,
/// when a parameter has no data or the file cannot be written.
LogicalResult saveModel(Operation *root, StringRef path, raw_ostream &os,
                        uint64_t minBytes = kDefaultMinParameterBytes);

/// The weights file a tool reads for the IR file `irPath`: `explicitPath`
/// when given, else the one beside `irPath` ("" for standard input).
std::string weightsToRead(StringRef irPath, StringRef explicitPath);

/// The weights file a tool writes with the IR file `irPath`: `explicitPath`
/// when given, else the one beside `irPath`; "" (parameters printed inline)
/// for standard output and for outputs that are not regular files
/// (/dev/null).
std::string weightsToWrite(StringRef irPath, StringRef explicitPath);

/// Loads the parameters of `root` that have no data, and its quantized type
/// references, from `weightsPath` (see loadParameters); success without
/// reading anything when there are none. An empty `weightsPath` with parameters
/// to load is an error.
LogicalResult loadMissingParameters(Operation *root, StringRef weightsPath);

/// Writes `root` as text to `irPath` ("-": standard output). With a
/// `weightsPath`, saves the parameters there first (saveModel) and
/// prints the IR without their data; with none, the IR holds everything.
/// Each file is written whole or not at all; errors are emitted on `root`.
LogicalResult writeModel(Operation *root, StringRef irPath,
                         StringRef weightsPath);

} // namespace mlir::qf::parameters

#endif // QF_PARAMETERS_PARAMETERFILE_H
