//===- Context.h - What an ONNX operator converter sees ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Converters (one function per ONNX operator, grouped by family in
// *Ops.cpp) read their node through NodeContext and produce tensors. A
// tensor whose value is known at import time (initializers, Constant nodes,
// shapes, and anything computed only from those by the shape operators) is
// kept as an attribute and folded further; it becomes an arith.constant
// only where an op needs it as a value. A shape computed from dynamic
// dimensions is kept the same way, its unknown elements as index values
// (Tensor::symbolic).
//
//===----------------------------------------------------------------------===//

#ifndef QF_IMPORTERS_ONNX_CONTEXT_H
#define QF_IMPORTERS_ONNX_CONTEXT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/StringMap.h"

#include <functional>
#include <optional>

namespace onnx {
class NodeProto;
class AttributeProto;
class TensorProto;
} // namespace onnx

namespace mlir::qf::onnx_import {

/// One ONNX value: an SSA value or a constant (or both, once materialized).
/// Unsigned ONNX integers are signless MLIR integers with `isUnsigned` set.
struct Tensor {
  Value value;
  DenseElementsAttr constant;
  bool isUnsigned = false;
  /// A large initializer of external data: a view of the mapped file,
  /// never folded at import (`constant` is null).
  DenseResourceElementsAttr parameter = {};
  /// A shape or a dimension (an integer tensor of rank 0 or 1) whose
  /// elements are known at import as constants or as index values the
  /// function computes: `Shape` of a tensor with dynamic dimensions, and the
  /// shape arithmetic on it. Set only when some element is not constant
  /// (`constant` is null); `symbolicType` is its tensor type.
  SmallVector<OpFoldResult> symbolic = {};
  RankedTensorType symbolicType = {};

  RankedTensorType type() const;
  /// `constant`, or the parameter's values copied inline: for converters
  /// that rewrite weights at import (a transposed Gemm or Conv weight).
  DenseElementsAttr denseConstant() const;
  explicit operator bool() const {
    return value || constant || parameter || symbolicType;
  }
};

/// The element type of an ONNX data type (TensorProto::DataType), or null;
/// `isUnsigned` is set for the unsigned integers.
Type onnxElementType(int dataType, MLIRContext *ctx, bool &isUnsigned);

class ExternalDataReader;

/// An initializer of at least 4 KiB of external data as a parameter, a view
/// into the mapped data file; null (no error) for any other tensor.
FailureOr<DenseResourceElementsAttr>
importParameter(const onnx::TensorProto &t, MLIRContext *ctx, bool &isUnsigned,
                std::string &error, ExternalDataReader &external);

/// Converts an ONNX TensorProto (raw_data, typed fields or, given `external`,
/// external data) to an attribute.
FailureOr<DenseElementsAttr>
convertTensorProto(const onnx::TensorProto &t, MLIRContext *ctx,
                   bool &isUnsigned, std::string &error,
                   ExternalDataReader *external = nullptr);

class NodeContext {
public:
  NodeContext(const onnx::NodeProto &node, int64_t opset, OpBuilder &builder,
              Location loc, std::vector<Tensor> inputs)
      : node(node), opset(opset), b(builder), loc(loc),
        inputs(std::move(inputs)) {}

  const onnx::NodeProto &node;
  const int64_t opset;
  OpBuilder &b;
  const Location loc;

  // Inputs. Optional inputs that are absent (empty names) are null tensors.
  size_t numInputs() const { return inputs.size(); }
  const Tensor &input(size_t i) const;
  bool hasInput(size_t i) const { return i < inputs.size() && inputs[i]; }
  /// The input as an SSA value (constants are materialized).
  Value value(size_t i);
  /// The input's constant integer contents (shapes, axes, ...), or failure
  /// with an error saying it must be constant.
  FailureOr<SmallVector<int64_t>> constInts(size_t i, llvm::StringRef what);
  /// The elements of a constant or symbolic integer input (see
  /// Tensor::symbolic) as index attributes or index values, or failure with
  /// an error saying it must be known at import.
  FailureOr<SmallVector<OpFoldResult>> knownInts(size_t i,
                                                 llvm::StringRef what);
  /// Same for a constant float input.
  FailureOr<SmallVector<double>> constFloats(size_t i, llvm::StringRef what);

  // Attributes.
  bool hasAttr(llvm::StringRef name) const;
  int64_t attrInt(llvm::StringRef name, int64_t def) const;
  float attrFloat(llvm::StringRef name, float def) const;
  std::string attrString(llvm::StringRef name, llvm::StringRef def) const;
  std::optional<SmallVector<int64_t>> attrInts(llvm::StringRef name) const;
  const onnx::AttributeProto *attr(llvm::StringRef name) const;

