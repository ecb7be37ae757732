//===- Zip.h - The zip container of .npz archives ---------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Just enough of the zip format for .npz: reading stored and deflated members
// (ZIP64 included, as np.savez writes it) and writing stored members.
// Internal to QFRuntimeIO; NumpyIO.h is the interface.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_IO_ZIP_H
#define QF_RUNTIME_IO_ZIP_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::qf::runtime::zip {

/// The largest member we inflate or accept, in bytes (1 TiB): a bound on
/// what a lying header can make us allocate.
inline constexpr uint64_t kMaxMemberSize = uint64_t(1) << 40;

/// Calls `visit` on every member in central-directory order with its
/// uncompressed, CRC-checked contents, which live only for the call. Errors
/// start with `what`; the first error from `visit` stops the walk.
llvm::Error forEachMember(
    llvm::StringRef archive, llvm::StringRef what,
    llvm::function_ref<llvm::Error(llvm::StringRef name, llvm::StringRef data)>
        visit);

/// Streams an archive of stored members. Timestamps are fixed at 1980-01-01
/// 00:00 so the same members always give the same bytes.
class Writer {
public:
  /// `forceZip64` writes the ZIP64 records even where 32-bit fields would do
  /// (as np.savez does for local headers), so tests can exercise them.
  explicit Writer(llvm::raw_ostream &os, bool forceZip64 = false)
      : os(os), forceZip64(forceZip64) {}

  /// Appends a member whose contents are the concatenation of `pieces`.
  /// `name` must be shorter than 64 KiB.
  void addStored(llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> pieces);
  /// Writes the central directory; call once, after the last member.
  void finish();

private:
  struct Entry {
    std::string name;
    uint32_t crc;
    uint64_t size;
    uint64_t offset;
  };
  llvm::raw_ostream &os;
  bool forceZip64;
  uint64_t offset = 0;
  std::vector<Entry> entries;
};

} // namespace mlir::qf::runtime::zip

#endif // QF_RUNTIME_IO_ZIP_H
