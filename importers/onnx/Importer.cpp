//===- Importer.cpp - ONNX models to MLIR ---------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Walks the graph in its (topological) node order. Initializers and
// Constant nodes are constants; every other node goes to the converter of
// its op type, which sees its inputs through NodeContext. The function's
// arguments are the graph inputs that are not initializers.
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/Importer.h"
#include "importers/onnx/Context.h"
#include "importers/onnx/ExternalData.h"

#include "dialects/QF/QFDialect.h"
#include "parameters/ConstantData.h"
#include "parameters/ParameterFile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::onnx_import;

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

RankedTensorType Tensor::type() const {
  if (symbolicType)
    return symbolicType;
  if (value)
    return cast<RankedTensorType>(value.getType());
  if (parameter)
    return cast<RankedTensorType>(parameter.getType());
  return cast<RankedTensorType>(constant.getType());
}

DenseElementsAttr Tensor::denseConstant() const {
  if (constant || !parameter)
    return constant;
  return ConstantData::get(parameter).toDenseElements();
}

Type onnx_import::onnxElementType(int dataType, MLIRContext *ctx,
                                  bool &isUnsigned) {
  Builder b(ctx);
  isUnsigned = false;
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::UINT8:
    isUnsigned = true;
    return b.getI8Type();
  case onnx::TensorProto::INT8:
    return b.getI8Type();
  case onnx::TensorProto::UINT16:
    isUnsigned = true;
    return b.getI16Type();
  case onnx::TensorProto::INT16:
    return b.getI16Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::UINT32:
    isUnsigned = true;
    return b.getI32Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::UINT64:
    isUnsigned = true;
    return b.getI64Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

/// An attribute from little-endian bytes as ONNX stores them (booleans one
/// byte each).
static DenseElementsAttr fromRawBytes(RankedTensorType type,
                                      ArrayRef<char> bytes) {
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

/// The type of `t`, checked: a supported element type, non-negative
/// dimensions, at most 2^40 elements.
static FailureOr<RankedTensorType> tensorProtoType(const onnx::TensorProto &t,
                                                   MLIRContext *ctx,
                                                   bool &isUnsigned,
                                                   std::string &error) {
  Type elem = onnxElementType(t.data_type(), ctx, isUnsigned);
  if (!elem) {
    error = "unsupported tensor data type " + std::to_string(t.data_type());
    return failure();
  }
  SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; })) {
    error = "tensor '" + t.name() + "' has a negative dimension";
    return failure();
  }
  if (failed(boundedElementCount(shape))) {
    error = "tensor '" + t.name() + "' has more than 2^40 elements";
    return failure();
  }
  return RankedTensorType::get(shape, elem);
}

/// The bytes ONNX stores `type`'s elements in (booleans one byte each).
static size_t storedBytes(RankedTensorType type) {
  unsigned bits = type.getElementTypeBitWidth();
  return type.getNumElements() * (bits == 1 ? 1 : bits / 8);
}

FailureOr<DenseResourceElementsAttr>
onnx_import::importParameter(const onnx::TensorProto &t, MLIRContext *ctx,
                             bool &isUnsigned, std::string &error,
                             ExternalDataReader &external) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL)
    return DenseResourceElementsAttr();
  FailureOr<RankedTensorType> type = tensorProtoType(t, ctx, isUnsigned, error);
  if (failed(type))
    return failure();
  size_t size = storedBytes(*type);
  if (type->getElementType().isInteger(1) ||
      size < parameters::kDefaultMinParameterBytes)
    return DenseResourceElementsAttr();
  FailureOr<ArrayRef<char>> bytes = external.read(t, size, error);
  if (failed(bytes))
    return failure();
  size_t align = std::max<size_t>(type->getElementTypeBitWidth() / 8, 1);
  // The parameter is named after the initializer (made unique if need be).
  StringRef name = t.name().empty() ? StringRef("param") : StringRef(t.name());
  std::shared_ptr<const void> owner = external.owner(bytes->data());
  if (!owner || reinterpret_cast<uintptr_t>(bytes->data()) % align)
    return DenseResourceElementsAttr::get(
        *type, name,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(*bytes, align));
  // A view into the mapped file, which the blob keeps alive.
  return DenseResourceElementsAttr::get(
      *type, name,
      AsmResourceBlob(
          *bytes, align,
          [owner](void *, size_t, size_t) mutable { owner.reset(); },
          /*dataIsMutable=*/false));
}

