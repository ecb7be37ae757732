//===- PluginABI.h - The entry point of a backend plugin library -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A backend plugin is a shared library that exports one C function,
// `qfGetBackendPluginInfo`, returning the API version it was built against
// and a callback that registers its backends. The host refuses a library
// whose version differs from QF_BACKEND_PLUGIN_API_VERSION: the C++ classes
// it shares (BackendPlugin, the registry) may have changed layout.
//
// Plugins link against MLIR (libMLIR.so) but not against QuantForge's static
// libraries: QuantForge symbols resolve against the host tool, which exports
// them, so host and plugin share one registry.
//
//   extern "C" QF_PLUGIN_EXPORT QFBackendPluginInfo qfGetBackendPluginInfo() {
//     return {QF_BACKEND_PLUGIN_API_VERSION, "my-backend", "1.0",
//             [](mlir::qf::plugin::BackendRegistry &registry) {
//               registry.add(std::make_unique<MyBackend>());
//             }};
//   }
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_API_PLUGINABI_H
#define QF_PLUGINS_API_PLUGINABI_H

#include <cstdint>

/// Bump on any change to BackendPlugin, TargetCapabilities and CostModel (in
/// dialects/QF/QFTarget.h), BackendOptions, Artifact, BackendRegistry or
/// runtime::Executor.
#define QF_BACKEND_PLUGIN_API_VERSION 4

#define QF_PLUGIN_EXPORT __attribute__((visibility("default")))

namespace mlir::qf::plugin {
class BackendRegistry;
} // namespace mlir::qf::plugin

extern "C" {
struct QFBackendPluginInfo {
  uint32_t apiVersion;
  const char *pluginName;
  const char *pluginVersion;
  void (*registerBackends)(mlir::qf::plugin::BackendRegistry &registry);
};

/// The one symbol the host looks up.
QF_PLUGIN_EXPORT QFBackendPluginInfo qfGetBackendPluginInfo();
}

#endif // QF_PLUGINS_API_PLUGINABI_H
