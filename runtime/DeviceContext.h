//===- DeviceContext.h - A device runtime's process-wide state --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Shared by the device runtimes (Vulkan, CUDA): one context per process,
// initialized on first use and never destroyed (drivers may be unloaded
// before static destructors run), that either holds a usable device or says
// why there is none.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_DEVICECONTEXT_H
#define QF_RUNTIME_DEVICECONTEXT_H

#include <string>

namespace mlir::qf::runtime {

/// `Derived` defines `bool initialize()`, filling `deviceInfo` or calling
/// fail(reason).
template <typename Derived, typename Info> class DeviceContext {
public:
  static Derived &get() {
    static Derived *context = [] {
      auto *c = new Derived;
      c->ready = c->initialize();
      return c;
    }();
    return *context;
  }

  /// The device, or nullptr with the reason in `whyNot`.
  const Info *info(std::string *whyNot) const {
    if (!ready && whyNot)
      *whyNot = failure;
    return ready ? &deviceInfo : nullptr;
  }

protected:
  bool fail(const std::string &why) {
    failure = why;
    return false;
  }

  Info deviceInfo;

private:
  bool ready = false;
  std::string failure;
};

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_DEVICECONTEXT_H
