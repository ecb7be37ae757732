//===- Packing.h - Sub-byte storage -----------------------------*- C++ -*-===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//
//
// Bit order of packed int2/int3/int4 (and any width 1..7) storage, shared by
// `qf.pack`/`qf.unpack` and every backend:
//
//   The elements of each innermost row are laid end to end as a
//   little-endian bit stream: element j occupies bits [j*b, (j+1)*b) of the
//   row, where bit k is bit (k % 8) of byte (k / 8) and an element's least
//   significant bit comes first. Each row is padded with zero bits to a whole
//   byte, so a row of n elements takes ceil(n*b / 8) bytes.
//
// For int4 this is the common "low nibble first" order: byte i of a row
// holds element 2i in bits 0-3 and element 2i+1 in bits 4-7.
//
//===----------------------------------------------------------------------===//

#ifndef QF_NUMERICS_PACKING_H
#define QF_NUMERICS_PACKING_H

#include <cstdint>
#include <vector>

namespace mlir::qf::numerics {

/// Bytes that one packed row of `rowLength` elements of `bits` bits takes.
int64_t packedRowBytes(int64_t rowLength, unsigned bits);

/// Packs `numRows * rowLength` values (the low `bits` bits of each, two's
/// complement) row by row.
std::vector<uint8_t> packBits(const int64_t *values, int64_t numRows,
                              int64_t rowLength, unsigned bits);

/// Inverse of packBits: sign-extends when `isSigned`. Padding bits are
/// ignored.
std::vector<int64_t> unpackBits(const uint8_t *bytes, int64_t numRows,
                                int64_t rowLength, unsigned bits,
                                bool isSigned);

} // namespace mlir::qf::numerics

#endif // QF_NUMERICS_PACKING_H
