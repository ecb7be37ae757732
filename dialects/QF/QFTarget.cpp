//===- QFTarget.cpp - Capabilities, costs and their registry --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFTarget.h"

#include "dialects/QF/QFQuantTypes.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qf;

CostModel::~CostModel() = default;

static std::string joinBits(const std::vector<unsigned> &bits) {
  std::string s;
  for (unsigned b : bits)
    s += (s.empty() ? "i" : "/i") + std::to_string(b);
  return s.empty() ? "none" : s;
}

static std::string joinFormats(const std::vector<WeightFormat> &formats) {
  std::string s;
  for (WeightFormat f : formats)
    s += (s.empty() ? "" : "/") + stringifyWeightFormat(f).str();
  return s.empty() ? "none" : s;
}

std::optional<std::string> TargetCapabilities::whyNot(SchemeAttr scheme) const {
  if (scheme.isTableFormat()) {
    if (!llvm::is_contained(weightFormats, scheme.getFormat()))
      return "weights of format " +
             stringifyWeightFormat(scheme.getFormat()).str() +
             " (supported: " + joinFormats(weightFormats) + ")";
    if (!scheme.isWeightOnly() && !fp8Activations)
      return std::string("FP8 activations");
    return std::nullopt;
  }
  Type weight = scheme.getWeightType();
  if (weight.isF16() || weight.isBF16()) {
    if ((weight.isF16() && !f16) || (weight.isBF16() && !bf16))
      return "no " + std::string(weight.isF16() ? "f16" : "bf16") + " weights";
    return std::nullopt;
  }
  if (!llvm::is_contained(weightBits, scheme.getWeightBits()))
    return std::to_string(scheme.getWeightBits()) +
           "-bit weights (supported: " + joinBits(weightBits) + ")";
  if (scheme.isWeightOnly() && !weightOnly)
    return std::string("weight-only schemes (float activations)");
  if (!scheme.isWeightOnly() &&
      !llvm::is_contained(actBits, scheme.getActType().getIntOrFloatBitWidth()))
    return std::to_string(scheme.getActType().getIntOrFloatBitWidth()) +
           "-bit activations (supported: " + joinBits(actBits) + ")";
  switch (scheme.getGranularity()) {
  case Granularity::per_tensor:
    if (!perTensor)
      return std::string("per-tensor weights");
    break;
  case Granularity::per_channel:
    if (!perChannel)
      return std::string("per-channel weights");
    break;
  case Granularity::per_group:
    if (!perGroup)
      return std::string("per-group weights");
    if (!groupSizes.empty() &&
        !llvm::is_contained(groupSizes, scheme.getGroupSize()))
      return "groups of " + std::to_string(scheme.getGroupSize());
    break;
  }
  if (scheme.getSymmetric() ? !symmetric : !asymmetric)
    return std::string(scheme.getSymmetric() ? "symmetric" : "asymmetric") +
           " weights";
  return std::nullopt;
}

std::optional<std::string>
TargetCapabilities::whyNotWeight(quant::QuantizedType type) const {
  unsigned bits = type.getStorageTypeIntegralWidth();
  if (!llvm::is_contained(weightBits, bits))
    return std::to_string(bits) +
           "-bit weights (supported: " + joinBits(weightBits) + ")";
  std::optional<int32_t> axis = getQuantizedAxis(type);
  if (!axis && !perTensor)
    return std::string("per-tensor weights");
  if (axis && *axis >= 0 && !perChannel)
    return std::string("per-channel weights");
  if (axis && *axis == -1) {
    if (!perGroup)
      return std::string("per-group weights");
    auto blocked = cast<quant::UniformQuantizedSubChannelType>(type);
    for (int64_t block : blocked.getBlockSizes())
      if (block > 1 && !groupSizes.empty() &&
          !llvm::is_contained(groupSizes, block))
        return "groups of " + std::to_string(block);
  }
  bool zeroPointsZero = true;
  if (auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(type)) {
    for (APInt z : blocked.getZeroPoints().getValues<APInt>())
      zeroPointsZero &= z.isZero();
  } else {
    for (int64_t z : getZeroPoints(type))
      zeroPointsZero &= z == 0;
  }
  if (zeroPointsZero ? !symmetric : !asymmetric)
    return std::string(zeroPointsZero ? "symmetric" : "asymmetric") +
           " weights";
  return std::nullopt;
}

std::optional<std::string>
TargetCapabilities::whyNotActivation(quant::QuantizedType type,
                                     bool dynamic) const {
  unsigned bits = type.getStorageTypeIntegralWidth();
  if (actBits.empty())
    return std::string("integer activations (weight-only backend)");
  if (!llvm::is_contained(actBits, bits))
    return std::to_string(bits) +
           "-bit activations (supported: " + joinBits(actBits) + ")";
  if (getQuantizedAxis(type))
    return std::string("per-channel activations");
  if (dynamic && !dynamicActivations)
    return std::string("dynamic activation quantization");
  return std::nullopt;
}

std::optional<std::string> TargetCapabilities::whyNotTableWeight() const {
  if (weightFormats.empty())
    return std::string("weights in a float-code format (qf.dequantize_table: "
                       "fp8, MX, NVFP4, NF4)");
  return std::nullopt;
}

std::optional<std::string> TargetCapabilities::whyNotFloatActivation() const {
  if (!fp8Activations)
    return std::string("activations rounded to a float format "
                       "(qf.round_to_float, qf.round_to_mx)");
  return std::nullopt;
}

std::string TargetCapabilities::describe() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "weights " << joinBits(weightBits) << ", activations "
     << (actBits.empty() ? "float only" : joinBits(actBits))
     << (weightOnly && !actBits.empty() ? " or float" : "");
  os << "; granularity";
  if (perTensor)
    os << " per-tensor";
  if (perChannel)
    os << " per-channel";
  if (perGroup) {
    os << " per-group";
    if (!groupSizes.empty()) {
      os << " (";
      llvm::interleave(groupSizes, os, "/");
      os << ")";
    }
  }
  os << "; " << (symmetric ? "symmetric" : "")
     << (symmetric && asymmetric ? "/" : "")
     << (asymmetric ? "asymmetric" : "");
  if (dynamicActivations && !actBits.empty())
    os << "; dynamic activations";
  if (f16 || bf16)
    os << "; float casts" << (f16 ? " f16" : "") << (bf16 ? " bf16" : "");
  if (!weightFormats.empty())
    os << "; float-code weights " << joinFormats(weightFormats);
  if (fp8Activations)
    os << "; FP8 activations";
  return s;
}

TargetRegistry &TargetRegistry::global() {
  // Never destroyed, like the backend registry that fills it.
  static TargetRegistry *registry = new TargetRegistry;
  return *registry;
}

void TargetRegistry::add(StringRef name, const TargetCapabilities *capabilities,
                         const CostModel *costModel) {
  std::lock_guard<std::mutex> lock(mutex);
  llvm::erase_if(targets,
                 [&](const TargetDescription &t) { return t.name == name; });
  targets.push_back({name.str(), capabilities, costModel});
}

llvm::Expected<TargetDescription> TargetRegistry::get(StringRef name) const {
  std::lock_guard<std::mutex> lock(mutex);
  std::string known;
  for (const TargetDescription &t : targets) {
    if (t.name == name)
      return t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  return llvm::createStringError(
      "unknown target '" + name.str() +
      "' (known: " + (known.empty() ? "none" : known) +
      "; load others with --load-backend-plugin=PATH)");
}
