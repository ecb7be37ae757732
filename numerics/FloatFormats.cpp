//===- FloatFormats.cpp - Low-precision floats and their scales -----------===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "numerics/FloatFormats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mlir::qf::numerics {

namespace {
constexpr FloatFormatInfo kFormats[] = {
    {"f8E4M3FN", 4, 3, 7, true, false, true, 8, 448.0},
    {"f8E5M2", 5, 2, 15, true, true, true, 15, 57344.0},
    {"f6E2M3FN", 2, 3, 1, true, false, false, 2, 7.5},
    {"f6E3M2FN", 3, 2, 3, true, false, false, 4, 28.0},
    {"f4E2M1FN", 2, 1, 1, true, false, false, 2, 6.0},
    {"f8E8M0FNU", 8, 0, 127, false, false, true, 127,
     1.7014118346046923e38 /* 2^127 */},
};

/// The positive canonical NaN of a format that has one.
uint8_t nanCode(FloatFormat format) {
  switch (format) {
  case FloatFormat::E4M3FN:
    return 0x7F;
  case FloatFormat::E5M2:
    return 0x7E;
  default:
    return 0xFF; // E8M0FNU
  }
}

/// The smallest unbiased exponent of a normal value: 1 - bias, and -127 for
/// E8M0FNU, whose code 0 is 2^-127 (it has no zero and no subnormals).
int minExponent(const FloatFormatInfo &f) {
  return f.mantissaBits == 0 ? -f.bias : 1 - f.bias;
}

/// The code of a non-negative value `r` on the format's grid.
uint8_t codeOf(double r, const FloatFormatInfo &f) {
  if (r == 0)
    return 0;
  int m = f.mantissaBits;
  int e = std::ilogb(r);
  int emin = minExponent(f);
  if (m == 0)
    return uint8_t(e + f.bias);
  if (e < emin) // subnormal: exponent field 0
    return uint8_t(std::ldexp(r, m - emin));
  int mantissa = int(std::ldexp(r, m - e)) - (1 << m);
  return uint8_t(((e + f.bias) << m) | mantissa);
}
} // namespace

const FloatFormatInfo &getInfo(FloatFormat format) {
  return kFormats[static_cast<int>(format)];
}

std::optional<FloatFormat> parseFloatFormat(std::string_view name) {
  for (int i = 0; i < int(std::size(kFormats)); ++i)
    if (kFormats[i].name == name)
      return static_cast<FloatFormat>(i);
  return std::nullopt;
}

std::optional<uint8_t> encodeFloat(double x, FloatFormat format,
                                   RoundingMode mode, OverflowMode overflow,
                                   uint64_t seed, uint64_t index) {
  const FloatFormatInfo &f = getInfo(format);
  const int m = f.mantissaBits;
  if (std::isnan(x))
    return f.hasNaN ? std::optional<uint8_t>(nanCode(format)) : std::nullopt;
  const bool negative = std::signbit(x);
  if (!f.hasSign && (negative || x == 0))
    return std::nullopt;
  const uint8_t sign = negative ? uint8_t(1u << (f.bits() - 1)) : 0;
  auto overflowed = [&]() -> uint8_t {
    if (overflow == OverflowMode::NonFinite && f.hasInfinity)
      return sign | uint8_t(((1 << f.exponentBits) - 1) << m);
    if (overflow == OverflowMode::NonFinite && f.hasNaN)
      return nanCode(format);
    return sign | codeOf(f.maxFinite, f);
  };
  if (std::isinf(x))
    return overflowed();
  const double a = std::fabs(x);
  if (a == 0)
    return sign;

  // The neighbours of a on the grid: the binade's quantum is 2^(e - m),
  // subnormals share the smallest normal binade's.
  const int e = std::max(std::ilogb(a), minExponent(f));
  const double q = std::ldexp(1.0, e - m);
  const double lower = std::floor(a / q) * q;
  const double upper = lower + q;
  double r = lower;
  if (lower != a) {
    // Even: mantissa LSB 0; with no mantissa bits, the exponent code's LSB.
    bool lowerEven =
        m == 0 ? (e + f.bias) % 2 == 0 : std::fmod(lower / q, 2.0) == 0;
    double below = a - lower, above = upper - a;
    switch (mode) {
    case RoundingMode::HalfEven:
      r = below < above   ? lower
          : above < below ? upper
          : lowerEven     ? lower
                          : upper;
      break;
    case RoundingMode::HalfAway:
      r = below < above ? lower : upper;
      break;
    case RoundingMode::TowardZero:
      r = lower;
      break;
    case RoundingMode::Floor:
      r = negative ? upper : lower;
      break;
    case RoundingMode::Ceil:
      r = negative ? lower : upper;
      break;
    case RoundingMode::Stochastic: {
      // In value order: up (toward +inf) with probability (x - low) / q.
      double fromLow = negative ? above : below;
      bool up = stochasticDraw(seed, index) < fromLow / q;
      r = up != negative ? upper : lower;
      break;
    }
    }
  }
  if (r > f.maxFinite)
    return overflowed();
  if (m == 0 && r == 0) // E8M0FNU: nothing below 2^-127
    r = std::ldexp(1.0, minExponent(f));
  return sign | codeOf(r, f);
}

