//===- Zip.cpp - The zip container of .npz archives -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Follows PKWARE's APPNOTE.TXT. The central directory is the authority on
// sizes and CRCs (local headers may defer them to a data descriptor); each
// local header is still checked for its signature and name, as Python's
// zipfile does. Every offset and length is checked against the archive before
// it is used, and sizes are bounded before anything is allocated.
//
//===----------------------------------------------------------------------===//

#include "runtime/IO/Zip.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/EndianStream.h"

#include <zlib.h>

#include <algorithm>
#include <cassert>

namespace mlir::qf::runtime::zip {

namespace {
constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;

constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kZip64LocatorSize = 20;

constexpr uint16_t kStored = 0;
constexpr uint16_t kDeflated = 8;
constexpr uint16_t kEncryptedFlag = 1 << 0;
constexpr uint16_t kUtf8Flag = 1 << 11;

constexpr uint32_t kSentinel32 = 0xFFFFFFFF;
constexpr uint16_t kSentinel16 = 0xFFFF;

// Deflate cannot compress better than about 1032:1, so a larger declared
// ratio is a lie; refusing it keeps a tiny file from claiming terabytes.
constexpr uint64_t kMaxDeflateRatio = 1032;

// Version 2.0 (deflate) or 4.5 (ZIP64) needed; "made by" Unix.
constexpr uint16_t kVersion20 = 20;
constexpr uint16_t kVersion45 = 45;
constexpr uint16_t kMadeByUnix = 3 << 8;
// 1980-01-01 00:00 in MS-DOS format, the earliest date zip can hold.
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr uint16_t kDosTime = 0;

uint16_t read16(llvm::StringRef bytes, uint64_t at) {
  return llvm::support::endian::read16le(bytes.data() + at);
}
uint32_t read32(llvm::StringRef bytes, uint64_t at) {
  return llvm::support::endian::read32le(bytes.data() + at);
}
uint64_t read64(llvm::StringRef bytes, uint64_t at) {
  return llvm::support::endian::read64le(bytes.data() + at);
}

/// True when [offset, offset + size) lies within [0, limit), without
/// overflowing on hostile values.
bool inBounds(uint64_t offset, uint64_t size, uint64_t limit) {
  return offset <= limit && size <= limit - offset;
}

/// Where the central directory is, from the (ZIP64) end records.
struct Directory {
  uint64_t offset;
  uint64_t size;
  uint64_t entries;
  /// Where the end records start: the directory must end before.
  uint64_t limit;
};

llvm::Expected<Directory> findDirectory(llvm::StringRef bytes,
                                        llvm::StringRef what) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(what + ": " + message);
  };
  if (bytes.size() < kEndSize)
    return fail("not a zip archive: too short for an end of central "
                "directory record");
  // The end record is last but for a comment of at most 64 KiB; the last
  // signature whose comment fits is the record.
  uint64_t lowest =
      bytes.size() > kEndSize + 0xFFFF ? bytes.size() - kEndSize - 0xFFFF : 0;
  uint64_t end = UINT64_MAX;
  for (uint64_t pos = bytes.size() - kEndSize + 1; pos-- > lowest;) {
    if (read32(bytes, pos) == kEndSig &&
        pos + kEndSize + read16(bytes, pos + 20) <= bytes.size()) {
      end = pos;
      break;
    }
  }
  if (end == UINT64_MAX)
    return fail("not a zip archive: no end of central directory record "
                "(truncated?)");

  uint16_t disk = read16(bytes, end + 4);
  uint16_t directoryDisk = read16(bytes, end + 6);
  uint16_t diskEntries = read16(bytes, end + 8);
  Directory dir;
  dir.entries = read16(bytes, end + 10);
  dir.size = read32(bytes, end + 12);
  dir.offset = read32(bytes, end + 16);
  dir.limit = end;

  // A ZIP64 locator right before the end record overrides the 32-bit fields.
  if (end >= kZip64LocatorSize &&
      read32(bytes, end - kZip64LocatorSize) == kZip64LocatorSig) {
    uint64_t locator = end - kZip64LocatorSize;
    uint64_t record = read64(bytes, locator + 8);
    if (read32(bytes, locator + 4) != 0 || read32(bytes, locator + 16) > 1)
      return fail("multi-disk archives are not supported");
    if (!inBounds(record, kZip64EndSize, locator) ||
        read32(bytes, record) != kZip64EndSig)
      return fail("bad ZIP64 end of central directory record");
    if (read32(bytes, record + 16) != 0 || read32(bytes, record + 20) != 0 ||
        read64(bytes, record + 24) != read64(bytes, record + 32))
      return fail("multi-disk archives are not supported");
    dir.entries = read64(bytes, record + 32);
    dir.size = read64(bytes, record + 40);
    dir.offset = read64(bytes, record + 48);
    dir.limit = record;
  } else if (disk != 0 || directoryDisk != 0 || diskEntries != dir.entries) {
    return fail("multi-disk archives are not supported");
  }

