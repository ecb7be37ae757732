//===- QuantParameters.cpp - Quantized types' scales in the weights file --===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "parameters/QuantParameters.h"
#include "dialects/QF/QFTypes.h"
#include "runtime/Executor.h"

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
  return isa<FloatType>(type) ? runtime::getDType(type) : std::nullopt;
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
    // The verifier of QuantRefType guarantees one dimension per axis type.
    ArrayRef<int32_t> dims = ref.getQuantizedDims().asArrayRef();
    ArrayRef<int64_t> blocks = ref.getBlockSizes().asArrayRef();
    bool perAxis = blocks.empty();
    // Scales are f64 [n] per axis, else of the expressed type in the grid's
    // shape, which the file gives; the zero points have the same shape.
    std::optional<DType> scaleDType = perAxis
                                          ? std::optional(DType::F64)
                                          : floatDType(ref.getExpressedType());
    const runtime::TensorView *found =
        file.lookup((ref.getName() + ".scales").str());
    if (!scaleDType || !found || (perAxis && found->shape.size() != 1)) {
      fail(ref) << "no " << (perAxis ? "f64 vector" : "tensor") << " '"
                << ref.getName() << ".scales' in '" << path << "'";
      return std::nullopt;
    }
    ArrayRef<int64_t> shape = found->shape;
    const runtime::TensorView *scales =
        tensor(ref, ".scales", *scaleDType, shape);
    const runtime::TensorView *zps =
        scales
            ? tensor(ref, ".zero_points",
                     zeroPointDType(ref.getStorageMin(), ref.getStorageMax()),
                     shape)
            : nullptr;
    if (!zps)
      return std::nullopt;
    std::vector<int64_t> zeroPoints = readZeroPoints(*zps);
    auto emit = [&]() { return fail(ref); };
    Type type;
    if (perAxis) {
      std::vector<double> scaleValues(shape[0]);
      std::memcpy(scaleValues.data(), scales->bytes.data(),
                  scales->bytes.size());
      type = quant::UniformQuantizedPerAxisType::getChecked(
          emit, ref.getFlags(), ref.getStorageType(), ref.getExpressedType(),
          scaleValues, zeroPoints, dims[0], ref.getStorageMin(),
          ref.getStorageMax());
    } else {
      unsigned bits = ref.getStorageType().getIntOrFloatBitWidth();
      SmallVector<APInt> zpValues;
      for (int64_t z : zeroPoints)
        zpValues.emplace_back(bits, z, /*isSigned=*/true,
                              /*implicitTrunc=*/true);
      type = quant::UniformQuantizedSubChannelType::getChecked(
          emit, ref.getFlags(), ref.getStorageType(), ref.getExpressedType(),
          DenseElementsAttr::getFromRawBuffer(
              RankedTensorType::get(shape, ref.getExpressedType()),
              scales->bytes),
          DenseElementsAttr::get(
              RankedTensorType::get(shape, ref.getStorageType()), zpValues),
          dims, blocks, ref.getStorageMin(), ref.getStorageMax());
    }
    return type ? std::optional<Type>(type) : std::nullopt;
  });
  replacer.recursivelyReplaceElementsIn(root, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
  return failure(failedAny);
}
