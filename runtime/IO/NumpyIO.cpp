//===- NumpyIO.cpp - .npy and .npz files ----------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The .npy layout (numpy/lib/format.py): the magic "\x93NUMPY", a version
// byte pair, the header length (u16 for 1.0, u32 for 2.0 and 3.0), a Python
// dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded
// with spaces and a newline, then the raw C-order data.
//
// bf16: NumPy has no bfloat16. ml_dtypes' bfloat16 arrays are saved as the
// two-byte void type, so we read '<V2' and '|V2' as bf16 and write '<V2'
// (np.load gives a V2 array; `.view(ml_dtypes.bfloat16)` recovers it). Any
// other void width is refused.
//
//===----------------------------------------------------------------------===//

#include "runtime/IO/NumpyIO.h"
#include "runtime/IO/FileUtilities.h"
#include "runtime/IO/Zip.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/SwapByteOrder.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <tuple>

namespace mlir::qf::runtime {

// Data is copied as-is into host memory, so its byte order must be the file's
// (little-endian) one.
static_assert(llvm::sys::IsLittleEndianHost, "QFRuntimeIO assumes a "
                                             "little-endian host");

namespace {
constexpr llvm::StringLiteral kMagic("\x93NUMPY");
constexpr size_t kAlign = 64;
// np.save leaves room after the dict for the first dimension to grow to this
// many digits; we match it so our files are byte-identical to NumPy's.
constexpr size_t kGrowthAxisMaxDigits = 21;
// The largest array we allocate: a header may claim any shape.
constexpr uint64_t kMaxArrayBytes = uint64_t(1) << 40;
constexpr unsigned kMaxNesting = 16;

//===----------------------------------------------------------------------===//
// The header dict
//===----------------------------------------------------------------------===//

/// A Python literal of the kinds an .npy header holds.
struct PyValue {
  enum Kind { String, Int, Bool, None, Sequence } kind;
  llvm::StringRef spelling; // for diagnostics
  std::string string;
  int64_t integer = 0;
  bool boolean = false;
  std::vector<PyValue> items;
};

/// Parses the dict literal NumPy writes: string keys; string, integer,
/// True/False/None and (nested) tuple or list values; any spacing and
/// trailing commas, as Python's literal_eval would accept them.
class HeaderParser {
public:
  explicit HeaderParser(llvm::StringRef text) : text(text) {}

  llvm::Error parseDict(std::vector<std::pair<std::string, PyValue>> &entries) {
    skipSpace();
    if (!consume('{'))
      return error("expected '{'");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      llvm::Expected<PyValue> key = parseValue(0);
      if (!key)
        return key.takeError();
      if (key->kind != PyValue::String)
        return error("dict keys must be strings");
      skipSpace();
      if (!consume(':'))
        return error("expected ':'");
      llvm::Expected<PyValue> value = parseValue(0);
      if (!value)
        return value.takeError();
      entries.emplace_back(std::move(key->string), std::move(*value));
      skipSpace();
      if (consume('}'))
        break;
      if (!consume(','))
        return error("expected ',' or '}'");
    }
    // np.save pads with spaces and ends with '\n'; accept any whitespace.
    skipSpace();
    if (pos != text.size())
      return error("unexpected text after the dict");
    return llvm::Error::success();
  }

private:
  llvm::Error error(const llvm::Twine &message) const {
    return llvm::createStringError("malformed header: " + message +
                                   " at offset " + llvm::Twine(pos));
  }
  void skipSpace() {
    while (pos < text.size() && llvm::isSpace(text[pos]))
      ++pos;
  }
  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }

  llvm::Expected<PyValue> parseValue(unsigned depth) {
    skipSpace();
    if (pos == text.size())
      return error("unexpected end");
    size_t start = pos;
    llvm::Expected<PyValue> value = parseBare(depth);
    if (value)
      value->spelling = text.slice(start, pos);
    return value;
  }

