//===- SafeTensors.cpp - safetensors files --------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Follows the reference implementation (huggingface/safetensors): the same
// 100 MB header limit, dtype names and space padding of the header to a
// multiple of 8 bytes. Reading differs in two ways: unused bytes between or
// after tensors are allowed (the reference wants the data contiguous), and a
// key repeated in the header is an error (JSON parsers, the reference's
// included, silently keep one of them).
//
//===----------------------------------------------------------------------===//

#include "runtime/IO/SafeTensors.h"
#include "runtime/IO/FileUtilities.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <tuple>

namespace mlir::qf::runtime {

static_assert(llvm::sys::IsLittleEndianHost, "QFRuntimeIO assumes a "
                                             "little-endian host");

namespace {
constexpr uint64_t kMaxHeaderSize = 100'000'000;
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 40;
constexpr llvm::StringLiteral kMetadataKey("__metadata__");

std::optional<DType> dtypeFromName(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("F16", DType::F16)
      .Case("BF16", DType::BF16)
      .Case("F32", DType::F32)
      .Case("F64", DType::F64)
      .Case("I8", DType::I8)
      .Case("U8", DType::U8)
      .Case("I16", DType::I16)
      .Case("I32", DType::I32)
      .Case("I64", DType::I64)
      .Case("BOOL", DType::Bool)
      .Default(std::nullopt);
}

llvm::StringRef nameForDType(DType dtype) {
  switch (dtype) {
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::F32:
    return "F32";
  case DType::F64:
    return "F64";
  case DType::I8:
    return "I8";
  case DType::U8:
    return "U8";
  case DType::I16:
    return "I16";
  case DType::I32:
    return "I32";
  case DType::I64:
    return "I64";
  case DType::Bool:
    return "BOOL";
  }
  llvm_unreachable("unknown DType");
}

/// The top-level keys of a JSON object, in text order, repeats included:
/// llvm::json::Object keeps neither. `text` must already parse as an object.
std::optional<std::vector<std::string>> topLevelKeys(llvm::StringRef text) {
  std::vector<std::string> keys;
  int depth = 0;
  bool expectKey = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      size_t start = i++;
      for (; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      if (depth == 1 && expectKey) {
        // Let the JSON parser undo the escapes.
        llvm::Expected<llvm::json::Value> key =
            llvm::json::parse(text.slice(start, i + 1));
        if (!key) {
          llvm::consumeError(key.takeError());
          return std::nullopt;
        }
        keys.push_back(key->getAsString().value_or("").str());
        expectKey = false;
      }
    } else if (c == '{' || c == '[') {
      expectKey = ++depth == 1;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expectKey = true;
    }
  }
  return keys;
}

/// The bytes `tensor`'s dtype and shape take.
uint64_t byteSize(const TensorView &tensor) {
  uint64_t bytes = dtypeSize(tensor.dtype);
  for (int64_t dim : tensor.shape)
    bytes *= dim;
  return bytes;
}

/// One header entry, validated against the data section.
struct Entry {
  std::string name;
  DType dtype;
  llvm::SmallVector<int64_t, 4> shape;
  uint64_t begin;
  uint64_t end;
};

/// Validates the header entry `name: value`; errors omit the file name.
llvm::Expected<Entry> parseEntry(llvm::StringRef name,
                                 const llvm::json::Value &value,
                                 uint64_t dataSize) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError("tensor '" + name + "': " + message);
  };
  const llvm::json::Object *object = value.getAsObject();
  if (!object)
    return fail("not a JSON object");
  Entry entry;
  entry.name = name.str();

  std::optional<llvm::StringRef> dtypeText = object->getString("dtype");
  if (!dtypeText)
    return fail("missing string 'dtype'");
  std::optional<DType> dtype = dtypeFromName(*dtypeText);
  if (!dtype)
    return fail("unsupported dtype '" + *dtypeText + "'");
  entry.dtype = *dtype;

  const llvm::json::Array *shape = object->getArray("shape");
  if (!shape)
    return fail("missing array 'shape'");
  // Bound the size, ignoring zero dimensions, so the product cannot overflow
  // anywhere later.
  uint64_t itemSize = dtypeSize(*dtype);
  uint64_t boundBytes = itemSize;
  bool empty = false;
  for (const llvm::json::Value &dimValue : *shape) {
    std::optional<int64_t> dim = dimValue.getAsInteger();
    if (!dim || *dim < 0)
      return fail("shape entries must be non-negative integers");
    uint64_t factor = std::max<int64_t>(*dim, 1);
    if (boundBytes > kMaxTensorBytes / factor)
      return fail("shape exceeds the 2^40-byte limit");
    boundBytes *= factor;
    empty |= *dim == 0;
    entry.shape.push_back(*dim);
  }
  uint64_t bytes = empty ? 0 : boundBytes;

  const llvm::json::Array *offsets = object->getArray("data_offsets");
  std::optional<uint64_t> begin, end;
  if (offsets && offsets->size() == 2) {
    begin = (*offsets)[0].getAsUINT64();
    end = (*offsets)[1].getAsUINT64();
  }
  if (!begin || !end)
    return fail("'data_offsets' must be two non-negative integers");
  entry.begin = *begin;
  entry.end = *end;
  std::string offsetsText = "data_offsets [" + std::to_string(*begin) + ", " +
                            std::to_string(*end) + "]";
  if (*begin > *end || *end > dataSize)
    return fail(offsetsText + " lie outside the data section of " +
                llvm::Twine(dataSize) + " bytes");
  if (*end - *begin != bytes)
    return fail(offsetsText + " hold " + llvm::Twine(*end - *begin) +
                " bytes but " + nameForDType(*dtype) + " of this shape needs " +
                llvm::Twine(bytes));
  return entry;
}
} // namespace