double decodeFloat(uint8_t code, FloatFormat format) {
  const FloatFormatInfo &f = getInfo(format);
  const int m = f.mantissaBits;
  const int expMask = (1 << f.exponentBits) - 1;
  if (m == 0)
    return code == 0xFF ? std::numeric_limits<double>::quiet_NaN()
                        : std::ldexp(1.0, int(code) - f.bias);
  const bool negative = f.hasSign && (code >> (f.bits() - 1)) & 1;
  const int exponent = (code >> m) & expMask;
  const int mantissa = code & ((1 << m) - 1);
  double value;
  if (format == FloatFormat::E4M3FN && exponent == expMask &&
      mantissa == (1 << m) - 1)
    value = std::numeric_limits<double>::quiet_NaN();
  else if (f.hasInfinity && exponent == expMask)
    value = mantissa ? std::numeric_limits<double>::quiet_NaN()
                     : std::numeric_limits<double>::infinity();
  else if (exponent == 0)
    value = std::ldexp(double(mantissa), minExponent(f) - m);
  else
    value = std::ldexp(double((1 << m) + mantissa), exponent - f.bias - m);
  return negative ? -value : value;
}

//===----------------------------------------------------------------------===//
// MX
//===----------------------------------------------------------------------===//

std::optional<FloatFormat> elementFormat(MXElement element) {
  switch (element) {
  case MXElement::FP8E4M3:
    return FloatFormat::E4M3FN;
  case MXElement::FP8E5M2:
    return FloatFormat::E5M2;
  case MXElement::FP6E2M3:
    return FloatFormat::E2M3FN;
  case MXElement::FP6E3M2:
    return FloatFormat::E3M2FN;
  case MXElement::FP4E2M1:
    return FloatFormat::E2M1FN;
  case MXElement::INT8:
    return std::nullopt;
  }
  return std::nullopt;
}

int elementEmax(MXElement element) {
  std::optional<FloatFormat> format = elementFormat(element);
  return format ? getInfo(*format).emax : 0;
}

/// The largest element magnitude (MXINT8: 127 / 64).
static double elementMax(MXElement element) {
  std::optional<FloatFormat> format = elementFormat(element);
  return format ? getInfo(*format).maxFinite : 127.0 / 64.0;
}

static constexpr uint8_t kNaNScale = 0xFF;

uint8_t mxScale(double amax, MXElement element, MXScaleRule rule) {
  if (std::isnan(amax) || std::isinf(amax))
    return kNaNScale;
  amax = std::fabs(amax);
  if (amax == 0)
    return 0;
  int x;
  if (rule == MXScaleRule::Floor) {
    x = std::ilogb(amax) - elementEmax(element);
  } else {
    // The smallest x with amax <= max * 2^x (each product exact).
    double max = elementMax(element);
    x = std::ilogb(amax) - std::ilogb(max) - 1;
    while (amax > std::ldexp(max, x))
      ++x;
  }
  return uint8_t(std::clamp(x, -127, 127) + 127);
}