  llvm::Expected<PyValue> parseBare(unsigned depth) {
    PyValue value;
    char c = text[pos];
    if (c == '\'' || c == '"') {
      ++pos;
      value.kind = PyValue::String;
      while (pos < text.size() && text[pos] != c && text[pos] != '\n') {
        if (text[pos] == '\\' && pos + 1 < text.size())
          ++pos;
        value.string += text[pos++];
      }
      if (!consume(c))
        return error("unterminated string");
      return value;
    }
    if (c == '(' || c == '[') {
      if (depth == kMaxNesting)
        return error("too deeply nested");
      char close = c == '(' ? ')' : ']';
      ++pos;
      value.kind = PyValue::Sequence;
      while (true) {
        skipSpace();
        if (consume(close))
          return value;
        llvm::Expected<PyValue> item = parseValue(depth + 1);
        if (!item)
          return item.takeError();
        value.items.push_back(std::move(*item));
        skipSpace();
        if (consume(close))
          return value;
        if (!consume(','))
          return error("expected ',' or '" + llvm::Twine(close) + "'");
      }
    }
    if (c == '-' || c == '+' || llvm::isDigit(c)) {
      bool negative = c == '-';
      if (c == '-' || c == '+')
        ++pos;
      size_t digits = pos;
      while (pos < text.size() && llvm::isDigit(text[pos]))
        ++pos;
      uint64_t magnitude;
      if (pos == digits)
        return error("expected digits");
      if (text.slice(digits, pos).getAsInteger(10, magnitude) ||
          magnitude > uint64_t(INT64_MAX))
        return error("integer " + text.slice(digits, pos) + " out of range");
      // Python 2's NumPy wrote long integers as "3L".
      if (pos < text.size() && (text[pos] == 'L' || text[pos] == 'l'))
        ++pos;
      value.kind = PyValue::Int;
      value.integer = negative ? -int64_t(magnitude) : int64_t(magnitude);
      return value;
    }
    for (auto [word, kind, boolean] :
         {std::tuple{"True", PyValue::Bool, true},
          std::tuple{"False", PyValue::Bool, false},
          std::tuple{"None", PyValue::None, false}}) {
      if (text.substr(pos).starts_with(word)) {
        pos += strlen(word);
        value.kind = kind;
        value.boolean = boolean;
        return value;
      }
    }
    return error("unexpected character '" + llvm::Twine(c) + "'");
  }

  llvm::StringRef text;
  size_t pos = 0;
};

/// Our dtype for an .npy descr; `swap` tells whether the data is big-endian.
std::optional<DType> dtypeFromDescr(llvm::StringRef descr, bool &swap) {
  if (descr.size() < 2)
    return std::nullopt;
  char order = descr[0];
  llvm::StringRef code = descr.drop_front();
  std::optional<DType> dtype = llvm::StringSwitch<std::optional<DType>>(code)
                                   .Case("f2", DType::F16)
                                   .Case("f4", DType::F32)
                                   .Case("f8", DType::F64)
                                   .Case("i1", DType::I8)
                                   .Case("u1", DType::U8)
                                   .Case("i2", DType::I16)
                                   .Case("i4", DType::I32)
                                   .Case("i8", DType::I64)
                                   .Case("b1", DType::Bool)
                                   .Case("V2", DType::BF16)
                                   .Default(std::nullopt);
  if (!dtype)
    return std::nullopt;
  // Byte order means nothing for one-byte types and for void; NumPy spells
  // those with '|'. '=' is native, little-endian here.
  bool unordered = dtypeSize(*dtype) == 1;
  swap = order == '>' && !unordered;
  switch (order) {
  case '<':
  case '=':
    return dtype;
  case '>':
    return *dtype == DType::BF16 ? std::nullopt : dtype;
  case '|':
    return unordered || *dtype == DType::BF16 ? dtype : std::nullopt;
  default:
    return std::nullopt;
  }
}

llvm::StringRef descrFor(DType dtype) {
  switch (dtype) {
  case DType::F16:
    return "<f2";
  case DType::BF16:
    return "<V2";
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::I8:
    return "|i1";
  case DType::U8:
    return "|u1";
  case DType::I16:
    return "<i2";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  case DType::Bool:
    return "|b1";
  }
  llvm_unreachable("unknown DType");
}

/// Python's repr of a shape tuple: "()", "(3,)", "(2, 3)".
std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    text += ',';
  return text + ")";
}