/// The header of `bytes`, validated, as views into `bytes`.
static llvm::Expected<MappedSafeTensors> parseViews(llvm::StringRef bytes,
                                                    llvm::StringRef what) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(what + ": " + message);
  };
  if (bytes.size() < 8)
    return fail("too short for a safetensors header length");
  uint64_t headerSize = llvm::support::endian::read64le(bytes.data());
  if (headerSize > kMaxHeaderSize)
    return fail("header length " + llvm::Twine(headerSize) +
                " exceeds the 100 MB limit");
  if (headerSize > bytes.size() - 8)
    return fail("header length " + llvm::Twine(headerSize) +
                " exceeds the file size (" + llvm::Twine(bytes.size()) +
                " bytes)");
  llvm::Expected<llvm::json::Value> header =
      llvm::json::parse(bytes.substr(8, headerSize));
  if (!header)
    return fail("invalid JSON header: " + llvm::toString(header.takeError()));
  const llvm::json::Object *root = header->getAsObject();
  if (!root)
    return fail("the header is not a JSON object");
  llvm::StringRef data = bytes.substr(8 + headerSize);

  std::optional<std::vector<std::string>> keys =
      topLevelKeys(bytes.substr(8, headerSize));
  if (!keys)
    return fail("cannot list the header keys");
  if (keys->size() != root->size()) {
    llvm::StringSet<> seen;
    for (const std::string &key : *keys)
      if (!seen.insert(key).second)
        return fail("key '" + key + "' appears twice in the header");
    return fail("cannot list the header keys");
  }

  MappedSafeTensors file;
  std::vector<Entry> entries;
  for (const std::string &key : *keys) {
    const llvm::json::Value *found = root->get(key);
    if (!found)
      return fail("cannot list the header keys");
    const llvm::json::Value &value = *found;
    if (llvm::StringRef(key) == kMetadataKey) {
      if (value.kind() == llvm::json::Value::Null)
        continue;
      const llvm::json::Object *metadata = value.getAsObject();
      if (!metadata)
        return fail("'__metadata__' is not a JSON object");
      for (const auto &[metaKey, metaValue] : *metadata) {
        std::optional<llvm::StringRef> text = metaValue.getAsString();
        if (!text)
          return fail("'__metadata__' value of '" + metaKey.str() +
                      "' is not a string");
        file.metadata[metaKey.str()] = text->str();
      }
      continue;
    }
    llvm::Expected<Entry> entry = parseEntry(key, value, data.size());
    if (!entry)
      return fail(llvm::toString(entry.takeError()));
    entries.push_back(std::move(*entry));
  }

  // Tensors stay in header order; overlaps show in data order. Empty tensors
  // own no bytes and so overlap nothing.
  std::vector<const Entry *> byOffset;
  for (const Entry &entry : entries)
    if (entry.begin != entry.end)
      byOffset.push_back(&entry);
  llvm::sort(byOffset, [](const Entry *a, const Entry *b) {
    return std::tie(a->begin, a->end) < std::tie(b->begin, b->end);
  });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i]->begin < byOffset[i - 1]->end)
      return fail("tensors '" + byOffset[i - 1]->name + "' and '" +
                  byOffset[i]->name + "' overlap");

  for (Entry &entry : entries)
    file.tensors.push_back({std::move(entry.name), entry.dtype, entry.shape,
                            llvm::ArrayRef<char>(data.data() + entry.begin,
                                                 entry.end - entry.begin)});
  return file;
}