FailureOr<DenseElementsAttr>
onnx_import::convertTensorProto(const onnx::TensorProto &t, MLIRContext *ctx,
                                bool &isUnsigned, std::string &error,
                                ExternalDataReader *external) {
  FailureOr<RankedTensorType> checked =
      tensorProtoType(t, ctx, isUnsigned, error);
  if (failed(checked))
    return failure();
  RankedTensorType type = *checked;
  Type elem = type.getElementType();
  const int64_t count = type.getNumElements();
  unsigned bits = elem.getIntOrFloatBitWidth();
  size_t want = storedBytes(type);
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    if (!external) {
      error = "tensor '" + t.name() +
              "' has external data, which only initializers may have";
      return failure();
    }
    FailureOr<ArrayRef<char>> bytes = external->read(t, want, error);
    if (failed(bytes))
      return failure();
    return fromRawBytes(type, *bytes);
  }
  if (t.has_raw_data()) {
    const std::string &raw = t.raw_data();
    if (raw.size() != want) {
      error = "tensor '" + t.name() + "' has " + std::to_string(raw.size()) +
              " bytes of data, its shape needs " + std::to_string(want);
      return failure();
    }
    return fromRawBytes(type, ArrayRef<char>(raw.data(), raw.size()));
  }
  // Typed fields: float_data, double_data, int64_data, uint64_data, or
  // int32_data for every integer of 32 bits or less and for f16/bf16 bits.
  auto sizeError = [&](int64_t got) {
    error = "tensor '" + t.name() + "' has " + std::to_string(got) +
            " values, its shape needs " + std::to_string(count);
    return failure();
  };
  if (elem.isF32()) {
    if (t.float_data_size() != count)
      return sizeError(t.float_data_size());
    return DenseElementsAttr::get(
        type, ArrayRef<float>(t.float_data().data(), count));
  }
  if (elem.isF64()) {
    if (t.double_data_size() != count)
      return sizeError(t.double_data_size());
    return DenseElementsAttr::get(
        type, ArrayRef<double>(t.double_data().data(), count));
  }
  if (elem.isInteger(64)) {
    bool u64 = t.data_type() == onnx::TensorProto::UINT64;
    int64_t got = u64 ? t.uint64_data_size() : t.int64_data_size();
    if (got != count)
      return sizeError(got);
    SmallVector<APInt> values;
    for (int64_t i = 0; i < count; ++i)
      values.push_back(APInt(64, u64 ? t.uint64_data(i) : t.int64_data(i)));
    return DenseElementsAttr::get(type, values);
  }
  if (t.int32_data_size() != count)
    return sizeError(t.int32_data_size());
  if (isa<FloatType>(elem)) { // f16, bf16: the bits in int32_data
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < count; ++i)
      values.push_back(APFloat(cast<FloatType>(elem).getFloatSemantics(),
                               APInt(16, uint64_t(t.int32_data(i)) & 0xffff)));
    return DenseElementsAttr::get(type, values);
  }
  SmallVector<APInt> values;
  for (int64_t i = 0; i < count; ++i)
    values.push_back(APInt(bits, uint64_t(int64_t(t.int32_data(i))),
                           /*isSigned=*/true, /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, values);
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

const Tensor &NodeContext::input(size_t i) const {
  static const Tensor none;
  return i < inputs.size() ? inputs[i] : none;
}

Value NodeContext::materialize(const Tensor &t) {
  if (t.value)
    return t.value;
  if (t.symbolicType) {
    Type elem = t.symbolicType.getElementType();
    SmallVector<Value> elements;
    for (OpFoldResult e : t.symbolic) {
      if (std::optional<int64_t> c = getConstantIntValue(e))
        elements.push_back(
            arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, *c)));
      else
        elements.push_back(
            arith::IndexCastOp::create(b, loc, elem, cast<Value>(e)));
    }
    return tensor::FromElementsOp::create(b, loc, t.symbolicType, elements);
  }
  if (t.parameter)
    return arith::ConstantOp::create(b, loc, t.parameter);
  return arith::ConstantOp::create(b, loc, t.constant);
}

