//===- FloatFormats.h - Low-precision floats and their scales ---*- C++ -*-===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//
//
// The float formats beyond the integers, defined once here (codes as bytes,
// the low bits() bits used):
// - FP8 E4M3FN and E5M2 (OCP 8-bit floating point, v1.0), FP6 E2M3FN and
//   E3M2FN and FP4 E2M1FN (OCP Microscaling v1.0), and E8M0FNU, the MX
//   scale: MLIR's f8E4M3FN, f8E5M2, f6E2M3FN, f6E3M2FN, f4E2M1FN, f8E8M0FNU;
// - the MX block formats: a power-of-two E8M0 scale shared by a block of
//   elements of one of those floats, or of MXINT8;
// - NVFP4: E2M1 elements in blocks with an E4M3FN scale, under a float32
//   scale for the whole tensor;
// - NF4 (QLoRA): 16 normal-quantile levels times a block's absmax.
//
// Where tools disagree, the rule is named and chosen here: the MX scale
// rule (MXScaleRule), ties and overflow (encodeFloat), MXINT8's range, and
// NF4's ties. test/unit/Numerics/gen_float_reference.py recomputes all of
// it from the specifications with exact rational arithmetic.
//
//===----------------------------------------------------------------------===//

#ifndef QF_NUMERICS_FLOATFORMATS_H
#define QF_NUMERICS_FLOATFORMATS_H

#include "numerics/Rounding.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mlir::qf::numerics {

enum class FloatFormat { E4M3FN, E5M2, E2M3FN, E3M2FN, E2M1FN, E8M0FNU };

struct FloatFormatInfo {
  std::string_view name; ///< MLIR's spelling: f8E4M3FN, ...
  int exponentBits;
  int mantissaBits;
  int bias;
  bool hasSign;     ///< all but E8M0FNU
  bool hasInfinity; ///< E5M2 only
  bool hasNaN;      ///< E4M3FN, E5M2, E8M0FNU
  int emax;         ///< the unbiased exponent of the largest finite value
  double maxFinite; ///< 448, 57344, 7.5, 28, 6, 2^127

  int bits() const { return hasSign + exponentBits + mantissaBits; }
};

const FloatFormatInfo &getInfo(FloatFormat format);
std::optional<FloatFormat> parseFloatFormat(std::string_view name);

/// What a value beyond the largest finite one becomes.
enum class OverflowMode {
  Saturate,  ///< the largest finite value of its sign
  NonFinite, ///< ±Inf (E5M2), NaN (E4M3FN, E8M0FNU); formats with neither
             ///< (FP6, FP4) saturate
};

/// Encodes `x` in `format`. The value is rounded onto the format's grid
/// (normal and subnormal values, exponents unbounded above) under `mode`:
/// HalfEven's ties go to the even code (mantissa LSB 0; for E8M0FNU, the
/// even exponent code); Stochastic rounds up with probability
/// (x - lower) / (upper - lower) against stochasticDraw(seed, index). A
/// result beyond maxFinite, or an infinite x, overflows per `overflow`. A
/// negative x that rounds to zero gives -0. NaN becomes the positive
/// canonical NaN (0x7F in E4M3FN, 0x7E in E5M2, 0xFF in E8M0FNU).
/// E8M0FNU holds 2^-127..2^127: a result below 2^-127 becomes 2^-127.
/// Returns nullopt where the format cannot hold x at all: NaN in a format
/// without NaN, zero or a negative x in E8M0FNU.
std::optional<uint8_t> encodeFloat(double x, FloatFormat format,
                                   RoundingMode mode, OverflowMode overflow,
                                   uint64_t seed = 0, uint64_t index = 0);

/// The value of `code` (bits above bits() must be 0): NaN codes give NaN,
/// E5M2's infinities ±Inf.
double decodeFloat(uint8_t code, FloatFormat format);

//===----------------------------------------------------------------------===//
// OCP Microscaling (MX) v1.0
//===----------------------------------------------------------------------===//