  if (!inBounds(dir.offset, dir.size, dir.limit))
    return fail("central directory (" + llvm::Twine(dir.size) +
                " bytes at offset " + llvm::Twine(dir.offset) +
                ") lies outside the archive");
  if (dir.entries > dir.size / kCentralHeaderSize)
    return fail("central directory of " + llvm::Twine(dir.size) +
                " bytes cannot hold " + llvm::Twine(dir.entries) + " entries");
  return dir;
}

/// Replaces the 32-bit fields that hold the sentinel by their values from
/// the ZIP64 extra field, which lists exactly those, in this order.
llvm::Error applyZip64Extra(llvm::StringRef extra, uint64_t &uncompressed,
                            uint64_t &compressed, uint64_t &offset) {
  uint64_t *fields[] = {&uncompressed, &compressed, &offset};
  for (uint64_t pos = 0; pos + 4 <= extra.size();) {
    uint16_t id = read16(extra, pos);
    uint16_t size = read16(extra, pos + 2);
    pos += 4;
    if (size > extra.size() - pos)
      return llvm::createStringError("extra field overruns its entry");
    if (id == kZip64ExtraId) {
      llvm::StringRef data = extra.substr(pos, size);
      uint64_t at = 0;
      for (uint64_t *field : fields) {
        if (*field != kSentinel32)
          continue;
        if (at + 8 > data.size())
          return llvm::createStringError("ZIP64 extra field is too short");
        *field = read64(data, at);
        at += 8;
      }
      return llvm::Error::success();
    }
    pos += size;
  }
  return llvm::Error::success();
}

/// Inflates a raw deflate stream that must produce exactly `expected` bytes.
llvm::Error inflateRaw(llvm::StringRef in, uint64_t expected,
                       std::string &out) {
  out.assign(expected, '\0');
  z_stream stream = {};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
    return llvm::createStringError("cannot initialize zlib");
  // zlib counts in 32-bit units: feed both buffers in chunks.
  constexpr uint64_t kChunk = uint64_t(1) << 30;
  uint64_t inFed = 0, outGiven = 0;
  stream.next_in =
      reinterpret_cast<Bytef *>(const_cast<char *>(in.data() ? in.data() : ""));
  stream.next_out = reinterpret_cast<Bytef *>(out.data());
  int status;
  while (true) {
    if (stream.avail_in == 0 && inFed < in.size()) {
      uint64_t n = std::min(kChunk, in.size() - inFed);
      stream.next_in =
          reinterpret_cast<Bytef *>(const_cast<char *>(in.data() + inFed));
      stream.avail_in = n;
      inFed += n;
    }
    if (stream.avail_out == 0 && outGiven < expected) {
      uint64_t n = std::min(kChunk, expected - outGiven);
      stream.next_out = reinterpret_cast<Bytef *>(out.data() + outGiven);
      stream.avail_out = n;
      outGiven += n;
    }
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK)
      break;
  }
  uint64_t produced = stream.total_out;
  bool outputFull = stream.avail_out == 0 && outGiven == expected;
  inflateEnd(&stream);
  if (status == Z_STREAM_END) {
    if (produced != expected)
      return llvm::createStringError("inflates to " + llvm::Twine(produced) +
                                     " bytes, expected " +
                                     llvm::Twine(expected));
    return llvm::Error::success();
  }
  if (status == Z_BUF_ERROR && outputFull)
    return llvm::createStringError("inflates to more than the declared " +
                                   llvm::Twine(expected) + " bytes");
  if (status == Z_BUF_ERROR)
    return llvm::createStringError("deflate stream is truncated");
  return llvm::createStringError("corrupt deflate stream");
}

void write16(llvm::raw_ostream &os, uint16_t value) {
  llvm::support::endian::write(os, value, llvm::endianness::little);
}
void write32(llvm::raw_ostream &os, uint32_t value) {
  llvm::support::endian::write(os, value, llvm::endianness::little);
}
void write64(llvm::raw_ostream &os, uint64_t value) {
  llvm::support::endian::write(os, value, llvm::endianness::little);
}

