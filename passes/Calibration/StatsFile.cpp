//===- StatsFile.cpp - Export and import calibration statistics -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Calibration/StatsFile.h"

#include "runtime/IO/SafeTensors.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::calibration;
using runtime::DType;
using runtime::HostTensor;

static constexpr llvm::StringLiteral kFormat = "quantforge-calibration-stats";

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

static HostTensor toTensor(ShapedType type, ArrayRef<float> values) {
  HostTensor tensor(DType::F32, type.getShape());
  std::copy(values.begin(), values.end(), tensor.dataAs<float>());
  return tensor;
}

std::string calibration::resourceName(StringRef key, int64_t id) {
  return ("qf_" + key + "_" + llvm::Twine(id)).str();
}

llvm::Error calibration::exportStats(StringRef path, const StatsById &stats) {
  runtime::SafeTensorsFile file;
  llvm::json::Array observers;
  for (const auto &[id, dict] : stats) {
    llvm::json::Object entries;
    for (NamedAttribute entry : dict) {
      StringRef key = entry.getName().getValue();
      Attribute value = entry.getValue();
      std::string tensorName = llvm::formatv("obs{0}.{1}", id, key);
      if (auto f = dyn_cast<FloatAttr>(value); f && f.getType().isF32()) {
        entries[key] = llvm::json::Object{{"f32", f.getValueAsDouble()}};
      } else if (auto i = dyn_cast<IntegerAttr>(value);
                 i && i.getType().isInteger(64)) {
        entries[key] = llvm::json::Object{{"i64", i.getInt()}};
      } else if (auto s = dyn_cast<StringAttr>(value)) {
        entries[key] = llvm::json::Object{{"string", s.getValue()}};
      } else if (auto dense = dyn_cast<DenseFPElementsAttr>(value);
                 dense && dense.getElementType().isF32()) {
        auto values = llvm::to_vector(dense.getValues<float>());
        file.tensors.emplace_back(tensorName,
                                  toTensor(dense.getType(), values));
        entries[key] = llvm::json::Object{{"tensor", tensorName}};
      } else if (auto resource =
                     dyn_cast<DenseF32ResourceElementsAttr>(value)) {
        std::optional<ArrayRef<float>> values = resource.tryGetAsArrayRef();
        if (!values)
          return error("observer " + llvm::Twine(id) + ": statistic '" + key +
                       "' has no data to export");
        file.tensors.emplace_back(tensorName,
                                  toTensor(resource.getType(), *values));
        entries[key] =
            llvm::json::Object{{"tensor", tensorName}, {"resource", true}};
      } else {
        return error("observer " + llvm::Twine(id) + ": statistic '" + key +
                     "' is not an f32, i64, string or f32 tensor");
      }
    }
    observers.push_back(
        llvm::json::Object{{"id", id}, {"entries", std::move(entries)}});
  }
  llvm::json::Value index = llvm::json::Object{
      {"format", kFormat}, {"version", 1}, {"observers", std::move(observers)}};

  if (llvm::Error e = runtime::writeSafeTensors(path, file))
    return e;
  // llvm::writeToOutput writes a temporary file and renames it.
  return llvm::writeToOutput((path + ".json").str(),
                             [&](llvm::raw_ostream &os) {
                               os << llvm::formatv("{0:2}\n", index);
                               return llvm::Error::success();
                             });
}

llvm::Expected<StatsById> calibration::importStats(StringRef path,
                                                   MLIRContext *context) {
  llvm::Expected<runtime::SafeTensorsFile> file =
      runtime::readSafeTensors(path);
  if (!file)
    return file.takeError();
  std::string indexPath = (path + ".json").str();
  auto buffer = llvm::MemoryBuffer::getFile(indexPath);
  if (!buffer)
    return error(indexPath + ": " + buffer.getError().message());
  llvm::Expected<llvm::json::Value> index =
      llvm::json::parse((*buffer)->getBuffer());
  if (!index)
    return error(indexPath + ": " + llvm::toString(index.takeError()));

  auto bad = [&](const llvm::Twine &what) {
    return error(indexPath + ": " + what);
  };
  const llvm::json::Object *root = index->getAsObject();
  if (!root || root->getString("format") != kFormat ||
      root->getInteger("version") != 1)
    return bad("not a version 1 " + kFormat + " index");
  const llvm::json::Array *observers = root->getArray("observers");
  if (!observers)
    return bad("no 'observers' array");

  Builder builder(context);
  StatsById stats;
  for (const llvm::json::Value &observer : *observers) {
    const llvm::json::Object *object = observer.getAsObject();
    std::optional<int64_t> id =
        object ? object->getInteger("id") : std::nullopt;
    const llvm::json::Object *entries =
        object ? object->getObject("entries") : nullptr;
    if (!id || !entries)
      return bad("an observer without an integer 'id' and 'entries'");
    if (stats.count(*id))
      return bad("observer " + llvm::Twine(*id) + " appears twice");
    SmallVector<NamedAttribute> attrs;
    for (const auto &entry : *entries) {
      StringRef key = entry.first;
      const llvm::json::Value &spec = entry.second;
      const llvm::json::Object *kind = spec.getAsObject();
      auto where = [&] {
        return "observer " + std::to_string(*id) + ", '" + key.str() + "'";
      };
      if (!kind)
        return bad(where() + ": not an object");
      Attribute value;
      if (std::optional<double> f = kind->getNumber("f32"))
        value = builder.getF32FloatAttr(*f);
      else if (std::optional<int64_t> i = kind->getInteger("i64"))
        value = builder.getI64IntegerAttr(*i);
      else if (std::optional<StringRef> s = kind->getString("string"))
        value = builder.getStringAttr(*s);
      else if (std::optional<StringRef> name = kind->getString("tensor")) {
        const HostTensor *tensor = runtime::lookup(file->tensors, *name);
        if (!tensor || tensor->dtype() != DType::F32)
          return bad(where() + ": no f32 tensor '" + *name + "' in " + path);
        auto type =
            RankedTensorType::get(tensor->shape(), builder.getF32Type());
        ArrayRef<float> data(tensor->dataAs<float>(), tensor->numElements());
        if (kind->getBoolean("resource").value_or(false))
          value = DenseF32ResourceElementsAttr::get(
              type, resourceName(key, *id),
              HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
        else
          value = DenseElementsAttr::get(type, data);
      } else {
        return bad(where() + ": unknown kind");
      }
      attrs.emplace_back(builder.getStringAttr(key), value);
    }
    stats[*id] = builder.getDictionaryAttr(attrs);
  }
  return stats;
}