  // Outputs.
  size_t numOutputs() const;
  void setOutput(size_t i, Value v, bool isUnsigned = false);
  void setOutput(size_t i, DenseElementsAttr c, bool isUnsigned = false);
  /// An integer output of `type` (rank 0 or 1) with known elements: a
  /// constant when every element is one, else symbolic.
  void setOutput(size_t i, ArrayRef<OpFoldResult> elements,
                 RankedTensorType type, bool isUnsigned = false);
  std::vector<Tensor> takeOutputs() { return std::move(outputs); }

  /// An error at the node: "<op> node '<name>' (opset N): message".
  InFlightDiagnostic error() const;

  /// Materializes a constant as an arith.constant.
  Value materialize(const Tensor &t);

private:
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs;
};

using Converter = std::function<LogicalResult(NodeContext &)>;
using ConverterTable = llvm::StringMap<Converter>;

void registerElementwiseOps(ConverterTable &table);
void registerShapeOps(ConverterTable &table);
void registerNNOps(ConverterTable &table);
void registerConvOps(ConverterTable &table);
void registerQuantOps(ConverterTable &table);
void registerResizeOps(ConverterTable &table);

//===----------------------------------------------------------------------===//
// Builders shared by the converters (Builders.cpp)
//===----------------------------------------------------------------------===//

/// The most elements a tensor of the imported graph may have (as the file
/// readers, 2^40): shapes computed from hostile constants stop here, before
/// any product overflows.
inline constexpr int64_t kMaxElements = int64_t(1) << 40;

/// The number of elements of `shape` (non-negative dimensions), or failure
/// when it exceeds kMaxElements.
FailureOr<int64_t> boundedElementCount(ArrayRef<int64_t> shape);

/// Normalizes a possibly negative axis against `rank`; failure if out of
/// range.
FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Dimension `i` of the tensor `v`: its static size, or the index value
/// that holds it, traced back to where the size was given (the dynamic size
/// of a tensor.empty, an expand_shape's output shape, ...) so that equal
/// dimensions are the same value; else a tensor.dim right after `v` is
/// defined, shared by every caller.
OpFoldResult dimOf(OpBuilder &b, Value v, int64_t i);
/// Every dimension of `v` (dimOf).
SmallVector<OpFoldResult> dimsOf(OpBuilder &b, Value v);

/// The static shape of mixed sizes, dynamic where a size is a value.
SmallVector<int64_t> staticShape(ArrayRef<OpFoldResult> sizes);

/// An index value for `v` (materialized if it is an attribute).
Value indexValue(OpBuilder &b, Location loc, OpFoldResult v);

/// NumPy broadcasting of two shapes; failure if incompatible. A dynamic
/// dimension broadcasts with anything: against N > 1 it is taken to be N,
/// against another dynamic one to be equal (as ONNX Runtime and
/// torch-mlir do).
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b);

/// A linalg.generic over the broadcast shape of `operands` (NumPy rules)
/// whose body `fn` maps the scalar operands to one scalar of `elementType`.
/// Fails with a diagnostic on incompatible shapes.
using ScalarFn =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange scalars)>;
FailureOr<Value> elementwise(NodeContext &ctx, ValueRange operands,
                             Type elementType, ScalarFn fn);

/// Broadcasts `v` to `sizes` (NumPy rules; failure if it cannot).
FailureOr<Value> broadcastTo(NodeContext &ctx, Value v,
                             ArrayRef<OpFoldResult> sizes);

/// A reduction of `v` over `axes` (normalized, sorted) with `init` and
/// `combine`; keeps reduced dims as 1 when `keepDims`.
Value reduce(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> axes,
             bool keepDims, TypedAttr init, ScalarFn combine);

/// `v` reshaped to a static `shape` with the same element count.
Value reshape(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape);
/// `v` reshaped to `sizes` (static or dynamic, the same element count):
/// tensor.collapse_shape and tensor.expand_shape where the dimensions group,
/// else tensor.reshape.
Value reshape(OpBuilder &b, Location loc, Value v,
              ArrayRef<OpFoldResult> sizes);

/// linalg.transpose of `v` by `perm`.
Value transpose(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm);

/// The constant `c` with its dimensions permuted by `perm`.
DenseElementsAttr transposeConstant(DenseElementsAttr c,
                                    ArrayRef<int64_t> perm);

/// A tensor of `shape` and `elementType` filled with `value`.
Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
             TypedAttr value);
Value filled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
             TypedAttr value);

/// A scalar constant of `type` (float or integer).
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value);

} // namespace mlir::qf::onnx_import

#endif // QF_IMPORTERS_ONNX_CONTEXT_H