Value NodeContext::value(size_t i) {
  Tensor &t = inputs[i];
  if (!t.value)
    t.value = materialize(t);
  return t.value;
}

FailureOr<SmallVector<int64_t>> NodeContext::constInts(size_t i,
                                                       StringRef what) {
  const Tensor &t = input(i);
  if (!t.constant || !isa<IntegerType>(t.constant.getElementType())) {
    error() << what << " (input " << i << ") must be a constant integer tensor";
    return failure();
  }
  SmallVector<int64_t> values;
  for (const APInt &v : t.constant.getValues<APInt>())
    values.push_back(t.isUnsigned ? int64_t(v.getZExtValue())
                                  : v.getSExtValue());
  return values;
}

FailureOr<SmallVector<OpFoldResult>> NodeContext::knownInts(size_t i,
                                                            StringRef what) {
  const Tensor &t = input(i);
  if (t.symbolicType)
    return t.symbolic;
  if (!t.constant || !isa<IntegerType>(t.constant.getElementType())) {
    error() << what << " (input " << i
            << ") must be an integer tensor known at import: a constant or "
               "computed from dimensions";
    return failure();
  }
  SmallVector<OpFoldResult> values;
  SmallVector<int64_t> ints = *constInts(i, what); // outlives the loop
  for (int64_t v : ints)
    values.push_back(b.getIndexAttr(v));
  return values;
}

FailureOr<SmallVector<double>> NodeContext::constFloats(size_t i,
                                                        StringRef what) {
  const Tensor &t = input(i);
  if (!t.constant) {
    error() << what << " (input " << i << ") must be a constant tensor";
    return failure();
  }
  SmallVector<double> values;
  if (isa<FloatType>(t.constant.getElementType())) {
    for (const APFloat &v : t.constant.getValues<APFloat>())
      values.push_back(v.convertToDouble());
  } else {
    for (const APInt &v : t.constant.getValues<APInt>())
      values.push_back(t.isUnsigned ? double(v.getZExtValue())
                                    : double(v.getSExtValue()));
  }
  return values;
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

bool NodeContext::hasAttr(StringRef name) const { return attr(name); }

int64_t NodeContext::attrInt(StringRef name, int64_t def) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : def;
}

float NodeContext::attrFloat(StringRef name, float def) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : def;
}

std::string NodeContext::attrString(StringRef name, StringRef def) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : def.str();
}