llvm::Expected<SafeTensorsFile> parseSafeTensors(llvm::StringRef bytes,
                                                 llvm::StringRef what) {
  llvm::Expected<MappedSafeTensors> views = parseViews(bytes, what);
  if (!views)
    return views.takeError();
  SafeTensorsFile file;
  file.metadata = std::move(views->metadata);
  for (TensorView &view : views->tensors) {
    HostTensor tensor(view.dtype, view.shape);
    if (!view.bytes.empty())
      std::memcpy(tensor.data(), view.bytes.data(), view.bytes.size());
    file.tensors.emplace_back(std::move(view.name), std::move(tensor));
  }
  return file;
}

const TensorView *MappedSafeTensors::lookup(llvm::StringRef name) const {
  for (const TensorView &view : tensors)
    if (view.name == name)
      return &view;
  return nullptr;
}

llvm::Expected<MappedSafeTensors> mapSafeTensors(llvm::StringRef path) {
  auto buffer = readFileBytes(path);
  if (!buffer)
    return buffer.takeError();
  std::shared_ptr<llvm::MemoryBuffer> mapping = std::move(*buffer);
  llvm::Expected<MappedSafeTensors> file =
      parseViews(mapping->getBuffer(), path);
  if (file)
    file->mapping = std::move(mapping);
  return file;
}

llvm::Expected<SafeTensorsFile> readSafeTensors(llvm::StringRef path) {
  auto buffer = readFileBytes(path);
  if (!buffer)
    return buffer.takeError();
  return parseSafeTensors((*buffer)->getBuffer(), path);
}

llvm::Error
writeSafeTensors(llvm::StringRef path, llvm::ArrayRef<TensorView> tensors,
                 const std::map<std::string, std::string> &metadata) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(path + ": " + message);
  };
  // JSON strings must be UTF-8; the names are caller data, so check rather
  // than let llvm::json assert.
  llvm::StringSet<> seen;
  for (const TensorView &tensor : tensors) {
    llvm::StringRef name = tensor.name;
    if (name == kMetadataKey)
      return fail("'__metadata__' cannot name a tensor");
    if (!llvm::json::isUTF8(name))
      return fail("tensor name '" + name + "' is not valid UTF-8");
    if (!seen.insert(name).second)
      return fail("duplicate tensor name '" + name + "'");
    if (tensor.bytes.size() != byteSize(tensor))
      return fail("tensor '" + name + "' has " +
                  llvm::Twine(tensor.bytes.size()) + " bytes for its shape's " +
                  llvm::Twine(byteSize(tensor)));
  }
  for (const auto &[key, value] : metadata)
    if (!llvm::json::isUTF8(key) || !llvm::json::isUTF8(value))
      return fail("metadata entry '" + key + "' is not valid UTF-8");

  // llvm::json::OStream keeps our key order: tensors in the given order,
  // which is also the order of their data, as the reference writes them.
  std::string header;
  {
    llvm::raw_string_ostream os(header);
    llvm::json::OStream json(os);
    json.object([&] {
      if (!metadata.empty())
        json.attributeObject(kMetadataKey, [&] {
          for (const auto &[key, value] : metadata)
            json.attribute(key, value);
        });
      int64_t offset = 0;
      for (const TensorView &tensor : tensors) {
        int64_t end = offset + tensor.bytes.size();
        json.attributeObject(tensor.name, [&] {
          json.attribute("dtype", nameForDType(tensor.dtype));
          json.attributeArray("shape", [&] {
            for (int64_t dim : tensor.shape)
              json.value(dim);
          });
          json.attributeArray("data_offsets", [&] {
            json.value(offset);
            json.value(end);
          });
        });
        offset = end;
      }
    });
  }
  // As the reference: pad with spaces so the data starts 8-byte aligned.
  header.append((8 - header.size() % 8) % 8, ' ');

  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    char length[8];
    llvm::support::endian::write64le(length, header.size());
    os.write(length, sizeof(length));
    os << header;
    for (const TensorView &tensor : tensors)
      os.write(tensor.bytes.data(), tensor.bytes.size());
  });
}

llvm::Error writeSafeTensors(llvm::StringRef path,
                             const SafeTensorsFile &file) {
  std::vector<TensorView> views;
  for (const auto &[name, tensor] : file.tensors)
    views.push_back(
        {name, tensor.dtype(), llvm::SmallVector<int64_t, 4>(tensor.shape()),
         llvm::ArrayRef<char>(static_cast<const char *>(tensor.data()),
                              tensor.byteSize())});
  return writeSafeTensors(path, views, file.metadata);
}

} // namespace mlir::qf::runtime
