//===- AsanOptions.cpp - AddressSanitizer defaults for fuzz targets -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Only QuantForge's code is instrumented; libMLIR.so and libLLVM.so are
// Debian's. LLVM's BumpPtrAllocator poisons a new slab when its inline code
// is compiled with ASan (our side) and unpoisons each allocation only there,
// so an allocation the uninstrumented library makes from the same slab
// (StringAttr::get in the uniquer) looks like use-after-poison. Manual
// poisoning is turned off; ASan's own redzones and heap checks stay.
// make check-sanitize and scripts/fuzz.sh set the same in ASAN_OPTIONS.
//
//===----------------------------------------------------------------------===//

extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}
