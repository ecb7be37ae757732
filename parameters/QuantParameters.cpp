//===- QuantParameters.cpp - Quantized types' scales in the weights file --===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "parameters/QuantParameters.h"
#include "dialects/QF/QFTypes.h"
#include "parameters/ParameterFile.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"

#include <cstring>

using namespace mlir;
using namespace mlir::qf;
using runtime::DType;

/// Zero points are stored as i8 when the storage range allows, else i32.
static DType zeroPointDType(int64_t storageMin, int64_t storageMax) {
  return storageMin >= -128 && storageMax <= 127 ? DType::I8 : DType::I32;
}

static std::optional<DType> floatDType(Type type) {
  return isa<FloatType>(type) ? parameters::parameterDType(type) : std::nullopt;
}

/// `values` as the little-endian bytes of `dtype` (I8 or I32).
static std::vector<char> zeroPointBytes(ArrayRef<int64_t> values, DType dtype) {
  std::vector<char> bytes(values.size() * runtime::dtypeSize(dtype));
  for (auto [i, v] : llvm::enumerate(values)) {
    if (dtype == DType::I8) {
      bytes[i] = static_cast<char>(v);
    } else {
      int32_t w = static_cast<int32_t>(v);
      std::memcpy(bytes.data() + 4 * i, &w, 4);
    }
  }
  return bytes;
}

