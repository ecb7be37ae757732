//===- ConstantData.h - The elements of a constant tensor -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A constant tensor is either inline (DenseElementsAttr) or a parameter
// (DenseResourceElementsAttr: a named blob, usually a view into a mapped
// weights file). Passes read both through ConstantData, which never copies
// a parameter into the context: values come out as transient vectors, and
// f32 data as a view where it is stored densely.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PARAMETERS_CONSTANTDATA_H
#define QF_PARAMETERS_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <vector>

namespace mlir::qf {

class ConstantData {
public:
  ConstantData() = default;
  /// Null unless `attr` is a DenseElementsAttr, or a
  /// DenseResourceElementsAttr whose blob is loaded, of an int, index or
  /// float element type.
  static ConstantData get(Attribute attr);

  explicit operator bool() const { return bool(attr); }
  ElementsAttr getAttr() const { return attr; }
  ShapedType getType() const { return attr.getShapedType(); }
  Type getElementType() const { return getType().getElementType(); }
  int64_t size() const { return getType().getNumElements(); }
  /// True for an inline splat (parameters are never splats).
  bool isSplat() const;
  /// True when `attr` is a parameter.
  bool isParameter() const;

  /// The values of a float tensor (f16, bf16, f32, f64), converted.
  std::vector<float> floats() const;
  std::vector<double> doubles() const;
  std::vector<APFloat> apFloats() const;
  /// The values of an integer tensor (signless ones read as signed).
  std::vector<int64_t> ints() const;
  std::vector<APInt> apInts() const;
  /// The f32 elements in place, when stored densely (not a splat).
  std::optional<ArrayRef<float>> f32View() const;
  /// The little-endian bytes in place, for elements of whole bytes (not i1)
  /// stored densely (not a splat).
  std::optional<ArrayRef<char>> byteView() const;

  /// The same values inline (copies: only for constants known to be small).
  DenseElementsAttr toDenseElements() const;

private:
  explicit ConstantData(ElementsAttr attr) : attr(attr) {}
  /// The raw little-endian bytes of a parameter.
  ArrayRef<char> parameterBytes() const;

  ElementsAttr attr;
};

/// True when `value` is the result of a constant-like op whose value is
/// readable as ConstantData; sets `data`.
bool matchConstantData(Value value, ConstantData &data);

} // namespace mlir::qf

#endif // QF_PARAMETERS_CONSTANTDATA_H