std::optional<uint8_t> mxEncode(double v, uint8_t scale, MXElement element,
                                RoundingMode mode, uint64_t seed,
                                uint64_t index) {
  if (scale == kNaNScale)
    return 0;
  double y = std::ldexp(v, 127 - int(scale));
  if (std::optional<FloatFormat> format = elementFormat(element))
    return encodeFloat(y, *format, mode, OverflowMode::Saturate, seed, index);
  if (std::isnan(y))
    return std::nullopt;
  double r = std::isinf(y) ? y : roundToIntegral(y * 64, mode, seed, index);
  return uint8_t(int8_t(std::clamp(r, -127.0, 127.0)));
}

double mxDecode(uint8_t code, uint8_t scale, MXElement element) {
  if (scale == kNaNScale)
    return std::numeric_limits<double>::quiet_NaN();
  int x = int(scale) - 127;
  if (std::optional<FloatFormat> format = elementFormat(element))
    return std::ldexp(decodeFloat(code, *format), x);
  return std::ldexp(double(int8_t(code)), x - 6);
}

//===----------------------------------------------------------------------===//
// NVFP4
//===----------------------------------------------------------------------===//

float nvfp4TensorScale(float amax) {
  float scale = amax / (448.0f * 6.0f);
  return scale == 0 ? 1.0f : scale;
}

uint8_t nvfp4BlockScale(float amax, float tensorScale) {
  float divisor = 6.0f * tensorScale;
  float q = amax / divisor;
  return *encodeFloat(q, FloatFormat::E4M3FN, RoundingMode::HalfEven,
                      OverflowMode::Saturate);
}

std::optional<uint8_t> nvfp4Encode(float v, uint8_t blockScale,
                                   float tensorScale, RoundingMode mode,
                                   uint64_t seed, uint64_t index) {
  float s = float(decodeFloat(blockScale, FloatFormat::E4M3FN)) * tensorScale;
  if (s == 0)
    return 0;
  float y = v / s;
  return encodeFloat(y, FloatFormat::E2M1FN, mode, OverflowMode::Saturate, seed,
                     index);
}

float nvfp4Decode(uint8_t code, uint8_t blockScale, float tensorScale) {
  float element = float(decodeFloat(code, FloatFormat::E2M1FN));
  float scale = float(decodeFloat(blockScale, FloatFormat::E4M3FN));
  return element * scale * tensorScale;
}

//===----------------------------------------------------------------------===//
// NF4
//===----------------------------------------------------------------------===//

const std::array<float, 16> &nf4Levels() {
  // Table 1 / Appendix E of the QLoRA paper: the quantiles of N(0, 1)
  // normalized to [-1, 1], with an exact 0.
  static const std::array<float, 16> levels = {-1.0f,
                                               -0.6961928009986877f,
                                               -0.5250730514526367f,
                                               -0.39491748809814453f,
                                               -0.28444138169288635f,
                                               -0.18477343022823334f,
                                               -0.09105003625154495f,
                                               0.0f,
                                               0.07958029955625534f,
                                               0.16093020141124725f,
                                               0.24611230194568634f,
                                               0.33791524171829224f,
                                               0.44070982933044434f,
                                               0.5626170039176941f,
                                               0.7229568362236023f,
                                               1.0f};
  return levels;
}

std::optional<uint8_t> nf4Encode(float v, float absmax) {
  if (absmax == 0)
    return 7;
  float q = v / absmax;
  if (std::isnan(q))
    return std::nullopt;
  const std::array<float, 16> &l = nf4Levels();
  uint8_t code = 0;
  for (int i = 0; i + 1 < 16; ++i)
    code += q > (l[i] + l[i + 1]) / 2.0f;
  return code;
}

float nf4Decode(uint8_t code, float absmax) {
  return nf4Levels()[code & 15] * absmax;
}

} // namespace mlir::qf::numerics