void parameters::referenceQuantTypes(Operation *root,
                                     std::vector<runtime::TensorView> &tensors,
                                     std::deque<std::vector<char>> &storage) {
  MLIRContext *ctx = root->getContext();
  llvm::DenseMap<Type, Type> done;
  auto add = [&](std::string name, DType dtype, ArrayRef<int64_t> shape,
                 std::vector<char> bytes) {
    storage.push_back(std::move(bytes));
    tensors.push_back({std::move(name), dtype, SmallVector<int64_t, 4>(shape),
                       ArrayRef<char>(storage.back())});
  };
  auto reference = [&](quant::QuantizedType type, ArrayRef<int32_t> dims,
                       ArrayRef<int64_t> blocks) {
    std::string name = "quant" + std::to_string(done.size());
    return QuantRefType::get(
        ctx, name, type.getStorageType(), type.getExpressedType(),
        type.getFlags(), type.getStorageTypeMin(), type.getStorageTypeMax(),
        DenseI32ArrayAttr::get(ctx, dims), DenseI64ArrayAttr::get(ctx, blocks));
  };
  AttrTypeReplacer replacer;
  replacer.addReplacement(
      [&](quant::UniformQuantizedPerAxisType type) -> std::optional<Type> {
        if (int64_t(type.getScales().size()) < kMinScalesForReference)
          return std::nullopt;
        if (Type known = done.lookup(type))
          return known;
        auto ref = reference(type, {type.getQuantizedDimension()}, {});
        int64_t n = type.getScales().size();
        ArrayRef<double> scales = type.getScales();
        add((ref.getName() + ".scales").str(), DType::F64, {n},
            std::vector<char>(reinterpret_cast<const char *>(scales.data()),
                              reinterpret_cast<const char *>(scales.data()) +
                                  8 * n));
        DType zpType =
            zeroPointDType(type.getStorageTypeMin(), type.getStorageTypeMax());
        add((ref.getName() + ".zero_points").str(), zpType, {n},
            zeroPointBytes(type.getZeroPoints(), zpType));
        done[type] = ref;
        return ref;
      });
  replacer.addReplacement(
      [&](quant::UniformQuantizedSubChannelType type) -> std::optional<Type> {
        DenseElementsAttr scales = type.getScales();
        std::optional<DType> scaleType = floatDType(scales.getElementType());
        if (scales.getNumElements() < kMinScalesForReference || !scaleType)
          return std::nullopt;
        if (Type known = done.lookup(type))
          return known;
        auto ref = reference(type, type.getQuantizedDimensions(),
                             type.getBlockSizes());
        ArrayRef<int64_t> shape = scales.getType().getShape();
        std::vector<char> scaleBytes;
        if (scales.isSplat()) {
          ArrayRef<char> one = scales.getRawData();
          for (int64_t i = 0; i < scales.getNumElements(); ++i)
            scaleBytes.insert(scaleBytes.end(), one.begin(), one.end());
        } else {
          scaleBytes.assign(scales.getRawData().begin(),
                            scales.getRawData().end());
        }
        add((ref.getName() + ".scales").str(), *scaleType, shape,
            std::move(scaleBytes));
        std::vector<int64_t> zeroPoints;
        for (const APInt &z : type.getZeroPoints().getValues<APInt>())
          zeroPoints.push_back(z.getSExtValue());
        DType zpType =
            zeroPointDType(type.getStorageTypeMin(), type.getStorageTypeMax());
        add((ref.getName() + ".zero_points").str(), zpType, shape,
            zeroPointBytes(zeroPoints, zpType));
        done[type] = ref;
        return ref;
      });
  replacer.recursivelyReplaceElementsIn(root, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
}

bool parameters::hasQuantReferences(Operation *root) {
  bool found = false;
  auto check = [&](Type type) {
    type.walk([&](QuantRefType) { found = true; });
  };
  root->walk([&](Operation *op) {
    for (Type type : op->getResultTypes())
      check(type);
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          check(arg.getType());
    op->getAttrDictionary().walk(
        [&](TypeAttr attr) { check(attr.getValue()); });
  });
  return found;
}

/// Reads `zero points` of dtype I8 or I32.
static std::vector<int64_t> readZeroPoints(const runtime::TensorView &t) {
  std::vector<int64_t> values;
  size_t n = t.bytes.size() / runtime::dtypeSize(t.dtype);
  for (size_t i = 0; i < n; ++i) {
    if (t.dtype == DType::I8) {
      values.push_back(static_cast<int8_t>(t.bytes[i]));
    } else {
      int32_t v;
      std::memcpy(&v, t.bytes.data() + 4 * i, 4);
      values.push_back(v);
    }
  }
  return values;
}

LogicalResult parameters::resolveQuantReferences(
    Operation *root, const runtime::MappedSafeTensors &file, StringRef path) {
  bool failedAny = false;
  auto fail = [&](QuantRefType ref) {
    failedAny = true;
    return root->emitError() << "quantized type '" << ref.getName() << "': ";
  };
  /// The tensor `name` of `dtype` and `shape`, or null after an error.
  auto tensor = [&](QuantRefType ref, StringRef suffix, DType dtype,
                    ArrayRef<int64_t> shape) -> const runtime::TensorView * {
    std::string name = (ref.getName() + suffix).str();
    const runtime::TensorView *t = file.lookup(name);
    if (!t) {
      fail(ref) << "no tensor '" << name << "' in '" << path << "'";
      return nullptr;
    }
    if (t->dtype != dtype || ArrayRef(t->shape) != shape) {
      fail(ref) << "tensor '" << name << "' in '" << path << "' is not "
                << runtime::dtypeName(dtype) << " of the "
                << "type's shape";
      return nullptr;
    }
    return t;
  };
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](QuantRefType ref) -> std::optional<Type> {
    auto emit = [&]() { return fail(ref); };
    ArrayRef<int32_t> dims = ref.getQuantizedDims().asArrayRef();
    ArrayRef<int64_t> blocks = ref.getBlockSizes().asArrayRef();
    DType zpType = zeroPointDType(ref.getStorageMin(), ref.getStorageMax());
    if (blocks.empty()) {
      const runtime::TensorView *scales =
          file.lookup((ref.getName() + ".scales").str());
      if (dims.size() != 1 || !scales || scales->shape.size() != 1) {
        fail(ref) << "no f64 vector '" << ref.getName() << ".scales' in '"
                  << path << "'";
        return std::nullopt;
      }
      int64_t n = scales->shape[0];
      scales = tensor(ref, ".scales", DType::F64, {n});
      const runtime::TensorView *zps =
          scales ? tensor(ref, ".zero_points", zpType, {n}) : nullptr;
      if (!zps)
        return std::nullopt;
      std::vector<double> scaleValues(n);
      std::memcpy(scaleValues.data(), scales->bytes.data(), 8 * n);
      Type type = quant::UniformQuantizedPerAxisType::getChecked(
          [&] { return emit(); }, ref.getFlags(), ref.getStorageType(),
          ref.getExpressedType(), scaleValues, readZeroPoints(*zps), dims[0],
          ref.getStorageMin(), ref.getStorageMax());
      return type ? std::optional<Type>(type) : std::nullopt;
    }
    std::optional<DType> scaleDType = floatDType(ref.getExpressedType());
    const runtime::TensorView *found =
        file.lookup((ref.getName() + ".scales").str());
    if (!scaleDType || !found) {
      fail(ref) << "no tensor '" << ref.getName() << ".scales' in '" << path
                << "'";
      return std::nullopt;
    }
    ArrayRef<int64_t> shape = found->shape;
    const runtime::TensorView *scales =
        tensor(ref, ".scales", *scaleDType, shape);
    const runtime::TensorView *zps =
        scales ? tensor(ref, ".zero_points", zpType, shape) : nullptr;
    if (!zps)
      return std::nullopt;
    auto scaleType = RankedTensorType::get(shape, ref.getExpressedType());
    auto zpTensorType = RankedTensorType::get(shape, ref.getStorageType());
    unsigned bits = ref.getStorageType().getIntOrFloatBitWidth();
    SmallVector<APInt> zpValues;
    for (int64_t z : readZeroPoints(*zps))
      zpValues.emplace_back(bits, z, /*isSigned=*/true,
                            /*implicitTrunc=*/true);
    Type type = quant::UniformQuantizedSubChannelType::getChecked(
        [&] { return emit(); }, ref.getFlags(), ref.getStorageType(),
        ref.getExpressedType(),
        DenseElementsAttr::getFromRawBuffer(scaleType, scales->bytes),
        DenseElementsAttr::get(zpTensorType, zpValues), dims, blocks,
        ref.getStorageMin(), ref.getStorageMax());
    return type ? std::optional<Type>(type) : std::nullopt;
  });
  replacer.recursivelyReplaceElementsIn(root, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
  return failure(failedAny);
}
