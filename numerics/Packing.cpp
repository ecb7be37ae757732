//===- Packing.cpp - Sub-byte storage -------------------------------------===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "numerics/Packing.h"

#include <cassert>

namespace mlir::qf::numerics {

int64_t packedRowBytes(int64_t rowLength, unsigned bits) {
  return (rowLength * bits + 7) / 8;
}

std::vector<uint8_t> packBits(const int64_t *values, int64_t numRows,
                              int64_t rowLength, unsigned bits) {
  assert(bits >= 1 && bits <= 8 && "packing width out of range");
  int64_t rowBytes = packedRowBytes(rowLength, bits);
  std::vector<uint8_t> bytes(numRows * rowBytes, 0);
  uint64_t mask = (uint64_t(1) << bits) - 1;
  for (int64_t r = 0; r < numRows; ++r) {
    uint8_t *row = bytes.data() + r * rowBytes;
    for (int64_t j = 0; j < rowLength; ++j) {
      uint64_t v = static_cast<uint64_t>(values[r * rowLength + j]) & mask;
      for (unsigned b = 0; b < bits; ++b) {
        int64_t bit = j * bits + b;
        row[bit / 8] |= static_cast<uint8_t>(((v >> b) & 1) << (bit % 8));
      }
    }
  }
  return bytes;
}

std::vector<int64_t> unpackBits(const uint8_t *bytes, int64_t numRows,
                                int64_t rowLength, unsigned bits,
                                bool isSigned) {
  assert(bits >= 1 && bits <= 8 && "packing width out of range");
  int64_t rowBytes = packedRowBytes(rowLength, bits);
  std::vector<int64_t> values(numRows * rowLength);
  for (int64_t r = 0; r < numRows; ++r) {
    const uint8_t *row = bytes + r * rowBytes;
    for (int64_t j = 0; j < rowLength; ++j) {
      int64_t v = 0;
      for (unsigned b = 0; b < bits; ++b) {
        int64_t bit = j * bits + b;
        v |= static_cast<int64_t>((row[bit / 8] >> (bit % 8)) & 1) << b;
      }
      if (isSigned && (v >> (bits - 1)) & 1)
        v -= int64_t(1) << bits;
      values[r * rowLength + j] = v;
    }
  }
  return values;
}

} // namespace mlir::qf::numerics