enum class MXElement { FP8E4M3, FP8E5M2, FP6E2M3, FP6E3M2, FP4E2M1, INT8 };

/// The element float format (E4M3FN, ...; INT8 has none).
std::optional<FloatFormat> elementFormat(MXElement element);
/// The element's emax: the float format's, and 0 for MXINT8 (whose values
/// are 1.6 fixed point, magnitudes below 2).
int elementEmax(MXElement element);

/// How the shared scale 2^X of a block follows from its largest magnitude.
enum class MXScaleRule {
  /// The OCP MX v1.0 rule: X = floor(log2(amax)) - emax(element). The
  /// largest element may exceed the element's range by up to a factor of
  /// two less one step; it saturates.
  Floor,
  /// X = ceil(log2(amax / maxFinite(element))): the smallest power of two
  /// under which no element saturates (MXINT8: maxFinite 127/64).
  RoundUp,
};

/// The block's scale as an E8M0FNU code (X + 127) for a largest magnitude
/// `amax`, with X clamped to [-127, 127]. A block of zeros gets 2^-127
/// (code 0); NaN or an infinite amax gives the NaN scale 0xFF.
uint8_t mxScale(double amax, MXElement element, MXScaleRule rule);

/// One element: v / 2^X encoded under `mode` (HalfEven or Stochastic),
/// saturating (the OCP spec's conversion). MXINT8: round(v / 2^X * 64)
/// clamped to [-127, 127] (symmetric: the code -128 is never produced),
/// two's complement. Under the NaN scale every element encodes as 0.
/// nullopt for a NaN v in an element format without NaN.
std::optional<uint8_t> mxEncode(double v, uint8_t scale, MXElement element,
                                RoundingMode mode, uint64_t seed = 0,
                                uint64_t index = 0);
/// decode(code) * 2^X; NaN under the NaN scale.
double mxDecode(uint8_t code, uint8_t scale, MXElement element);

//===----------------------------------------------------------------------===//
// NVFP4: E2M1 in blocks of 16 with E4M3FN scales and a float32 tensor scale
//===----------------------------------------------------------------------===//

/// The tensor's scale: amax / (448 * 6) in float32, or 1 where that is 0
/// (amax 0 or below 2688 * 2^-149: a zero scale would make 0 / 0).
float nvfp4TensorScale(float amax);
/// A block's scale: E4M3FN (HalfEven, saturating) of the float32 quotient
/// amax / (6 * tensorScale) (the product in float32 first).
uint8_t nvfp4BlockScale(float amax, float tensorScale);
/// One element: E2M1 (under `mode`, saturating) of the float32 quotient
/// v / (decode(blockScale) * tensorScale), the product in float32 first;
/// 0 under a zero block scale.
std::optional<uint8_t> nvfp4Encode(float v, uint8_t blockScale,
                                   float tensorScale, RoundingMode mode,
                                   uint64_t seed = 0, uint64_t index = 0);
/// decode(code) * decode(blockScale) * tensorScale, in float32 in that
/// order.
float nvfp4Decode(uint8_t code, uint8_t blockScale, float tensorScale);

//===----------------------------------------------------------------------===//
// NF4 (QLoRA, Dettmers et al., 2023)
//===----------------------------------------------------------------------===//

/// The 16 levels of the QLoRA paper, ascending, code = index (code 7 is 0).
const std::array<float, 16> &nf4Levels();
/// The code of the level nearest to the float32 quotient v / absmax: the
/// number of midpoints (float32 (l[i] + l[i+1]) / 2) that the quotient is
/// strictly above, so a tie goes to the lower level. An absmax of 0 gives
/// code 7. nullopt for a NaN quotient.
std::optional<uint8_t> nf4Encode(float v, float absmax);
/// nf4Levels()[code] * absmax in float32.
float nf4Decode(uint8_t code, float absmax);

} // namespace mlir::qf::numerics

#endif // QF_NUMERICS_FLOATFORMATS_H