std::optional<SmallVector<int64_t>>
NodeContext::attrInts(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

size_t NodeContext::numOutputs() const { return node.output_size(); }

void NodeContext::setOutput(size_t i, Value v, bool isUnsigned) {
  if (outputs.size() <= i)
    outputs.resize(i + 1);
  outputs[i] = Tensor{v, {}, isUnsigned};
}

void NodeContext::setOutput(size_t i, DenseElementsAttr c, bool isUnsigned) {
  if (outputs.size() <= i)
    outputs.resize(i + 1);
  outputs[i] = Tensor{{}, c, isUnsigned};
}

void NodeContext::setOutput(size_t i, ArrayRef<OpFoldResult> elements,
                            RankedTensorType type, bool isUnsigned) {
  if (outputs.size() <= i)
    outputs.resize(i + 1);
  unsigned width = type.getElementType().getIntOrFloatBitWidth();
  SmallVector<APInt> constants;
  for (OpFoldResult e : elements)
    if (std::optional<int64_t> c = getConstantIntValue(e))
      constants.push_back(APInt(width, uint64_t(*c), /*isSigned=*/true,
                                /*implicitTrunc=*/true));
  if (constants.size() == elements.size()) {
    outputs[i] =
        Tensor{{}, DenseElementsAttr::get(type, constants), isUnsigned};
    return;
  }
  Tensor t{{}, {}, isUnsigned};
  t.symbolic.assign(elements.begin(), elements.end());
  t.symbolicType = type;
  outputs[i] = t;
}

InFlightDiagnostic NodeContext::error() const {
  InFlightDiagnostic diag = emitError(loc);
  diag << node.op_type() << " node '" << node.name() << "' (opset " << opset
       << "): ";
  return diag;
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

namespace {

/// The operators whose converters handle dynamic dimensions (the others
/// refuse them with a diagnostic before they run).
bool takesDynamicShapes(StringRef opType) {
  static const llvm::StringSet<> dynamic = {
      // Elementwise, with broadcasting.
      "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Neg", "Exp",
      "Log", "Erf", "Sin", "Cos", "Tanh", "Relu", "Sigmoid", "HardSigmoid",
      "HardSwish", "Clip", "Cast", "Where", "Equal", "Less", "Greater",
      // Shapes and data movement.
      "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Slice",
      "Concat", "Gather", "Shape", "ConstantOfShape", "Range", "Expand",
      "Trilu", "Identity",
      // Contractions and reductions over static dimensions.
      "MatMul", "ReduceSum", "ReduceMean", "ReduceMax", "Softmax", "LogSoftmax",
      "LayerNormalization"};
  return dynamic.contains(opType);
}

const ConverterTable &converters() {
  static const ConverterTable table = [] {
    ConverterTable t;
    registerElementwiseOps(t);
    registerShapeOps(t);
    registerNNOps(t);
    registerQuantOps(t);
    registerResizeOps(t);
    return t;
  }();
  return table;
}

class GraphImporter {
public:
  GraphImporter(MLIRContext *ctx, StringRef source,
                const ImportOptions &options)
      : ctx(ctx), b(ctx), source(source.str()), options(options),
        externalData(options.externalDataDir, options.externalDataFiles) {}

  OwningOpRef<ModuleOp> run(const onnx::ModelProto &model);

private:
  Location nodeLoc(const onnx::NodeProto &node, int index) {
    std::string name = node.name().empty()
                           ? node.op_type() + "#" + std::to_string(index)
                           : node.name();
    return NameLoc::get(StringAttr::get(ctx, name),
                        FileLineColLoc::get(ctx, source, 0, 0));
  }
  InFlightDiagnostic graphError() {
    return emitError(FileLineColLoc::get(ctx, source, 0, 0));
  }
  FailureOr<RankedTensorType> inputType(const onnx::ValueInfoProto &info,
                                        bool &isUnsigned);
  LogicalResult importNode(const onnx::NodeProto &node, int index);
  /// Why `name`, read by node `index`, has no value yet: the graph's nodes
  /// are in order (ONNX requires it), so a later producer means a cycle.
  std::string whyUndefined(StringRef name, int index) const;

  MLIRContext *ctx;
  OpBuilder b;
  std::string source;
  const ImportOptions &options;
  ExternalDataReader externalData;
  int64_t opset = 0;
  llvm::StringMap<Tensor> values;
  const onnx::GraphProto *graph = nullptr;
};

} // namespace

FailureOr<RankedTensorType>
GraphImporter::inputType(const onnx::ValueInfoProto &info, bool &isUnsigned) {
  const onnx::TypeProto &type = info.type();
  if (!type.has_tensor_type()) {
    graphError() << "input '" << info.name() << "' is not a tensor";
    return failure();
  }
  Type elem = onnxElementType(type.tensor_type().elem_type(), ctx, isUnsigned);
  if (!elem) {
    graphError() << "input '" << info.name() << "' has unsupported type "
                 << type.tensor_type().elem_type();
    return failure();
  }
  SmallVector<int64_t> shape;
  SmallVector<std::string> names;
  for (const auto &dim : type.tensor_type().shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() < 0) {
      graphError() << "input '" << info.name() << "' has negative dimension "
                   << dim.dim_value() << " at index " << shape.size();
      return failure();
    }
    shape.push_back(dim.has_dim_value() ? dim.dim_value()
                                        : ShapedType::kDynamic);
    names.push_back(dim.has_dim_param() ? dim.dim_param() : "?");
  }
  auto bound = options.inputShapes.find(info.name());
  if (bound != options.inputShapes.end()) {
    if (bound->second.size() != shape.size()) {
      graphError() << "--input-shape " << info.name() << " has "
                   << bound->second.size() << " dimensions, the input has "
                   << shape.size();
      return failure();
    }
    for (auto [i, d] : llvm::enumerate(bound->second)) {
      if (d <= 0 || (!ShapedType::isDynamic(shape[i]) && shape[i] != d)) {
        graphError() << "--input-shape " << info.name() << ": dimension " << i
                     << " is " << shape[i] << " in the model, not " << d;
        return failure();
      }
      shape[i] = d;
    }
  }
  if (failed(boundedElementCount(shape))) {
    graphError() << "input '" << info.name() << "' has shape ["
                 << llvm::make_range(shape.begin(), shape.end())
                 << "], more than 2^40 elements";
    return failure();
  }
  return RankedTensorType::get(shape, elem);
}

/// The node's inputs and outputs against the operator's ONNX schema at the
/// model's opset: how many, and which required inputs are present. The
/// converters may then take them as given.
static LogicalResult checkArity(NodeContext &ctx) {
  const onnx::NodeProto &node = ctx.node;
  const onnx::OpSchema *schema =
      onnx::OpSchemaRegistry::Schema(node.op_type(), int(ctx.opset), "");
  if (!schema)
    return success(); // unknown here: reported as unsupported
  auto count = [&](int n, int min, int max, StringRef what) {
    if (n >= min && n <= max)
      return success();
    InFlightDiagnostic d = ctx.error() << "has " << n << " " << what
                                       << ", the operator takes ";
    if (max == std::numeric_limits<int>::max())
      d << "at least " << min;
    else if (min == max)
      d << min;
    else
      d << min << " to " << max;
    return failure();
  };
  if (failed(count(node.input_size(), schema->min_input(), schema->max_input(),
                   "inputs")) ||
      failed(count(node.output_size(), schema->min_output(),
                   schema->max_output(), "outputs")))
    return failure();
  for (auto [i, formal] : llvm::enumerate(schema->inputs()))
    if (int(i) < node.input_size() && node.input(i).empty() &&
        formal.GetOption() == onnx::OpSchema::Single)
      return ctx.error() << "input " << i << " ('" << formal.GetName()
                         << "') is required but empty";
  for (auto [i, output] : llvm::enumerate(node.output()))
    if (output.empty() && i < schema->outputs().size() &&
        schema->outputs()[i].GetOption() == onnx::OpSchema::Single)
      return ctx.error() << "output " << i << " ('"
                         << schema->outputs()[i].GetName()
                         << "') is required but unnamed";
  return success();
}

std::string GraphImporter::whyUndefined(StringRef name, int index) const {
  for (int i = index, e = graph->node_size(); i < e; ++i) {
    const onnx::NodeProto &producer = graph->node(i);
    if (llvm::is_contained(producer.output(), name))
      return (i == index ? std::string("is its own output")
                         : "is computed by node #" + std::to_string(i) + " ('" +
                               producer.name() + "') after it") +
             ": the graph has a cycle or is not in topological order";
  }
  return "is not defined before it (no node, input or initializer has it)";
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        int index) {
  Location loc = nodeLoc(node, index);
  std::vector<Tensor> inputs;
  for (const std::string &name : node.input()) {
    if (name.empty()) {
      inputs.emplace_back();
      continue;
    }
    auto it = values.find(name);
    if (it == values.end())
      return emitError(loc)
             << node.op_type() << " node '" << node.name() << "': input '"
             << name << "' " << whyUndefined(name, index);
    inputs.push_back(it->second);
  }
  NodeContext nodeCtx(node, opset, b, loc, std::move(inputs));
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return nodeCtx.error() << "operator domain '" << node.domain()
                           << "' is not supported";
  if (failed(checkArity(nodeCtx)))
    return failure();
  if (node.op_type() == "Constant") {
    const onnx::AttributeProto *value = nodeCtx.attr("value");
    if (!value || !value->has_t())
      return nodeCtx.error() << "only the 'value' tensor form is supported";
    bool isUnsigned = false;
    std::string error;
    FailureOr<DenseElementsAttr> c =
        convertTensorProto(value->t(), ctx, isUnsigned, error);
    if (failed(c))
      return nodeCtx.error() << error;
    nodeCtx.setOutput(0, *c, isUnsigned);
  } else {
    auto it = converters().find(node.op_type());
    if (it == converters().end())
      return nodeCtx.error() << "unsupported operator";
    if (!takesDynamicShapes(node.op_type()))
      for (size_t i = 0; i < nodeCtx.numInputs(); ++i)
        if (nodeCtx.hasInput(i) && !nodeCtx.input(i).type().hasStaticShape())
          return nodeCtx.error()
                 << "input " << i << " is " << nodeCtx.input(i).type()
                 << ": this operator needs static shapes; bind the model's "
                    "dynamic dimensions with --input-shape";
    if (failed(it->second(nodeCtx)))
      return failure();
  }
  std::vector<Tensor> outputs = nodeCtx.takeOutputs();
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    if (i >= int(outputs.size()) || !outputs[i])
      return nodeCtx.error() << "output " << i << " ('" << node.output(i)
                             << "') is not supported";
    RankedTensorType type = outputs[i].type();
    if (failed(boundedElementCount(type.getShape())))
      return nodeCtx.error()
             << "output " << i << " ('" << node.output(i) << "') would be "
             << type << ", more than 2^40 elements";
    values[node.output(i)] = outputs[i];
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
  if (opset < 9 || opset > 17) {
    graphError() << "opset " << opset
                 << " is not supported (opsets 9 to 17 are)";
    return nullptr;
  }
  const onnx::GraphProto &graph = model.graph();
  this->graph = &graph;
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module->getBody());

  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &init : graph.initializer()) {
    bool isUnsigned = false;
    std::string error;
    FailureOr<DenseResourceElementsAttr> parameter =
        importParameter(init, ctx, isUnsigned, error, externalData);
    FailureOr<DenseElementsAttr> c =
        succeeded(parameter) && !*parameter
            ? convertTensorProto(init, ctx, isUnsigned, error, &externalData)
            : FailureOr<DenseElementsAttr>(DenseElementsAttr());
    if (failed(parameter) || failed(c)) {
      graphError() << "initializer '" << init.name() << "': " << error;
      return nullptr;
    }
    values[init.name()] = Tensor{{}, *c, isUnsigned, *parameter};
    initializerNames.insert(init.name());
  }

  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  SmallVector<bool> argUnsigned;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    bool isUnsigned = false;
    FailureOr<RankedTensorType> type = inputType(input, isUnsigned);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    args.push_back(&input);
    argUnsigned.push_back(isUnsigned);
  }
  for (const auto &bound : options.inputShapes)
    if (!llvm::any_of(args,
                      [&](auto *a) { return a->name() == bound.first; })) {
      graphError() << "--input-shape names '" << bound.first
                   << "', which is not a graph input";
      return nullptr;
    }

  auto func = func::FuncOp::create(b, FileLineColLoc::get(ctx, source, 0, 0),
                                   options.functionName,
                                   b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, input] : llvm::enumerate(args)) {
    func.setArgAttr(i, "qf.name", b.getStringAttr(input->name()));
    // The names of its dynamic dimensions ("batch", "seq"): inputs that
    // share one must agree on its size when the model runs.
    auto type = cast<RankedTensorType>(argTypes[i]);
    SmallVector<Attribute> dimNames;
    for (auto [d, dim] :
         llvm::enumerate(input->type().tensor_type().shape().dim()))
      dimNames.push_back(b.getStringAttr(d < size_t(type.getRank()) &&
                                                 type.isDynamicDim(d) &&
                                                 dim.has_dim_param()
                                             ? dim.dim_param()
                                             : ""));
    if (llvm::any_of(dimNames, [](Attribute a) {
          return !cast<StringAttr>(a).getValue().empty();
        }))
      func.setArgAttr(i, "qf.dim_names", b.getArrayAttr(dimNames));
    values[input->name()] =
        Tensor{entry->getArgument(i), {}, bool(argUnsigned[i])};
  }
  b.setInsertionPointToStart(entry);
  for (auto [i, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, i)))
      return nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end()) {
      graphError() << "graph output '" << output.name()
                   << "' is computed by no node";
      return nullptr;
    }
    const Tensor &t = it->second;
    Value v = t.value ? t.value
                      : arith::ConstantOp::create(
                            b, func.getLoc(),
                            t.parameter ? TypedAttr(t.parameter) : t.constant)
                            .getResult();
    results.push_back(v);
    resultTypes.push_back(v.getType());
  }
  func::ReturnOp::create(b, func.getLoc(), results);
  func.setType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "qf.name", b.getStringAttr(output.name()));
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp>
onnx_import::importOnnxBytes(StringRef bytes, StringRef sourceName,
                             MLIRContext *ctx, const ImportOptions &options) {
  ctx->loadDialect<arith::ArithDialect, func::FuncDialect,
                   linalg::LinalgDialect, math::MathDialect,
                   tensor::TensorDialect, quant::QuantDialect, QFDialect>();
  onnx::ModelProto model;
  if (bytes.size() > size_t(INT32_MAX) ||
      !model.ParseFromArray(bytes.data(), int(bytes.size()))) {
    emitError(FileLineColLoc::get(ctx, sourceName, 0, 0))
        << "not a valid ONNX model (the protobuf does not parse)";
    return nullptr;
  }
  return GraphImporter(ctx, sourceName, options).run(model);
}

