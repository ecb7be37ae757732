//===- Registry.cpp - Backends by name, built-in and loaded ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/api/Registry.h"

#include "plugins/api/PluginABI.h"

#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

BackendRegistry &BackendRegistry::global() {
  // Never destroyed: plugin libraries may be unloaded at exit before static
  // destructors run, and the backends' destructors live in them.
  static BackendRegistry *registry = new BackendRegistry;
  return *registry;
}

void BackendRegistry::add(std::unique_ptr<BackendPlugin> plugin) {
  const BackendPlugin *added = plugin.get();
  {
    std::lock_guard<std::mutex> lock(mutex);
    llvm::erase_if(plugins, [&](const std::unique_ptr<BackendPlugin> &p) {
      return p->name() == added->name();
    });
    plugins.push_back(std::move(plugin));
  }
  TargetRegistry::global().add(added->name(), &added->capabilities(),
                               &added->costModel());
  // Probe once: a backend without an executor on this machine registers none.
  if (added->createExecutor())
    runtime::ExecutorRegistry::global().add(
        added->name(), [added] { return added->createExecutor(); });
}

const BackendPlugin *BackendRegistry::lookup(StringRef name) const {
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto &p : plugins)
    if (p->name() == name)
      return p.get();
  return nullptr;
}

llvm::Expected<const BackendPlugin *>
BackendRegistry::get(StringRef name) const {
  if (const BackendPlugin *p = lookup(name))
    return p;
  std::string known;
  for (const BackendPlugin *p : backends())
    known += (known.empty() ? "" : ", ") + p->name().str();
  return llvm::createStringError(
      "unknown backend '" + name.str() +
      "' (known: " + (known.empty() ? "none" : known) +
      "; load others with --load-backend-plugin=PATH)");
}

std::vector<const BackendPlugin *> BackendRegistry::backends() const {
  std::lock_guard<std::mutex> lock(mutex);
  std::vector<const BackendPlugin *> result;
  for (const auto &p : plugins)
    result.push_back(p.get());
  return result;
}

static llvm::Error pluginError(StringRef path, const Twine &why) {
  return llvm::createStringError("cannot load backend plugin '" + path +
                                 "': " + why);
}

llvm::Error BackendRegistry::load(StringRef path) {
  auto fail = [&](const Twine &why) { return pluginError(path, why); };
  if (!llvm::sys::fs::exists(path))
    return fail("no such file");
  std::string error;
  auto library = llvm::sys::DynamicLibrary::getPermanentLibrary(
      path.str().c_str(), &error);
  if (!library.isValid())
    return fail(error);
  auto getInfo = reinterpret_cast<QFBackendPluginInfo (*)()>(
      library.getAddressOfSymbol("qfGetBackendPluginInfo"));
  if (!getInfo)
    return fail("it does not export qfGetBackendPluginInfo; is it a "
                "QuantForge backend plugin?");
  return registerPlugin(getInfo(), path);
}

llvm::Error BackendRegistry::registerPlugin(const QFBackendPluginInfo &info,
                                            StringRef path) {
  auto fail = [&](const Twine &why) { return pluginError(path, why); };
  if (info.apiVersion != QF_BACKEND_PLUGIN_API_VERSION)
    return fail("it was built for backend plugin API version " +
                Twine(info.apiVersion) + ", this QuantForge has version " +
                Twine(QF_BACKEND_PLUGIN_API_VERSION) +
                "; rebuild the plugin against this QuantForge");
  if (!info.pluginName || !*info.pluginName)
    return fail("its info has no plugin name");
  if (!info.pluginVersion)
    return fail("its info has no plugin version");
  if (!info.registerBackends)
    return fail("its registration callback is null");
  // A plugin may replace a backend of the same name (a new object); one
  // that adds or replaces nothing is broken.
  std::vector<const BackendPlugin *> before = backends();
  info.registerBackends(*this);
  if (backends() == before)
    return fail("it registered no backend");
  return llvm::Error::success();
}

void BackendRegistry::print(llvm::raw_ostream &os) const {
  for (const BackendPlugin *p : backends()) {
    os << p->name() << ": " << p->description() << "\n";
    os << "  capabilities: " << p->capabilities().describe() << "\n";
    if (p->createExecutor())
      os << "  executor: available\n";
    else
      os << "  executor: not on this machine (" << p->whyNoExecutor() << ")\n";
  }
}