uint16_t nameFlags(llvm::StringRef name) {
  bool ascii = llvm::all_of(name, [](char c) { return (c & 0x80) == 0; });
  return ascii ? 0 : kUtf8Flag;
}
} // namespace

llvm::Error forEachMember(
    llvm::StringRef bytes, llvm::StringRef what,
    llvm::function_ref<llvm::Error(llvm::StringRef name, llvm::StringRef data)>
        visit) {
  llvm::Expected<Directory> dir = findDirectory(bytes, what);
  if (!dir)
    return dir.takeError();

  uint64_t pos = dir->offset;
  uint64_t directoryEnd = dir->offset + dir->size;
  std::string inflated;
  for (uint64_t index = 0; index < dir->entries; ++index) {
    auto fail = [&](const llvm::Twine &message) {
      return llvm::createStringError(what + ": central directory entry " +
                                     llvm::Twine(index) + ": " + message);
    };
    if (!inBounds(pos, kCentralHeaderSize, directoryEnd) ||
        read32(bytes, pos) != kCentralHeaderSig)
      return fail("bad signature or truncated directory");
    uint16_t flags = read16(bytes, pos + 8);
    uint16_t method = read16(bytes, pos + 10);
    uint32_t crc = read32(bytes, pos + 16);
    uint64_t compressed = read32(bytes, pos + 20);
    uint64_t uncompressed = read32(bytes, pos + 24);
    uint16_t nameSize = read16(bytes, pos + 28);
    uint16_t extraSize = read16(bytes, pos + 30);
    uint16_t commentSize = read16(bytes, pos + 32);
    uint16_t startDisk = read16(bytes, pos + 34);
    uint64_t local = read32(bytes, pos + 42);
    uint64_t variable = uint64_t(nameSize) + extraSize + commentSize;
    if (!inBounds(pos + kCentralHeaderSize, variable, directoryEnd))
      return fail("name or extra field overruns the directory");
    llvm::StringRef name = bytes.substr(pos + kCentralHeaderSize, nameSize);
    llvm::StringRef extra =
        bytes.substr(pos + kCentralHeaderSize + nameSize, extraSize);
    pos += kCentralHeaderSize + variable;

    auto failMember = [&](const llvm::Twine &message) {
      return llvm::createStringError(what + ": member '" + name +
                                     "': " + message);
    };
    if (llvm::Error error =
            applyZip64Extra(extra, uncompressed, compressed, local))
      return failMember(llvm::toString(std::move(error)));
    if (startDisk != 0 && startDisk != kSentinel16)
      return failMember("multi-disk archives are not supported");
    if (flags & kEncryptedFlag)
      return failMember("encrypted members are not supported");
    if (method != kStored && method != kDeflated)
      return failMember("unsupported compression method " +
                        llvm::Twine(method) + " (only stored and deflated)");
    if (uncompressed > kMaxMemberSize)
      return failMember("uncompressed size " + llvm::Twine(uncompressed) +
                        " exceeds the 2^40-byte limit");
    if (method == kStored && compressed != uncompressed)
      return failMember("stored member with compressed size " +
                        llvm::Twine(compressed) + " != uncompressed size " +
                        llvm::Twine(uncompressed));
    if (method == kDeflated && uncompressed / kMaxDeflateRatio > compressed + 1)
      return failMember("uncompressed size " + llvm::Twine(uncompressed) +
                        " is impossible for " + llvm::Twine(compressed) +
                        " deflated bytes");

    if (!inBounds(local, kLocalHeaderSize, bytes.size()) ||
        read32(bytes, local) != kLocalHeaderSig)
      return failMember("bad local header at offset " + llvm::Twine(local));
    uint64_t localName = read16(bytes, local + 26);
    uint64_t localExtra = read16(bytes, local + 28);
    uint64_t dataStart = local + kLocalHeaderSize + localName + localExtra;
    if (!inBounds(local + kLocalHeaderSize, localName, bytes.size()) ||
        bytes.substr(local + kLocalHeaderSize, localName) != name)
      return failMember("local header names a different file");
    if (!inBounds(dataStart, compressed, bytes.size()))
      return failMember("data (" + llvm::Twine(compressed) +
                        " bytes at offset " + llvm::Twine(dataStart) +
                        ") runs past the end of the archive");

    llvm::StringRef data = bytes.substr(dataStart, compressed);
    if (method == kDeflated) {
      if (llvm::Error error = inflateRaw(data, uncompressed, inflated))
        return failMember(llvm::toString(std::move(error)));
      data = inflated;
    }
    uint32_t actualCrc = llvm::crc32(llvm::arrayRefFromStringRef(data));
    if (actualCrc != crc)
      return failMember("CRC-32 mismatch (stored " + llvm::utohexstr(crc) +
                        ", computed " + llvm::utohexstr(actualCrc) + ")");
    if (llvm::Error error = visit(name, data))
      return error;
  }
  return llvm::Error::success();
}

