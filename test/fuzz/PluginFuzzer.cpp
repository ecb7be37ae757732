//===- PluginFuzzer.cpp - Fuzz the backend plugin handshake
//----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// What a plugin's qfGetBackendPluginInfo returns is the plugin's word, and
// BackendRegistry::registerPlugin is what checks it after the library is
// opened (BackendRegistry::load opens it). The input describes that info:
//
//   bytes 0-3   apiVersion (little-endian)
//   byte  4     bit 0: pluginName null, bit 1: pluginVersion null,
//               bit 2: registerBackends null, bit 3: the callback
//               registers nothing
//   the rest    pluginName, up to the first NUL, then pluginVersion
//
// The registry either refuses with a message naming the plugin, or accepts
// a valid info whose callback registered a backend.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"

#include "plugins/api/BackendPlugin.h"
#include "plugins/api/PluginABI.h"
#include "plugins/api/Registry.h"

#include "llvm/Support/Endian.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {
/// A backend that compiles nothing; only its registration matters here.
class HandshakeBackend final : public BackendPlugin {
  class Cost final : public CostModel {
    FailureOr<CostEstimate> estimate(Operation *, SchemeAttr) const override {
      return failure();
    }
  };
  TargetCapabilities caps;
  Cost cost;

public:
  StringRef name() const override { return "fuzz-handshake"; }
  StringRef description() const override { return "plugin handshake test"; }
  const TargetCapabilities &capabilities() const override { return caps; }
  const CostModel &costModel() const override { return cost; }
  void buildLoweringPipeline(OpPassManager &,
                             const BackendOptions &) const override {}
  FailureOr<Artifact> emit(ModuleOp, const BackendOptions &) const override {
    return failure();
  }
};
} // namespace

static void registerOne(BackendRegistry &registry) {
  registry.add(std::make_unique<HandshakeBackend>());
}
static void registerNothing(BackendRegistry &) {}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 5)
    return 0;
  QFBackendPluginInfo info;
  info.apiVersion = llvm::support::endian::read32le(data);
  uint8_t flags = data[4];
  llvm::StringRef rest(reinterpret_cast<const char *>(data) + 5, size - 5);
  auto [name, version] = rest.split('\0');
  std::string nameStorage = name.str(), versionStorage = version.str();
  info.pluginName = flags & 1 ? nullptr : nameStorage.c_str();
  info.pluginVersion = flags & 2 ? nullptr : versionStorage.c_str();
  info.registerBackends = flags & 4   ? nullptr
                          : flags & 8 ? registerNothing
                                      : registerOne;

  bool valid = info.apiVersion == QF_BACKEND_PLUGIN_API_VERSION &&
               info.pluginName && *info.pluginName && info.pluginVersion &&
               info.registerBackends == registerOne;
  BackendRegistry &registry = BackendRegistry::global();
  llvm::Error error = registry.registerPlugin(info, "fuzz-plugin.so");
  if (error) {
    std::string message = llvm::toString(std::move(error));
    QF_FUZZ_CHECK(!valid, "a valid plugin was refused: " + message);
    QF_FUZZ_CHECK(llvm::StringRef(message).contains("'fuzz-plugin.so'"),
                  "the refusal does not name the plugin: " + message);
    return 0;
  }
  QF_FUZZ_CHECK(valid, "an invalid plugin was accepted");
  QF_FUZZ_CHECK(registry.lookup("fuzz-handshake"), "no backend registered");
  return 0;
}
