//===- ConstantDataTest.cpp - Parameters read as inline constants ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A parameter (DenseResourceElementsAttr over little-endian bytes) reads
// exactly as the inline DenseElementsAttr of the same values, for each
// element type a weights file stores; and a parameter without data, or
// whose bytes do not fit its type, is not readable at all.
//
//===----------------------------------------------------------------------===//

#include "parameters/ConstantData.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace mlir;
using namespace mlir::qf;

namespace {

/// A parameter holding a copy of `bytes`.
DenseResourceElementsAttr parameter(ShapedType type, StringRef name,
                                    ArrayRef<char> bytes, size_t align) {
  return DenseResourceElementsAttr::get(
      type, name, HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align));
}

TEST(ConstantData, FloatParametersReadAsInline) {
  MLIRContext ctx;
  Builder b(&ctx);
  std::vector<float> values = {1.5f, -0.25f, 3.0e-8f, 65504.0f, -7.0f, 0.0f};
  auto f32 = RankedTensorType::get({2, 3}, b.getF32Type());
  ConstantData inline32 =
      ConstantData::get(DenseElementsAttr::get(f32, ArrayRef(values)));
  ConstantData param32 = ConstantData::get(
      parameter(f32, "w32",
                ArrayRef(reinterpret_cast<const char *>(values.data()),
                         values.size() * 4),
                4));
  ASSERT_TRUE(inline32 && param32);
  EXPECT_TRUE(param32.isParameter());
  EXPECT_EQ(inline32.floats(), values);
  EXPECT_EQ(param32.floats(), values);
  ASSERT_TRUE(param32.f32View().has_value());
  EXPECT_EQ(
      std::vector<float>(param32.f32View()->begin(), param32.f32View()->end()),
      values);

  // f16 and bf16: the bits of 1.5, -2, 0.5 (f16 3E00 C000 3800; bf16 3FC0
  // C000 3F00).
  auto f16 = RankedTensorType::get({3}, b.getF16Type());
  auto bf16 = RankedTensorType::get({3}, b.getBF16Type());
  uint16_t halfBits[] = {0x3E00, 0xC000, 0x3800};
  uint16_t bfloatBits[] = {0x3FC0, 0xC000, 0x3F00};
  ConstantData half = ConstantData::get(
      parameter(f16, "h", ArrayRef(reinterpret_cast<char *>(halfBits), 6), 2));
  ConstantData bfloat = ConstantData::get(parameter(
      bf16, "bf", ArrayRef(reinterpret_cast<char *>(bfloatBits), 6), 2));
  ASSERT_TRUE(half && bfloat);
  EXPECT_EQ(half.floats(), (std::vector<float>{1.5f, -2.0f, 0.5f}));
  EXPECT_EQ(bfloat.doubles(), (std::vector<double>{1.5, -2.0, 0.5}));
  EXPECT_FALSE(half.f32View().has_value());
}

TEST(ConstantData, IntegerParametersReadAsInline) {
  MLIRContext ctx;
  Builder b(&ctx);
  int8_t codes[] = {-128, -1, 0, 7, 127, 3};
  auto i8 = RankedTensorType::get({6}, b.getI8Type());
  auto ui8 = RankedTensorType::get(
      {6}, IntegerType::get(&ctx, 8, IntegerType::Unsigned));
  ConstantData signedParam = ConstantData::get(
      parameter(i8, "codes", ArrayRef(reinterpret_cast<char *>(codes), 6), 1));
  ConstantData unsignedParam = ConstantData::get(parameter(
      ui8, "ucodes", ArrayRef(reinterpret_cast<char *>(codes), 6), 1));
  ConstantData inlineCodes =
      ConstantData::get(DenseElementsAttr::get(i8, ArrayRef<int8_t>(codes, 6)));
  ASSERT_TRUE(signedParam && unsignedParam && inlineCodes);
  std::vector<int64_t> expected = {-128, -1, 0, 7, 127, 3};
  EXPECT_EQ(signedParam.ints(), expected);
  EXPECT_EQ(inlineCodes.ints(), expected);
  EXPECT_EQ(unsignedParam.ints(),
            (std::vector<int64_t>{128, 255, 0, 7, 127, 3}));
  EXPECT_EQ(signedParam.toDenseElements(), inlineCodes.getAttr());

  int64_t wide[] = {-5, int64_t(1) << 40};
  auto i64 = RankedTensorType::get({2}, b.getI64Type());
  ConstantData wideParam = ConstantData::get(
      parameter(i64, "wide", ArrayRef(reinterpret_cast<char *>(wide), 16), 8));
  ASSERT_TRUE(wideParam);
  EXPECT_EQ(wideParam.ints(), (std::vector<int64_t>{-5, int64_t(1) << 40}));
}

TEST(ConstantData, UnreadableParameters) {
  MLIRContext ctx;
  Builder b(&ctx);
  auto f32 = RankedTensorType::get({4}, b.getF32Type());
  // Bytes for three floats under a type of four.
  char short12[12] = {};
  EXPECT_FALSE(ConstantData::get(parameter(f32, "short", short12, 4)));
  // Sub-byte elements have no byte layout in a weights file.
  auto i4 = RankedTensorType::get({2}, IntegerType::get(&ctx, 4));
  char one[1] = {};
  EXPECT_FALSE(ConstantData::get(parameter(i4, "nibbles", one, 1)));
  // No attribute, or not elements.
  EXPECT_FALSE(ConstantData::get(Attribute()));
  EXPECT_FALSE(ConstantData::get(b.getF32FloatAttr(1.0f)));
}

TEST(ConstantData, InlineSplatsExpand) {
  MLIRContext ctx;
  Builder b(&ctx);
  auto f32 = RankedTensorType::get({2, 2}, b.getF32Type());
  ConstantData splat = ConstantData::get(DenseElementsAttr::get(f32, 0.5f));
  ASSERT_TRUE(splat);
  EXPECT_TRUE(splat.isSplat());
  EXPECT_FALSE(splat.f32View().has_value());
  EXPECT_EQ(splat.floats(), (std::vector<float>(4, 0.5f)));
}

} // namespace