void Writer::addStored(llvm::StringRef name,
                       llvm::ArrayRef<llvm::StringRef> pieces) {
  assert(name.size() <= 0xFFFF && "zip member name too long");
  uint32_t crc = 0;
  uint64_t size = 0;
  for (llvm::StringRef piece : pieces) {
    crc = llvm::crc32(crc, llvm::arrayRefFromStringRef(piece));
    size += piece.size();
  }
  bool zip64 = forceZip64 || size >= kSentinel32;
  uint32_t size32 = zip64 ? kSentinel32 : size;

  write32(os, kLocalHeaderSig);
  write16(os, zip64 ? kVersion45 : kVersion20);
  write16(os, nameFlags(name));
  write16(os, kStored);
  write16(os, kDosTime);
  write16(os, kDosDate);
  write32(os, crc);
  write32(os, size32);
  write32(os, size32);
  write16(os, name.size());
  write16(os, zip64 ? 20 : 0);
  os << name;
  if (zip64) {
    // A local ZIP64 field always carries both sizes.
    write16(os, kZip64ExtraId);
    write16(os, 16);
    write64(os, size);
    write64(os, size);
  }
  for (llvm::StringRef piece : pieces)
    os << piece;

  entries.push_back({name.str(), crc, size, offset});
  offset += kLocalHeaderSize + name.size() + (zip64 ? 20 : 0) + size;
}

void Writer::finish() {
  uint64_t directoryOffset = offset;
  for (const Entry &entry : entries) {
    bool bigSize = forceZip64 || entry.size >= kSentinel32;
    bool bigOffset = forceZip64 || entry.offset >= kSentinel32;
    uint16_t extraSize = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
    uint16_t version = extraSize ? kVersion45 : kVersion20;
    write32(os, kCentralHeaderSig);
    write16(os, kMadeByUnix | version);
    write16(os, version);
    write16(os, nameFlags(entry.name));
    write16(os, kStored);
    write16(os, kDosTime);
    write16(os, kDosDate);
    write32(os, entry.crc);
    write32(os, bigSize ? kSentinel32 : entry.size);
    write32(os, bigSize ? kSentinel32 : entry.size);
    write16(os, entry.name.size());
    write16(os, extraSize ? extraSize + 4 : 0);
    write16(os, 0);           // comment
    write16(os, 0);           // start disk
    write16(os, 0);           // internal attributes
    write32(os, 0644u << 16); // Unix mode rw-r--r--
    write32(os, bigOffset ? kSentinel32 : entry.offset);
    os << entry.name;
    if (extraSize) {
      write16(os, kZip64ExtraId);
      write16(os, extraSize);
      if (bigSize) {
        write64(os, entry.size);
        write64(os, entry.size);
      }
      if (bigOffset)
        write64(os, entry.offset);
    }
    offset += kCentralHeaderSize + entry.name.size() +
              (extraSize ? extraSize + 4 : 0);
  }
  uint64_t directorySize = offset - directoryOffset;
  uint64_t count = entries.size();

  bool zip64 = forceZip64 || count >= kSentinel16 ||
               directorySize >= kSentinel32 || directoryOffset >= kSentinel32;
  if (zip64) {
    uint64_t record = offset;
    write32(os, kZip64EndSig);
    write64(os, kZip64EndSize - 12); // size of the rest of the record
    write16(os, kMadeByUnix | kVersion45);
    write16(os, kVersion45);
    write32(os, 0); // this disk
    write32(os, 0); // directory disk
    write64(os, count);
    write64(os, count);
    write64(os, directorySize);
    write64(os, directoryOffset);
    write32(os, kZip64LocatorSig);
    write32(os, 0); // disk of the ZIP64 record
    write64(os, record);
    write32(os, 1); // total disks
    offset += kZip64EndSize + kZip64LocatorSize;
  }
  uint16_t count16 = zip64 ? kSentinel16 : count;
  write32(os, kEndSig);
  write16(os, 0); // this disk
  write16(os, 0); // directory disk
  write16(os, count16);
  write16(os, count16);
  write32(os, zip64 ? kSentinel32 : directorySize);
  write32(os, zip64 ? kSentinel32 : directoryOffset);
  write16(os, 0); // comment
  offset += kEndSize;
}

} // namespace mlir::qf::runtime::zip
