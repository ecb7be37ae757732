//===- QuantParameters.h - Quantized types' scales in the weights file -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A per-axis or sub-channel !quant.uniform type carries its scales and zero
// points: one per output channel, or per block of a group-wise weight, a
// few million for a billion-parameter model, printed at length wherever the
// type appears. In files, such types become !qf.quant_ref, their scales and
// zero points tensors NAME.scales and NAME.zero_points of the weights file;
// loading restores the !quant.uniform types, so no pass ever sees a
// reference.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PARAMETERS_QUANTPARAMETERS_H
#define QF_PARAMETERS_QUANTPARAMETERS_H

#include "runtime/IO/SafeTensors.h"

#include "mlir/IR/Operation.h"

#include <deque>
#include <vector>

namespace mlir::qf::parameters {

/// Types with at least this many scales are written by reference.
constexpr int64_t kMinScalesForReference = 64;

/// Replaces each quantized type of `root` with at least
/// kMinScalesForReference scales by a !qf.quant_ref, appending its scales
/// and zero points to `tensors`, whose bytes `storage` holds.
void referenceQuantTypes(Operation *root,
                         std::vector<runtime::TensorView> &tensors,
                         std::deque<std::vector<char>> &storage);

/// True when `root` has a !qf.quant_ref type.
bool hasQuantReferences(Operation *root);

/// Replaces each !qf.quant_ref type of `root` by the quantized type it
/// stands for, its scales and zero points read from `file` (at `path`).
/// Fails with an error on `root` naming the tensor when one is missing or
/// of another dtype or shape, or the type they make is invalid.
LogicalResult resolveQuantReferences(Operation *root,
                                     const runtime::MappedSafeTensors &file,
                                     StringRef path);

} // namespace mlir::qf::parameters

#endif // QF_PARAMETERS_QUANTPARAMETERS_H
