//===- ConstantData.cpp - The elements of a constant tensor ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "parameters/ConstantData.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

using namespace mlir;
using namespace mlir::qf;

/// True for the element types a parameter's bytes can hold: integers of
/// whole bytes or booleans (a byte each) and IEEE floats.
static bool isParameterElementType(Type type) {
  if (auto integer = dyn_cast<IntegerType>(type))
    return integer.getWidth() % 8 == 0 || integer.getWidth() == 1;
  return isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(type);
}

ConstantData ConstantData::get(Attribute attr) {
  auto elements = dyn_cast_or_null<ElementsAttr>(attr);
  if (!elements)
    return {};
  Type elementType = elements.getElementType();
  if (isa<DenseElementsAttr>(elements))
    return isa<IntegerType, IndexType, FloatType>(elementType)
               ? ConstantData(elements)
               : ConstantData();
  auto resource = dyn_cast<DenseResourceElementsAttr>(elements);
  if (!resource || !isParameterElementType(elementType))
    return {};
  const AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return {};
  // A blob whose size does not match its type cannot be read; the weights
  // file loader refuses such files, and nothing else makes them.
  int64_t width = elements.getElementType().getIntOrFloatBitWidth();
  uint64_t bytes = uint64_t(std::max<int64_t>(width / 8, 1)) *
                   elements.getShapedType().getNumElements();
  if (blob->getData().size() != bytes)
    return {};
  return ConstantData(elements);
}

bool ConstantData::isSplat() const {
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  return dense && dense.isSplat();
}

bool ConstantData::isParameter() const {
  return isa<DenseResourceElementsAttr>(attr);
}

ArrayRef<char> ConstantData::parameterBytes() const {
  return cast<DenseResourceElementsAttr>(attr)
      .getRawHandle()
      .getBlob()
      ->getData();
}

/// Element `i` of little-endian `bytes` holding `width`-bit elements (1-bit
/// elements one byte each).
static APInt intAt(ArrayRef<char> bytes, unsigned width, int64_t i) {
  if (width == 1)
    return APInt(1, bytes[i] != 0);
  uint64_t words[2] = {0, 0};
  unsigned size = width / 8;
  std::memcpy(words, bytes.data() + i * size, std::min(size, 16u));
  return APInt(width, ArrayRef<uint64_t>(words, (width + 63) / 64));
}

std::vector<APFloat> ConstantData::apFloats() const {
  auto floatType = cast<FloatType>(getElementType());
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto values = dense.getValues<APFloat>();
    return std::vector<APFloat>(values.begin(), values.end());
  }
  ArrayRef<char> bytes = parameterBytes();
  std::vector<APFloat> values;
  values.reserve(size());
  for (int64_t i = 0, e = size(); i < e; ++i)
    values.emplace_back(floatType.getFloatSemantics(),
                        intAt(bytes, floatType.getWidth(), i));
  return values;
}

std::optional<ArrayRef<char>> ConstantData::byteView() const {
  Type type = getElementType();
  if (isSplat() || isa<IndexType>(type) ||
      type.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  return isParameter() ? parameterBytes()
                       : cast<DenseElementsAttr>(attr).getRawData();
}

std::optional<ArrayRef<float>> ConstantData::f32View() const {
  if (!getElementType().isF32() || isSplat())
    return std::nullopt;
  ArrayRef<char> bytes = isParameter()
                             ? parameterBytes()
                             : cast<DenseElementsAttr>(attr).getRawData();
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(float))
    return std::nullopt;
  return ArrayRef<float>(reinterpret_cast<const float *>(bytes.data()),
                         bytes.size() / sizeof(float));
}

std::vector<float> ConstantData::floats() const {
  if (std::optional<ArrayRef<float>> view = f32View())
    return std::vector<float>(view->begin(), view->end());
  std::vector<float> values;
  values.reserve(size());
  for (const APFloat &v : apFloats())
    values.push_back(v.convertToDouble());
  return values;
}

std::vector<double> ConstantData::doubles() const {
  std::vector<double> values;
  values.reserve(size());
  if (std::optional<ArrayRef<float>> view = f32View()) {
    values.assign(view->begin(), view->end());
    return values;
  }
  for (const APFloat &v : apFloats())
    values.push_back(v.convertToDouble());
  return values;
}

std::vector<APInt> ConstantData::apInts() const {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto values = dense.getValues<APInt>();
    return std::vector<APInt>(values.begin(), values.end());
  }
  ArrayRef<char> bytes = parameterBytes();
  unsigned width = getElementType().getIntOrFloatBitWidth();
  std::vector<APInt> values;
  values.reserve(size());
  for (int64_t i = 0, e = size(); i < e; ++i)
    values.push_back(intAt(bytes, width, i));
  return values;
}

std::vector<int64_t> ConstantData::ints() const {
  bool isUnsigned = getElementType().isUnsignedInteger();
  std::vector<int64_t> values;
  values.reserve(size());
  // Bytes, the codes of quantized weights, are read without APInts.
  if (std::optional<ArrayRef<char>> bytes = byteView();
      bytes && getElementType().isInteger(8)) {
    for (char c : *bytes)
      values.push_back(isUnsigned ? int64_t(uint8_t(c)) : int64_t(int8_t(c)));
    return values;
  }
  for (const APInt &v : apInts())
    values.push_back(v.getBitWidth() == 1 ? int64_t(v.getZExtValue())
                     : isUnsigned         ? int64_t(v.getZExtValue())
                                          : v.getSExtValue());
  return values;
}

DenseElementsAttr ConstantData::toDenseElements() const {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense;
  if (isa<FloatType>(getElementType()))
    return DenseElementsAttr::get(getType(), apFloats());
  return DenseElementsAttr::get(getType(), apInts());
}

bool mlir::qf::matchConstantData(Value value, ConstantData &data) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return false;
  data = ConstantData::get(attr);
  return bool(data);
}
