//===- QuantParams.cpp - Scales, zero points and uniform quantization -----===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "numerics/QuantParams.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace mlir::qf::numerics {

IntRange IntRange::forBits(unsigned bits, bool isSigned, bool narrow) {
  assert(bits >= 1 && bits <= 32 && "storage width out of range");
  IntRange range;
  if (isSigned) {
    range.min = -(int64_t(1) << (bits - 1));
    range.max = (int64_t(1) << (bits - 1)) - 1;
  } else {
    range.min = 0;
    range.max = (int64_t(1) << bits) - 1;
  }
  if (narrow)
    ++range.min;
  return range;
}

std::optional<QuantParams> chooseQuantParams(double min, double max,
                                             IntRange range, bool symmetric) {
  if (!std::isfinite(min) || !std::isfinite(max) || min > max ||
      range.min >= range.max)
    return std::nullopt;
  min = std::min(min, 0.0);
  max = std::max(max, 0.0);
  if (symmetric) {
    // The middle of the range, rounded up: 0 for [-128, 127] and [-127, 127],
    // 128 for [0, 255].
    int64_t zeroPoint = range.min + (range.max - range.min + 1) / 2;
    double absMax = std::max(-min, max);
    double steps = static_cast<double>(range.max - zeroPoint);
    if (steps <= 0.0)
      return std::nullopt;
    if (absMax == 0.0)
      return QuantParams{1.0, zeroPoint};
    return QuantParams{absMax / steps, zeroPoint};
  }
  // A range of width 0 is [0, 0]; scale 1 keeps the zero point formula.
  double scale = max == min
                     ? 1.0
                     : (max - min) / static_cast<double>(range.max - range.min);
  double zp = std::nearbyint(static_cast<double>(range.min) - min / scale);
  return QuantParams{scale, range.clamp(static_cast<int64_t>(zp))};
}

int64_t quantize(float x, float scale, int64_t zeroPoint, IntRange range,
                 RoundingMode mode, uint64_t seed, uint64_t index) {
  if (std::isnan(x))
    return range.clamp(zeroPoint);
  float scaled = x / scale;
  double rounded = roundToIntegral(scaled, mode, seed, index);
  // Saturate before converting so that huge values and infinities stay
  // defined.
  double lo = static_cast<double>(range.min - zeroPoint);
  double hi = static_cast<double>(range.max - zeroPoint);
  rounded = std::min(std::max(rounded, lo), hi);
  return range.clamp(static_cast<int64_t>(rounded) + zeroPoint);
}

float dequantize(int64_t q, float scale, int64_t zeroPoint) {
  return static_cast<float>(q - zeroPoint) * scale;
}

bool BlockLayout::isValid() const {
  if (shape.size() != blockShape.size())
    return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] < 0 || blockShape[i] <= 0 ||
        (shape[i] != 0 && shape[i] % blockShape[i] != 0))
      return false;
  return true;
}

std::vector<int64_t> BlockLayout::gridShape() const {
  std::vector<int64_t> grid(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    grid[i] = shape[i] / blockShape[i];
  return grid;
}

int64_t BlockLayout::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t BlockLayout::numBlocks() const {
  int64_t n = 1;
  for (int64_t d : gridShape())
    n *= d;
  return n;
}

int64_t BlockLayout::blockOf(int64_t flatIndex) const {
  // Peel coordinates from the innermost dimension outwards.
  std::vector<int64_t> grid = gridShape();
  int64_t block = 0, stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    int64_t coord = flatIndex % shape[i];
    flatIndex /= shape[i];
    block += (coord / blockShape[i]) * stride;
    stride *= grid[i];
  }
  return block;
}

BlockLayout BlockLayout::perTensor(std::vector<int64_t> shape) {
  std::vector<int64_t> block = shape;
  for (int64_t &d : block)
    d = std::max<int64_t>(d, 1);
  return {std::move(shape), std::move(block)};
}

BlockLayout BlockLayout::perChannel(std::vector<int64_t> shape, unsigned axis) {
  BlockLayout layout = perTensor(std::move(shape));
  if (axis < layout.blockShape.size())
    layout.blockShape[axis] = 1;
  return layout;
}

BlockLayout BlockLayout::perGroup(std::vector<int64_t> shape,
                                  unsigned channelAxis, unsigned groupAxis,
                                  int64_t groupSize) {
  BlockLayout layout = perChannel(std::move(shape), channelAxis);
  if (groupAxis < layout.blockShape.size())
    layout.blockShape[groupAxis] = groupSize;
  return layout;
}

std::optional<std::vector<QuantParams>>
chooseBlockParams(const float *data, const BlockLayout &layout, IntRange range,
                  bool symmetric) {
  if (!layout.isValid())
    return std::nullopt;
  int64_t numBlocks = layout.numBlocks();
  std::vector<double> mins(numBlocks, std::numeric_limits<double>::infinity());
  std::vector<double> maxs(numBlocks, -std::numeric_limits<double>::infinity());
  int64_t numElements = layout.numElements();
  for (int64_t i = 0; i < numElements; ++i) {
    if (!std::isfinite(data[i]))
      return std::nullopt;
    int64_t block = layout.blockOf(i);
    mins[block] = std::min(mins[block], static_cast<double>(data[i]));
    maxs[block] = std::max(maxs[block], static_cast<double>(data[i]));
  }
  std::vector<QuantParams> params;
  params.reserve(numBlocks);
  for (int64_t b = 0; b < numBlocks; ++b) {
    // An empty tensor has empty blocks: their range is [0, 0].
    double lo = std::isfinite(mins[b]) ? mins[b] : 0.0;
    double hi = std::isfinite(maxs[b]) ? maxs[b] : 0.0;
    std::optional<QuantParams> p = chooseQuantParams(lo, hi, range, symmetric);
    if (!p)
      return std::nullopt;
    params.push_back(*p);
  }
  return params;
}

std::vector<int64_t> quantizeBlocks(const float *data,
                                    const BlockLayout &layout,
                                    const std::vector<QuantParams> &params,
                                    IntRange range, RoundingMode mode,
                                    uint64_t seed) {
  int64_t numElements = layout.numElements();
  std::vector<int64_t> codes(numElements);
  for (int64_t i = 0; i < numElements; ++i) {
    const QuantParams &p = params[layout.blockOf(i)];
    codes[i] = quantize(data[i], static_cast<float>(p.scale), p.zeroPoint,
                        range, mode, seed, static_cast<uint64_t>(i));
  }
  return codes;
}

} // namespace mlir::qf::numerics