/// Magic, version, length and padded dict: everything before the data.
std::string npyHeader(const HostTensor &tensor) {
  std::string dict =
      "{'descr': '" + descrFor(tensor.dtype()).str() +
      "', 'fortran_order': False, 'shape': " + formatShape(tensor.shape()) +
      ", }";
  if (tensor.rank() > 0)
    dict.append(kGrowthAxisMaxDigits - std::to_string(tensor.shape()[0]).size(),
                ' ');
  // As NumPy: version 1.0 unless the length overflows its u16, and always
  // at least one byte of padding before the newline.
  size_t dictAndNewline = dict.size() + 1;
  auto paddedLength = [&](size_t prefix) {
    return dictAndNewline + kAlign - (prefix + dictAndNewline) % kAlign;
  };
  bool version1 = paddedLength(10) <= 0xFFFF;
  size_t prefix = version1 ? 10 : 12;
  size_t length = paddedLength(prefix);

  std::string header(kMagic);
  header += char(version1 ? 1 : 2);
  header += char(0);
  char lengthBytes[4];
  llvm::support::endian::write32le(lengthBytes, length);
  header.append(lengthBytes, version1 ? 2 : 4);
  header += dict;
  header.append(length - dictAndNewline, ' ');
  header += '\n';
  return header;
}

llvm::StringRef tensorBytes(const HostTensor &tensor) {
  return {static_cast<const char *>(tensor.data()), tensor.byteSize()};
}

void byteSwapElements(void *data, int64_t count, size_t size) {
  auto *bytes = static_cast<char *>(data);
  for (int64_t i = 0; i < count; ++i)
    std::reverse(bytes + i * size, bytes + (i + 1) * size);
}
} // namespace

llvm::Expected<HostTensor> parseNpy(llvm::StringRef bytes,
                                    llvm::StringRef what) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(what + ": " + message);
  };
  if (bytes.size() < 10 || !bytes.starts_with(kMagic))
    return fail("not an .npy file (bad magic)");
  unsigned major = uint8_t(bytes[6]), minor = uint8_t(bytes[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return fail("unsupported .npy version " + llvm::Twine(major) + "." +
                llvm::Twine(minor));
  size_t prefix = major == 1 ? 10 : 12;
  if (bytes.size() < prefix)
    return fail("truncated header");
  uint64_t headerLength =
      major == 1 ? llvm::support::endian::read16le(bytes.data() + 8)
                 : llvm::support::endian::read32le(bytes.data() + 8);
  if (headerLength > bytes.size() - prefix)
    return fail("header length " + llvm::Twine(headerLength) +
                " exceeds the file size (" + llvm::Twine(bytes.size()) +
                " bytes)");

  std::vector<std::pair<std::string, PyValue>> entries;
  if (llvm::Error error =
          HeaderParser(bytes.substr(prefix, headerLength)).parseDict(entries))
    return fail(llvm::toString(std::move(error)));
  const PyValue *descr = nullptr, *fortran = nullptr, *shape = nullptr;
  for (const auto &[key, value] : entries) {
    const PyValue **slot = key == "descr"           ? &descr
                           : key == "fortran_order" ? &fortran
                           : key == "shape"         ? &shape
                                                    : nullptr;
    if (!slot)
      return fail("unexpected header key '" + key + "'");
    if (*slot)
      return fail("duplicate header key '" + key + "'");
    *slot = &value;
  }
  for (auto [value, key] :
       {std::pair{descr, "descr"}, std::pair{fortran, "fortran_order"},
        std::pair{shape, "shape"}})
    if (!value)
      return fail(llvm::Twine("header is missing '") + key + "'");

  bool swap = false;
  std::optional<DType> dtype;
  if (descr->kind == PyValue::String)
    dtype = dtypeFromDescr(descr->string, swap);
  if (!dtype)
    return fail("unsupported dtype " + descr->spelling);
  if (fortran->kind != PyValue::Bool)
    return fail("'fortran_order' must be True or False, not " +
                fortran->spelling);
  if (fortran->boolean)
    return fail("Fortran-order arrays are not supported");
  if (shape->kind != PyValue::Sequence)
    return fail("'shape' must be a tuple, not " + shape->spelling);

  // Bound the size, ignoring zero dimensions as NumPy does, before anything
  // is allocated: the header may claim any shape.
  llvm::SmallVector<int64_t, 4> dims;
  uint64_t itemSize = dtypeSize(*dtype);
  uint64_t boundBytes = itemSize;
  bool empty = false;
  for (const PyValue &dim : shape->items) {
    if (dim.kind != PyValue::Int)
      return fail("shape entries must be integers, not " + dim.spelling);
    if (dim.integer < 0)
      return fail("negative dimension " + llvm::Twine(dim.integer) +
                  " in shape " + shape->spelling);
    uint64_t factor = std::max<int64_t>(dim.integer, 1);
    if (boundBytes > kMaxArrayBytes / factor)
      return fail("shape " + shape->spelling + " of " + dtypeName(*dtype) +
                  " exceeds the 2^40-byte limit");
    boundBytes *= factor;
    empty |= dim.integer == 0;
    dims.push_back(dim.integer);
  }
  uint64_t expected = empty ? 0 : boundBytes;
  uint64_t found = bytes.size() - prefix - headerLength;
  if (found < expected)
    return fail("truncated: expected " + llvm::Twine(expected) +
                " bytes of data, found " + llvm::Twine(found));
  if (found > expected)
    return fail(llvm::Twine(found - expected) +
                " unexpected trailing bytes after " + llvm::Twine(expected) +
                " bytes of data");

  HostTensor tensor(*dtype, dims);
  if (expected) {
    std::memcpy(tensor.data(), bytes.data() + prefix + headerLength, expected);
    if (swap)
      byteSwapElements(tensor.data(), tensor.numElements(), itemSize);
  }
  return tensor;
}

std::string serializeNpy(const HostTensor &tensor) {
  std::string image = npyHeader(tensor);
  image += tensorBytes(tensor);
  return image;
}

llvm::Expected<HostTensor> readNpy(llvm::StringRef path) {
  auto buffer = readFileBytes(path);
  if (!buffer)
    return buffer.takeError();
  return parseNpy((*buffer)->getBuffer(), path);
}

llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor) {
  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    os << npyHeader(tensor) << tensorBytes(tensor);
  });
}