LogicalResult onnx_import::addInputShape(StringRef spec, ImportOptions &options,
                                         std::string &error) {
  auto [name, dims] = spec.split('=');
  SmallVector<StringRef> parts;
  dims.split(parts, ',');
  std::vector<int64_t> shape;
  for (StringRef p : parts) {
    int64_t d = 0;
    if (name.empty() || p.trim().getAsInteger(10, d) || d <= 0) {
      error = "--input-shape '" + spec.str() +
              "': expected NAME=D0,D1,... with positive sizes";
      return failure();
    }
    shape.push_back(d);
  }
  options.inputShapes[name.str()] = shape;
  return success();
}

OwningOpRef<ModuleOp>
onnx_import::importOnnxFile(StringRef path, MLIRContext *ctx,
                            const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer) {
    emitError(UnknownLoc::get(ctx))
        << "cannot read '" << path << "': " << buffer.getError().message();
    return nullptr;
  }
  // External data is found beside the model unless the caller said where.
  if (!options.externalDataDir.empty())
    return importOnnxBytes((*buffer)->getBuffer(), path, ctx, options);
  ImportOptions withDirectory = options;
  withDirectory.externalDataDir = llvm::sys::path::parent_path(path).str();
  if (withDirectory.externalDataDir.empty())
    withDirectory.externalDataDir = ".";
  return importOnnxBytes((*buffer)->getBuffer(), path, ctx, withDirectory);
}

void onnx_import::registerOnnxImportDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  math::MathDialect, tensor::TensorDialect, quant::QuantDialect,
                  QFDialect>();
}
