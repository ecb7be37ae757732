//===- Registry.h - Backends by name, built-in and loaded -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_API_REGISTRY_H
#define QF_PLUGINS_API_REGISTRY_H

#include "plugins/api/BackendPlugin.h"

#include "llvm/Support/Error.h"

#include <mutex>

struct QFBackendPluginInfo;

namespace mlir::qf::plugin {

class BackendRegistry {
public:
  /// The process-wide registry tools and passes use.
  static BackendRegistry &global();

  /// Adds a backend; a later backend of the same name replaces the earlier
  /// one. A backend with an executor also becomes a runtime executor of the
  /// same name (runtime::ExecutorRegistry), so `qf-run --backend NAME` and
  /// `qf-calibrate{backend=NAME}` find it.
  void add(std::unique_ptr<BackendPlugin> plugin);
  /// The backend called `name`, or nullptr.
  const BackendPlugin *lookup(StringRef name) const;
  /// The backend called `name`, or an error that lists the known ones.
  llvm::Expected<const BackendPlugin *> get(StringRef name) const;
  std::vector<const BackendPlugin *> backends() const;

  /// Loads a plugin library (PluginABI.h) and registers its backends. A
  /// missing file or entry point, or another API version, is an error.
  llvm::Error load(StringRef path);
  /// The checks `load` makes of what the entry point returned, then the
  /// registration: the API version, the names, a non-null callback that
  /// registers at least one backend. `path` names the plugin in errors.
  llvm::Error registerPlugin(const QFBackendPluginInfo &info, StringRef path);

  /// One paragraph per backend: name, description, capabilities.
  void print(llvm::raw_ostream &os) const;

private:
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<BackendPlugin>> plugins;
};

} // namespace mlir::qf::plugin

#endif // QF_PLUGINS_API_REGISTRY_H