llvm::Expected<NamedTensors> parseNpz(llvm::StringRef bytes,
                                      llvm::StringRef what) {
  NamedTensors tensors;
  llvm::StringSet<> seen;
  llvm::Error error = zip::forEachMember(
      bytes, what,
      [&](llvm::StringRef member, llvm::StringRef data) -> llvm::Error {
        llvm::StringRef name = member;
        if (!name.consume_back(".npy"))
          return llvm::createStringError(what + ": member '" + member +
                                         "' is not an .npy file");
        if (!seen.insert(name).second)
          return llvm::createStringError(what + ": duplicate member '" +
                                         member + "'");
        llvm::Expected<HostTensor> tensor =
            parseNpy(data, (what + ":" + member).str());
        if (!tensor)
          return tensor.takeError();
        tensors.emplace_back(name.str(), std::move(*tensor));
        return llvm::Error::success();
      });
  if (error)
    return std::move(error);
  return tensors;
}

llvm::Expected<NamedTensors> readNpz(llvm::StringRef path) {
  auto buffer = readFileBytes(path);
  if (!buffer)
    return buffer.takeError();
  return parseNpz((*buffer)->getBuffer(), path);
}

llvm::Error writeNpz(llvm::StringRef path, const NamedTensors &tensors) {
  llvm::StringSet<> seen;
  for (const auto &[name, tensor] : tensors) {
    if (name.size() + 4 > 0xFFFF)
      return llvm::createStringError(path + ": member name of " +
                                     llvm::Twine(name.size()) +
                                     " bytes is too long for a zip archive");
    if (!seen.insert(name).second)
      return llvm::createStringError(path + ": duplicate name '" + name + "'");
  }
  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    zip::Writer writer(os);
    for (const auto &[name, tensor] : tensors) {
      std::string header = npyHeader(tensor);
      writer.addStored(name + ".npy", {header, tensorBytes(tensor)});
    }
    writer.finish();
  });
}

} // namespace mlir::qf::runtime
